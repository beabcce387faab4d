-- Air quality (issue #14): the pollutant a SensorThings ObservedProperty names, and a sensor's value in µg/m³
-- from the unit its Datastream declares. Used by core.air_station and core.observation.

-- 'pm25', 'pm10', 'o3', 'co', 'no2', 'so2' from the ObservedProperty's name (PM2.5, PM₂.₅, pm 10, Ozone, NO2…) or
-- else its definition (the EEA air-quality pollutant vocabulary: …/aq/pollutant/6001 is PM2.5); NULL for anything
-- else (the models leave such sensors out).
CREATE FUNCTION citypipe.air_pollutant(name text, definition text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        CASE upper(regexp_replace(translate(coalesce(name, ''), '₀₁₂₃₄₅₆₇₈₉', '0123456789'), '[^A-Za-z0-9]', '', 'g'))
            WHEN 'PM25' THEN 'pm25' WHEN 'PM10' THEN 'pm10' WHEN 'O3' THEN 'o3' WHEN 'OZONE' THEN 'o3'
            WHEN 'CO' THEN 'co' WHEN 'NO2' THEN 'no2' WHEN 'SO2' THEN 'so2'
        END,
        CASE substring(coalesce(definition, '') FROM '/aq/pollutant/([0-9]+)$')
            WHEN '6001' THEN 'pm25' WHEN '5' THEN 'pm10' WHEN '7' THEN 'o3' WHEN '10' THEN 'co' WHEN '8' THEN 'no2' WHEN '1' THEN 'so2'
        END)
$$;

-- value in µg/m³ from the declared unit: the symbol (µg/m³ with the micro sign or the Greek mu, ug/m3, mg/m³, ppb,
-- ppm), else the UCUM code at the end of the definition URI. Gases in ppb or ppm at 25 °C and 1 atm (molar volume
-- 24.45 L): µg/m³ = ppb × M / 24.45, M = 48.00 (O3), 28.01 (CO), 46.01 (NO2), 64.07 (SO2). NULL when the unit is
-- none of these (the model flags unit_unknown), or a mixing ratio of particles.
CREATE FUNCTION citypipe.to_micrograms_per_m3(value numeric, symbol text, definition text, pollutant text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH unit AS (
        SELECT coalesce(
            nullif(translate(lower(replace(replace(coalesce(symbol, ''), 'μ', 'µ'), ' ', '')), '³µ', '3u'), ''),
            lower(substring(coalesce(definition, '') FROM '[#/]([a-zA-Z]+/m3)$'))) AS u
    ),
    molar AS (
        SELECT CASE pollutant WHEN 'o3' THEN 48.00 WHEN 'co' THEN 28.01 WHEN 'no2' THEN 46.01 WHEN 'so2' THEN 64.07 END AS m
    )
    SELECT CASE
        WHEN value IS NULL THEN NULL
        WHEN u IN ('ug/m3', 'ug/m^3', 'ugm-3', 'ug.m-3') THEN value
        WHEN u IN ('mg/m3', 'mg/m^3', 'mgm-3', 'mg.m-3') THEN value * 1000
        WHEN u = 'ppb' AND m IS NOT NULL THEN value * m / 24.45
        WHEN u = 'ppm' AND m IS NOT NULL THEN value * 1000 * m / 24.45
    END
    FROM unit, molar
$$;
