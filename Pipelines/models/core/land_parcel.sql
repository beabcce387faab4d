-- description: Land parcels of the national land database (feed land) in WGS 84, transformed in PostGIS from the VN-2000 / TM-3 zone each arrived in (source_srid: 9209 old Bắc Ninh, 9214 old Bắc Giang). Each is placed in the post-2025 ward that holds the point on its surface (ward_code) and compared with the ward it declares (declared_ward, an old commune code read as the ward it became): a mismatch is flagged, not hidden. Declared area against the area computed on the spheroid (flagged over 5 %), the land-use class against the classification, an invalid outline repaired and flagged, and the holder's CCCD linked to core.person.
-- personal: holder_id (identifier), holder_person_id (identifier)
-- unique_key: parcel_id
-- indexes: ward_code; land_use; holder_person_id; USING gist (geom)
-- materialized: incremental
-- incremental_keys: SELECT parcel_id FROM {{ changes('core.clean_land') }}
-- incremental_keys: UNION SELECT l.parcel_id FROM core.clean_land AS l JOIN {{ changes('core.person') }} AS d ON d.cccd = l.holder_id
-- source_indexes: core.clean_land (holder_id)
-- Each step is MATERIALIZED: inlined, PostgreSQL evaluated the transform, the validity check and the repair again for
-- every reference to their result (about six times a parcel: 30.3 s at scale 1, 9.1–9.7 s so, the same rows).
WITH source AS MATERIALIZED (
    SELECT
        l.*,
        ST_SRID(l.geom) AS source_srid,
        ST_Transform(l.geom, 4326) AS geom_in
    FROM core.clean_land AS l
    WHERE l._deleted_at IS NULL AND l.geom IS NOT NULL AND {{ affected('l.parcel_id') }}
),
checked AS MATERIALIZED (
    SELECT s.*, ST_IsValidReason(s.geom_in) AS validity
    FROM source AS s
),
valid AS MATERIALIZED (
    SELECT
        c.*,
        CASE WHEN c.validity = 'Valid Geometry' THEN ST_Multi(c.geom_in)
             ELSE ST_Multi(ST_CollectionExtract(ST_MakeValid(c.geom_in), 3)) END AS geom4326
    FROM checked AS c
),
placed AS MATERIALIZED (
    SELECT
        v.*,
        ST_PointOnSurface(v.geom4326) AS point,
        ST_Area(v.geom4326::geography) AS computed_area
    FROM valid AS v
)
SELECT
    p.parcel_id,
    p.sheet,
    p.parcel_no,
    p.source_srid,
    w.ward_code,
    p._ward AS declared_ward,
    p.ward_code AS declared_code,
    p.declared_area,
    round(p.computed_area::numeric, 1) AS computed_area_m2,
    round((abs(p.declared_area - p.computed_area::numeric) / nullif(p.computed_area::numeric, 0)), 4) AS area_deviation,
    p.land_use,
    c.name AS land_use_name,
    c.land_group,
    p.holder_id AS holder_id,
    person.person_id AS holder_person_id,
    p.updated_at,
    p.point,
    p.geom4326 AS geom,
    array_remove(ARRAY[
        CASE WHEN w.ward_code IS NULL THEN 'outside_province' END,
        CASE WHEN p._ward IS NULL THEN 'declared_ward_unresolved' END,
        CASE WHEN w.ward_code IS NOT NULL AND p._ward IS NOT NULL AND p._ward <> w.ward_code THEN 'ward_mismatch' END,
        CASE WHEN abs(p.declared_area - p.computed_area::numeric) > 0.05 * p.computed_area::numeric THEN 'area_mismatch' END,
        CASE WHEN p.validity <> 'Valid Geometry' THEN 'geometry_repaired: ' || p.validity END,
        CASE WHEN c.code IS NULL THEN 'unknown_land_use' END,
        CASE WHEN p.holder_id IS NOT NULL AND person.person_id IS NULL THEN 'holder_not_in_register' END
    ], NULL) || coalesce(p._quality, '{}') AS quality
FROM placed AS p
LEFT JOIN LATERAL (
    SELECT u.ward_code FROM {{ ref('core.admin_unit') }} AS u
    WHERE u.province_code = '24' AND u.geom IS NOT NULL AND ST_Intersects(u.geom, p.point)
    ORDER BY u.ward_code LIMIT 1
) AS w ON true
LEFT JOIN ref.land_use_class AS c ON c.code = upper(btrim(p.land_use))
LEFT JOIN {{ ref('core.person') }} AS person ON person.cccd = p.holder_id
