-- description: The daily air-quality index VN_AQI for every one of the 99 post-2025 wards of Bắc Ninh (province 24) and every day some station has a daily AQI (integrated.air_quality_daily): the AQI of the ward's own station (one placed in the ward; the highest AQI of the day if several) when it has one that day (source own), else that of the nearest station with an AQI that day (source nearest), by geodesic distance from the ward's point on surface. station_code, station_name and distance_km (from the ward's point on surface to the station, also for its own station) say where the value comes from; aqi, dominant pollutant, band (1 Tốt … 6 Nguy hại), its name and colour are the station's of that day.
-- unique_key: ward_code, day
-- indexes: day; station_code
--
-- A station is in the ward core.air_station.ward_code names; a station without one is in the ward whose
-- boundary covers its point. Stations without a position serve their own ward only. Ties: the lower station
-- code (own stations with the same AQI; stations at the same distance).
WITH ward AS (
    SELECT u.ward_code, u.ward_name, u.geom, ST_PointOnSurface(u.geom)::geography AS centre
    FROM {{ ref('core.admin_unit') }} AS u
    WHERE u.province_code = '24' AND u.geom IS NOT NULL
),
station AS MATERIALIZED (
    SELECT s.station_code, s.station_name, s.geom,
        coalesce(s.ward_code, (SELECT w.ward_code FROM ward AS w WHERE ST_Covers(w.geom, s.geom) ORDER BY w.ward_code LIMIT 1))
            AS ward_code
    FROM {{ ref('core.air_station') }} AS s
),
-- Each ward's distance to each station, once rather than once a day (MATERIALIZED: not inlined into the daily join).
distance AS MATERIALIZED (
    SELECT w.ward_code, s.station_code, s.station_name, coalesce(s.ward_code = w.ward_code, false) AS own,
        ST_Distance(w.centre, s.geom::geography) / 1000 AS km
    FROM ward AS w
    CROSS JOIN station AS s
    WHERE s.geom IS NOT NULL OR s.ward_code = w.ward_code
),
daily AS (
    SELECT a.station_code, a.day, a.aqi, a.dominant, a.band, a.band_name, a.colour
    FROM {{ ref('integrated.air_quality_daily') }} AS a
    WHERE a.aqi IS NOT NULL
),
chosen AS (
    SELECT DISTINCT ON (w.ward_code, a.day)
        w.ward_code, w.ward_name, a.day, a.aqi, a.dominant, a.band, a.band_name, a.colour,
        CASE WHEN d.own THEN 'own' ELSE 'nearest' END AS source,
        d.station_code, d.station_name, d.km
    FROM ward AS w
    JOIN distance AS d ON d.ward_code = w.ward_code
    JOIN daily AS a ON a.station_code = d.station_code
    -- Own stations first (the highest AQI of them), then by distance.
    ORDER BY w.ward_code, a.day, d.own DESC, CASE WHEN d.own THEN -a.aqi END, d.km, d.station_code
)
SELECT
    c.ward_code,
    c.ward_name,
    c.day,
    c.aqi,
    c.dominant,
    c.band,
    c.band_name,
    c.colour,
    c.source,
    c.station_code,
    c.station_name,
    round(c.km::numeric, 3) AS distance_km
FROM chosen AS c
ORDER BY c.ward_code, c.day
