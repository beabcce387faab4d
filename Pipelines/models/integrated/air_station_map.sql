-- description: The air-monitoring stations for the map, each with its latest hourly VN_AQI (the hour, the index, the dominant pollutant, the band with its Vietnamese name and colour) and its latest daily one: the OGC API collection "air_stations", whose points a client colours by band. A station with no AQI yet (no PM value) is listed with empty index columns.
-- unique_key: station_code
-- indexes: ward_code; USING gist (geom)
-- collection: air_stations (geom)
-- collection_time: latest_hour
SELECT
    s.station_code,
    s.station_name,
    s.ward_code,
    s.pollutants,
    h.hour AS latest_hour,
    h.aqi,
    h.dominant,
    h.band,
    h.band_name,
    h.colour,
    d.day AS latest_day,
    d.aqi AS daily_aqi,
    d.band_name AS daily_band_name,
    d.colour AS daily_colour,
    s.geom
FROM {{ ref('core.air_station') }} AS s
LEFT JOIN LATERAL (
    SELECT x.hour, x.aqi, x.dominant, x.band, x.band_name, x.colour
    FROM {{ ref('integrated.air_quality_hourly') }} AS x
    WHERE x.station_code = s.station_code AND x.aqi IS NOT NULL
    ORDER BY x.hour DESC LIMIT 1
) AS h ON true
LEFT JOIN LATERAL (
    SELECT x.day, x.aqi, x.band_name, x.colour
    FROM {{ ref('integrated.air_quality_daily') }} AS x
    WHERE x.station_code = s.station_code AND x.aqi IS NOT NULL
    ORDER BY x.day DESC LIMIT 1
) AS d ON true
WHERE s.geom IS NOT NULL
