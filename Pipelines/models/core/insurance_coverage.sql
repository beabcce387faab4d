-- description: Social and health insurance participation, one row per insurance number and month: the person it links to by its citizen ID (link_rule: cccd for a 12-digit CCCD, cmnd for a legacy CMND, unmatched when no person of core.person has it; insurance exports carry no name to match on), the employer's tax code and its enterprise (enterprise_tax_code: the code itself, or for a branch not listed on its own its parent's, when the business register has listed it, an enterprise since removed included: a month's record keeps its employer; core.enterprise holds those listed today), the scheme.
-- personal: insurance_code (identifier), person_id (identifier)
-- unique_key: period, insurance_code
-- indexes: period, person_id; period, employer_tax_code
-- (Every index leads with the period: its readers all take the latest period, and a new month's rows go to the
-- right edge of each index instead of a page of their own among four million.)
-- materialized: incremental
-- partition_by: period
-- (One partition per month: a new month is built apart and attached, its indexes made once over its rows.)
-- partition_values: SELECT period FROM {{ changes('core.clean_insurance') }}
-- (A month whose partition is not there yet is built whole before the keys are listed, and its keys are not listed:
-- 0.2 s to find it at scale 1, against 1.2 s to list its 300,000 keys, count them and take them out again.)
-- incremental_keys: SELECT period, insurance_code FROM {{ changes('core.clean_insurance') }}
-- (A row reads only whether its person exists, and whether its employer's code was ever listed: a person only updated
-- changes none, nor does an enterprise leaving the register; a code listed for the first time does.)
-- incremental_keys: UNION SELECT i.period, i.insurance_code FROM {{ added_or_removed('core.person', 'person_id') }} AS d
-- incremental_keys:     CROSS JOIN LATERAL (SELECT c.period, c.insurance_code FROM core.clean_insurance AS c WHERE c.citizen_id = d.person_id OFFSET 0) AS i
-- (The people who came or went are few, 709 of the 11,891 rows the register's changes recorded at scale 1: each is
-- looked up in the citizen_id index, as the lateral subquery makes it. As a join, the planner, guessing that the
-- HAVING of added_or_removed keeps nearly all of them, read the 3.9 million claims by hash to find 50: 1.45 s
-- against 0.50 s for the whole key list.)
-- incremental_keys: UNION SELECT i.period, i.insurance_code FROM core.clean_insurance AS i JOIN {{ changes('core.enterprise_code') }} AS e ON e.tax_code = i.employer_tax_code
-- incremental_keys: UNION SELECT i.period, i.insurance_code FROM core.clean_insurance AS i JOIN {{ changes('core.enterprise_code') }} AS e ON e.tax_code = i.employer_tax_code_parent
-- source_indexes: core.clean_insurance (employer_tax_code); core.clean_insurance (employer_tax_code_parent); core.clean_insurance (_normalized_at);
-- source_indexes: core.clean_insurance (citizen_id)
SELECT
    i.insurance_code,
    i.period,
    p.person_id,
    CASE WHEN p.person_id IS NULL THEN 'unmatched' WHEN length(i.citizen_id) = 12 THEN 'cccd' ELSE 'cmnd' END AS link_rule,
    i.employer_tax_code,
    coalesce(e.tax_code, parent.tax_code) AS enterprise_tax_code,
    i.scheme
FROM core.clean_insurance AS i
LEFT JOIN {{ ref('core.person') }} AS p ON p.person_id = i.citizen_id
LEFT JOIN {{ ref('core.enterprise_code') }} AS e ON e.tax_code = i.employer_tax_code
LEFT JOIN {{ ref('core.enterprise_code') }} AS parent ON e.tax_code IS NULL AND parent.tax_code = i.employer_tax_code_parent
WHERE i._deleted_at IS NULL AND {{ affected('i.period', 'i.insurance_code') }}
