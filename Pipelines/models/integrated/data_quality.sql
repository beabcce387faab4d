-- description: Data quality per feed and field, in long form (feed, field, metric, detail, value): rows staged; rejects by stage and reason code (ingest: could not be typed; transform: could not be normalised); link rates to core.person by rule; the share of records with a resolved post-2025 ward, and how records were placed (place_rule: the fields that decided the ward, `@pre2025` when read in the other era than the record's; place_flag: ambiguous, unresolved or conflicting places).
-- unique_key: feed, field, metric, detail
WITH
-- Ingest rejects: those of the feed's latest nightly load that had any, and those of each backfill window's latest
-- successful load (a window loaded again replaces its rows, and its rejects with them), each record once. Not "the
-- latest run with rejects": a backfill cut off and resumed would then count only the windows of its last run, and the
-- figure would flip between the nightly load and the last backfill.
window_loads AS (
    SELECT DISTINCT ON (feed, window_from) feed_run_id
    FROM citypipe.feed_runs
    WHERE window_from IS NOT NULL AND status = 'succeeded'
    ORDER BY feed, window_from, feed_run_id DESC
),
-- The latest nightly (not backfill) run of each feed whose load had ingest rejects.
nightly_loads AS (
    SELECT r.feed, max(r.run_id) AS run_id
    FROM citypipe.rejects AS r JOIN citypipe.feed_runs AS f ON f.feed_run_id = r.feed_run_id
    WHERE r.stage = 'ingest' AND f.window_from IS NULL
    GROUP BY r.feed
),
rejects AS (
    -- A record rejected by the nightly load and again by a backfill window over the same days counts once.
    SELECT j.feed, coalesce(j.field, '(record)') AS field, j.stage || ':' || split_part(j.reason, ':', 1) AS detail,
           count(DISTINCT coalesce(j.record_key_hash, j.feed_run_id::text || ':' || j.position::text)) AS n
    FROM citypipe.rejects AS j
    WHERE j.stage = 'transform'
       OR j.feed_run_id IN (SELECT feed_run_id FROM window_loads)
       OR (j.feed, j.run_id) IN (SELECT feed, run_id FROM nightly_loads)
    GROUP BY 1, 2, 3
),
-- Link rates and resolved-ward shares from the counts kept by adding each night's changes (core.link_count,
-- core.ward_count): counting the 3.6 million rows of twelve insurance months and the people again every night was
-- half this model's time at scale 1.
links AS (
    SELECT feed, rule, records AS n, sum(records) OVER (PARTITION BY feed) AS total FROM {{ ref('core.link_count') }}
),
wards AS (
    SELECT feed, with_ward::numeric / nullif(records, 0) AS share FROM {{ ref('core.ward_count') }}
    UNION ALL SELECT 'schools', count(ward_code)::numeric / nullif(count(*), 0) FROM {{ ref('core.school') }}
    UNION ALL SELECT 'statistics', count(ward_code)::numeric / nullif(count(*), 0) FROM {{ ref('core.population_statistic') }}
),
-- Records by the rule that placed them and the flag of those not placed: one pass over each clean table, grouped by
-- its own columns (a few groups each, hashed), then summed by rule and by flag. Grouped by the derived texts under
-- GROUPING SETS, the plan sorted the 2.3 million rows by their text twice (2.4 s at scale 1, against 1.0 s so).
counts AS (
    SELECT feed, coalesce(rule, '(none)') AS rule,
           CASE WHEN '_ward:ambiguous' = ANY(quality) THEN 'ambiguous'
                WHEN '_ward:unresolved' = ANY(quality) THEN 'unresolved'
                WHEN '_ward:conflict' = ANY(quality) THEN 'conflict' END AS flag,
           sum(n)::bigint AS n
    FROM (
        SELECT 'population' AS feed, _ward_rule AS rule, _quality AS quality, count(*) AS n
        FROM core.clean_population WHERE _deleted_at IS NULL GROUP BY 2, 3
        UNION ALL SELECT 'business', _ward_rule, _quality, count(*) FROM core.clean_business WHERE _deleted_at IS NULL GROUP BY 2, 3
        UNION ALL SELECT 'labour', _ward_rule, _quality, count(*) FROM core.clean_labour WHERE _deleted_at IS NULL GROUP BY 2, 3
        UNION ALL SELECT 'health_encounters', _ward_rule, _quality, count(*)
        FROM core.clean_health_encounters WHERE _deleted_at IS NULL GROUP BY 2, 3
        UNION ALL SELECT 'schools', _ward_rule, _quality, count(*) FROM core.clean_schools WHERE _deleted_at IS NULL GROUP BY 2, 3
        UNION ALL SELECT 'statistics', _ward_rule, _quality, count(*) FROM core.clean_statistics WHERE _deleted_at IS NULL GROUP BY 2, 3
    ) AS r
    GROUP BY 1, 2, 3
),
places AS (
    SELECT feed, rule, NULL::text AS flag, sum(n)::bigint AS n, 0 AS by_flag FROM counts GROUP BY feed, rule
    UNION ALL
    SELECT feed, NULL::text, flag, sum(n)::bigint, 1 FROM counts GROUP BY feed, flag
),
staged AS (
    -- The rows of the feeds with places are counted in that same pass; finance on its own.
    SELECT f.feed, coalesce(p.n, 0) AS n
    FROM (VALUES ('population'), ('business'), ('labour'), ('health_encounters'), ('schools'), ('statistics')) AS f (feed)
    LEFT JOIN (SELECT feed, sum(n) AS n FROM places WHERE by_flag = 0 GROUP BY feed) AS p USING (feed)
    -- Insurance: core.insurance_coverage has a row for each clean row (counted for the link rates already).
    UNION ALL SELECT 'insurance', coalesce((SELECT max(total) FROM links WHERE feed = 'insurance'), 0)::bigint
    -- Finance: core.tax_payment has a row for each clean row not deleted, counted by adding (core.payment_count).
    UNION ALL SELECT 'finance', coalesce((SELECT records FROM {{ ref('core.payment_count') }} WHERE feed = 'finance'), 0)::bigint
)
SELECT feed, '(all)' AS field, 'rows' AS metric, '' AS detail, n::numeric AS value FROM staged
UNION ALL
SELECT feed, field, 'rejects', detail, n FROM rejects
UNION ALL
SELECT feed, 'person', 'link_rate', rule, round(n / total, 4) FROM links
UNION ALL
SELECT feed, 'ward_code', 'resolved_ward_share', '', round(share, 4) FROM wards
UNION ALL
SELECT feed, '_ward', 'place_rule', rule, round(n / sum(n) OVER (PARTITION BY feed), 4) FROM places WHERE by_flag = 0
UNION ALL
SELECT feed, '_ward', 'place_flag', flag, n FROM places WHERE by_flag = 1 AND flag IS NOT NULL
