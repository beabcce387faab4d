-- description: One row per enterprise (branches under their parent): tax code, name, VSIC, status, ward, its branches, insured employees in the latest insurance period (the enterprise and its branches), tax paid in the last 12 months of payments (to the latest payment date in the data), the legal representative's person id.
-- personal: legal_rep_person_id (identifier)
-- unique_key: tax_code
-- indexes: ward_code; legal_rep_person_id
WITH period AS (SELECT max(period) AS period FROM {{ ref('core.insurance_coverage') }}),
last_paid AS (SELECT max(paid_on) AS day FROM {{ ref('core.tax_payment') }}),
families AS (
    SELECT tax_code, coalesce(parent_tax_code, tax_code) AS family FROM {{ ref('core.enterprise') }}
),
insured AS (
    -- (The period as a value, not a join, lets PostgreSQL read the latest month's partition alone.)
    SELECT f.family, count(DISTINCT c.person_id) AS insured_employees
    FROM {{ ref('core.insurance_coverage') }} AS c
    JOIN families AS f ON f.tax_code = c.enterprise_tax_code
    WHERE c.period = (SELECT period FROM period) AND c.person_id IS NOT NULL
    GROUP BY f.family
),
paid AS (
    SELECT f.family, sum(t.amount) AS tax_paid_12m
    FROM {{ ref('core.tax_payment') }} AS t, last_paid AS l, families AS f
    WHERE f.tax_code = t.enterprise_tax_code AND t.paid_on > l.day - interval '12 months'
    GROUP BY f.family
),
branches AS (
    SELECT parent_tax_code, count(*) AS branches, array_agg(tax_code ORDER BY tax_code) AS branch_codes
    FROM {{ ref('core.enterprise') }} WHERE parent_tax_code IS NOT NULL GROUP BY parent_tax_code
)
SELECT
    e.tax_code,
    e.name,
    e.vsic,
    e.status,
    e.active,
    e.ward_code,
    e.capital,
    coalesce(b.branches, 0) AS branches,
    coalesce(b.branch_codes, '{}') AS branch_codes,
    coalesce(i.insured_employees, 0) AS insured_employees,
    coalesce(p.tax_paid_12m, 0) AS tax_paid_12m,
    e.legal_rep_person_id,
    e.registered_on
FROM {{ ref('core.enterprise') }} AS e
LEFT JOIN branches AS b ON b.parent_tax_code = e.tax_code
LEFT JOIN insured AS i ON i.family = e.tax_code
LEFT JOIN paid AS p ON p.family = e.tax_code
WHERE NOT e.is_branch
