-- description: Mobile base stations (feed bts_stations) placed in the post-2025 ward that holds them, coordinates read as core.postal_point reads them (swapped ones swapped back and flagged): operator, technology, antenna pole class (A2a and A2b are the bulky ones), whether the site is shared between operators, commissioning date.
-- unique_key: station_code
-- indexes: ward_code; USING gist (geom)
WITH read AS (
    SELECT
        s.*,
        citypipe.coordinate_degrees(s.latitude) AS lat_in,
        citypipe.coordinate_degrees(s.longitude) AS lon_in
    FROM core.clean_bts_stations AS s
    WHERE s._deleted_at IS NULL
),
oriented AS (
    SELECT r.*, (r.lat_in BETWEEN 100 AND 112 AND r.lon_in BETWEEN 6 AND 25) AS swapped
    FROM read AS r
),
located AS (
    SELECT
        o.*,
        CASE WHEN o.swapped THEN ST_SetSRID(ST_MakePoint(o.lat_in, o.lon_in), 4326)
             WHEN o.lat_in BETWEEN 6 AND 25 AND o.lon_in BETWEEN 100 AND 112 THEN ST_SetSRID(ST_MakePoint(o.lon_in, o.lat_in), 4326)
        END AS point
    FROM oriented AS o
)
SELECT
    l.station_code,
    l.operator,
    upper(btrim(l.technology)) AS technology,
    upper(btrim(l.technology)) IN ('4G', '5G') AS is_4g,
    l.pole_class,
    upper(btrim(l.pole_class)) IN ('A2A', 'A2B') AS bulky_pole,
    l.shared,
    l.commissioned,
    w.ward_code,
    l.point AS geom,
    array_remove(ARRAY[
        CASE WHEN l.swapped THEN 'coordinates_swapped' END,
        CASE WHEN l.point IS NOT NULL AND (l.latitude LIKE '%°%' OR l.longitude LIKE '%°%') THEN 'coordinates_dms' END,
        CASE WHEN l.point IS NULL THEN 'coordinates_unreadable' END,
        CASE WHEN l.point IS NOT NULL AND w.ward_code IS NULL THEN 'outside_province' END
    ], NULL) AS quality
FROM located AS l
LEFT JOIN LATERAL (
    SELECT u.ward_code FROM {{ ref('core.admin_unit') }} AS u
    WHERE u.province_code = '24' AND u.geom IS NOT NULL AND ST_Intersects(u.geom, l.point)
    ORDER BY u.ward_code LIMIT 1
) AS w ON true
