-- description: Tax payments of core.tax_payment (one per payment the finance feed holds: a clean row not deleted, by document number), kept by adding each build's changes (incremental_strategy: sum); integrated.data_quality reads the finance feed's row count here instead of counting the 1.8 million clean rows of scale 2.6 every night.
-- unique_key: feed
-- materialized: incremental
-- incremental_strategy: sum
SELECT 'finance' AS feed, sum(t._sign)::bigint AS records
FROM {{ signed('core.tax_payment') }} AS t
GROUP BY 1
