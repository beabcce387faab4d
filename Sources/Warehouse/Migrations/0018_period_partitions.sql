-- Feeds that arrive by period (manifest `partition_by`): staging.FEED and core.clean_FEED are partitioned by
-- range of that column, one partition per month (or year), named TABLE_pYYYY_MM (TABLE_pYYYY), with a default
-- partition TABLE_default for rows whose period has no partition yet. Timestamps are cut at midnight in Vietnam.
-- `citypipe archive FEED --before DATE` writes old partitions to files, records them here, and drops them.

CREATE TABLE citypipe.archives (
    archive_id   bigserial   PRIMARY KEY,
    feed         text        NOT NULL,
    -- The partitioned table the partition belonged to: staging.FEED or core.clean_FEED.
    parent       text        NOT NULL,
    -- The partition's own name and its bounds, as PostgreSQL prints them (FOR VALUES FROM (…) TO (…)).
    partition    text        NOT NULL,
    bound        text        NOT NULL,
    period_from  date        NOT NULL,
    period_to    date        NOT NULL,
    -- The file (gzip-compressed COPY text with a header line of column names), its size and sha256.
    file         text        NOT NULL,
    rows         bigint      NOT NULL,
    bytes        bigint      NOT NULL,
    sha256       text        NOT NULL,
    columns      text[]      NOT NULL,
    archived_at  timestamptz NOT NULL DEFAULT now(),
    run_id       bigint,
    -- Set when `citypipe archive FEED --restore` put the rows back.
    restored_at  timestamptz
);
CREATE INDEX archives_feed ON citypipe.archives (feed, period_from);
COMMENT ON TABLE citypipe.archives IS 'Partitions of period-partitioned feeds written to archive files and dropped (citypipe archive), with what is needed to check and restore them.';

-- The first day of the period of `key` (a date, or a timestamp read in Vietnam).
CREATE FUNCTION citypipe.period_start(key timestamptz, step text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_trunc(step, key AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
$$;

-- The partition key column of a partitioned table, and its type.
CREATE FUNCTION citypipe.partition_column(parent regclass, OUT name text, OUT type regtype)
LANGUAGE sql STABLE AS $$
    SELECT a.attname::text, a.atttypid::regtype
    FROM pg_partitioned_table AS p
    JOIN pg_attribute AS a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
    WHERE p.partrelid = parent
$$;

-- The partition of `parent` for the period starting `first_day` (month or year), made when missing. Rows of that
-- period waiting in the default partition move into it (in the caller's transaction). Returns the partition.
CREATE FUNCTION citypipe.period_partition(parent regclass, first_day date, step text) RETURNS regclass
LANGUAGE plpgsql AS $$
DECLARE
    nsp text;
    rel text;
    col record;
    part text;
    default_part regclass;
    waiting boolean := false;
    lo text;
    hi text;
    names text;
BEGIN
    IF step NOT IN ('month', 'year') THEN
        RAISE EXCEPTION 'partition interval % is neither month nor year', step;
    END IF;
    SELECT n.nspname, c.relname INTO nsp, rel FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.oid = parent;
    SELECT * INTO col FROM citypipe.partition_column(parent);
    IF col.name IS NULL THEN
        RAISE EXCEPTION '% is not a partitioned table', parent;
    END IF;
    first_day := date_trunc(step, first_day)::date;
    part := rel || '_p' || CASE step WHEN 'month' THEN to_char(first_day, 'YYYY_MM') ELSE to_char(first_day, 'YYYY') END;
    IF to_regclass(format('%I.%I', nsp, part)) IS NOT NULL THEN
        RETURN format('%I.%I', nsp, part)::regclass;
    END IF;
    IF col.type = 'date'::regtype THEN
        lo := quote_literal(first_day::text);
        hi := quote_literal((first_day + ('1 ' || step)::interval)::date::text);
    ELSE
        lo := quote_literal(first_day::text || ' 00:00:00+07');
        hi := quote_literal((first_day + ('1 ' || step)::interval)::date::text || ' 00:00:00+07');
    END IF;
    default_part := to_regclass(format('%I.%I', nsp, rel || '_default'));
    IF default_part IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I >= %s AND %I < %s)', default_part, col.name, lo, col.name, hi)
            INTO STRICT waiting;
    END IF;
    IF NOT waiting THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%s) TO (%s)', nsp, part, parent, lo, hi);
    ELSE
        -- The default partition may not keep rows of a range given to another partition: they move first.
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO names
        FROM pg_attribute WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped;
        EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS)', nsp, part, parent);
        EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %I >= %s AND %I < %s RETURNING %s) INSERT INTO %I.%I (%s) SELECT %s FROM moved',
                       default_part, col.name, lo, col.name, hi, names, nsp, part, names, names);
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%s) TO (%s)', parent, nsp, part, lo, hi);
    END IF;
    RETURN format('%I.%I', nsp, part)::regclass;
