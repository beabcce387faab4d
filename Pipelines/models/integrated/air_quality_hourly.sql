-- description: The hourly air-quality index VN_AQI (Decision 1459/QĐ-TCMT of 2019) per monitoring station and hour, for every hour the station has at least one valid observation (hour is hour-ending: the value of 08:00–09:00 ICT is stamped 09:00; hour_local is it in ICT). For each pollutant the concentration used in µg/m³ (PM2.5 and PM10: the NowCast of the last 12 clock hours, rounded to 0.1; O3, CO, NO2, SO2: the hour's mean) and its sub-index (rounded halves up); aqi is the largest sub-index, null when neither PM2.5 nor PM10 has a value (the decision requires one), with the dominant pollutant and the band (1 Tốt … 6 Nguy hại), its name and colour.
-- unique_key: station_code, hour
-- indexes: hour; station_code, hour_local
--
-- Our decisions (the decision is silent on them; FEEDS-NOTES §2):
-- * Only valid observations (core.observation.valid) count; an invalid or absent hour is a missing hour.
-- * NowCast: the normalised form, missing hours weigh 0, none without 2 of the last 3 hours
--   (citypipe.vn_nowcast); the 12 hours are the 12 clock hours before, whatever rows exist (the hour grid below).
-- * The NowCast is rounded to 0.1 µg/m³ before its sub-index, as the decision's example computes 20.3 → 41:
--   the published concentration gives the published index.
-- * Sub-indices above the top breakpoint are 500 (citypipe.vn_aqi_subindex).
-- * A tie for the largest sub-index names the first of pm25, pm10, o3, no2, so2, co as dominant.
-- valid is inlined where it is read (NOT MATERIALIZED) so that the planner joins with core.observation's statistics.
WITH valid AS NOT MATERIALIZED (
    SELECT o.station_code, o.pollutant, o.hour, o.value_ugm3 AS value
    FROM {{ ref('core.observation') }} AS o
    WHERE o.valid AND o.value_ugm3 IS NOT NULL AND o.pollutant IN ('pm25', 'pm10', 'o3', 'co', 'no2', 'so2')
),
station_hour AS (
    SELECT v.station_code, v.hour,
        max(v.value) FILTER (WHERE v.pollutant = 'o3') AS o3,
        max(v.value) FILTER (WHERE v.pollutant = 'co') AS co,
        max(v.value) FILTER (WHERE v.pollutant = 'no2') AS no2,
        max(v.value) FILTER (WHERE v.pollutant = 'so2') AS so2
    FROM valid AS v
    GROUP BY v.station_code, v.hour
),
-- Every clock hour from a station's first PM value to its last: over this grid, ordered newest first, the
-- 12 rows from the current one are c1 … c12 of the NowCast even where hours have no row (a gap is a NULL).
pm_grid AS (
    SELECT s.station_code, s.pollutant, g.hour
    FROM (
        SELECT v.station_code, v.pollutant, min(v.hour) AS first_hour, max(v.hour) AS last_hour
        FROM valid AS v
        WHERE v.pollutant IN ('pm25', 'pm10')
        GROUP BY v.station_code, v.pollutant
    ) AS s
    -- The NowCast outlives the last value by two hours (2 of c1..c3); the grid goes that far.
    CROSS JOIN LATERAL generate_series(s.first_hour, s.last_hour + interval '2 hours', interval '1 hour') AS g(hour)
),
pm_series AS (
    SELECT g.station_code, g.pollutant, g.hour,
        array_agg(v.value) OVER (
            PARTITION BY g.station_code, g.pollutant ORDER BY g.hour DESC ROWS BETWEEN CURRENT ROW AND 11 FOLLOWING
        ) AS c
    FROM pm_grid AS g
    LEFT JOIN valid AS v ON v.station_code = g.station_code AND v.pollutant = g.pollutant AND v.hour = g.hour
),
-- MATERIALIZED here and below: PostgreSQL would otherwise inline the CTEs and call the functions again wherever
-- a column is read (a NowCast four times over).
concentration AS MATERIALIZED (
    SELECT h.station_code, h.hour,
        round(citypipe.vn_nowcast(p25.c), 1) AS pm25,
        round(citypipe.vn_nowcast(p10.c), 1) AS pm10,
        h.o3, h.co, h.no2, h.so2
    FROM station_hour AS h
    LEFT JOIN pm_series AS p25 ON p25.station_code = h.station_code AND p25.pollutant = 'pm25' AND p25.hour = h.hour
    LEFT JOIN pm_series AS p10 ON p10.station_code = h.station_code AND p10.pollutant = 'pm10' AND p10.hour = h.hour
),
subindex AS MATERIALIZED (
    SELECT c.*,
        citypipe.vn_aqi_round(citypipe.vn_aqi_subindex('pm25', '24h', c.pm25)) AS aqi_pm25,
        citypipe.vn_aqi_round(citypipe.vn_aqi_subindex('pm10', '24h', c.pm10)) AS aqi_pm10,
        citypipe.vn_aqi_round(citypipe.vn_aqi_subindex('o3', '1h', c.o3)) AS aqi_o3,
        citypipe.vn_aqi_round(citypipe.vn_aqi_subindex('co', '1h', c.co)) AS aqi_co,
        citypipe.vn_aqi_round(citypipe.vn_aqi_subindex('no2', '1h', c.no2)) AS aqi_no2,
        citypipe.vn_aqi_round(citypipe.vn_aqi_subindex('so2', '1h', c.so2)) AS aqi_so2
    FROM concentration AS c
),
indexed AS (
    SELECT s.*,
        CASE WHEN s.aqi_pm25 IS NOT NULL OR s.aqi_pm10 IS NOT NULL
            THEN greatest(s.aqi_pm25, s.aqi_pm10, s.aqi_o3, s.aqi_co, s.aqi_no2, s.aqi_so2) END AS aqi
    FROM subindex AS s
)
SELECT
    i.station_code,
    i.hour,
    (i.hour AT TIME ZONE 'Asia/Ho_Chi_Minh') AS hour_local,
    i.pm25, i.pm10, i.o3, i.co, i.no2, i.so2,
    i.aqi_pm25, i.aqi_pm10, i.aqi_o3, i.aqi_co, i.aqi_no2, i.aqi_so2,
    i.aqi,
    citypipe.vn_aqi_dominant(i.aqi, i.aqi_pm25, i.aqi_pm10, i.aqi_o3, i.aqi_no2, i.aqi_so2, i.aqi_co) AS dominant,
    b.band,
    b.name_vi AS band_name,
    b.colour
FROM indexed AS i
LEFT JOIN LATERAL citypipe.vn_aqi_band(i.aqi) AS b ON true
ORDER BY i.station_code, i.hour
