-- description: One row per post-2025 ward of Bắc Ninh province: residents (population register) by sex and age band (as of the day of the build); active enterprises and their insured employees; the share of residents insured; schools, pupils and pupils per teacher; job seekers and benefit claims of the reference month; health encounters of that month per 1,000 residents; the ward's boundary. Reference months: the previous calendar month, or the data's latest month when a feed ends earlier (insurance: its latest period).
-- suppress: population, male, female, age_0_14, age_15_59, age_60_plus, insured_employees, insured_people, pupils, job_seekers, benefit_claims, health_encounters
-- unique_key: ward_code
-- indexes: USING gist (geom)
-- collection: commune_profile (geom)
WITH wards AS (
    SELECT ward_code, ward_name, ward_type, geom, area_km2 FROM {{ ref('core.admin_unit') }} WHERE province_code = '24'
),
insurance_period AS (SELECT max(period) AS period FROM {{ ref('core.insurance_coverage') }}),
-- The latest period's insured people, each once (a person may hold several numbers or employers in a month).
insured_people AS (
    SELECT DISTINCT c.person_id
    FROM {{ ref('core.insurance_coverage') }} AS c
    WHERE c.period = (SELECT period FROM insurance_period) AND c.person_id IS NOT NULL
),
-- Age bands compare the birth date with the day's date less 15 or 60 years (as age() would not: it compares
-- intervals, where 14 years 11 months 30 days equals 15 years). The two dates are worked out once, as subqueries:
-- written inline, each row's comparison turned the day into a timestamp and took the interval off again, and the
-- count took 3.6 s of CPU at scale 2.6 against 1.8 s so.
-- Residents and, among them, the insured, in one read of core.person, each person looked up among the insured people
-- (hashed: 0.8 million at scale 2.6). Counted apart, core.person was read twice and the insured joined to it in a
-- second pass: 3.87-4.05 s against 3.59-3.79 s in EXPLAIN ANALYZE at 2.6 (most of either is the 3.6 million lookups).
residents AS (
    SELECT p.ward_code,
           count(*) AS population,
           count(i.person_id) AS insured_people,
           count(*) FILTER (WHERE p.sex = '1') AS male,
           count(*) FILTER (WHERE p.sex = '2') AS female,
           count(*) FILTER (WHERE p.birth_date > (SELECT (current_date - interval '15 years')::date)) AS age_0_14,
           count(*) FILTER (WHERE p.birth_date <= (SELECT (current_date - interval '15 years')::date)
                              AND p.birth_date > (SELECT (current_date - interval '60 years')::date)) AS age_15_59,
           count(*) FILTER (WHERE p.birth_date <= (SELECT (current_date - interval '60 years')::date)) AS age_60_plus
    FROM {{ ref('core.person') }} AS p LEFT JOIN insured_people AS i USING (person_id)
    GROUP BY p.ward_code
),
enterprises AS (
    SELECT e.ward_code, count(*) FILTER (WHERE e.active) AS enterprises_active
    FROM {{ ref('core.enterprise') }} AS e GROUP BY e.ward_code
),
employees AS (
    -- People insured in the latest period by an active enterprise of the ward, each once per ward.
    SELECT ward_code, count(*) AS insured_employees
    FROM (SELECT DISTINCT x.ward_code, c.person_id
          FROM {{ ref('core.insurance_coverage') }} AS c JOIN {{ ref('core.enterprise') }} AS x ON x.tax_code = c.enterprise_tax_code
          WHERE c.period = (SELECT period FROM insurance_period) AND c.person_id IS NOT NULL AND x.active) AS d
    GROUP BY ward_code
),
schools AS (
    SELECT ward_code, count(*) AS schools, sum(pupils) AS pupils, sum(teachers) AS teachers
    FROM {{ ref('core.school') }} GROUP BY ward_code
),
labour_month AS (
    SELECT least(date_trunc('month', current_date) - interval '1 month', date_trunc('month', max(claim_date)))::date AS month
    FROM {{ ref('core.labour_claim') }}
),
labour AS (
    SELECT c.ward_code,
           count(*) FILTER (WHERE c.kind = 'TIMVIEC') AS job_seekers,
           count(*) FILTER (WHERE c.kind = 'TCTN') AS benefit_claims
    FROM {{ ref('core.labour_claim') }} AS c, labour_month AS m
    WHERE c.claim_date >= m.month AND c.claim_date < m.month + interval '1 month'
    GROUP BY c.ward_code
),
-- The latest discharge read from the index on discharged_at, then put in Vietnam's time (which has no summer
-- time, so the latest instant is the latest local time too).
health_month AS (
    SELECT least(date_trunc('month', current_date) - interval '1 month',
                 date_trunc('month', max(discharged_at) AT TIME ZONE 'Asia/Ho_Chi_Minh'))::date AS month
    FROM {{ ref('core.health_encounter') }}
),
health AS (
    SELECT h.ward_code, count(*) AS encounters
    FROM {{ ref('core.health_encounter') }} AS h, health_month AS m
    WHERE h.discharged_at >= m.month::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'
      AND h.discharged_at < (m.month + interval '1 month') AT TIME ZONE 'Asia/Ho_Chi_Minh'
    GROUP BY h.ward_code
)
SELECT
    w.ward_code,
    w.ward_name,
    w.ward_type,
    coalesce(r.population, 0) AS population,
    coalesce(r.male, 0) AS male,
    coalesce(r.female, 0) AS female,
    coalesce(r.age_0_14, 0) AS age_0_14,
    coalesce(r.age_15_59, 0) AS age_15_59,
    coalesce(r.age_60_plus, 0) AS age_60_plus,
    coalesce(e.enterprises_active, 0) AS enterprises_active,
    coalesce(y.insured_employees, 0) AS insured_employees,
    (SELECT period FROM insurance_period) AS insurance_period,
    coalesce(r.insured_people, 0) AS insured_people,
    round(coalesce(r.insured_people, 0)::numeric / nullif(r.population, 0), 4) AS insurance_coverage_rate,
    coalesce(s.schools, 0) AS schools,
    coalesce(s.pupils, 0) AS pupils,
    round(s.pupils::numeric / nullif(s.teachers, 0), 1) AS pupils_per_teacher,
    (SELECT month FROM labour_month) AS labour_month,
    coalesce(l.job_seekers, 0) AS job_seekers,
    coalesce(l.benefit_claims, 0) AS benefit_claims,
    (SELECT month FROM health_month) AS health_month,
    coalesce(h.encounters, 0) AS health_encounters,
    round(coalesce(h.encounters, 0) * 1000.0 / nullif(r.population, 0), 1) AS health_encounters_per_1000,
    w.area_km2,
    w.geom
FROM wards AS w
LEFT JOIN residents AS r USING (ward_code)
LEFT JOIN enterprises AS e USING (ward_code)
LEFT JOIN employees AS y USING (ward_code)
LEFT JOIN schools AS s USING (ward_code)
LEFT JOIN labour AS l USING (ward_code)
LEFT JOIN health AS h USING (ward_code)
ORDER BY w.ward_code
