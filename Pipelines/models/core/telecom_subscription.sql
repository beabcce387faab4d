-- description: Fixed, mobile and broadband subscriptions by commune and year (feed telecom_subscriptions), with the commune code as published (pre-2025 codes before 2025) and the post-2025 ward it lies in now.
-- unique_key: year, commune_code
-- indexes: ward_code, year
SELECT
    s.year,
    s.commune_code,
    s._ward AS ward_code,
    s.fixed,
    s.mobile,
    s.broadband,
    coalesce(s._quality, '{}') AS quality
FROM core.clean_telecom_subscriptions AS s
WHERE s._deleted_at IS NULL
