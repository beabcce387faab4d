-- description: Mobile base stations (feed bts_stations) placed in the post-2025 ward that holds them, coordinates read as core.postal_point reads them (citypipe.typed_position) (swapped ones swapped back and flagged): operator, technology, antenna pole class (A2a and A2b are the bulky ones), whether the site is shared between operators, commissioning date.
-- unique_key: station_code
-- indexes: ward_code; USING gist (geom)
SELECT
    s.station_code,
    s.operator,
    upper(btrim(s.technology)) AS technology,
    upper(btrim(s.technology)) IN ('4G', '5G') AS is_4g,
    s.pole_class,
    upper(btrim(s.pole_class)) IN ('A2A', 'A2B') AS bulky_pole,
    s.shared,
    s.commissioned,
    w.ward_code,
    p.geom,
    array_remove(ARRAY[
        CASE WHEN p.swapped THEN 'coordinates_swapped' END,
        CASE WHEN p.geom IS NOT NULL AND p.dms THEN 'coordinates_dms' END,
        CASE WHEN p.geom IS NULL THEN 'coordinates_unreadable' END,
        CASE WHEN p.geom IS NOT NULL AND w.ward_code IS NULL THEN 'outside_province' END
    ], NULL) AS quality
FROM core.clean_bts_stations AS s
CROSS JOIN LATERAL citypipe.typed_position(s.latitude, s.longitude) AS p
LEFT JOIN LATERAL (
    SELECT u.ward_code FROM {{ ref('core.admin_unit') }} AS u
    WHERE u.province_code = '24' AND u.geom IS NOT NULL AND ST_Intersects(u.geom, p.geom)
    ORDER BY u.ward_code LIMIT 1
) AS w ON true
WHERE s._deleted_at IS NULL
