-- description: One row per person of the national population register (person_id: the normalised CCCD or CMND) (as staged and normalised): the 12-digit CCCD, or the legacy 9-digit CMND where only that is known; the canonical name and its diacritics-folded match key; birth date; sex (1 male, 2 female); current ward as a post-2025 code (the record's place: the register's ward code, narrowed or replaced by the address text where needed) and the fields that decided it (ward_source); phone in E.164; data-quality flags.
-- personal: person_id (identifier), cccd (identifier), cmnd (identifier), full_name (name), name_key (name), birth_date (birth_date), phone (contact)
-- unique_key: person_id
-- indexes: cccd; cmnd; name_key, birth_date; ward_code
-- materialized: incremental
-- incremental_keys: SELECT coalesce(citizen_id_norm, citizen_id) FROM {{ changes('core.clean_population') }}
-- source_indexes: core.clean_population (_normalized_at)
SELECT DISTINCT ON (coalesce(p.citizen_id_norm, p.citizen_id))
    coalesce(p.citizen_id_norm, p.citizen_id)                           AS person_id,
    CASE WHEN length(p.citizen_id_norm) = 12 THEN p.citizen_id_norm END AS cccd,
    CASE WHEN length(p.citizen_id_norm) = 9 THEN p.citizen_id_norm END  AS cmnd,
    p.full_name,
    p.full_name_key                                                     AS name_key,
    p.birth_date,
    p.sex,
    p._ward                                                             AS ward_code,
    p._ward_rule                                                        AS ward_source,
    p.phone,
    p.updated_at,
    coalesce(p._quality, '{}')                                          AS quality
FROM core.clean_population AS p
WHERE p._deleted_at IS NULL AND {{ affected('coalesce(p.citizen_id_norm, p.citizen_id)') }}
-- The register's duplicates (the same ID written two ways) are one person: the latest record wins.
ORDER BY coalesce(p.citizen_id_norm, p.citizen_id), p.updated_at DESC NULLS LAST, p.citizen_id
