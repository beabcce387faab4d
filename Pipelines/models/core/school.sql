-- description: Schools of the education sector's list, one row per school code: level, ownership, post-2025 ward (the code given and the ward name read together, names settled within the province; null and flagged when ambiguous), pupils, teachers, classes, school year, and the school's position (read as typed by citypipe.typed_position: latitude and longitude written in each other's column swapped back and flagged coordinates_swapped; a position outside the list's ward flagged position_elsewhere, one that cannot be read coordinates_unreadable).
-- unique_key: school_code
-- indexes: ward_code; USING gist (geom)
SELECT
    s.school_code,
    s.name,
    s.level,
    s.ownership,
    s._ward AS ward_code,
    s._ward_rule AS ward_source,
    s.pupils,
    s.teachers,
    s.classes,
    s.school_year,
    p.geom,
    coalesce(s._quality, '{}') || array_remove(ARRAY[
        CASE WHEN p.swapped THEN 'coordinates_swapped' END,
        CASE WHEN p.geom IS NULL AND coalesce(s.latitude, s.longitude) IS NOT NULL THEN 'coordinates_unreadable' END,
        CASE WHEN p.geom IS NOT NULL AND s._ward IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM {{ ref('core.admin_unit') }} AS u WHERE u.ward_code = s._ward AND u.geom IS NOT NULL AND ST_Intersects(u.geom, p.geom)
        ) THEN 'position_elsewhere' END
    ], NULL) AS quality
FROM core.clean_schools AS s
CROSS JOIN LATERAL citypipe.typed_position(s.latitude, s.longitude) AS p
WHERE s._deleted_at IS NULL
