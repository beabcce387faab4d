-- description: Commune-level boundaries of both eras from the geographic base layer (feed admin_boundaries), one row per unit and era, in WGS 84: the post-2025 wards (valid from 1 July 2025) and the old communes (valid until then) with the post-2025 ward each became part of. Each geometry is checked: an invalid one (ST_IsValidReason) is repaired with ST_MakeValid and flagged with the reason; polygon parts thinner than a sliver (4πA/P² under 0.005) are dropped and flagged; a ring the server sent unclosed was rejected at ingest (citypipe.rejects).
-- unique_key: feature_id
-- indexes: unit_code; ward_code; USING gist (geom)
WITH source AS (
    SELECT
        b.feature_id, b.unit_code, b.name, b.unit_type, b.province_code, b.valid_from, b.valid_to,
        ST_Transform(b.geom, 4326) AS geom_in
    FROM citypipe.admin_boundaries_loaded() AS b  -- core.clean_admin_boundaries, or nothing without the feed
),
checked AS (
    SELECT s.*, ST_IsValidReason(s.geom_in) AS validity
    FROM source AS s
),
repaired AS (
    SELECT
        c.*,
        CASE WHEN c.validity = 'Valid Geometry' THEN c.geom_in ELSE ST_CollectionExtract(ST_MakeValid(c.geom_in), 3) END AS geom_valid
    FROM checked AS c
),
parts AS (
    SELECT r.feature_id, d.geom AS part, citypipe.thinness(d.geom) AS thinness
    FROM repaired AS r, LATERAL ST_Dump(r.geom_valid) AS d
),
kept AS (
    SELECT
        p.feature_id,
        ST_Multi(ST_Collect(p.part) FILTER (WHERE p.thinness >= 0.005)) AS geom,
        count(*) FILTER (WHERE p.thinness < 0.005) AS slivers
    FROM parts AS p
    GROUP BY p.feature_id
)
SELECT
    r.feature_id,
    r.unit_code,
    r.name,
    r.unit_type,
    r.province_code,
    r.valid_from,
    r.valid_to,
    CASE WHEN r.valid_to IS NOT NULL AND r.valid_to <= date '2025-07-01' THEN 'truoc-2025' ELSE '2025' END AS era,
    CASE
        WHEN r.valid_to IS NOT NULL AND r.valid_to <= date '2025-07-01' THEN x.new_code
        ELSE r.unit_code
    END AS ward_code,
    k.geom,
    round((ST_Area(k.geom::geography) / 1e6)::numeric, 3) AS area_km2,
    array_remove(ARRAY[
        CASE WHEN r.validity <> 'Valid Geometry' THEN 'geometry_repaired: ' || r.validity END,
        CASE WHEN k.slivers > 0 THEN 'sliver_removed: ' || k.slivers || ' part(s)' END,
        CASE WHEN k.geom IS NULL THEN 'geometry_empty' END,
        CASE WHEN r.valid_to IS NOT NULL AND r.valid_to <= date '2025-07-01' AND x.new_code IS NULL THEN 'ward_2025_unresolved' END
    ], NULL) AS quality
FROM repaired AS r
LEFT JOIN kept AS k ON k.feature_id = r.feature_id
LEFT JOIN LATERAL (
    SELECT min(c.new_code) AS new_code
    FROM ref.admin_crosswalk_2025 AS c
    WHERE c.level = 'ward' AND c.old_code = r.unit_code
    HAVING count(DISTINCT c.new_code) = 1
) AS x ON true
