-- description: Postal service points (feed postal_points) placed in the post-2025 ward that holds them. Coordinates are read as typed (citypipe.typed_position: decimal, decimal comma, degrees-minutes-seconds); latitude and longitude written in each other's column are swapped back and flagged; a point that cannot be read or lies outside the province is flagged and has no ward. A row exported twice is one point (its key).
-- unique_key: point_code
-- indexes: ward_code; USING gist (geom)
SELECT
    s.point_code,
    s.name,
    s.point_type,
    s.address,
    w.ward_code,
    string_to_array(s.services, ';') AS services,
    coalesce(s.services ILIKE '%tài chính%', false) AS postal_finance,
    s.broadband,
    p.geom,
    array_remove(ARRAY[
        CASE WHEN p.swapped THEN 'coordinates_swapped' END,
        CASE WHEN p.geom IS NOT NULL AND p.dms THEN 'coordinates_dms' END,
        CASE WHEN p.geom IS NULL THEN 'coordinates_unreadable' END,
        CASE WHEN p.geom IS NOT NULL AND w.ward_code IS NULL THEN 'outside_province' END
    ], NULL) AS quality
FROM core.clean_postal_points AS s
CROSS JOIN LATERAL citypipe.typed_position(s.latitude, s.longitude) AS p
LEFT JOIN LATERAL (
    SELECT u.ward_code FROM {{ ref('core.admin_unit') }} AS u
    WHERE u.province_code = '24' AND u.geom IS NOT NULL AND ST_Intersects(u.geom, p.geom)
    ORDER BY u.ward_code LIMIT 1
) AS w ON true
WHERE s._deleted_at IS NULL
