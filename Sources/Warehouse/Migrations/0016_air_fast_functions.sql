-- VN_AQI's sub-index as one expression over the breakpoints of Table 2 (the values of ref.vn_aqi_breakpoint, which
-- VNAQITests checks against this function): the same results as migration 0013's version, which queried the
-- table on every call (18 µs a call, six calls per station-hour: 20 s of a year's hourly model, Benchmarks/air).
-- A single SELECT without FROM, so PostgreSQL inlines it into the models' queries.
CREATE OR REPLACE FUNCTION citypipe.vn_aqi_subindex(pollutant text, averaging text, concentration numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN concentration IS NULL OR concentration < 0 THEN NULL
        WHEN pollutant = 'o3' AND averaging = '1h' THEN CASE
            WHEN concentration <= 160 THEN 0 + 50 * (concentration - 0) / 160
            WHEN concentration <= 200 THEN 50 + 50 * (concentration - 160) / 40
            WHEN concentration <= 300 THEN 100 + 50 * (concentration - 200) / 100
            WHEN concentration <= 400 THEN 150 + 50 * (concentration - 300) / 100
            WHEN concentration <= 800 THEN 200 + 100 * (concentration - 400) / 400
            WHEN concentration <= 1000 THEN 300 + 100 * (concentration - 800) / 200
            WHEN concentration <= 1200 THEN 400 + 100 * (concentration - 1000) / 200
            ELSE 500 END
        WHEN pollutant = 'o3' AND averaging = '8h' THEN CASE
            WHEN concentration <= 100 THEN 0 + 50 * (concentration - 0) / 100
            WHEN concentration <= 120 THEN 50 + 50 * (concentration - 100) / 20
            WHEN concentration <= 170 THEN 100 + 50 * (concentration - 120) / 50
            WHEN concentration <= 210 THEN 150 + 50 * (concentration - 170) / 40
            WHEN concentration <= 400 THEN 200 + 100 * (concentration - 210) / 190
            ELSE NULL END
        WHEN pollutant = 'co' AND averaging = '1h' THEN CASE
            WHEN concentration <= 10000 THEN 0 + 50 * (concentration - 0) / 10000
            WHEN concentration <= 30000 THEN 50 + 50 * (concentration - 10000) / 20000
            WHEN concentration <= 45000 THEN 100 + 50 * (concentration - 30000) / 15000
            WHEN concentration <= 60000 THEN 150 + 50 * (concentration - 45000) / 15000
            WHEN concentration <= 90000 THEN 200 + 100 * (concentration - 60000) / 30000
            WHEN concentration <= 120000 THEN 300 + 100 * (concentration - 90000) / 30000
            WHEN concentration <= 150000 THEN 400 + 100 * (concentration - 120000) / 30000
            ELSE 500 END
        WHEN pollutant = 'so2' AND averaging = '1h' THEN CASE
            WHEN concentration <= 125 THEN 0 + 50 * (concentration - 0) / 125
            WHEN concentration <= 350 THEN 50 + 50 * (concentration - 125) / 225
            WHEN concentration <= 550 THEN 100 + 50 * (concentration - 350) / 200
            WHEN concentration <= 800 THEN 150 + 50 * (concentration - 550) / 250
            WHEN concentration <= 1600 THEN 200 + 100 * (concentration - 800) / 800
            WHEN concentration <= 2100 THEN 300 + 100 * (concentration - 1600) / 500
            WHEN concentration <= 2630 THEN 400 + 100 * (concentration - 2100) / 530
            ELSE 500 END
        WHEN pollutant = 'no2' AND averaging = '1h' THEN CASE
            WHEN concentration <= 100 THEN 0 + 50 * (concentration - 0) / 100
            WHEN concentration <= 200 THEN 50 + 50 * (concentration - 100) / 100
            WHEN concentration <= 700 THEN 100 + 50 * (concentration - 200) / 500
            WHEN concentration <= 1200 THEN 150 + 50 * (concentration - 700) / 500
            WHEN concentration <= 2350 THEN 200 + 100 * (concentration - 1200) / 1150
            WHEN concentration <= 3100 THEN 300 + 100 * (concentration - 2350) / 750
            WHEN concentration <= 3850 THEN 400 + 100 * (concentration - 3100) / 750
            ELSE 500 END
        WHEN pollutant = 'pm10' AND averaging = '24h' THEN CASE
            WHEN concentration <= 50 THEN 0 + 50 * (concentration - 0) / 50
            WHEN concentration <= 150 THEN 50 + 50 * (concentration - 50) / 100
            WHEN concentration <= 250 THEN 100 + 50 * (concentration - 150) / 100
            WHEN concentration <= 350 THEN 150 + 50 * (concentration - 250) / 100
            WHEN concentration <= 420 THEN 200 + 100 * (concentration - 350) / 70
            WHEN concentration <= 500 THEN 300 + 100 * (concentration - 420) / 80
            WHEN concentration <= 600 THEN 400 + 100 * (concentration - 500) / 100
            ELSE 500 END
        WHEN pollutant = 'pm25' AND averaging = '24h' THEN CASE
            WHEN concentration <= 25 THEN 0 + 50 * (concentration - 0) / 25
            WHEN concentration <= 50 THEN 50 + 50 * (concentration - 25) / 25
            WHEN concentration <= 80 THEN 100 + 50 * (concentration - 50) / 30
            WHEN concentration <= 150 THEN 150 + 50 * (concentration - 80) / 70
            WHEN concentration <= 250 THEN 200 + 100 * (concentration - 150) / 100
            WHEN concentration <= 350 THEN 300 + 100 * (concentration - 250) / 100
            WHEN concentration <= 500 THEN 400 + 100 * (concentration - 350) / 150
            ELSE 500 END
    END
$$;
COMMENT ON FUNCTION citypipe.vn_aqi_subindex(text, text, numeric) IS 'VN_AQI sub-index (Decision 1459/QĐ-TCMT, formula 1, Table 2), unrounded; 500 above the top "≥" breakpoint; NULL for O3 8h above 400 µg/m³ (use the 1-h index), for NULL or negative input.';
