-- description: Tax payments (finance feed), one row per payment document: the payer's tax code, its enterprise (enterprise_tax_code: the payer's code, or for a branch not listed on its own its parent's, when the business register has listed it, an enterprise since removed included; a branch pays with its own 13-digit code), tax type, period, amount (VND), date paid.
-- unique_key: document_no
-- indexes: enterprise_tax_code, paid_on; paid_on
-- materialized: incremental
-- incremental_keys: SELECT document_no FROM {{ changes('core.clean_finance') }}
-- (A payment reads only whether its payer's code was ever listed: an enterprise updated or leaving the register changes none.)
-- incremental_keys: UNION SELECT t.document_no FROM core.clean_finance AS t JOIN {{ changes('core.enterprise_code') }} AS e ON e.tax_code = t.tax_code
-- incremental_keys: UNION SELECT t.document_no FROM core.clean_finance AS t JOIN {{ changes('core.enterprise_code') }} AS e ON e.tax_code = t.tax_code_parent
-- source_indexes: core.clean_finance (tax_code); core.clean_finance (tax_code_parent); core.clean_finance (_normalized_at)
SELECT
    t.document_no,
    t.tax_code,
    coalesce(e.tax_code, parent.tax_code) AS enterprise_tax_code,
    t.tax_type,
    t.sub_item,
    t.tax_period,
    t.amount,
    t.paid_on
FROM core.clean_finance AS t
LEFT JOIN {{ ref('core.enterprise_code') }} AS e ON e.tax_code = t.tax_code
LEFT JOIN {{ ref('core.enterprise_code') }} AS parent ON e.tax_code IS NULL AND parent.tax_code = t.tax_code_parent
WHERE t._deleted_at IS NULL AND {{ affected('t.document_no') }}
