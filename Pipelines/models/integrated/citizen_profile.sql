-- description: PERSONAL DATA (Decree 13/2023/NĐ-CP; grant to officers only). One row per person: identity, ward, last health encounter, labour claims; what integrated.citizen_360 shows besides the insurance status, kept apart because the insurance status moves every month for everyone.
-- personal: person_id (identifier), cccd (identifier), cmnd (identifier), full_name (name), birth_date (birth_date), phone (contact)
-- unique_key: person_id
-- indexes: ward_code
-- materialized: incremental
-- incremental_keys: SELECT person_id FROM {{ changes('core.person') }}
-- incremental_keys: UNION SELECT person_id FROM {{ changes('core.health_encounter') }} WHERE person_id IS NOT NULL
-- incremental_keys: UNION SELECT person_id FROM {{ changes('core.labour_claim') }} WHERE person_id IS NOT NULL
WITH last_visit AS (
    SELECT DISTINCT ON (person_id) person_id, discharged_at, diagnosis_icd10, facility_code
    FROM {{ ref('core.health_encounter') }} WHERE person_id IS NOT NULL AND {{ affected('person_id') }}
    ORDER BY person_id, discharged_at DESC, claim_id
),
claims AS (
    SELECT person_id, count(*) AS labour_claims, max(claim_date) AS last_claim_date,
           (array_agg(status ORDER BY claim_date DESC, claim_id))[1] AS last_claim_status
    FROM {{ ref('core.labour_claim') }} WHERE person_id IS NOT NULL AND {{ affected('person_id') }} GROUP BY person_id
)
SELECT
    p.person_id,
    p.cccd,
    p.cmnd,
    p.full_name,
    p.birth_date,
    p.sex,
    p.ward_code,
    p.phone,
    v.discharged_at AS last_encounter_at,
    v.diagnosis_icd10 AS last_encounter_diagnosis,
    v.facility_code AS last_encounter_facility,
    coalesce(l.labour_claims, 0) AS labour_claims,
    l.last_claim_date,
    l.last_claim_status
FROM {{ ref('core.person') }} AS p
LEFT JOIN last_visit AS v USING (person_id)
LEFT JOIN claims AS l USING (person_id)
WHERE {{ affected('p.person_id') }}
