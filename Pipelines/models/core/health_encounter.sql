-- description: Health-insurance claims (Decision 130/QĐ-BYT XML1), one row per visit (MA_LK): the person it links to (by CCCD, or by name key + birth date + ward where the claim has no ID), the post-2025 ward of residence, ICD-10 main diagnosis, admission and discharge, facility, total cost and the part insurance paid (VND).
-- personal: person_id (identifier)
-- unique_key: claim_id
-- indexes: person_id; ward_code, discharged_at; facility_code; discharged_at
-- (discharged_at alone: the latest discharge, and a month of claims, for integrated.commune_profile and facility_map.)
-- materialized: incremental
-- incremental_keys: SELECT claim_id FROM {{ changes('core.clean_health_encounters') }}
-- incremental_keys: UNION SELECT record_key FROM {{ changes('core.person_link') }} WHERE feed = 'health_encounters'
-- source_indexes: core.clean_health_encounters (_normalized_at)
SELECT
    h.claim_id,
    k.person_id,
    k.rule AS link_rule,
    k.confidence AS link_confidence,
    h._ward AS ward_code,
    h.diagnosis_icd10,
    h.encounter_type,
    h.admitted_at,
    h.discharged_at,
    h.facility_code,
    h.total_cost,
    h.insurance_paid,
    coalesce(h._quality, '{}') AS quality
FROM core.clean_health_encounters AS h
LEFT JOIN {{ ref('core.person_link') }} AS k ON k.feed = 'health_encounters' AND k.record_key = h.claim_id
WHERE h._deleted_at IS NULL AND {{ affected('h.claim_id') }}
