-- description: PERSONAL DATA (Decree 13/2023/NĐ-CP; grant to officers only). One row per person: identity, ward, insurance status in the latest period of the insurance data (insurance_period; scheme, employer), last health encounter, labour claims. A view: integrated.citizen_profile joined with the latest month of core.insurance_coverage and the person's latest claim of core.health_encounter, so that a new month of either rewrites no row of the profile.
-- personal: person_id (identifier), cccd (identifier), cmnd (identifier), full_name (name), birth_date (birth_date), phone (contact)
-- unique_key: person_id
-- materialized: view
-- (A person's filter reaches the coverage by its (period, person_id) index: the person_id of the DISTINCT ON below
-- is pushed into it; a whole read joins the latest month's partition alone. The last encounter is looked up by the
-- person_id index of core.health_encounter, for the rows read only: a person has a claim or two.)
WITH period AS (SELECT max(period) AS period FROM {{ ref('core.insurance_coverage') }})
SELECT
    p.person_id,
    p.cccd,
    p.cmnd,
    p.full_name,
    p.birth_date,
    p.sex,
    p.ward_code,
    p.phone,
    c.person_id IS NOT NULL AS insured,
    (SELECT period FROM period) AS insurance_period,
    c.scheme AS insurance_scheme,
    c.enterprise_tax_code AS employer_tax_code,
    e.name AS employer_name,
    v.discharged_at AS last_encounter_at,
    v.diagnosis_icd10 AS last_encounter_diagnosis,
    v.facility_code AS last_encounter_facility,
    p.labour_claims,
    p.last_claim_date,
    p.last_claim_status
FROM {{ ref('integrated.citizen_profile') }} AS p
LEFT JOIN (
    SELECT DISTINCT ON (c.person_id) c.person_id, c.scheme, c.enterprise_tax_code
    FROM {{ ref('core.insurance_coverage') }} AS c
    WHERE c.period = (SELECT period FROM period) AND c.person_id IS NOT NULL
    ORDER BY c.person_id, (c.scheme = 'BB') DESC, c.enterprise_tax_code NULLS LAST
) AS c USING (person_id)
LEFT JOIN {{ ref('core.enterprise') }} AS e ON e.tax_code = c.enterprise_tax_code
LEFT JOIN LATERAL (
    SELECT h.discharged_at, h.diagnosis_icd10, h.facility_code
    FROM {{ ref('core.health_encounter') }} AS h
    WHERE h.person_id = p.person_id
    ORDER BY h.discharged_at DESC, h.claim_id
    LIMIT 1
) AS v ON true
