-- description: Records linked to core.person, per feed and rule: the labour and health records and legal representatives of core.person_link by its rule, the insurance records of core.insurance_coverage by link_rule. Kept by adding each build's changes (incremental_strategy: sum): a night counts the rows that changed, not the 4 million a month of insurance adds to; integrated.data_quality reads its link rates here.
-- unique_key: feed, rule
-- materialized: incremental
-- incremental_strategy: sum
SELECT feed, rule, sum(_sign)::bigint AS records
FROM (
    SELECT l.feed, l.rule, l._sign FROM {{ signed('core.person_link') }} AS l
    UNION ALL
    SELECT 'insurance', c.link_rule, c._sign FROM {{ signed('core.insurance_coverage') }} AS c
) AS l
GROUP BY feed, rule
