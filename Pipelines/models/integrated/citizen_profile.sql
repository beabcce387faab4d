-- description: PERSONAL DATA (Decree 13/2023/NĐ-CP; grant to officers only). One row per person: identity, ward, labour claims; what integrated.citizen_360 shows besides the insurance status and the last health encounter, kept apart because those move every month for many (a month of claims changed the last encounter of 29,000 people at scale 1, 76,000 at 2.6: the view looks a person's up in core.health_encounter instead).
-- personal: person_id (identifier), cccd (identifier), cmnd (identifier), full_name (name), birth_date (birth_date), phone (contact)
-- unique_key: person_id
-- indexes: ward_code
-- materialized: incremental
-- incremental_keys: SELECT person_id FROM {{ changes('core.person') }}
-- incremental_keys: UNION SELECT person_id FROM {{ changes('core.labour_claim') }} WHERE person_id IS NOT NULL
WITH claims AS (
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
    coalesce(l.labour_claims, 0) AS labour_claims,
    l.last_claim_date,
    l.last_claim_status
FROM {{ ref('core.person') }} AS p
LEFT JOIN claims AS l USING (person_id)
WHERE {{ affected('p.person_id') }}
