-- description: Schools of the education sector's list, one row per school code: level, ownership, post-2025 ward (the code given, else the ward name resolved), pupils, teachers, classes, school year.
-- unique_key: school_code
-- indexes: ward_code
SELECT
    s.school_code,
    s.name,
    s.level,
    s.ownership,
    coalesce(s.ward_code, s.ward_name) AS ward_code,
    s.pupils,
    s.teachers,
    s.classes,
    s.school_year,
    coalesce(s._quality, '{}') AS quality
FROM core.clean_schools AS s
WHERE s._deleted_at IS NULL
