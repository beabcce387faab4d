-- description: The automatic air-monitoring stations (feed air_quality_stations: SensorThings Things with their Location), one row per station: its code (the Thing's station_code, else thing-ID), name, position in WGS 84, the post-2025 ward holding it (null outside the province), and the pollutants its sensors measure.
-- unique_key: station_code
-- indexes: ward_code; USING gist (geom)
WITH sensors AS (
    SELECT
        coalesce(nullif(btrim(s.station_code), ''), 'thing-' || s.thing_id) AS station_code,
        s.thing_id, s.station_name, s.location, s.datastream_id,
        citypipe.air_pollutant(s.observed_property, s.property_definition) AS pollutant
    FROM core.clean_air_quality_stations AS s
    WHERE s._deleted_at IS NULL
),
stations AS (
    SELECT
        station_code,
        min(thing_id) AS thing_id,
        min(station_name) AS station_name,
        (array_agg(ST_SetSRID(location, 4326) ORDER BY datastream_id) FILTER (WHERE location IS NOT NULL))[1] AS geom,
        array_agg(DISTINCT pollutant ORDER BY pollutant) FILTER (WHERE pollutant IS NOT NULL) AS pollutants,
        count(*) AS sensors
    FROM sensors
    GROUP BY station_code
)
SELECT
    s.station_code, s.thing_id, s.station_name, s.geom, w.ward_code, s.pollutants, s.sensors
FROM stations AS s
LEFT JOIN LATERAL (
    SELECT u.ward_code FROM {{ ref('core.admin_unit') }} AS u
    WHERE u.province_code = '24' AND u.geom IS NOT NULL AND s.geom IS NOT NULL AND ST_Intersects(u.geom, s.geom)
    ORDER BY u.ward_code LIMIT 1
) AS w ON true
