-- description: Schools of the education sector's list, one row per school code: level, ownership, post-2025 ward (the code given and the ward name read together, names settled within the province; null and flagged when ambiguous), pupils, teachers, classes, school year.
-- unique_key: school_code
-- indexes: ward_code
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
    coalesce(s._quality, '{}') AS quality
FROM core.clean_schools AS s
WHERE s._deleted_at IS NULL
