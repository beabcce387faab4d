-- description: Land use per post-2025 ward of Bắc Ninh (the ward holding each parcel's point on its surface) and land-use class: parcels, computed area in hectares and its share of the ward's parcel area, and how many of them carry a quality flag (declared ward elsewhere, area off by more than 5 %, outline repaired, class outside the classification).
-- unique_key: ward_code, land_use
-- indexes: ward_code
-- materialized: incremental
-- (A parcel changed, added or gone recomputes every row of its ward, old and new: the shares are of the ward's area.)
-- incremental_keys: SELECT t.ward_code, t.land_use FROM integrated.land_use_by_ward AS t WHERE t.ward_code IN (SELECT ward_code FROM {{ changes('core.land_parcel') }})
-- incremental_keys: UNION SELECT p.ward_code, coalesce(c.code, 'KHAC') FROM core.land_parcel AS p LEFT JOIN ref.land_use_class AS c ON c.code = upper(btrim(p.land_use)) WHERE p.ward_code IN (SELECT ward_code FROM {{ changes('core.land_parcel') }})
SELECT
    p.ward_code,
    u.ward_name,
    coalesce(c.code, 'KHAC') AS land_use,
    coalesce(c.name, 'Mã loại đất ngoài danh mục') AS land_use_name,
    coalesce(c.land_group, 'không rõ') AS land_group,
    count(*) AS parcels,
    round((sum(p.computed_area_m2) / 1e4)::numeric, 4) AS area_ha,
    round((sum(p.computed_area_m2) / sum(sum(p.computed_area_m2)) OVER (PARTITION BY p.ward_code))::numeric, 4) AS area_share,
    count(*) FILTER (WHERE 'ward_mismatch' = ANY (p.quality)) AS declared_elsewhere,
    count(*) FILTER (WHERE 'area_mismatch' = ANY (p.quality)) AS area_mismatches,
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM unnest(p.quality) AS q WHERE q LIKE 'geometry_repaired%')) AS outlines_repaired
FROM {{ ref('core.land_parcel') }} AS p
JOIN {{ ref('core.admin_unit') }} AS u ON u.ward_code = p.ward_code
LEFT JOIN ref.land_use_class AS c ON c.code = upper(btrim(p.land_use))
WHERE p.ward_code IS NOT NULL AND {{ affected('p.ward_code', "coalesce(c.code, 'KHAC')") }}
GROUP BY p.ward_code, u.ward_name, c.code, c.name, c.land_group
