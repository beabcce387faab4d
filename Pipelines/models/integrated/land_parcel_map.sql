-- description: Land parcels for the map, without their holders (personal data stays in core.land_parcel): outline in WGS 84, post-2025 ward, land-use class and its group, computed area, and whether a check flagged the record (declared ward elsewhere, area off by more than 5 %, outline repaired, class outside the classification). The OGC API collection "parcels", with vector tiles from zoom 14 (parcels are tens of metres; a province-wide tile would hold all of them).
-- unique_key: parcel_id
-- indexes: ward_code; land_use; USING gist (geom)
-- collection: parcels (geom)
-- collection_min_zoom: 14
-- materialized: incremental
-- incremental_keys: SELECT parcel_id FROM {{ changes('core.land_parcel') }}
SELECT
    p.parcel_id,
    p.ward_code,
    p.land_use,
    p.land_use_name,
    p.land_group,
    p.computed_area_m2 AS area_m2,
    cardinality(p.quality) > 0 AS flagged,
    p.geom
FROM {{ ref('core.land_parcel') }} AS p
WHERE {{ affected('p.parcel_id') }}
