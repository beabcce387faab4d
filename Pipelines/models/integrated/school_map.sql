-- description: Schools for the map (the OGC API collection "schools"): each school of the education list with a position, its level, ownership, post-2025 ward, pupils, teachers, classes and pupils per teacher, and its quality flags.
-- unique_key: school_code
-- indexes: ward_code; level; USING gist (geom)
-- collection: schools (geom)
SELECT
    s.school_code,
    s.name,
    s.level,
    s.ownership,
    s.ward_code,
    s.pupils,
    s.teachers,
    s.classes,
    round(s.pupils::numeric / nullif(s.teachers, 0), 1) AS pupils_per_teacher,
    s.school_year,
    s.quality,
    s.geom
FROM {{ ref('core.school') }} AS s
WHERE s.geom IS NOT NULL
