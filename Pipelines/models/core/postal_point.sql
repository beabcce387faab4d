-- description: Postal service points (feed postal_points) placed in the post-2025 ward that holds them. Coordinates are read as typed (citypipe.coordinate_degrees: decimal, decimal comma, degrees-minutes-seconds); latitude and longitude written in each other's column are swapped back and flagged; a point that cannot be read or lies outside the province is flagged and has no ward. A row exported twice is one point (its key).
-- unique_key: point_code
-- indexes: ward_code; USING gist (geom)
WITH read AS (
    SELECT
        s.*,
        citypipe.coordinate_degrees(s.latitude) AS lat_in,
        citypipe.coordinate_degrees(s.longitude) AS lon_in
    FROM core.clean_postal_points AS s
    WHERE s._deleted_at IS NULL
),
oriented AS (
    SELECT
        r.*,
        (r.lat_in BETWEEN 100 AND 112 AND r.lon_in BETWEEN 6 AND 25) AS swapped
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
    l.point_code,
    l.name,
    l.point_type,
    l.address,
    w.ward_code,
    string_to_array(l.services, ';') AS services,
    coalesce(l.services ILIKE '%tài chính%', false) AS postal_finance,
    l.broadband,
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
