-- description: Old (pre-2025) ward codes to the post-2025 ward each was merged into: one row per old code; an old code split between several new wards (a partial merge) is flagged ambiguous with its candidates, to be resolved from a record's address text.
-- unique_key: old_code
-- indexes: new_code
SELECT
    c.old_code,
    min(c.old_name) AS old_name,
    CASE WHEN count(DISTINCT c.new_code) = 1 THEN min(c.new_code) END AS new_code,
    count(DISTINCT c.new_code) > 1 AS ambiguous,
    array_agg(DISTINCT c.new_code ORDER BY c.new_code) AS candidates,
    bool_or(c.merge_type = 'partial') AS partial
FROM ref.admin_crosswalk_2025 AS c
JOIN {{ ref('core.admin_unit') }} AS u ON u.ward_code = c.new_code
WHERE c.level = 'ward'
GROUP BY c.old_code
