-- description: Links of the records of the labour and health feeds (and enterprises' legal representatives) to core.person, one row per record: by CCCD (confidence 1.0), by legacy CMND (0.98), else by name match key + birth date + ward when exactly one person fits (0.95) or name key + birth date alone when exactly one person in the province fits (0.9). Several candidates: not linked, rule 'ambiguous' with their number; none: rule 'unmatched'. Insurance records carry only a citizen ID: they are linked in core.insurance_coverage (person_id, link_rule), not here.
-- personal: record_key (identifier), person_id (identifier)
-- unique_key: feed, record_key
-- indexes: person_id; rule
-- materialized: incremental
-- incremental_keys: SELECT 'labour', claim_id FROM {{ changes('core.clean_labour') }}
-- incremental_keys: UNION SELECT 'health_encounters', claim_id FROM {{ changes('core.clean_health_encounters') }}
-- incremental_keys: UNION SELECT 'business', coalesce(tax_code_norm, tax_code) FROM {{ changes('core.clean_business') }}
-- incremental_keys: UNION SELECT l.feed, l.record_key FROM core.person_link AS l JOIN {{ changes('core.person') }} AS d ON d.person_id = l.person_id
-- incremental_keys: UNION SELECT 'labour', c.claim_id FROM core.clean_labour AS c JOIN {{ changes('core.person') }} AS d ON d.person_id = c.citizen_id
-- incremental_keys: UNION SELECT 'health_encounters', h.claim_id FROM core.clean_health_encounters AS h
-- incremental_keys:     JOIN {{ changes('core.person') }} AS d ON d.person_id = h.citizen_id
-- incremental_keys: UNION SELECT 'health_encounters', h.claim_id FROM core.clean_health_encounters AS h
-- incremental_keys:     JOIN {{ changes('core.person') }} AS d ON d.name_key = h.full_name_key AND d.birth_date = h.birth_date
-- incremental_keys: UNION SELECT 'business', coalesce(b.tax_code_norm, b.tax_code) FROM core.clean_business AS b
-- incremental_keys:     JOIN {{ changes('core.person') }} AS d ON d.person_id = b.legal_rep_citizen_id
-- source_indexes: core.clean_labour (citizen_id);
-- source_indexes: core.clean_health_encounters (citizen_id); core.clean_health_encounters (full_name_key, birth_date);
-- source_indexes: core.clean_health_encounters (_normalized_at)
WITH records AS (
    SELECT 'labour'::text AS feed, l.claim_id AS record_key, l.citizen_id AS id_number, l.full_name_key AS name_key,
           NULL::date AS birth_date, l._ward AS ward_code
    FROM core.clean_labour AS l WHERE l._deleted_at IS NULL AND {{ affected('''labour''', 'l.claim_id') }}
    UNION ALL
    SELECT 'health_encounters', h.claim_id, h.citizen_id, h.full_name_key, h.birth_date, h._ward
    FROM core.clean_health_encounters AS h WHERE h._deleted_at IS NULL AND {{ affected('''health_encounters''', 'h.claim_id') }}
    UNION ALL
    SELECT 'business', coalesce(b.tax_code_norm, b.tax_code), b.legal_rep_citizen_id, NULL, NULL::date, NULL
    FROM core.clean_business AS b WHERE b._deleted_at IS NULL AND {{ affected('''business''', 'coalesce(b.tax_code_norm, b.tax_code)') }}
),
resolved AS (
    SELECT r.*, p.person_id AS id_person
    FROM records AS r
    LEFT JOIN {{ ref('core.person') }} AS p ON p.person_id = r.id_number
),
fuzzy AS (
    SELECT r.feed, r.record_key,
           count(*) FILTER (WHERE p.ward_code = r.ward_code) AS in_ward,
           count(*) AS in_province,
           min(p.person_id) FILTER (WHERE p.ward_code = r.ward_code) AS ward_person,
           min(p.person_id) AS province_person
    FROM resolved AS r
    JOIN {{ ref('core.person') }} AS p ON p.name_key = r.name_key AND p.birth_date = r.birth_date
    WHERE r.id_person IS NULL AND r.name_key IS NOT NULL AND r.birth_date IS NOT NULL
    GROUP BY r.feed, r.record_key
)
SELECT
    r.feed,
    r.record_key,
    coalesce(r.id_person,
             CASE WHEN f.in_ward = 1 THEN f.ward_person
                  WHEN f.in_ward = 0 AND f.in_province = 1 THEN f.province_person END) AS person_id,
    CASE WHEN r.id_person IS NOT NULL THEN CASE WHEN length(r.id_number) = 12 THEN 'cccd' ELSE 'cmnd' END
         WHEN f.in_ward = 1 THEN 'name_key+birth_date+ward'
         WHEN f.in_ward = 0 AND f.in_province = 1 THEN 'name_key+birth_date'
         WHEN f.in_province > 1 THEN 'ambiguous'
         ELSE 'unmatched' END AS rule,
    CASE WHEN r.id_person IS NOT NULL THEN CASE WHEN length(r.id_number) = 12 THEN 1.0 ELSE 0.98 END
         WHEN f.in_ward = 1 THEN 0.95
         WHEN f.in_ward = 0 AND f.in_province = 1 THEN 0.9
         ELSE 0 END::numeric(3, 2) AS confidence,
    coalesce(f.in_province, CASE WHEN r.id_person IS NOT NULL THEN 1 ELSE 0 END) AS candidates
FROM resolved AS r
LEFT JOIN fuzzy AS f USING (feed, record_key)
