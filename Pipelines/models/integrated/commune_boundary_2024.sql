-- description: The boundaries of the communes and wards of old Bắc Ninh and old Bắc Giang as they were until 30 June 2025, from the geographic base layer, with the post-2025 ward each became part of. The OGC API collection "communes_2024"; the post-2025 wards are the collection "wards" (both carry their validity dates, so a client picks the era with datetime).
-- unique_key: commune_code
-- indexes: ward_2025; USING gist (geom)
-- collection: communes_2024 (geom)
-- collection_time: valid_from, valid_to
SELECT
    b.unit_code AS commune_code,
    b.name AS commune_name,
    b.unit_type AS commune_type,
    b.province_code,
    b.valid_from,
    b.valid_to,
    b.ward_code AS ward_2025,
    b.area_km2,
    b.quality,
    b.geom
FROM {{ ref('core.admin_boundary') }} AS b
WHERE b.era = 'truoc-2025' AND b.geom IS NOT NULL
