-- description: Every tax code the business register has listed, enterprises and branches since removed from it included: what the insurance and tax records' employers and payers are linked to, so that a month's record keeps its enterprise after the enterprise leaves the register (core.enterprise holds those listed today).
-- unique_key: tax_code
-- materialized: incremental
-- (A code, once listed, stays: an enterprise leaving the register changes no row here, so the months of insurance and
-- the payments that name it are not read again. A code listed for the first time is a new row.)
-- incremental_keys: SELECT coalesce(tax_code_norm, tax_code) FROM {{ changes('core.clean_business') }}
SELECT DISTINCT coalesce(b.tax_code_norm, b.tax_code) AS tax_code
FROM core.clean_business AS b
WHERE {{ affected('coalesce(b.tax_code_norm, b.tax_code)') }}
