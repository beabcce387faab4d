-- The dominant pollutant of a VN_AQI: the one whose sub-index is the AQI (the largest), read by the hourly and daily
-- models. A tie names the first of pm25, pm10, o3, no2, so2, co; NULL when there is no AQI.
CREATE FUNCTION citypipe.vn_aqi_dominant(
    aqi integer, pm25 integer, pm10 integer, o3 integer, no2 integer, so2 integer, co integer
) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN aqi IS NULL THEN NULL
        WHEN pm25 = aqi THEN 'pm25'
        WHEN pm10 = aqi THEN 'pm10'
        WHEN o3 = aqi THEN 'o3'
        WHEN no2 = aqi THEN 'no2'
        WHEN so2 = aqi THEN 'so2'
        WHEN co = aqi THEN 'co'
    END
$$;
