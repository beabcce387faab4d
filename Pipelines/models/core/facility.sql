-- description: Facilities, one row per source and code: the health facilities of the FHIR register (feeds health_facilities and health_facility_history: the Organization with its MA_CSKCB code, the code claims use, and its Location) and the schools of the education sector's list. A health facility is placed in the ward that holds its Location's position; latitude and longitude written the wrong way round are swapped back only when the swapped point lies in the province (flag coordinates_swapped); a position in no ward of the province either way is kept if it is a position at all (outside_province) and dropped otherwise (coordinates_unusable). address_ward is the ward the address names (the place resolver's _ward); ward_mismatch when both are known and differ. Resources deleted in the register (a history DELETE later than the staged version) are gone. Schools: ward and position from the education list (core.school).
-- unique_key: source, facility_code
-- indexes: ward_code; kind; USING gist (geom)
WITH deleted AS (
    SELECT substring(h.resource FROM '^([A-Za-z]+/[^/]+)') AS resource, max(h.changed_at) AS at
    FROM core.clean_health_facility_history AS h
    WHERE h._deleted_at IS NULL AND h.method = 'DELETE'
    GROUP BY 1
),
live AS (
    SELECT f.*
    FROM core.clean_health_facilities AS f
    LEFT JOIN deleted AS d ON d.resource = f.resource_type || '/' || f.id
    WHERE f._deleted_at IS NULL AND (d.at IS NULL OR d.at < f.last_updated)
),
organizations AS (
    SELECT o.*, p.facility_code AS parent_code
    FROM live AS o
    LEFT JOIN live AS p ON p.resource_type = 'Organization' AND o.part_of = 'Organization/' || p.id
    WHERE o.resource_type = 'Organization' AND o.facility_code IS NOT NULL
      AND o.code_system = 'https://soyte.bacninh.gov.vn/fhir/sid/ma-cskcb'
),
locations AS (
    SELECT DISTINCT ON (l.managing_organization)
        l.*, citypipe.coordinate_degrees(l.latitude) AS lat, citypipe.coordinate_degrees(l.longitude) AS lon
    FROM live AS l
    WHERE l.resource_type = 'Location' AND l.managing_organization IS NOT NULL
    ORDER BY l.managing_organization, l.id
),
placed AS (
    SELECT
        l.*,
        CASE WHEN l.lat BETWEEN -90 AND 90 AND l.lon BETWEEN -180 AND 180 THEN ST_SetSRID(ST_MakePoint(l.lon, l.lat), 4326) END AS given,
        CASE WHEN l.lon BETWEEN -90 AND 90 AND l.lat BETWEEN -180 AND 180 THEN ST_SetSRID(ST_MakePoint(l.lat, l.lon), 4326) END AS swapped
    FROM locations AS l
),
positioned AS (
    SELECT
        p.*,
        (SELECT u.ward_code FROM {{ ref('core.admin_unit') }} AS u
         WHERE u.province_code = '24' AND u.geom IS NOT NULL AND p.given IS NOT NULL AND ST_Intersects(u.geom, p.given)
         ORDER BY u.ward_code LIMIT 1) AS given_ward,
        (SELECT u.ward_code FROM {{ ref('core.admin_unit') }} AS u
         WHERE u.province_code = '24' AND u.geom IS NOT NULL AND p.swapped IS NOT NULL AND ST_Intersects(u.geom, p.swapped)
         ORDER BY u.ward_code LIMIT 1) AS swapped_ward
    FROM placed AS p
),
health AS (
    SELECT
        'fhir' AS source,
        o.facility_code,
        coalesce(lower(o.type_text), 'health') AS kind,
        o.name,
        o.parent_code,
        o.id AS organization_id,
        l.id AS location_id,
        o.version_id,
        greatest(o.last_updated, l.last_updated) AS last_updated,
        coalesce(o.active, true) AND coalesce(l.status, 'active') = 'active' AS active,
        coalesce(l.given_ward, CASE WHEN l.given_ward IS NULL THEN l.swapped_ward END) AS ward_code,
        l._ward AS address_ward,
        CASE
            WHEN l.given_ward IS NOT NULL THEN l.given
            WHEN l.swapped_ward IS NOT NULL THEN l.swapped
            ELSE l.given
        END AS geom,
        array_remove(ARRAY[
            CASE WHEN l.id IS NULL THEN 'no_location' END,
            CASE WHEN l.given_ward IS NULL AND l.swapped_ward IS NOT NULL THEN 'coordinates_swapped' END,
            CASE WHEN l.id IS NOT NULL AND l.given IS NULL AND l.swapped_ward IS NULL THEN 'coordinates_unusable' END,
            CASE WHEN l.given IS NOT NULL AND l.given_ward IS NULL AND l.swapped_ward IS NULL THEN 'outside_province' END,
            CASE WHEN l._ward IS NOT NULL AND coalesce(l.given_ward, l.swapped_ward) IS NOT NULL
                      AND l._ward <> coalesce(l.given_ward, l.swapped_ward) THEN 'ward_mismatch' END
        ], NULL) AS quality
    FROM organizations AS o
    LEFT JOIN positioned AS l ON l.managing_organization = 'Organization/' || o.id
),
schools AS (
    SELECT
        'schools' AS source, s.school_code AS facility_code, 'school' AS kind, s.name, NULL::text AS parent_code,
        NULL::text AS organization_id, NULL::text AS location_id, NULL::text AS version_id, NULL::timestamptz AS last_updated,
        true AS active, s.ward_code, s.ward_code AS address_ward, s.geom, s.quality
    FROM {{ ref('core.school') }} AS s
)
SELECT *, 'ward_mismatch' = ANY(quality) AS ward_mismatch FROM health
UNION ALL
SELECT *, false AS ward_mismatch FROM schools
