-- The SQL the geo and post/telecom models read with (issue #13), beside 0011's reference tables.

-- The geographic base layer's units as core.admin_boundary reads them: the rows of core.clean_admin_boundaries
-- when the feed is configured (its clean table exists), none otherwise, so that core.admin_unit (which takes its
-- geometry from the layer when it has loaded and from the shipped reference otherwise) builds in a deployment
-- or a pipeline without that feed.
CREATE FUNCTION citypipe.admin_boundaries_loaded()
RETURNS TABLE (
    feature_id text, unit_code text, name text, unit_type text, province_code text, valid_from date, valid_to date,
    geom geometry
)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regclass('core.clean_admin_boundaries') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT feature_id, unit_code, name, unit_type, province_code, valid_from, valid_to, geom
         FROM core.clean_admin_boundaries WHERE _deleted_at IS NULL AND geom IS NOT NULL';
END
$$;
COMMENT ON FUNCTION citypipe.admin_boundaries_loaded() IS 'The staged and normalised units of the admin_boundaries feed, or none when the feed is not configured.';

-- A position typed by hand in a latitude and a longitude column (citypipe.coordinate_degrees reads each): a
-- point of WGS 84, or NULL when either is unreadable or the pair lies outside Vietnam's degrees; a pair written
-- the wrong way round (a latitude column holding 100-112, a longitude column 6-25) is swapped back and says so;
-- dms says a column was written in degrees-minutes-seconds.
CREATE FUNCTION citypipe.typed_position(latitude text, longitude text)
RETURNS TABLE (geom geometry, swapped boolean, dms boolean)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT
        CASE
            WHEN r.lat BETWEEN 100 AND 112 AND r.lon BETWEEN 6 AND 25 THEN ST_SetSRID(ST_MakePoint(r.lat, r.lon), 4326)
            WHEN r.lat BETWEEN 6 AND 25 AND r.lon BETWEEN 100 AND 112 THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326)
        END,
        coalesce(r.lat BETWEEN 100 AND 112 AND r.lon BETWEEN 6 AND 25, false),
        coalesce(latitude LIKE '%°%' OR longitude LIKE '%°%', false)
    FROM (SELECT citypipe.coordinate_degrees(latitude) AS lat, citypipe.coordinate_degrees(longitude) AS lon) AS r
$$;
COMMENT ON FUNCTION citypipe.typed_position(text, text) IS 'WGS 84 point of typed latitude/longitude columns; swapped pairs swapped back (swapped = true); dms: written in degrees-minutes-seconds.';
