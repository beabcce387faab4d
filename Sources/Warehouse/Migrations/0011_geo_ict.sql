-- The geographic base layer, land and the post/telecom programme (issue #13): reference tables filled from
-- the shipped files (ref.reference_loads), and the SQL function the models read typed-by-hand coordinates with.

CREATE TABLE ref.ict_target (
    programme    text NOT NULL,
    reference    text NOT NULL,
    indicator    text NOT NULL,
    scope        text NOT NULL CHECK (scope IN ('province', 'ward')),
    comparison   text NOT NULL CHECK (comparison IN ('min', 'max')),
    target       numeric NOT NULL,
    target_high  numeric,
    unit         text NOT NULL,
    due_year     integer NOT NULL,
    note         text,
    PRIMARY KEY (programme, indicator)
);
COMMENT ON TABLE ref.ict_target IS 'Targets of the post/telecom/IT action programmes (Decision 388/QĐ-UBND of 2018 first): min = at least, max = at most. integrated.ict_indicators compares with them.';

CREATE TABLE ref.land_use_class (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    land_group  text NOT NULL
);
COMMENT ON TABLE ref.land_use_class IS 'Land-use class codes of cadastral maps (Circular 08/2024/TT-BTNMT).';

-- Degrees from a coordinate as people type it: 21.1861, 21,1861 (decimal comma), 21°10'30.5"N, 21 10 30.5 N,
-- 106°04'34.7"E, with S or W (or a leading minus) for negative values. NULL when it is none of these (the model
-- flags it). IMMUTABLE: the same text always gives the same number.
CREATE FUNCTION citypipe.coordinate_degrees(input text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    t text := upper(btrim(coalesce(input, '')));
    parts text[];
    sign double precision := 1;
    value double precision;
BEGIN
    IF t = '' THEN
        RETURN NULL;
    END IF;
    IF t ~ '^[+-]?[0-9]+([.,][0-9]+)?$' THEN
        RETURN replace(t, ',', '.')::double precision;
    END IF;
    IF t ~ '[SW]\s*$' OR t ~ '^-' THEN
        sign := -1;
    END IF;
    t := regexp_replace(t, '^[+-]|\s*[NSEW]\s*$', '', 'g');
    -- Degrees, minutes, seconds separated by °, ', ", ′, ″, spaces or colons.
    parts := regexp_split_to_array(btrim(regexp_replace(t, '[°º''"′″:\s]+', ' ', 'g')), ' ');
    IF array_length(parts, 1) IS NULL OR array_length(parts, 1) > 3 THEN
        RETURN NULL;
    END IF;
    FOR i IN 1 .. array_length(parts, 1) LOOP
        IF parts[i] !~ '^[0-9]+([.,][0-9]+)?$' THEN
            RETURN NULL;
        END IF;
    END LOOP;
    value := replace(parts[1], ',', '.')::double precision;
    IF array_length(parts, 1) >= 2 THEN
        IF replace(parts[2], ',', '.')::double precision >= 60 THEN RETURN NULL; END IF;
        value := value + replace(parts[2], ',', '.')::double precision / 60;
    END IF;
    IF array_length(parts, 1) = 3 THEN
        IF replace(parts[3], ',', '.')::double precision >= 60 THEN RETURN NULL; END IF;
        value := value + replace(parts[3], ',', '.')::double precision / 3600;
    END IF;
    RETURN sign * value;
END
$$;
COMMENT ON FUNCTION citypipe.coordinate_degrees(text) IS 'Degrees from a typed coordinate: decimal (point or comma) or degrees-minutes-seconds with N/S/E/W; NULL when unreadable.';

-- Thinness of a polygon part (4πA/P², 1 for a disc, about 0.003 for a 600 m by 0.6 m strip), in metres on the
-- spheroid: the models drop parts under 0.005 as slivers.
CREATE FUNCTION citypipe.thinness(part geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ST_Perimeter(part::geography) > 0
        THEN 4 * pi() * ST_Area(part::geography) / ST_Perimeter(part::geography) ^ 2 END
$$;
