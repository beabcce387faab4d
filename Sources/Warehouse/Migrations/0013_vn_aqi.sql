-- Vietnam's air-quality index VN_AQI (Decision 1459/QĐ-TCMT of 12 November 2019, Tổng cục Môi trường): its
-- breakpoints (Table 2) and bands (Table 1) as reference tables, and the SQL functions the air-quality models
-- (integrated.air_quality_hourly, _daily, _ward_daily) compute it with. The tables are filled here, not from a
-- shipped file: they are the decision's text, and a new decision is a new migration.

CREATE TABLE ref.vn_aqi_breakpoint (
    pollutant      text    NOT NULL CHECK (pollutant IN ('pm25', 'pm10', 'o3', 'co', 'no2', 'so2')),
    averaging      text    NOT NULL CHECK (averaging IN ('1h', '8h', '24h')),
    index_value    integer NOT NULL CHECK (index_value BETWEEN 0 AND 500),
    concentration  numeric NOT NULL CHECK (concentration >= 0),
    PRIMARY KEY (pollutant, averaging, index_value),
    UNIQUE (pollutant, averaging, concentration)
);
COMMENT ON TABLE ref.vn_aqi_breakpoint IS 'VN_AQI breakpoints (Decision 1459/QĐ-TCMT of 2019, Table 2), µg/m³ (CO too: 10,000 µg/m³ = 10 mg/m³). Segments are continuous: the upper breakpoint of one is the lower of the next. The I = 500 row is the decision''s "≥" value. PM use the 24-h table for the hourly NowCast too; O3 8h stops at 400 µg/m³ = I 300.';

-- Table 2, column by column: I = 0, 50, 100, 150, 200, 300, 400, 500.
INSERT INTO ref.vn_aqi_breakpoint (pollutant, averaging, index_value, concentration)
SELECT t.pollutant, t.averaging, i.index_value, t.concentrations[i.n]
FROM (VALUES
    ('o3',   '1h',  ARRAY[0, 160, 200, 300, 400, 800, 1000, 1200]::numeric[]),
    ('o3',   '8h',  ARRAY[0, 100, 120, 170, 210, 400]::numeric[]),
    ('co',   '1h',  ARRAY[0, 10000, 30000, 45000, 60000, 90000, 120000, 150000]::numeric[]),
    ('so2',  '1h',  ARRAY[0, 125, 350, 550, 800, 1600, 2100, 2630]::numeric[]),
    ('no2',  '1h',  ARRAY[0, 100, 200, 700, 1200, 2350, 3100, 3850]::numeric[]),
    ('pm10', '24h', ARRAY[0, 50, 150, 250, 350, 420, 500, 600]::numeric[]),
    ('pm25', '24h', ARRAY[0, 25, 50, 80, 150, 250, 350, 500]::numeric[])
) AS t(pollutant, averaging, concentrations)
JOIN (VALUES (1, 0), (2, 50), (3, 100), (4, 150), (5, 200), (6, 300), (7, 400), (8, 500)) AS i(n, index_value)
    ON i.n <= cardinality(t.concentrations);

CREATE TABLE ref.vn_aqi_band (
    band        smallint PRIMARY KEY,
    index_from  integer  NOT NULL UNIQUE,
    index_to    integer  NOT NULL,
    name_vi     text     NOT NULL,
    colour_vi   text     NOT NULL,
    colour      text     NOT NULL CHECK (colour ~ '^#[0-9a-f]{6}$'),
    rgb         text     NOT NULL
);
COMMENT ON TABLE ref.vn_aqi_band IS 'VN_AQI bands (Decision 1459/QĐ-TCMT of 2019, Table 1): index range, name, colour (hex of the decision''s RGB).';

INSERT INTO ref.vn_aqi_band VALUES
    (1,   0,  50, 'Tốt',        'Xanh',    '#00e400', '0;228;0'),
    (2,  51, 100, 'Trung bình', 'Vàng',    '#ffff00', '255;255;0'),
    (3, 101, 150, 'Kém',        'Da cam',  '#ff7e00', '255;126;0'),
    (4, 151, 200, 'Xấu',        'Đỏ',      '#ff0000', '255;0;0'),
    (5, 201, 300, 'Rất xấu',    'Tím',     '#8f3f97', '143;63;151'),
    (6, 301, 500, 'Nguy hại',   'Nâu',     '#7e0023', '126;0;35');

-- The functions below read these two tables yet are declared IMMUTABLE: the tables hold the decision's text and
-- change only by a migration, and the models (which are rebuilt whole) call them millions of times.

