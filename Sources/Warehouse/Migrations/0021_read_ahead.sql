-- Reading ahead: before a step looks up or writes a share of a table's rows one key at a time (a model's incremental
-- build, the normaliser's MERGE), the table and its indexes are asked of the operating system in order (pg_prewarm's
-- `prefetch` mode: posix_fadvise, no PostgreSQL buffer taken), so that the step's lookups find their pages in the
-- cache instead of reading them one by one. On this project's machines a relation read in order came at 3.0 GB/s,
-- and 8 kB pages read at random about 16,000 a second (130 MB/s, 23 times slower per page); and the pages of a
-- night's tables were no longer cached: the host reclaims file pages idle for a minute. At scale 2.6 the 16,380
-- people of a night's change took `core.person` 9.9–30.6 s to build, waiting on those reads, and 3.5–4.4 s with its
-- table read ahead. A table partitioned by period is not read ahead: a night's changes fall in few of its months,
-- and reading every month would read what nothing touches.
--
-- pg_prewarm comes with PostgreSQL (contrib, in Debian's postgresql-NN package). Where it cannot be installed (a
-- managed server without it, a role that may not create extensions), `read_ahead` answers -1 and the steps go on
-- without reading ahead (the migration says so in a notice).

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_prewarm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_prewarm WITH SCHEMA public;
    ELSE
        RAISE NOTICE 'pg_prewarm is not available on this server: tables will not be read ahead';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_prewarm could not be installed (%): tables will not be read ahead', SQLERRM;
END $$;

-- Asks the operating system to read `relation` (a table, not a partitioned one) and all its indexes ahead, when a
-- step is about to touch `rows_touched` of its rows one key at a time and reading it in order is the cheaper way:
-- when `rows_touched` is at least a sixteenth of its heap pages (a key's row costs a heap page and a page of each
-- index; a page in order costs a twenty-third of one at random), and when the whole is at least 1 MB and at most
-- half of `effective_cache_size` (what would not stay cached is not read). Returns the pages asked for; 0 when not
-- worth it, too large, partitioned or missing; -1 when pg_prewarm is not installed or cannot prefetch here.
CREATE FUNCTION citypipe.read_ahead(relation regclass, rows_touched bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    prewarm_schema text;
    relations regclass[];
    heap_pages bigint;
    all_bytes bigint;
    asked bigint := 0;
    pages bigint;
    rel regclass;
BEGIN
    SELECT n.nspname INTO prewarm_schema
    FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'pg_prewarm';
    IF prewarm_schema IS NULL THEN
        RETURN -1;
    END IF;
    IF relation IS NULL OR (SELECT c.relkind FROM pg_class AS c WHERE c.oid = relation) <> 'r' THEN
        RETURN 0;
    END IF;
    SELECT pg_relation_size(relation) / 8192 INTO heap_pages;
    SELECT array_agg(r.rel) INTO relations FROM (
        SELECT relation AS rel
        UNION ALL
        SELECT i.indexrelid FROM pg_index AS i WHERE i.indrelid = relation
    ) AS r;
    SELECT coalesce(sum(pg_relation_size(r)), 0) INTO all_bytes FROM unnest(relations) AS r;
    IF rows_touched * 16 < heap_pages OR all_bytes < 1048576
       OR all_bytes > pg_size_bytes(current_setting('effective_cache_size')) / 2 THEN
        RETURN 0;
    END IF;
    FOREACH rel IN ARRAY relations LOOP
        EXECUTE format('SELECT %I.pg_prewarm($1, %L)', prewarm_schema, 'prefetch') INTO pages USING rel;
        asked := asked + pages;
    END LOOP;
    RETURN asked;
EXCEPTION WHEN feature_not_supported THEN
    RETURN -1;
END $$;
