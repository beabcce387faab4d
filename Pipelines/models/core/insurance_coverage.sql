-- description: Social and health insurance participation, one row per insurance number and month: the person it links to (see core.person_link), the employer's tax code and enterprise, the scheme.
-- personal: insurance_code (identifier), person_id (identifier)
-- unique_key: insurance_code, period
-- indexes: person_id, period; employer_tax_code, period; period
-- materialized: incremental
-- incremental_keys: SELECT insurance_code, period FROM {{ changes('core.clean_insurance') }}
-- incremental_keys: UNION SELECT left(record_key, length(record_key) - strpos(reverse(record_key), '|')),
-- incremental_keys:     right(record_key, strpos(reverse(record_key), '|') - 1)::date
-- incremental_keys:     FROM {{ changes('core.person_link') }} WHERE feed = 'insurance'
-- incremental_keys: UNION SELECT i.insurance_code, i.period FROM core.clean_insurance AS i JOIN {{ changes('core.enterprise') }} AS e ON e.tax_code = i.employer_tax_code
-- incremental_keys: UNION SELECT i.insurance_code, i.period FROM core.clean_insurance AS i JOIN {{ changes('core.enterprise') }} AS e ON e.tax_code = i.employer_tax_code_parent
-- source_indexes: core.clean_insurance (employer_tax_code); core.clean_insurance (employer_tax_code_parent); core.clean_insurance (_normalized_at)
SELECT
    i.insurance_code,
    i.period,
    l.person_id,
    l.rule AS link_rule,
    i.employer_tax_code,
    coalesce(e.tax_code, parent.tax_code) AS enterprise_tax_code,
    i.scheme
FROM core.clean_insurance AS i
LEFT JOIN {{ ref('core.person_link') }} AS l ON l.feed = 'insurance' AND l.record_key = i.insurance_code || '|' || i.period::text
LEFT JOIN {{ ref('core.enterprise') }} AS e ON e.tax_code = i.employer_tax_code
LEFT JOIN {{ ref('core.enterprise') }} AS parent ON e.tax_code IS NULL AND parent.tax_code = i.employer_tax_code_parent
WHERE i._deleted_at IS NULL AND {{ affected('i.insurance_code', 'i.period') }}
