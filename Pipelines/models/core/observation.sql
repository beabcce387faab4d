-- description: Hourly air-quality observations (feed air_quality) in µg/m³, one row per station, pollutant and hour. The hour is the END of the hour averaged (hour-ending, as the stations and Decision 1459/QĐ-TCMT count): an observation stamped 09:00 is the hour 08:00–09:00, one stamped 08:20 counts in the hour ending 09:00, and several in one hour are averaged (samples). Values are converted from the unit each sensor (Datastream) declares, never assumed: µg/m³ as is (written with the micro sign or the Greek mu), mg/m³ × 1,000, ppb and ppm of a gas at 25 °C and 1 atm (× molar mass / 24.45; ppm × 1,000). QA/QC flags (valid false, excluded from the AQI): unit_unknown (no conversion: value null), negative, stuck (the same value six or more hours in a row: a frozen or zeroed sensor).
-- unique_key: station_code, pollutant, hour
-- indexes: hour; pollutant, hour
WITH sensors AS (
    -- Every conversion is a factor: found once per sensor, not once per observation.
    SELECT p.*, citypipe.to_micrograms_per_m3(1, p.unit_symbol, p.unit_definition, p.pollutant) AS factor
    FROM (
        SELECT
            s.datastream_id,
            coalesce(nullif(btrim(s.station_code), ''), 'thing-' || s.thing_id) AS station_code,
            citypipe.air_pollutant(s.observed_property, s.property_definition) AS pollutant,
            s.unit_symbol, s.unit_definition
        FROM core.clean_air_quality_stations AS s
        WHERE s._deleted_at IS NULL
    ) AS p
),
converted AS (
    SELECT
        se.station_code, se.pollutant,
        date_trunc('hour', o.phenomenon_time - interval '1 microsecond') + interval '1 hour' AS hour,
        o.result * se.factor AS value
    FROM core.clean_air_quality AS o
    JOIN sensors AS se ON se.datastream_id = o.datastream_id
    WHERE o._deleted_at IS NULL AND se.pollutant IS NOT NULL
),
hourly AS (
    SELECT
        station_code, pollutant, hour,
        avg(value) AS value, count(*) AS samples, count(*) FILTER (WHERE value IS NULL) AS unconverted
    FROM converted
    GROUP BY station_code, pollutant, hour
),
runs AS (
    -- Consecutive hours with the same value share hour - n hours (gaps and islands).
    SELECT
        h.*,
        count(*) OVER (PARTITION BY station_code, pollutant, value, run) AS run_length
    FROM (
        SELECT
            h.*,
            h.hour - (row_number() OVER (PARTITION BY station_code, pollutant, value ORDER BY hour)) * interval '1 hour' AS run
        FROM hourly AS h
        WHERE h.value IS NOT NULL
    ) AS h
)
SELECT
    h.station_code, h.pollutant, h.hour,
    round(h.value, 3) AS value_ugm3,
    h.samples,
    (h.value IS NOT NULL AND h.value >= 0 AND coalesce(r.run_length, 0) < 6) AS valid,
    array_remove(ARRAY[
        CASE WHEN h.unconverted > 0 THEN 'unit_unknown' END,
        CASE WHEN h.value < 0 THEN 'negative' END,
        CASE WHEN r.run_length >= 6 THEN 'stuck' END
    ], NULL) AS quality
FROM hourly AS h
LEFT JOIN runs AS r USING (station_code, pollutant, hour)
