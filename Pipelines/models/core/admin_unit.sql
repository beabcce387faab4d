-- description: The spine every place joins to: each administrative unit of the country after the 1 July 2025 reform (wards, communes and special zones, no districts), its province, a folded name key for matching free text, how many pre-2025 units merged into it, and for the province's own wards the boundary (WGS 84) with its area: from the geographic base layer (feed admin_boundaries) when it has loaded the unit, from the shipped reference otherwise (geom_source says which).
-- unique_key: ward_code
-- indexes: province_code; name_key; USING gist (geom)
SELECT
    u.ward_code,
    u.ward_name,
    u.ward_type,
    u.province_code,
    u.province_name,
    lower(translate(
        replace(replace(u.ward_name, 'Đ', 'D'), 'đ', 'd'),
        'ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ',
        'AAAAAAAAAAAAAAAAAEEEEEEEEEEEIIIIIOOOOOOOOOOOOOOOOOUUUUUUUUUUUYYYYYaaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyy'
    )) AS name_key,
    coalesce(w.merged_from, 0) AS merged_from,
    coalesce(w.partial_merges, 0) AS partial_merges,
    coalesce(f.geom, b.geom) AS geom,
    round((ST_Area(coalesce(f.geom, b.geom)::geography) / 1e6)::numeric, 2) AS area_km2,
    CASE WHEN f.geom IS NOT NULL THEN 'admin_boundaries' WHEN b.geom IS NOT NULL THEN 'reference' END AS geom_source
FROM ref.admin_unit_2025 AS u
LEFT JOIN (
    SELECT new_code, count(*) AS merged_from, count(*) FILTER (WHERE merge_type = 'partial') AS partial_merges
    FROM ref.admin_crosswalk_2025
    WHERE level = 'ward'
    GROUP BY new_code
) AS w ON w.new_code = u.ward_code
LEFT JOIN ref.ward_boundary_2025 AS b ON b.ward_code = u.ward_code
LEFT JOIN {{ ref('core.admin_boundary') }} AS f ON f.unit_code = u.ward_code AND f.era = '2025' AND f.geom IS NOT NULL
ORDER BY u.ward_code
