-- description: Records per feed with a resolved post-2025 ward and without, counted on the conformed models (core.person, core.enterprise, core.labour_claim, core.health_encounter). Kept by adding each build's changes (incremental_strategy: sum); integrated.data_quality reads its resolved-ward shares here.
-- unique_key: feed
-- materialized: incremental
-- incremental_strategy: sum
SELECT feed, sum(_sign)::bigint AS records, sum(CASE WHEN ward_code IS NOT NULL THEN _sign ELSE 0 END)::bigint AS with_ward
FROM (
    SELECT 'population' AS feed, p.ward_code, p._sign FROM {{ signed('core.person') }} AS p
    UNION ALL SELECT 'business', e.ward_code, e._sign FROM {{ signed('core.enterprise') }} AS e
    UNION ALL SELECT 'labour', l.ward_code, l._sign FROM {{ signed('core.labour_claim') }} AS l
    UNION ALL SELECT 'health_encounters', h.ward_code, h._sign FROM {{ signed('core.health_encounter') }} AS h
) AS r
GROUP BY feed
