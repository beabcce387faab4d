-- description: The post and telecom indicators of the action programmes, per post-2025 ward of Bắc Ninh and for the province (area_code 24), beside their targets (ref.ict_target, one row set per programme: Decision 388/QĐ-UBND of 2018 first): people per postal point, mean service radius √(area / points / π), share of points with broadband, BTS stations and the share that are 4G or 5G, 4G coverage (a ward with a 4G or 5G station; for the province the share of wards), share of stations shared between operators, bulky poles (A2a, A2b) in urban wards, fixed, mobile and broadband subscriptions per 100 people (the latest year the statistics and the subscriptions both have). One row per area, indicator and programme (programme '-' for an indicator no programme targets); met is null where there is no target or no value.
-- unique_key: area_code, indicator, programme
-- indexes: indicator
WITH wards AS (
    SELECT u.ward_code, u.ward_name, u.ward_type, u.area_km2
    FROM {{ ref('core.admin_unit') }} AS u
    WHERE u.province_code = '24' AND u.geom IS NOT NULL
),
latest AS (
    SELECT max(t.year) AS year
    FROM {{ ref('core.telecom_subscription') }} AS t
    WHERE t.year IN (SELECT p.year FROM {{ ref('core.population_statistic') }} AS p)
),
population AS (
    SELECT p.ward_code, sum(p.population) AS people
    FROM {{ ref('core.population_statistic') }} AS p, latest
    WHERE p.year = latest.year AND p.ward_code IS NOT NULL
    GROUP BY p.ward_code
),
subscriptions AS (
    SELECT t.ward_code, sum(t.fixed) AS fixed, sum(t.mobile) AS mobile, sum(t.broadband) AS broadband
    FROM {{ ref('core.telecom_subscription') }} AS t, latest
    WHERE t.year = latest.year AND t.ward_code IS NOT NULL
    GROUP BY t.ward_code
),
postal AS (
    SELECT p.ward_code, count(*) AS points, count(*) FILTER (WHERE p.broadband) AS with_broadband
    FROM {{ ref('core.postal_point') }} AS p
    WHERE p.ward_code IS NOT NULL
    GROUP BY p.ward_code
),
bts AS (
    SELECT
        b.ward_code,
        count(*) AS stations,
        count(*) FILTER (WHERE b.is_4g) AS stations_4g,
        count(*) FILTER (WHERE b.shared) AS shared,
        count(*) FILTER (WHERE b.bulky_pole) AS bulky
    FROM {{ ref('core.bts_station') }} AS b
    WHERE b.ward_code IS NOT NULL
    GROUP BY b.ward_code
),
per_ward AS (
    SELECT
        w.ward_code, w.ward_name, w.ward_type, w.area_km2,
        pop.people, coalesce(p.points, 0) AS points, coalesce(p.with_broadband, 0) AS with_broadband,
        coalesce(b.stations, 0) AS stations, coalesce(b.stations_4g, 0) AS stations_4g, coalesce(b.shared, 0) AS shared,
        coalesce(b.bulky, 0) AS bulky, s.fixed, s.mobile, s.broadband
    FROM wards AS w
    LEFT JOIN population AS pop ON pop.ward_code = w.ward_code
    LEFT JOIN postal AS p ON p.ward_code = w.ward_code
    LEFT JOIN bts AS b ON b.ward_code = w.ward_code
    LEFT JOIN subscriptions AS s ON s.ward_code = w.ward_code
),
areas AS (
    SELECT
        'ward' AS scope, ward_code AS area_code, ward_name AS area_name, area_km2, people, points, with_broadband,
        stations, stations_4g, shared, CASE WHEN ward_type = 'Phường' THEN bulky ELSE 0 END AS bulky_urban,
        fixed, mobile, broadband, (stations_4g > 0)::int::numeric AS coverage_4g
    FROM per_ward
    UNION ALL
    SELECT
        'province', '24', 'Tỉnh Bắc Ninh', sum(area_km2), sum(people), sum(points), sum(with_broadband),
        sum(stations), sum(stations_4g), sum(shared), sum(CASE WHEN ward_type = 'Phường' THEN bulky ELSE 0 END),
        sum(fixed), sum(mobile), sum(broadband), avg((stations_4g > 0)::int)::numeric
    FROM per_ward
),
indicator_values AS (
    SELECT a.scope, a.area_code, a.area_name, v.indicator, v.value
    FROM areas AS a,
    LATERAL (VALUES
        ('population', a.people::numeric),
        ('postal_points', a.points::numeric),
        ('people_per_postal_point', round(a.people::numeric / nullif(a.points, 0), 1)),
        ('service_radius_km', round(sqrt(a.area_km2 / nullif(a.points, 0) / pi())::numeric, 3)),
        ('postal_broadband_share', round(a.with_broadband::numeric / nullif(a.points, 0), 4)),
        ('bts_stations', a.stations::numeric),
        ('share_4g', round(a.stations_4g::numeric / nullif(a.stations, 0), 4)),
        ('coverage_4g', round(a.coverage_4g, 4)),
        ('shared_infrastructure_share', round(a.shared::numeric / nullif(a.stations, 0), 4)),
        ('bulky_poles_urban', a.bulky_urban::numeric),
        ('fixed_per_100', round(100 * a.fixed::numeric / nullif(a.people, 0), 2)),
        ('mobile_per_100', round(100 * a.mobile::numeric / nullif(a.people, 0), 2)),
        ('broadband_per_100', round(100 * a.broadband::numeric / nullif(a.people, 0), 2))
    ) AS v (indicator, value)
)
SELECT
    i.scope,
    i.area_code,
    i.area_name,
    i.indicator,
    i.value,
    coalesce(t.programme, '-') AS programme,
    t.reference,
    t.comparison,
    t.target,
    t.target_high,
    t.unit,
    t.due_year,
    CASE
        WHEN t.target IS NULL OR i.value IS NULL THEN NULL
        WHEN t.comparison = 'min' THEN i.value >= t.target
        ELSE i.value <= t.target
    END AS met
FROM indicator_values AS i
LEFT JOIN ref.ict_target AS t
    ON t.indicator = i.indicator AND (t.scope = 'ward' OR i.scope = 'province')