-- A pollutant's sub-index, unrounded: formula 1 of the decision, linear between the breakpoints around the
-- concentration (continuous segments: PM2.5 30 µg/m³ is 60, not the 60.6 of a US-EPA-style 25.1 lower bound).
-- The product is taken before the division so that the decision's exact halves stay exact (PM2.5 55.7 → 109.5).
-- Above the top breakpoint: 500 where the top row is the decision's "≥" row at I = 500 (our decision: the index
-- is capped at 500, the top of its scale and of band 6); NULL for O3 8h above 400 µg/m³, where the decision
-- defines no 8-h index and says to use the 1-h one. NULL for a NULL or negative concentration or an unknown
-- pollutant/averaging.
CREATE FUNCTION citypipe.vn_aqi_subindex(pollutant text, averaging text, concentration numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN s.upper_c IS NOT NULL THEN
            s.lower_i + (s.upper_i - s.lower_i) * (vn_aqi_subindex.concentration - s.lower_c) / (s.upper_c - s.lower_c)
        WHEN s.lower_i = 500 THEN 500
    END
    FROM (
        SELECT b.index_value AS lower_i, b.concentration AS lower_c,
            lead(b.index_value) OVER w AS upper_i, lead(b.concentration) OVER w AS upper_c
        FROM ref.vn_aqi_breakpoint AS b
        WHERE b.pollutant = vn_aqi_subindex.pollutant AND b.averaging = vn_aqi_subindex.averaging
        WINDOW w AS (ORDER BY b.index_value)
    ) AS s
    WHERE vn_aqi_subindex.concentration >= s.lower_c
        AND (vn_aqi_subindex.concentration <= s.upper_c OR s.upper_c IS NULL)
    ORDER BY s.lower_i
    LIMIT 1
$$;
COMMENT ON FUNCTION citypipe.vn_aqi_subindex(text, text, numeric) IS 'VN_AQI sub-index (Decision 1459/QĐ-TCMT, formula 1), unrounded; 500 above the top "≥" breakpoint; NULL for O3 8h above 400 µg/m³ (use the 1-h index), for NULL or negative input.';

-- The decision rounds an index to an integer, and its examples round halves up (109.5 → 110, 44.65 → 45): floor
-- of x + 0.5 in numeric, exact, not float8 and not banker's rounding.
CREATE FUNCTION citypipe.vn_aqi_round(value numeric) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(value + 0.5)::integer
$$;
COMMENT ON FUNCTION citypipe.vn_aqi_round(numeric) IS 'An index rounded to an integer, halves up (VN_AQI: 109.5 → 110).';

-- NowCast of a PM series: c[1] the current hour's mean, c[2] the hour before … c[12] eleven hours earlier, NULL
-- for a missing hour. w* = min/max of the present values, w = 1/2 when w* ≤ 1/2, else w*; NowCast = Σ w^(i−1)·ci /
-- Σ w^(i−1) over the present hours (a missing hour weighs 0). The decision writes the w = 1/2 case unnormalised,
-- Σ (1/2)^i·ci: with 12 hours that is the normalised value times 1 − 2^−12, but with a gap it drops the gap's
-- weight and reads low, so the normalised form (the w > 1/2 case's, and US-EPA's) is used for both. NULL unless
-- at least 2 of c1, c2, c3 are present (the decision: else no data). All zero: 0.
CREATE FUNCTION citypipe.vn_nowcast(c numeric[]) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    low numeric;
    high numeric;
    w numeric;
    weight numeric := 1;  -- w^(i−1), by exact numeric products
    weighted numeric := 0;
    weights numeric := 0;
BEGIN
    IF (c[1] IS NOT NULL)::int + (c[2] IS NOT NULL)::int + (c[3] IS NOT NULL)::int < 2 THEN
        RETURN NULL;
    END IF;
    FOR i IN 1 .. 12 LOOP
        IF c[i] IS NOT NULL THEN
            low := least(low, c[i]);
            high := greatest(high, c[i]);
        END IF;
    END LOOP;
    w := CASE WHEN high = 0 THEN 1 WHEN low / high <= 0.5 THEN 0.5 ELSE low / high END;
    FOR i IN 1 .. 12 LOOP
        IF c[i] IS NOT NULL THEN
            weighted := weighted + weight * c[i];
            weights := weights + weight;
        END IF;
        weight := weight * w;
    END LOOP;
    -- The weights' exact products run to hundreds of digits; 16 decimals are far below any measurement's.
    RETURN round(weighted / weights, 16);
END
$$;
COMMENT ON FUNCTION citypipe.vn_nowcast(numeric[]) IS 'NowCast (Decision 1459/QĐ-TCMT) of c[1] = current hour … c[12] = 11 hours earlier, NULL = missing; normalised weights; NULL unless 2 of c[1..3] are present.';

-- The band of an index (Table 1): 1 Tốt … 6 Nguy hại, its name and colour; an index above 500 is in band 6;
-- NULL in, NULLs out.
CREATE FUNCTION citypipe.vn_aqi_band(aqi integer, OUT band smallint, OUT name_vi text, OUT colour text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT b.band, b.name_vi, b.colour
    FROM ref.vn_aqi_band AS b
    WHERE aqi >= b.index_from
    ORDER BY b.index_from DESC
    LIMIT 1
$$;
COMMENT ON FUNCTION citypipe.vn_aqi_band(integer) IS 'VN_AQI band of an index (Decision 1459/QĐ-TCMT, Table 1): number 1–6, Vietnamese name, colour; NULL for NULL.';
