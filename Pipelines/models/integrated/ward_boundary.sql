-- description: The boundaries of Bắc Ninh province's wards and communes with the dates each was in force: the 99 post-2025 wards (from 1 July 2025). The OGC API collection "wards" (a client picks the era with datetime).
-- unique_key: ward_code, valid_from
-- indexes: USING gist (geom)
-- collection: wards (geom)
-- collection_time: valid_from, valid_to
SELECT
    u.ward_code,
    u.ward_name,
    u.ward_type,
    u.province_code,
    date '2025-07-01' AS valid_from,
    NULL::date AS valid_to,
    u.area_km2,
    u.geom
FROM {{ ref('core.admin_unit') }} AS u
WHERE u.province_code = '24' AND u.geom IS NOT NULL