END
$$;

-- The partitions of `parent` for every period from `from_day` to before `to_day`, except the periods archived and
-- not restored (their late rows wait in the default partition until a load's split_default gives them one).
CREATE FUNCTION citypipe.ensure_period_partitions(parent regclass, from_day date, to_day date, step text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    day date := date_trunc(step, from_day)::date;
    made integer := 0;
    qualified text;
BEGIN
    SELECT format('%I.%I', n.nspname, c.relname) INTO qualified
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.oid = parent;
    WHILE day < to_day LOOP
        IF NOT EXISTS (SELECT 1 FROM citypipe.archives AS a
                       WHERE a.parent = qualified AND a.period_from = day AND a.restored_at IS NULL) THEN
            PERFORM citypipe.period_partition(parent, day, step);
            made := made + 1;
        END IF;
        day := (day + ('1 ' || step)::interval)::date;
    END LOOP;
    RETURN made;
END
$$;

-- Gives every period found in the default partition of `parent` its own partition (moving its rows there).
-- Returns how many periods moved.
CREATE FUNCTION citypipe.split_default(parent regclass, step text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    default_part regclass;
    col record;
    day date;
    moved integer := 0;
BEGIN
    default_part := to_regclass(format('%I.%I', (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = parent),
                                       (SELECT relname FROM pg_class WHERE oid = parent) || '_default'));
    IF default_part IS NULL THEN
        RETURN 0;
    END IF;
    SELECT * INTO col FROM citypipe.partition_column(parent);
    FOR day IN EXECUTE format('SELECT DISTINCT citypipe.period_start(%I, %L) FROM %s', col.name, step, default_part) LOOP
        PERFORM citypipe.period_partition(parent, day, step);
        moved := moved + 1;
    END LOOP;
    RETURN moved;
END
$$;

-- Gives `target` a partition for each of `source`'s (same bounds, the target's name before the period suffix),
-- so that core.clean_FEED is cut as staging.FEED is. Returns how many were made.
CREATE FUNCTION citypipe.mirror_partitions(source regclass, target regclass) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    nsp text;
    rel text;
    source_rel text;
    p record;
    made integer := 0;
    suffix text;
BEGIN
    SELECT n.nspname, c.relname INTO nsp, rel FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.oid = target;
    SELECT relname INTO source_rel FROM pg_class WHERE oid = source;
    FOR p IN SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
             FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
             WHERE i.inhparent = source LOOP
        suffix := substr(p.relname, length(source_rel) + 1);
        IF to_regclass(format('%I.%I', nsp, rel || suffix)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s %s', nsp, rel || suffix, target, p.bound);
            made := made + 1;
        END IF;
    END LOOP;
    RETURN made;
END
$$;

-- Plans over the partitioned tables have a node per partition, and PostgreSQL's JIT compiled each of them:
-- integrated.data_quality spent 30 s compiling for a query that runs in 3.2 s without it (scale 1). Off for every
-- new session of this database; a role without the right to alter it keeps the server's setting (the transform's
-- model builds turn it off for themselves).
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'jit stays as the server sets it: % may not alter database %', current_user, current_database();
END
$$;
