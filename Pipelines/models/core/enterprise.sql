-- description: One row per registered enterprise or branch: canonical tax code, the parent enterprise's code (a branch's 10 first digits, which must be a registered enterprise to link), VSIC industry, capital (VND), status, whether it is active, the ward of its address (post-2025 code, read from the address text as of today, unit names settled within the province), and the legal representative's CCCD with the person it links to.
-- personal: legal_rep_citizen_id (identifier), legal_rep_person_id (identifier)
-- unique_key: tax_code
-- indexes: parent_tax_code; ward_code; legal_rep_person_id
-- materialized: incremental
-- incremental_keys: SELECT coalesce(tax_code_norm, tax_code) FROM {{ changes('core.clean_business') }}
-- incremental_keys: UNION SELECT coalesce(b.tax_code_norm, b.tax_code) FROM core.clean_business AS b
-- incremental_keys:     JOIN {{ changes('core.person') }} AS d ON d.cccd = b.legal_rep_citizen_id
SELECT
    coalesce(b.tax_code_norm, b.tax_code)                   AS tax_code,
    b.tax_code_norm IS NULL                                 AS tax_code_invalid,
    CASE WHEN b.tax_code_norm LIKE '%-%' THEN b.tax_code_parent END AS parent_tax_code,
    b.tax_code_norm LIKE '%-%'                              AS is_branch,
    b.name,
    b.vsic,
    b.capital,
    b.status,
    b.status IN ('Đang hoạt động', 'Active', 'active')      AS active,
    b._ward                                                 AS ward_code,
    b.legal_rep_citizen_id,
    rep.person_id                                           AS legal_rep_person_id,
    b.registered_on,
    coalesce(b._quality, '{}')                              AS quality
FROM core.clean_business AS b
LEFT JOIN {{ ref('core.person') }} AS rep ON rep.cccd = b.legal_rep_citizen_id
WHERE b._deleted_at IS NULL AND {{ affected('coalesce(b.tax_code_norm, b.tax_code)') }}
