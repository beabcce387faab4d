#!/usr/bin/env bash
# The fault campaign (issue 15): CityPipe killed with `kill -9` at seeded random moments of its work, PostgreSQL
# stopped with `pg_ctl stop -m immediate` in the middle of a load and of a model build, the simulated sources
# answering 20 % of requests with faults, and the database's disk filling up during a load; then every table of
# `staging`, `core` and `integrated` compared with a database that nothing interrupted.
#
#   1. Its own folder under /tmp (CITYPIPE_HOME of two embedded clusters: `clean`, which is never interrupted, and
#      `faulted`, which takes the faults; the binary and its resource bundles copied there first, so that a rebuild
#      elsewhere cannot change it half-way) and its own simulator on 127.0.0.1 (`citypipe simulate --seed 1
#      --scale SCALE`, no faults), which both databases load from.
#   2. The clean database: `citypipe run nightly` (its wall time is D_first), the same again (D_rerun), the two
#      backfills the campaign kills (labour 2025-01-01…2025-12-31 and health_encounters 2025-01-01…2025-06-30, by
#      day, 2 windows at a time), `citypipe transform --full`, and an officer's NDJSON export of
#      integrated.citizen_360 by `citypipe serve` to a slow client (Python, 2 MB/s through a 32 KiB receive window:
#      curl's --limit-rate lets a connection's first response through at full speed): each timed, so that the kills
#      land within them.
#   3. The kill schedule (seeded by --seed; printed kill by kill). Its first ten entries are one of each of
#        nightly run at a random moment (twice), nightly run aimed at a fetch, at a COPY, at a MERGE, at the
#        normalisation, at the SQL models, `citypipe transform --full` at a random moment, a backfill at a random
#        moment, `citypipe serve` during a streaming export at a random moment
#      in a seeded order; the next ones are drawn (60 % nightly at a random moment, 10 % each: nightly aimed at a
#      MERGE, transform --full, backfill, serve) until --kills kills. "A random moment": a seeded delay within the
#      clean command's measured duration (for the nightly run D_first until one has succeeded on `faulted`, then
#      D_rerun). "Aimed": a watch (a loop inside PostgreSQL over pg_stat_activity) waits for the phase, and the kill
#      follows as soon as it returns; the phase is the watch's view. A MERGE lasts milliseconds at this scale, so for
#      a kill aimed at one the campaign holds a SHARE lock on one staged table (seeded) from a session of its own:
#      that feed's MERGE waits for it, the watch sees it waiting, the kill lands while the MERGE statement is in
#      flight, then the lock goes and the orphaned statement ends in a rollback. A kill is `kill -9` of the process
#      group (citypipe and any child) started with setsid. The phase of a kill at a random moment is read just
#      before it from pg_stat_activity of the database (the statements of the loader, the normaliser and the model
#      builder), else from the command's own log of that attempt: fetch, COPY, MERGE (the commit of a load: index,
#      MERGE, deletions, cursor, ledger), normalisation, SQL models, backfill window, API export (also start-up,
#      between steps, finishing). The next command on the database is a re-run. A command that ends before its
#      kill is not killed and must exit 0; the entry is tried again, as it is when its kill missed the phase it was
#      for (that kill counts all the same), at most 4 commands an entry. After each kill the campaign waits (inside
#      PostgreSQL) until the killed process's sessions are gone. After each kill of `serve`: `citypipe audit verify`
#      must pass and the next export (a new server) must be complete: as many NDJSON lines as the view has rows,
#      each a JSON object.
#   4. PostgreSQL stopped with `pg_ctl stop -m immediate` (found as `citypipe db` finds it; run as the cluster's
#      owner) while a feed load is in flight and while a model is being built (1 + 1 with --short, 3 + 3 else):
#      the interrupted run must exit non-zero without hanging, `citypipe db up` restarts the cluster (crash
#      recovery), and the re-run must exit 0.
#   5. Finally: the faulted database's backfills finished (`--resume`, as docs/operations.md says), one final
#      uninterrupted nightly run on it (so both databases' last loads are re-runs: integrated.data_quality counts the
#      rejects of the latest run that had some; the clean side's models are built again if the UTC day changed, as
#      commune_profile reads current_date), and the comparison: every table of `staging`, `core`, `integrated`
#      (discovered from information_schema on both sides; a table on one side only is a failure), each row reduced
#      to md5(ROW(data columns)::text), the columns in name order. Excluded, as legitimately different: columns
#      whose name starts with `_` and ends with `_at`, `_id` or `_by` (load and run ids, load, normalisation and
#      deletion times) and any `run_id`, `built_at`, `loaded_at`; `_deleted_at` is compared as `_deleted_at IS NULL`.
#      The excluded columns are printed. Per table: rows, an order-independent checksum (md5 of the sorted row
#      hashes), rows lost (clean EXCEPT ALL faulted) and rows duplicated (faulted EXCEPT ALL clean), computed in a
#      `compare` database of the clean cluster through dblink. The ledger: every citypipe table whose status CHECK
#      allows 'running' (runs, feed_runs, model_runs, backfills, backfill_partitions) must hold none.
#   6. (not with --short) The simulator restarted with --faults 0.2 (same seed, scale and port: two feeds keep the
#      source's links, which name the port, in staging._extra) for a third database (`simfaults`, in the clean
#      cluster): nightly, nightly, the two backfills, transform --full (the clean database's history), each must
#      exit 0; then the same comparison with `clean`. The simulator does not count the faults it served: the
#      requests it served, those it served for the same commands without faults, and the retries CityPipe recorded
#      (citypipe.feed_runs.retries) are printed instead.
#   7. (not with --short) Disk full: a tmpfs mounted (root only; else "disk-full: skipped") as the tablespace of a
#      fresh database `diskfull` of the faulted cluster; business loaded, the tmpfs shrunk to what is used + 1 MiB;
#      `citypipe ingest insurance` must fail (non-zero status, the error naming the feed), staging must be as it
#      was (every staging table's checksum, insurance's cursor and ledger), and once the tmpfs is remounted bigger
#      the same load must succeed, staging.insurance then equal to the clean database's.
#   8. The figures (kills by phase and by command, re-runs, PG restarts, disk full, tables and rows compared, rows
#      lost and duplicated, ledger rows left running, wall time), then `faults: PASSED` or `faults: FAILED (N
#      checks)`; the exit status is 1 when any check failed.
#
# Usage: Benchmarks/faults/run.sh [--kills N] [--seed S] [--scale X] [--short]
#   --kills N   kills -9 (default 100; 10 with --short)            --seed S   the kill schedule's seed (default 1)
#   --scale X   the simulator's scale (default 0.01)                --short    items 1–5 and 8, 1 + 1 PG stops
#   CITYPIPE_BIN (default .build/debug/citypipe, relative to the repository root); FAULTS_KEEP=1 keeps the folder
#   (also kept when a check failed; it holds simulated personal data in its databases: delete it after reading).
# Never prints personal data: the output names feeds, tables, phases and counts only.
set -euo pipefail
started=$EPOCHREALTIME
caller_pwd=$PWD
cd "$(dirname "$0")/../.."   # the repository root: Connectors/ and Pipelines/ are read from here

kills_wanted='' seed=1 scale=0.01 short=0
while (($#)); do
  case $1 in
    --kills) kills_wanted=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --short) short=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "faults: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n $kills_wanted ]] || { ((short)) && kills_wanted=10 || kills_wanted=100; }
[[ $kills_wanted =~ ^[0-9]+$ && $seed =~ ^[0-9]+$ ]] || { echo "faults: --kills and --seed take integers" >&2; exit 2; }
pg_restarts=3; ((short)) && pg_restarts=1   # of each kind: in a feed load, in a model build

bin=${CITYPIPE_BIN:-.build/debug/citypipe}
[[ $bin == /* ]] || { [[ -n ${CITYPIPE_BIN:-} ]] && bin=$caller_pwd/$bin || bin=$PWD/$bin; }
[[ -x $bin ]] || { echo "faults: no $bin; build it (swift build --product citypipe) or set CITYPIPE_BIN" >&2; exit 1; }
python=/usr/bin/python3  # Debian's: json and random only
sim_seed=1               # the simulated data's seed: fixed (the campaign's --seed drives the kill schedule only)
guard=900                # seconds: a command that takes longer is hung (timeout ends it; a check fails)
export_rate=2000000      # bytes/s of the exports to be cut: a slow client, so that they last seconds
# The other settings that pick a database would win over the embedded clusters in `citypipe db url`.
unset DATABASE_URL PGHOST PGPORT PGDATABASE PGUSER PGSERVICE PGSERVICEFILE PGHOSTADDR PGPASSWORD
export CITYPIPE_API_SECRET=$(printf 'fa%062d' "$seed")   # serve's pseudonym/cursor secret: stable for the run

root=$(mktemp -d /tmp/citypipe-faults.XXXXXX)
chmod 755 "$root"          # as root the clusters run as postgres, who must enter it
work=$root/work; mkdir -p "$work"
# The binary and its resource bundles (the migrations, the reference data) copied into the campaign's folder: a
# rebuild during the campaign (another `swift build` on the machine) cannot change it half-way.
bin_built=$(stat -c %y "$bin" | cut -c1-19)
mkdir -p "$root/bin" && cp "$bin" "$root/bin/citypipe"
for bundle in "$(dirname "$bin")"/*.resources; do [[ ! -d $bundle ]] || cp -r "$bundle" "$root/bin/"; done
bin_given=$bin bin=$root/bin/citypipe

# BEGIN functions

# --- output and checks ---------------------------------------------------------------------------------------------
elapsed() { awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }'; }
say() { echo "faults: $* ($(elapsed) s)"; }
failures=0
declare -a failed_checks=()
fail_check() { failures=$((failures + 1)); failed_checks+=("$1"); echo "faults: FAILED: $1" >&2; }
# check NAME CONDITION-STATUS: one line per failed check only (the figures say what passed).
check() { [[ $2 == 0 ]] || fail_check "$1"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }     # EPOCHREALTIME a, b → seconds
mul() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a * b }'; }
first_line() { grep -m1 -v '^{' "$1" 2>/dev/null | cut -c1-300 || true; }  # a command's first non-JSON line

# --- PostgreSQL ----------------------------------------------------------------------------------------------------
# psql as the campaign (application_name faults-*, which the phase classifier and the waits leave out).
q() { PGAPPNAME=faults-campaign psql "$1" -qAtX -v ON_ERROR_STOP=1 -c "SET client_min_messages TO warning" -c "$2"; }
# The URL of database $2 of the cluster under $1 (the embedded cluster's socket URL with another database name).
db_url() { CITYPIPE_HOME=$1 "$bin" db url | sed 's#^\(postgresql://[^/]*/\)[^?]*#\1'"$2"'#'; }
cluster_up() {  # home
  mkdir -p "$1" && chmod 755 "$1"
  CITYPIPE_HOME=$1 timeout -k 10 "$guard" "$bin" db up >>"$work/db.log" 2>&1 || { tail -5 "$work/db.log" >&2; return 1; }
}
refresh_urls() {  # after a (re)start: the port may have changed
  url_clean=$(db_url "$root/clean" citypipe)
  url_compare=$(db_url "$root/clean" compare)
  url_simfaults=$(db_url "$root/clean" simfaults)
  url_faulted=$(db_url "$root/faulted" citypipe)
  url_diskfull=$(db_url "$root/faulted" diskfull)
}
# pg_ctl as `citypipe db` finds it: $CITYPIPE_PG_BINDIR, the highest /usr/lib/postgresql/*/bin, PATH.
pg_ctl_path() {
  if [[ -n ${CITYPIPE_PG_BINDIR:-} ]]; then echo "$CITYPIPE_PG_BINDIR/pg_ctl"; return; fi
  local v
  for v in $(ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -rn); do
    [[ -x /usr/lib/postgresql/$v/bin/pg_ctl ]] && { echo "/usr/lib/postgresql/$v/bin/pg_ctl"; return; }
  done
  command -v pg_ctl
}
# Stops the cluster under $1 at once (no checkpoint, no goodbye to clients), as its owner.
pg_stop_immediate() {
  local data=$1/pg/data owner
  owner=$(stat -c %U "$data")
  if [[ $(id -u) == 0 && $owner != root ]]; then
    runuser -u "$owner" -- "$(pg_ctl_path)" -D "$data" stop -m immediate >>"$work/db.log" 2>&1
  else
    "$(pg_ctl_path)" -D "$data" stop -m immediate >>"$work/db.log" 2>&1
  fi
}

# What the database's sessions are doing, as one phase (NULL: nothing recognisable): the statements of the staging
# loader (Sources/Ingest/StagingLoad.swift), the normaliser (Sources/Transform/Normalize: statements on core.clean_*,
# cp_clean*, transform_state, the COPY out of staging) and the model builder (X__cp_new, model_runs). The rarest wins when several sessions work at once (3 feeds load side by side).
# MERGE is the commit of a load: rejects recorded, the key added after a first load, the load table indexed, the
# MERGE, the deletions of a snapshot, the count of a first load, the cursor. fetch: a load's transaction is open and
# waits for its client (which is fetching or decoding the source's next page).
read -r -d '' phase_sql <<'SQL' || true
(SELECT CASE
   WHEN bool_or(q ~ '^(MERGE INTO staging\.|UPDATE staging\.|CREATE INDEX ON cp_load_|SELECT count\(\*\) AS n FROM \(SELECT DISTINCT|SELECT count\(\*\) AS n FROM staging\.|INSERT INTO citypipe\.rejects .* FROM cp_rejects_|INSERT INTO citypipe\.feed_state|SET LOCAL maintenance_work_mem = \S+ ALTER TABLE staging\.)') THEN 'MERGE'
   WHEN bool_or(state = 'active' AND q ~ '^COPY (staging\.|cp_load_|cp_rejects_)\S* \(.*\) FROM STDIN') THEN 'COPY'
   WHEN bool_or(q ~ '(^(COPY|INSERT INTO|MERGE INTO|UPDATE|DELETE FROM|ALTER TABLE|DROP TABLE IF EXISTS|CREATE TABLE|CREATE TABLE IF NOT EXISTS) core\.clean_|cp_clean|citypipe\.transform_state|^COPY \(SELECT |^COPY citypipe\.rejects |^SELECT NOT EXISTS \(SELECT 1 FROM core\.clean_)') THEN 'normalisation'
   WHEN bool_or(q ~ '(__cp_new|citypipe\.model_runs|^ANALYZE (core|integrated)\.|^DROP TABLE IF EXISTS (core|integrated)\.)') THEN 'SQL models'
   WHEN bool_or(state LIKE 'idle in transaction%' AND q ~ '^(SAVEPOINT cp_document|ROLLBACK TO SAVEPOINT cp_document|COPY (staging\.|cp_load_|cp_rejects_)\S* \(|CREATE TEMP TABLE cp_load_|SELECT NOT EXISTS \(SELECT 1 FROM staging\.)') THEN 'fetch'
 END
 FROM (SELECT state, regexp_replace(query, '\s+', ' ', 'g') AS q FROM pg_stat_activity
       WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
         AND application_name NOT LIKE 'faults-%' AND state <> 'idle') AS a)
SQL
phase_now() { q "$1" "SELECT coalesce($phase_sql, '')" 2>/dev/null || true; }

# Waits inside PostgreSQL (no sleep out here) until the phase of database $1 matches the regex $2, or, given an SQL
# condition $3, until it holds (the phase is then $2 itself); prints the phase. Meant to run in the background beside
# the command it watches: the caller waits for whichever ends first, and kills this one if the command ends first
# (client_connection_check_interval ends the server's loop then).
watch_phase() {
  local test="p := $phase_sql; EXIT WHEN p ~ '$2';"
  [[ -z ${3:-} ]] || test="p := '${2//[\^\$]/}'; EXIT WHEN $3;"
  PGAPPNAME=faults-watch psql "$1" -qAtX -v ON_ERROR_STOP=1 <<SQL
SET statement_timeout = '${guard}s';
SET client_connection_check_interval = '100ms';
DO \$\$ DECLARE p text; BEGIN
  LOOP
    PERFORM pg_stat_clear_snapshot();   -- a fresh view of the sessions each time round
    $test
    PERFORM pg_sleep(0.005);            -- the polling tick of the watch, inside the server
  END LOOP;
  PERFORM set_config('faults.phase', p, false);
END \$\$;
SELECT current_setting('faults.phase');
SQL
}
# Waits inside PostgreSQL until database $1 has no session but the campaign's: a killed client's backend ends when
# it notices, or after the statement it was running (a MERGE held by a lock, a model's CREATE TABLE).
wait_sessions_gone() {
  PGAPPNAME=faults-campaign psql "$1" -qAtX -v ON_ERROR_STOP=1 <<SQL >/dev/null
SET statement_timeout = '120s';
DO \$\$ BEGIN
  LOOP
    PERFORM pg_stat_clear_snapshot();
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
      AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name NOT LIKE 'faults-%');
    PERFORM pg_sleep(0.01);
  END LOOP;
END \$\$;
SQL
}

# --- processes -----------------------------------------------------------------------------------------------------
# Starts "$@" in a session of its own (setsid: the kill takes the whole process group) under a hang guard; $bg_pid.
start_bg() {  # out err cmd...
  local out=$1 err=$2; shift 2
  setsid timeout -k 10 "$guard" "$@" >"$out" 2>"$err" &
  bg_pid=$!
}
kill_group() { kill -9 -- "-$1" 2>/dev/null || true; }
reap() { reaped=0; { wait "$1"; } 2>/dev/null || reaped=$?; }   # waits for a background pid: its status in $reaped
# Starts a server ("$@") whose stdout says `# serving on URL` when it listens: read through a fifo as it comes (no
# polling), the rest of its stdout drained into $out. Sets server_pid and server_url; fails after 120 s without it.
start_server() {  # out err cmd...
  local out=$1 err=$2 fifo=$work/fifo.$BASHPID.$RANDOM line fd ok=1; shift 2
  mkfifo "$fifo"
  setsid "$@" >"$fifo" 2>"$err" &
  server_pid=$!
  exec {fd}<"$fifo"
  rm -f "$fifo"
  server_url=''
  while IFS= read -r -t 120 -u "$fd" line; do
    printf '%s\n' "$line" >>"$out"
    if [[ $line == '# serving on '* ]]; then server_url=${line#\# serving on }; ok=0; break; fi
  done
  cat <&"$fd" >>"$out" &
  exec {fd}<&-
  return $ok
}
stop_server() {  # pid: SIGTERM (serve drains, the simulator stops); its status in $reaped
  reaped=0
  [[ -n $1 ]] || return 0
  kill -TERM "$1" 2>/dev/null || true
  reap "$1"
}

sim_pid='' sim_url=''
start_sim() {  # faults-rate [port]; the exports go into $work/sim-RATE.env
  : >"$work/sim-$1.out"
  start_server "$work/sim-$1.out" "$work/sim-$1.err" "$bin" simulate --port "${2:-0}" --seed "$sim_seed" --scale "$scale" --faults "$1" \
    || { echo "faults: the simulator did not start:" >&2; tail -5 "$work/sim-$1.err" >&2; return 1; }
  sim_pid=$server_pid sim_url=$server_url
  grep '^export ' "$work/sim-$1.out" >"$work/sim-$1.env"
}
sim_requests() { curl -sf "$sim_url/_sim/state" | "$python" -c 'import json,sys; print(sum(json.load(sys.stdin)["requests"].values()))'; }

# --- citypipe commands ---------------------------------------------------------------------------------------------
cp_cmd() { timeout -k 10 "$guard" "$bin" "$@"; }
# A timed, uninterrupted command: its wall seconds in $took; its status returned. Output in $work/NAME.{out,err}.
timed() {  # name cmd...
  local name=$1 t0 rc=0; shift
  t0=$EPOCHREALTIME
  cp_cmd "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  took=$(secs "$t0" "$EPOCHREALTIME")
  return $rc
}
backfill_range() {  # feed → "--from A --to B --step day --parallel 2"
  case $1 in
    labour) echo "--from 2025-01-01 --to 2025-12-31 --step day --parallel 2" ;;
    health_encounters) echo "--from 2025-01-01 --to 2025-06-30 --step day --parallel 2" ;;
  esac
}
backfill_feeds=(labour health_encounters)
# How to (re)start the backfill of $2 on database $1: plain the first time, --resume when cut off, --reprocess all
# when done (so that there is work to kill).
backfill_mode() {
  local status
  status=$(q "$1" "SELECT status FROM citypipe.backfills WHERE feed = '$2' ORDER BY backfill_id DESC LIMIT 1" 2>/dev/null || true)
  case $status in
    '') echo '' ;;
    succeeded) echo '--reprocess all' ;;
    *) echo '--resume' ;;
  esac
}

# --- the comparison --------------------------------------------------------------------------------------------------
# Functions of the `compare` database (clean cluster), reading both sides through dblink.
write_compare_sql() {
  cat >"$work/compare.sql" <<'SQL'
CREATE EXTENSION IF NOT EXISTS dblink;
-- The tables of staging, core and integrated of a database: the data columns as an expression (name order;
-- _deleted_at as its nullness) and the excluded ones.
CREATE OR REPLACE FUNCTION faults_columns(conn text)
RETURNS TABLE (tbl text, expr text, excluded text) LANGUAGE sql AS $f$
  SELECT * FROM dblink(conn, $q$
    SELECT c.table_schema || '.' || c.table_name,
           string_agg(CASE WHEN c.column_name = '_deleted_at' THEN '(_deleted_at IS NULL)' ELSE quote_ident(c.column_name) END,
                      ', ' ORDER BY c.column_name)
             FILTER (WHERE c.column_name = '_deleted_at'
                        OR NOT (c.column_name ~ '^_.*_(at|id|by)$' OR c.column_name ~ '(^|_)(run_id|built_at|loaded_at)$')),
           coalesce(string_agg(c.column_name, ',' ORDER BY c.column_name)
             FILTER (WHERE c.column_name <> '_deleted_at'
                       AND (c.column_name ~ '^_.*_(at|id|by)$' OR c.column_name ~ '(^|_)(run_id|built_at|loaded_at)$')), '')
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                                    AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema IN ('staging', 'core', 'integrated')
    GROUP BY 1 $q$) AS x(tbl text, expr text, excluded text)
$f$;
-- One table on both sides: rows, order-independent checksums, and the two EXCEPT ALLs over the rows' hashes.
CREATE OR REPLACE FUNCTION faults_compare(tbl text, expr text, a text, b text)
RETURNS TABLE (rows_a bigint, rows_b bigint, sum_a text, sum_b text, lost bigint, duplicated bigint)
LANGUAGE plpgsql AS $f$
BEGIN
  IF tbl IS NULL OR expr IS NULL THEN RETURN; END IF;   -- a table on one side only
  DROP TABLE IF EXISTS faults_a; DROP TABLE IF EXISTS faults_b;
  CREATE TEMP TABLE faults_a AS
    SELECT h FROM dblink(a, format('SELECT md5(ROW(%s)::text) FROM %s', expr, tbl)) AS x(h text);
  CREATE TEMP TABLE faults_b AS
    SELECT h FROM dblink(b, format('SELECT md5(ROW(%s)::text) FROM %s', expr, tbl)) AS x(h text);
  RETURN QUERY SELECT
    (SELECT count(*) FROM faults_a), (SELECT count(*) FROM faults_b),
    (SELECT md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM faults_a),
    (SELECT md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM faults_b),
    (SELECT count(*) FROM (SELECT h FROM faults_a EXCEPT ALL SELECT h FROM faults_b) AS s),
    (SELECT count(*) FROM (SELECT h FROM faults_b EXCEPT ALL SELECT h FROM faults_a) AS s);
END $f$;
-- One database's staging tables: rows and checksum each (the disk-full test's before and after).
CREATE OR REPLACE FUNCTION faults_fingerprint(conn text, schema_name text)
RETURNS TABLE (tbl text, n bigint, sum text) LANGUAGE plpgsql AS $f$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.tbl, c.expr FROM faults_columns(conn) c WHERE c.tbl LIKE schema_name || '.%' ORDER BY 1 LOOP
    RETURN QUERY SELECT r.tbl, count(*), md5(coalesce(string_agg(h, '' ORDER BY h), ''))
      FROM dblink(conn, format('SELECT md5(ROW(%s)::text) FROM %s', r.expr, r.tbl)) AS x(h text);
  END LOOP;
END $f$;
SQL
  q "$url_clean" "SELECT 1 FROM pg_database WHERE datname = 'compare'" | grep -q 1 \
    || { q "$url_clean" "CREATE DATABASE compare" && q "$url_clean" "ALTER DATABASE compare SET client_min_messages = warning"; }
  PGAPPNAME=faults-campaign psql "$url_compare" -qAtX -v ON_ERROR_STOP=1 -f "$work/compare.sql" >/dev/null
}
# compare_dbs LABEL URL_A URL_B [PRINT_ALL]: every table on both sides; sets cmp_tables, cmp_rows, cmp_lost, cmp_dup,
# cmp_bad (tables that differ or exist on one side only); prints a line per table (all, or the differing ones).
compare_dbs() {
  local label=$1 a=$2 b=$3 all=${4:-0} out=$work/compare-$1.tsv
  PGAPPNAME=faults-campaign psql "$url_compare" -qAtX -F '|' -v ON_ERROR_STOP=1 -v a="$a" -v b="$b" >"$out" <<'SQL'
SET client_min_messages TO warning;
WITH ca AS (SELECT * FROM faults_columns(:'a')), cb AS (SELECT * FROM faults_columns(:'b'))
SELECT coalesce(ca.tbl, cb.tbl),
       CASE WHEN ca.tbl IS NULL THEN 'only in the second' WHEN cb.tbl IS NULL THEN 'only in the first'
            WHEN ca.expr <> cb.expr THEN 'columns differ' ELSE '' END,
       ca.excluded, r.*
FROM ca FULL JOIN cb ON ca.tbl = cb.tbl
LEFT JOIN LATERAL faults_compare(CASE WHEN ca.expr = cb.expr THEN ca.tbl END, ca.expr, :'a', :'b') AS r ON true
ORDER BY 1;
SQL
  cmp_tables=0 cmp_rows=0 cmp_lost=0 cmp_dup=0 cmp_bad=0
  local tbl problem excluded ra rb sa sb lost dup verdict
  ((all)) && printf '  %-44s %10s %10s %6s %6s  %s\n' table rows_clean rows_other lost dup checksum
  while IFS='|' read -r tbl problem excluded ra rb sa sb lost dup; do
    cmp_tables=$((cmp_tables + 1))
    if [[ -n $problem ]]; then
      cmp_bad=$((cmp_bad + 1)); printf '  %-44s %s\n' "$tbl" "$problem"; continue
    fi
    cmp_rows=$((cmp_rows + ra)) cmp_lost=$((cmp_lost + lost)) cmp_dup=$((cmp_dup + dup))
    verdict=equal; [[ $sa == "$sb" ]] || verdict="DIFFERS"
    [[ $verdict == equal && $lost == 0 && $dup == 0 ]] || cmp_bad=$((cmp_bad + 1))
    if ((all)) || [[ $verdict != equal || $lost != 0 || $dup != 0 ]]; then
      printf '  %-44s %10s %10s %6s %6s  %s\n' "$tbl" "$ra" "$rb" "$lost" "$dup" "$verdict"
    fi
  done <"$out"
  echo "  $label: $cmp_tables tables compared, $cmp_rows rows (first side), $cmp_lost lost, $cmp_dup duplicated, $cmp_bad differing"
  check "$label: $cmp_bad tables differ ($cmp_lost rows lost, $cmp_dup duplicated)" "$((cmp_bad > 0))"
}
excluded_columns() {  # the excluded columns of database $1, with how many tables have each
  PGAPPNAME=faults-campaign psql "$url_compare" -qAtX -v a="$1" <<'SQL'
SELECT string_agg(format('%s (%s tables)', col, n), ', ' ORDER BY col) || '; _deleted_at compared as its nullness'
FROM (SELECT col, count(*) AS n FROM faults_columns(:'a'), unnest(string_to_array(excluded, ',')) AS col
      WHERE excluded <> '' GROUP BY col) s;
SQL
}
# The ledger of database $1: every citypipe table whose status CHECK allows 'running', and its rows still running.
ledger_running() {  # → "table=n ..." and $ledger_total
  local tables t n
  tables=$(q "$1" "SELECT conrelid::regclass FROM pg_constraint WHERE connamespace = 'citypipe'::regnamespace
                   AND contype = 'c' AND pg_get_constraintdef(oid) ~ '''running''' ORDER BY 1")
  ledger_total=0 ledger_detail=''
  for t in $tables; do
    n=$(q "$1" "SELECT count(*) FROM $t WHERE status = 'running'")
    ledger_total=$((ledger_total + n)); ledger_detail+="$t=$n "
  done
  # Which: runs by kind, model builds by the status of their run.
  ledger_which=$(q "$1" "SELECT concat_ws('; ',
      (SELECT 'runs running: ' || string_agg(format('%s %s', n, kind), ', ') FROM
         (SELECT kind, count(*) AS n FROM citypipe.runs WHERE status = 'running' GROUP BY kind ORDER BY kind) s),
      (SELECT 'model builds running: ' || string_agg(format('%s of %s runs', n, rs), ', ') FROM
         (SELECT r.status AS rs, count(*) AS n FROM citypipe.model_runs m JOIN citypipe.runs r USING (run_id)
          WHERE m.status = 'running' GROUP BY r.status ORDER BY 1) s))")
}

# --- the kill schedule ---------------------------------------------------------------------------------------------
# One line per entry: index, command, aim, 5 delay fractions (one per try), a choice fraction (the locked feed or
# the backfill's feed), 1 for the first ten (one of each: all of them run). Twice as many entries as kills wanted:
# the loop stops at the number of kills once the first ten have run.
make_plan() {
  "$python" - "$seed" "$kills_wanted" <<'EOF'
import random, sys
seed, n = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
# The first ten: every command and every phase once, so that even a short campaign hits each of them.
deck = [("nightly", "timed"), ("nightly", "timed"), ("nightly", "fetch"), ("nightly", "COPY"), ("nightly", "MERGE"),
        ("nightly", "normalisation"), ("nightly", "models"), ("transform", "timed"), ("backfill", "timed"),
        ("serve", "timed")]
rng.shuffle(deck)
plan = deck[:]
draw = [(("nightly", "timed"), 60), (("nightly", "MERGE"), 10), (("transform", "timed"), 10),
        (("backfill", "timed"), 10), (("serve", "timed"), 10)]
while len(plan) < 2 * max(n, len(deck)):
    plan.append(rng.choices([d for d, _ in draw], [w for _, w in draw])[0])
for i, (kind, aim) in enumerate(plan, 1):
    print(i, kind, aim, *(f"{rng.random():.4f}" for _ in range(6)), int(i <= len(deck)), sep="\t")
EOF
}
# The phase of a kill from the command's own log when the database showed none: $1 command, $2 log file.
phase_from_log() {
  "$python" - "$1" "$2" "$feeds_in_pipeline" <<'EOF'
import json, sys
kind, path, nfeeds = sys.argv[1], sys.argv[2], int(sys.argv[3])
events = []
try:
    for line in open(path, errors="replace"):
        if line.startswith("{"):
            try: events.append(json.loads(line))
            except ValueError: pass          # the last line, cut by the kill
except OSError:
    pass
names = [e.get("event", "") for e in events]
started = {e.get("feed") for e in events if e.get("event") == "feed.started"}
ended = {e.get("feed") for e in events if e.get("event") in ("feed.succeeded", "feed.failed", "feed.skipped")}
if kind == "backfill":
    print("backfill window" if "backfill.started" in names and "backfill.finished" not in names
          else "finishing" if "backfill.finished" in names else "start-up")
elif "run.finished" in names:
    print("finishing")
elif started - ended:
    print("fetch")
elif "transform.started" in names:
    print("SQL models")
elif any(n.startswith("normalize.") for n in names) or (kind == "nightly" and len(ended) >= nfeeds):
    print("normalisation")
elif started:
    print("between steps")
else:
    print("start-up")
EOF
}
# Whether table $1 of the faulted database exists and holds a row.
has_rows() {
  [[ $(q "$url_faulted" "SELECT to_regclass('$1') IS NOT NULL") == t ]] \
    && [[ $(q "$url_faulted" "SELECT EXISTS (SELECT 1 FROM $1)") == t ]]
}
# Whether a plan entry can run now on the faulted database.
eligible() {  # kind aim
  case $1/$2 in
    serve/*) has_rows integrated.citizen_360 ;;
    nightly/MERGE) [[ -n $(staged_feeds) ]] ;;
    *) return 0 ;;
  esac
}
staged_feeds() {  # nightly feeds whose staging table holds rows (a load of them goes through the MERGE)
  local f
  for f in $nightly_feeds; do
    if has_rows "staging.$f"; then echo "$f"; fi
  done
}
pick() { local f=$1; shift; local n=$#; local i; i=$(awk -v f="$f" -v n="$n" 'BEGIN { printf "%d", f * n }'); shift "$i"; echo "$1"; }

# One attempt of a plan entry: runs the command on the faulted database and kills it at its moment. Sets
# att_killed (0/1), att_phase, att_rc, att_desc, att_note.
locker_pid=''
attempt() {  # n kind aim fraction choice
  local n=$1 kind=$2 aim=$3 frac=$4 choice=$5 log=$work/attempt-$1 delay d lockfeed='' feed who='' rc=0 watcher='' sl
  local condition='' target
  att_killed=0 att_phase='' att_rc='' att_note=''
  case $kind in
    nightly)
      if [[ $aim == MERGE ]]; then
        # The MERGE of one staged feed (seeded) waits for a SHARE lock this session holds; the watch waits for it.
        # shellcheck disable=SC2046
        lockfeed=$(pick "$choice" $(staged_feeds))
        coproc LOCKER { PGAPPNAME=faults-lock psql "$url_faulted" -qAtX -v ON_ERROR_STOP=1 2>&1; }
        locker_pid=$LOCKER_PID
        echo "BEGIN; LOCK TABLE staging.$lockfeed IN SHARE MODE; SELECT 'locked';" >&"${LOCKER[1]}"
        local answer=''
        IFS= read -r -t 60 -u "${LOCKER[0]}" answer || true
        [[ $answer == locked ]] || { fail_check "could not lock staging.$lockfeed: $answer"; release_lock; return 1; }
        condition="EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                           AND application_name NOT LIKE 'faults-%' AND query ~ '^\\s*MERGE INTO staging\\.$lockfeed ')"
      fi
      start_bg "$log.log.out" "$log.err" "$bin" run nightly --log-file "$log.log" --database-url "$url_faulted"
      d=$D_rerun; ((faulted_succeeded)) || d=$D_first
      att_desc="nightly run"
      ;;
    transform)
      start_bg "$log.log" "$log.err" "$bin" transform --full --database-url "$url_faulted"
      d=$D_transform; att_desc="transform --full"
      ;;
    backfill)
      feed=$(pick "$choice" "${backfill_feeds[@]}")
      local mode; mode=$(backfill_mode "$url_faulted" "$feed")
      # shellcheck disable=SC2046
      start_bg "$log.log" "$log.err" "$bin" backfill "$feed" $(backfill_range "$feed") $mode --database-url "$url_faulted"
      d=${D_backfill[$feed]}; att_desc="backfill $feed${mode:+ $mode}"
      ;;
    serve)
      attempt_serve "$n" "$frac"; return
      ;;
  esac
  local pid=$bg_pid
  if [[ $aim == timed ]]; then
    # A random moment: the seeded delay of the kill, then what the database shows, then the kill.
    delay=$(mul "$frac" "$d")
    att_desc+=" at $delay s (of $d)"
    sleep "$delay" & sl=$!
    wait -n -p who "$pid" "$sl" || rc=$?
    [[ $who == "$sl" ]] || { kill "$sl" 2>/dev/null || true; reap "$sl"; }
    if [[ $who == "$sl" ]] && kill -0 "$pid" 2>/dev/null; then
      att_phase=$(phase_now "$url_faulted")
      kill_group "$pid"; reap "$pid"; rc=$reaped; who=killed
    fi
  else
    # Aimed: killed as soon as the watch sees the phase (its view, a few milliseconds old, is the phase).
    case $aim in models) target='^SQL models$' ;; *) target="^$aim\$" ;; esac
    att_desc+=" aimed at $aim${lockfeed:+ (staging.$lockfeed locked)}"
    watch_phase "$url_faulted" "$target" "$condition" >"$log.watch" 2>&1 & watcher=$!
    wait -n -p who "$pid" "$watcher" || rc=$?
    if [[ $who == "$watcher" ]] && kill -0 "$pid" 2>/dev/null; then
      kill_group "$pid"; local wrc=$rc; reap "$pid"; rc=$reaped; who=killed
      check "the watch for $aim failed ($wrc): $(tail -1 "$log.watch")" "$wrc"
      att_phase=$(tail -1 "$log.watch")
    else
      [[ $who == "$watcher" ]] || { kill "$watcher" 2>/dev/null || true; reap "$watcher"; }
    fi
  fi
  # Not killed: it ended by itself (its status from the wait), or just before the kill.
  [[ $who == "$pid" || $who == killed ]] || { reap "$pid"; rc=$reaped; }
  bg_pid=''
  att_rc=$rc
  if [[ $who == killed && $rc == 137 ]]; then
    att_killed=1
    # A backfill's loads are its windows; otherwise the database's view, else the command's log.
    if [[ $kind == backfill ]]; then att_phase=$(phase_from_log backfill "$log.log")
    elif [[ -z $att_phase ]]; then att_phase=$(phase_from_log "$kind" "$log.log"); fi
  fi
  release_lock
  wait_sessions_gone "$url_faulted" || fail_check "sessions of the killed $kind still there after 120 s"
  if ((!att_killed)); then
    # It ended before its moment: a complete run, which must have succeeded.
    att_note="ended by itself with status $rc before its kill"
    if [[ $rc != 0 ]]; then
      fail_check "attempt $n ($att_desc) ended with status $rc: $(first_line "$log.err")"
    elif [[ $kind == nightly ]]; then
      faulted_succeeded=1
    fi
  fi
  return 0
}
release_lock() {
  [[ -n $locker_pid ]] || return 0
  echo "ROLLBACK;" >&"${LOCKER[1]}" 2>/dev/null || true
  local wfd=${LOCKER[1]:-}
  [[ -z $wfd ]] || exec {wfd}>&-   # (no other redirection here: on `exec` it would stay for the whole script)
  reap "$locker_pid"
  locker_pid=''
}

serve_pid=''
officer_token=''
# An export of integrated.citizen_360 (NDJSON, every row, as an officer: personal rows, so every chunk is written to
# the audit log before it is sent) from server $1 into file $2; curl's extra arguments after.
export_view() {
  local base=$1 file=$2; shift 2
  curl -sS "$@" -o "$file" -w '%{http_code} %{size_download} %{time_total}\n' -H "Authorization: Bearer $officer_token" -H 'X-Purpose: data-quality' \
    "$base/v1/views/integrated.citizen_360?limit=all&format=ndjson"
}
# A slow client (python: curl's --limit-rate lets the first response of a connection through at full speed): the
# same export read at $4 bytes/s through a 32 KiB receive buffer into file $3. Prints "status bytes seconds".
slow_export() {  # base token file rate
  "$python" - "$1/v1/views/integrated.citizen_360?limit=all&format=ndjson" "$2" "$3" "$4" <<'EOF'
import http.client, socket, sys, time, urllib.parse
url, token, out, rate = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
u = urllib.parse.urlsplit(url)
class SmallWindow(http.client.HTTPConnection):
    def connect(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
        s.connect((self.host, self.port))
        self.sock = s
connection = SmallWindow(u.hostname, u.port, timeout=120)
t0 = time.monotonic(); n = 0; status = 0
try:
    connection.request("GET", f"{u.path}?{u.query}", headers={"Authorization": f"Bearer {token}", "X-Purpose": "data-quality"})
    response = connection.getresponse(); status = response.status
    with open(out, "wb") as f:
        while True:
            chunk = response.read(16384)
            if not chunk:
                break
            f.write(chunk); n += len(chunk)
            ahead = n / rate - (time.monotonic() - t0)   # the client's pace
            if ahead > 0:
                time.sleep(ahead)
except (OSError, http.client.HTTPException):
    pass                                                 # cut: the server was killed
print(status, n, f"{time.monotonic() - t0:.2f}")
EOF
}
# The export is complete: as many lines as the view has rows, each a JSON object.
export_complete() {  # file url → 0 when complete
  local rows
  rows=$(q "$2" "SELECT count(*) FROM integrated.citizen_360")
  "$python" - "$1" "$rows" <<'EOF'
import json, sys
path, rows = sys.argv[1], int(sys.argv[2])
n = 0
with open(path, "rb") as f:
    for line in f:
        if not line.endswith(b"\n") or not isinstance(json.loads(line), dict):
            sys.exit(f"line {n + 1} is not a whole JSON object")
        n += 1
if n != rows:
    sys.exit(f"{n} lines for {rows} rows")
EOF
}
attempt_serve() {  # n fraction
  local n=$1 frac=$2 log=$work/attempt-$1 delay client who rc=0 sl status a0 chunks
  att_killed=0 att_phase='' att_rc='' att_note=''
  : >"$log.out"
  start_server "$log.out" "$log.err" timeout -k 10 "$guard" "$bin" serve --port 0 --database-url "$url_faulted" \
    || { fail_check "serve did not start: $(first_line "$log.err")"; return 0; }
  serve_pid=$server_pid
  delay=$(mul "$frac" "$D_export")
  a0=$(q "$url_faulted" "SELECT count(*) FROM citypipe.audit_log")
  slow_export "$server_url" "$officer_token" "$work/export.part" "$export_rate" >"$work/export.code" 2>>"$log.err" & client=$!
  sleep "$delay" & sl=$!              # the seeded delay of the kill
  wait -n -p who "$client" "$sl" || true
  kill_group "$serve_pid"; reap "$serve_pid"; rc=$reaped; serve_pid=''
  chunks=$(( $(q "$url_faulted" "SELECT count(*) FROM citypipe.audit_log") - a0 ))
  if [[ $who == "$sl" ]]; then att_phase="API export"; else att_phase="API idle"; kill "$sl" 2>/dev/null || true; reap "$sl"; fi
  reap "$client"
  rm -f "$work/export.part"            # personal data: not kept
  att_desc="serve, export of integrated.citizen_360 to a client at $export_rate B/s, cut at $delay s of $D_export; $chunks of $export_chunks chunks audited"
  att_rc=$rc
  if [[ $rc != 137 ]]; then att_note="serve ended by itself with status $rc"; att_phase=''; return 0; fi
  att_killed=1
  wait_sessions_gone "$url_faulted" || fail_check "sessions of the killed serve still there after 120 s"
  # The audit log's chain holds, and the next export (a new server: the re-run) is complete.
  audit_checks=$((audit_checks + 1))
  cp_cmd audit verify --database-url "$url_faulted" >"$log.audit" 2>&1 || { status=$?; fail_check "audit verify after serve kill $n: status $status: $(first_line "$log.audit")"; }
  : >"$log.out2"
  if start_server "$log.out2" "$log.err2" timeout -k 10 "$guard" "$bin" serve --port 0 --database-url "$url_faulted"; then
    serve_pid=$server_pid
    local code; code=$(export_view "$server_url" "$work/export.full" 2>>"$log.err2" || true); code=${code%% *}
    local why; why=$(export_complete "$work/export.full" "$url_faulted" 2>&1) || true
    rm -f "$work/export.full"
    [[ $code == 200 && -z $why ]] && exports_complete=$((exports_complete + 1)) \
      || fail_check "the export after serve kill $n: HTTP $code${why:+, $why}"
    stop_server "$serve_pid"; status=$reaped; serve_pid=''
    check "serve after kill $n exited $status on SIGTERM" "$((status != 0))"
    wait_sessions_gone "$url_faulted" || true
  else
    fail_check "serve did not start again after kill $n: $(first_line "$log.err2")"
  fi
}

# The kill loop: the plan's entries in order, an entry whose precondition does not hold yet (a MERGE needs a staged
# table, serve needs the built view) swapped with the next one that can run; when none can, one uninterrupted
# nightly run (a re-run) first.
declare -A by_phase=() by_kind=()
kills=0 reruns=0 attempts=0 completed=0 catchups=0 audit_checks=0 exports_complete=0 after_kill=0 faulted_succeeded=0
kill_loop() {
  local -a plan=()
  mapfile -t plan < <(make_plan)
  local i=0 j n kind aim f1 f2 f3 f4 f5 choice deck tries tmp deck_left=10
  while ((i < ${#plan[@]} && (kills < kills_wanted || deck_left > 0))); do
    for ((j = i; j < ${#plan[@]}; j++)); do
      IFS=$'\t' read -r n kind aim f1 f2 f3 f4 f5 choice deck <<<"${plan[j]}"
      eligible "$kind" "$aim" && break
    done
    if ((j == ${#plan[@]})); then
      catchups=$((catchups + 1)); attempts=$((attempts + 1)); ((after_kill)) && reruns=$((reruns + 1)); after_kill=0
      say "no entry can run yet: an uninterrupted nightly run"
      local rc=0; cp_cmd run nightly --database-url "$url_faulted" >"$work/catchup-$catchups.out" 2>"$work/catchup-$catchups.err" || rc=$?
      check "catch-up nightly run exited $rc: $(first_line "$work/catchup-$catchups.err")" "$rc"
      ((rc == 0)) && faulted_succeeded=1
      continue
    fi
    tmp=${plan[j]}; plan[j]=${plan[i]}; plan[i]=$tmp
    IFS=$'\t' read -r n kind aim f1 f2 f3 f4 f5 choice deck <<<"${plan[i]}"
    ((deck)) && deck_left=$((deck_left - 1))
    local fr=("$f1" "$f2" "$f3" "$f4" "$f5") want=''
    case $kind/$aim in
      nightly/timed|transform/*) want='' ;;
      nightly/models) want='SQL models' ;;
      nightly/*) want=$aim ;;
      backfill/*) want='backfill window' ;;
      serve/*) want='API export' ;;
    esac
    # Up to 4 commands for an entry: again when the command ended before its kill, or the kill missed the phase the
    # entry is for (that kill counts all the same).
    for ((tries = 0; tries < 4; tries++)); do
      attempts=$((attempts + 1)); ((after_kill)) && reruns=$((reruns + 1))
      attempt "$((kills + 1))-$tries" "$kind" "$aim" "${fr[tries]}" "$choice" || true
      if ((att_killed)); then
        kills=$((kills + 1)); after_kill=1
        by_phase[$att_phase]=$((${by_phase[$att_phase]:-0} + 1)); by_kind[$kind]=$((${by_kind[$kind]:-0} + 1))
        printf 'faults: kill %3d  %-78s → %s (%s s)\n' "$kills" "$att_desc" "$att_phase" "$(elapsed)"
        [[ -n $want && $att_phase != "$want" ]] || break
      else
        completed=$((completed + 1)); after_kill=0
        printf 'faults: run       %-78s   %s\n' "$att_desc" "$att_note"
      fi
    done
    ((tries < 4)) || echo "faults: plan entry $n ($kind, $aim): not hit in 4 commands"
    i=$((i + 1))
  done
}

# PostgreSQL stopped at once while the nightly run on `faulted` is in phase $1 (regex), then restarted; the run
# must end non-zero (not hang), the re-run must succeed.
declare -a restart_lines=()
restarts=0
pg_restart() {  # regex label
  local tries rc who watcher log pid phase
  for ((tries = 0; tries < 4; tries++)); do
    log=$work/restart-$restarts-$tries
    start_bg "$log.out" "$log.err" "$bin" run nightly --log-file "$log.log" --database-url "$url_faulted"
    pid=$bg_pid
    watch_phase "$url_faulted" "$1" >"$log.watch" 2>&1 & watcher=$!
    rc=0; wait -n -p who "$pid" "$watcher" || rc=$?
    if [[ $who == "$watcher" ]] && kill -0 "$pid" 2>/dev/null; then
      phase=$(tail -1 "$log.watch")
      pg_stop_immediate "$root/faulted" || { fail_check "pg_ctl stop -m immediate failed: $(tail -2 "$work/db.log")"; }
      reap "$pid"; rc=$reaped; bg_pid=''
      reap "$watcher"
      restarts=$((restarts + 1))
      check "the nightly run cut by the PostgreSQL stop (in $phase) hung: the guard of $guard s ended it" "$((rc == 124))"
      check "the nightly run cut by the PostgreSQL stop (in $phase) exited 0" "$((rc == 0))"
      local t0=$EPOCHREALTIME
      cluster_up "$root/faulted" || fail_check "citypipe db up after the PostgreSQL stop failed"
      refresh_urls
      local up; up=$(secs "$t0" "$EPOCHREALTIME")
      local rrc=0; timed "restart-$restarts-rerun" run nightly --database-url "$url_faulted" || rrc=$?
      check "the re-run after the PostgreSQL stop (in $phase) exited $rrc: $(first_line "$work/restart-$restarts-rerun.err")" "$rrc"
      ((rrc == 0)) && faulted_succeeded=1
      restart_lines+=("$2 (the run was in: $phase): the run exited $rc, the cluster came back in $up s, the re-run exited $rrc in $took s")
      say "PostgreSQL stop #$restarts: ${restart_lines[-1]}"
      return 0
    fi
    [[ $who == "$pid" ]] || { reap "$pid"; rc=$reaped; }
    bg_pid=''
    kill "$watcher" 2>/dev/null || true; reap "$watcher"
    check "a nightly run meant for a PostgreSQL stop ended with status $rc" "$rc"
    wait_sessions_gone "$url_faulted" || true
  done
  fail_check "PostgreSQL stop $2: the phase never showed in 4 runs"
}

# The simulator at --faults 0.2 for the history of `clean` (nightly, nightly, both backfills, transform --full: the
# same runs in the same order, as integrated.data_quality counts the rejects of the latest run that had some) into
# `simfaults`. On the same port as the simulator without faults: some feeds keep the source's own links (a
# SensorThings @iot.selfLink, a FHIR fullUrl) in staging._extra, and they name the port.
simfaults_result='not run (--short)'
simfaults_test() {
  local port=${sim_url##*:}
  stop_server "$sim_pid"; sim_pid=''
  start_sim 0.2 "$port" || { fail_check "the simulator at --faults 0.2 did not start on port $port"; return 0; }
  q "$url_clean" "DROP DATABASE IF EXISTS simfaults" && q "$url_clean" "CREATE DATABASE simfaults"
  cp_cmd db migrate --database-url "$url_simfaults" >>"$work/db.log" 2>&1 || { fail_check "migrate simfaults"; return 0; }
  local rc steps='' t0=$EPOCHREALTIME feed
  (
    set -a; source "$work/sim-0.2.env"; set +a
    rc=0; timed simfaults-nightly-1 run nightly --database-url "$url_simfaults" || rc=$?; echo "nightly $rc $took"
    rc=0; timed simfaults-nightly-2 run nightly --database-url "$url_simfaults" || rc=$?; echo "nightly $rc $took"
    for feed in "${backfill_feeds[@]}"; do
      # shellcheck disable=SC2046
      rc=0; timed "simfaults-backfill-$feed" backfill "$feed" $(backfill_range "$feed") --database-url "$url_simfaults" || rc=$?
      echo "backfill-$feed $rc $took"
    done
    rc=0; timed simfaults-transform transform --full --database-url "$url_simfaults" || rc=$?; echo "transform-full $rc $took"
  ) >"$work/simfaults.steps"
  local name took_s ok=1
  while read -r name rc took_s; do
    steps+="$name $rc (${took_s} s), "
    [[ $rc == 0 ]] || { ok=0; fail_check "simfaults: $name exited $rc"; }
  done <"$work/simfaults.steps"
  sim_faults_requests=$(sim_requests || echo '?')
  retries=$(q "$url_simfaults" "SELECT coalesce(sum(retries), 0) FROM citypipe.feed_runs")
  stop_server "$sim_pid"; sim_pid=''
  # The simulator without faults again, on its port (the environment names it), for what follows.
  start_sim 0 "$port" || fail_check "the simulator without faults did not start again on port $port"
  say "simulator at --faults 0.2: ${steps%, }; $sim_faults_requests requests served, $retries retries recorded by citypipe"
  compare_dbs "clean vs simfaults" "$url_clean" "$url_simfaults"
  local verdict="tables equal"; ((cmp_bad == 0)) || verdict="$cmp_bad tables differ, $cmp_lost rows lost, $cmp_dup duplicated"
  simfaults_result="every command exited 0: $([[ $ok == 1 ]] && echo yes || echo NO); $sim_faults_requests requests served against $clean_requests for the same commands without faults (the simulator does not count its faults: the difference is the requests made again after one), $retries retries recorded in citypipe.feed_runs; $verdict ($(secs "$t0" "$EPOCHREALTIME") s)"
}

# The error of the first feed.failed event in a command's output (JSON lines), else its first other line.
failed_feed_error() {
  "$python" - "$@" <<'EOF'
import json, sys
other = ""
for path in sys.argv[1:]:
    for line in open(path, errors="replace"):
        if line.startswith("{"):
            try: event = json.loads(line)
            except ValueError: continue
            if event.get("event") == "feed.failed":
                print(event.get("error", "")[:300]); sys.exit()
        elif not other and line.strip():
            other = line.strip()[:300]
print(other)
EOF
}

# Disk full: a tmpfs as the tablespace of a fresh database.
mounted=''
diskfull_result='not run (--short)'
diskfull_test() {
  local mnt=$root/tablespace err uid gid
  mkdir -p "$mnt"
  uid=$(stat -c %u "$root/faulted/pg/data"); gid=$(stat -c %g "$root/faulted/pg/data")
  if ! err=$(mount -t tmpfs -o "size=256m,mode=0700,uid=$uid,gid=$gid" faults-tablespace "$mnt" 2>&1); then
    diskfull_result="skipped (cannot mount tmpfs: ${err:-mount failed})"
    echo "disk-full: $diskfull_result"
    return 0
  fi
  mounted=$mnt
  q "$url_faulted" "CREATE TABLESPACE faults_small LOCATION '$mnt'"
  q "$url_faulted" "CREATE DATABASE diskfull TABLESPACE faults_small"
  cp_cmd db migrate --database-url "$url_diskfull" >>"$work/db.log" 2>&1 || { fail_check "migrate diskfull"; return 0; }
  local rc=0
  timed diskfull-business ingest business --database-url "$url_diskfull" || rc=$?
  check "disk-full: the first load (business) exited $rc" "$rc"
  # Shrink the file system to what is used + 1 MiB: the next load cannot fit.
  local used_kb
  used_kb=$(df --output=used -k "$mnt" | tail -1 | tr -d ' ')
  mount -o "remount,size=$((used_kb + 1024))k" "$mnt"
  PGAPPNAME=faults-campaign psql "$url_compare" -qAtX -F' ' -v c="$url_diskfull" >"$work/diskfull.before" <<'SQL'
SELECT * FROM faults_fingerprint(:'c', 'staging');
SQL
  local state_before; state_before=$(q "$url_diskfull" "SELECT count(*) FROM citypipe.feed_state WHERE feed = 'insurance'")
  rc=0; timed diskfull-insurance ingest insurance --database-url "$url_diskfull" || rc=$?
  local message; message=$(failed_feed_error "$work/diskfull-insurance.out" "$work/diskfull-insurance.err")
  local a_ok=0 b_ok=0 c_ok=0
  ((rc != 0)) && a_ok=1
  grep -qi 'insurance' <<<"$message" && grep -qiE 'space|disk|extend' <<<"$message" && b_ok=1
  check "disk-full: the load that outgrew the disk exited $rc" "$((rc == 0))"
  check "disk-full: no error naming the feed and the full disk (got: ${message:-nothing})" "$((!b_ok))"
  PGAPPNAME=faults-campaign psql "$url_compare" -qAtX -F' ' -v c="$url_diskfull" >"$work/diskfull.after" <<'SQL'
SELECT * FROM faults_fingerprint(:'c', 'staging');
SQL
  local state_after; state_after=$(q "$url_diskfull" "SELECT count(*) FROM citypipe.feed_state WHERE feed = 'insurance'")
  local running; running=$(q "$url_diskfull" "SELECT count(*) FROM citypipe.feed_runs WHERE status = 'running'")
  cmp -s "$work/diskfull.before" "$work/diskfull.after" && [[ $state_before == "$state_after" && $running == 0 ]] && c_ok=1
  check "disk-full: staging, the cursor or the ledger changed by the failed load" "$((!c_ok))"
  # Room again: the same load must succeed, and stage what the clean database holds.
  mount -o remount,size=256m "$mnt"
  local rc2=0; timed diskfull-insurance-again ingest insurance --database-url "$url_diskfull" || rc2=$?
  check "disk-full: the load once there was room exited $rc2: $(first_line "$work/diskfull-insurance-again.err")" "$rc2"
  local same
  same=$(PGAPPNAME=faults-campaign psql "$url_compare" -qAtX -v a="$url_clean" -v b="$url_diskfull" <<'SQL'
SELECT sum_a = sum_b AND lost = 0 AND duplicated = 0 FROM faults_columns(:'a') c, faults_compare(c.tbl, c.expr, :'a', :'b')
WHERE c.tbl = 'staging.insurance';
SQL
)
  check "disk-full: staging.insurance after the second load differs from the clean database's" "$([[ $same == t ]]; echo $?)"
  local rows; rows=$(q "$url_diskfull" "SELECT count(*) FROM staging.insurance" 2>/dev/null || echo 0)
  q "$url_faulted" "DROP DATABASE diskfull" && q "$url_faulted" "DROP TABLESPACE faults_small"
  umount "$mnt" && mounted=''
  if ((a_ok && b_ok && c_ok && rc2 == 0)) && [[ $same == t ]]; then
    diskfull_result="ok: \`citypipe ingest insurance\` on a full tablespace exited $rc (\"$message\"), staging unchanged; with room it exited 0 and staged $rows rows, equal to clean"
  else
    diskfull_result="FAILED: exit $rc, message \"${message:-none}\", staging unchanged: $c_ok, second load exit $rc2, equal to clean: ${same:-?}"
  fi
  say "disk-full: $diskfull_result"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  release_lock 2>/dev/null || true
  [[ -z ${bg_pid:-} ]] || { kill_group "$bg_pid"; reap "$bg_pid"; }
  [[ -z $serve_pid ]] || { kill_group "$serve_pid"; reap "$serve_pid"; }
  [[ -z $sim_pid ]] || stop_server "$sim_pid"
  local home
  for home in "$root/faulted" "$root/clean"; do
    [[ -d $home/pg ]] && CITYPIPE_HOME=$home "$bin" db down >/dev/null 2>&1 || true
  done
  if [[ -n $mounted ]]; then umount "$mounted" 2>/dev/null || umount -l "$mounted" 2>/dev/null || true; fi
  rm -f "$work"/export.* 2>/dev/null || true
  if [[ $status -eq 0 && ${FAULTS_KEEP:-0} != 1 ]]; then rm -rf "$root"
  else echo "faults: logs and databases kept in $root (simulated personal data: delete it after reading)" >&2; fi
  exit $status
}

# END functions

trap cleanup EXIT
trap 'exit 130' INT TERM
set -E   # a command that fails where nothing expects it ends the campaign: say where
trap 'echo "faults: unexpected failure (status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
command -v curl >/dev/null || { echo "faults: curl is missing" >&2; exit 1; }
nightly_feeds=$("$python" -c '
import re, sys
feeds = []
for line in open("Pipelines/nightly.yaml"):
    m = re.match(r"\s*ingest:\s*\[(.*)\]", line)
    if m: feeds += [f.strip() for f in m.group(1).split(",")]
print(" ".join(feeds))')
feeds_in_pipeline=$(wc -w <<<"$nightly_feeds")

echo "faults: $( ((short)) && echo short || echo full) campaign: $kills_wanted kills, seed $seed, scale $scale, $pg_restarts + $pg_restarts PostgreSQL stops; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ); in $root"
echo "faults: citypipe $bin_given ($("$bin" --version 2>/dev/null || echo '?'), built $bin_built UTC, copied for the campaign); simulator seed $sim_seed"

# 1. The clusters, the simulator.
cluster_up "$root/clean" && cluster_up "$root/faulted" || { echo "faults: db up failed" >&2; exit 1; }
refresh_urls
cp_cmd db migrate --database-url "$url_clean" >>"$work/db.log" 2>&1 && cp_cmd db migrate --database-url "$url_faulted" >>"$work/db.log" 2>&1 \
  || { echo "faults: migrate failed:" >&2; tail -5 "$work/db.log" >&2; exit 1; }
write_compare_sql
start_sim 0 || exit 1
set -a; source "$work/sim-0.env"; set +a
say "clusters and simulator up ($sim_url)"

# 2. The clean database, each command timed.
rc=0; timed clean-nightly-1 run nightly --database-url "$url_clean" || rc=$?
((rc == 0)) || { echo "faults: the clean nightly run exited $rc:" >&2; tail -5 "$work/clean-nightly-1.err" >&2; exit 1; }
D_first=$took
rc=0; timed clean-nightly-2 run nightly --database-url "$url_clean" || rc=$?
((rc == 0)) || { echo "faults: the clean re-run exited $rc" >&2; exit 1; }
D_rerun=$took
declare -A D_backfill=()
for feed in "${backfill_feeds[@]}"; do
  # shellcheck disable=SC2046
  rc=0; timed "clean-backfill-$feed" backfill "$feed" $(backfill_range "$feed") --database-url "$url_clean" || rc=$?
  ((rc == 0)) || { echo "faults: the clean backfill of $feed exited $rc" >&2; exit 1; }
  D_backfill[$feed]=$took
done
rc=0; timed clean-transform transform --full --database-url "$url_clean" || rc=$?
((rc == 0)) || { echo "faults: the clean transform --full exited $rc" >&2; exit 1; }
D_transform=$took
# The export's duration: a server on the clean database, an officer's token there, the slow client.
officer_token=$(cp_cmd token create --role officer --name faults-officer --database-url "$url_clean" 2>>"$work/db.log")
: >"$work/clean-serve.out"
start_server "$work/clean-serve.out" "$work/clean-serve.err" timeout -k 10 "$guard" "$bin" serve --port 0 --database-url "$url_clean" \
  || { echo "faults: serve did not start on the clean database" >&2; exit 1; }
serve_pid=$server_pid
a0=$(q "$url_clean" "SELECT count(*) FROM citypipe.audit_log")
read -r code export_bytes D_export < <(slow_export "$server_url" "$officer_token" "$work/export.clean" "$export_rate")
export_chunks=$(( $(q "$url_clean" "SELECT count(*) FROM citypipe.audit_log") - a0 ))
why=$(export_complete "$work/export.clean" "$url_clean" 2>&1) || true
rm -f "$work/export.clean"
stop_server "$serve_pid"; serve_pid=''
[[ $code == 200 && -z $why ]] || { echo "faults: the clean export failed: HTTP $code $why" >&2; exit 1; }
clean_models_day=$(date -u +%F)
clean_requests=$(sim_requests || echo '?')   # the simulator's requests for the clean database's history
say "clean: nightly $D_first s, re-run $D_rerun s, backfills labour ${D_backfill[labour]} s and health_encounters ${D_backfill[health_encounters]} s, transform --full $D_transform s, export $D_export s ($export_bytes bytes at $export_rate B/s, $export_chunks chunks audited)"

# 3. The kills.
officer_token=$(cp_cmd token create --role officer --name faults-officer --database-url "$url_faulted" 2>>"$work/db.log")
kill_started=$EPOCHREALTIME
kill_loop
kill_seconds=$(secs "$kill_started" "$EPOCHREALTIME")
say "$kills kills in $attempts commands ($completed ended before their kill, $catchups catch-up runs), $reruns re-runs after a kill"

# 4. PostgreSQL stopped at once, in a load and in a model build.
for ((r = 0; r < pg_restarts; r++)); do
  pg_restart '^(fetch|COPY|MERGE)$' "in a feed load"
  pg_restart '^SQL models$' "in a model build"
done

# 5. The faulted database finished: its backfills, then the last runs of both databases; the comparison.
for feed in "${backfill_feeds[@]}"; do
  mode=$(backfill_mode "$url_faulted" "$feed")
  [[ $mode == '--reprocess all' ]] && continue   # finished already
  # shellcheck disable=SC2046
  rc=0; timed "final-backfill-$feed" backfill "$feed" $(backfill_range "$feed") $mode --database-url "$url_faulted" || rc=$?
  check "the faulted database's backfill of $feed (${mode:-first}) exited $rc: $(first_line "$work/final-backfill-$feed.err")" "$rc"
done
# Every backfill of the faulted database done: its windows, and the backfill itself.
unfinished=$(q "$url_faulted" "SELECT string_agg(format('%s is %s with %s of %s windows succeeded', b.feed, b.status,
                                 (SELECT count(*) FROM citypipe.backfill_partitions p WHERE p.backfill_id = b.backfill_id AND p.status = 'succeeded'),
                                 (SELECT count(*) FROM citypipe.backfill_partitions p WHERE p.backfill_id = b.backfill_id)), '; ')
                              FROM citypipe.backfills b
                              WHERE b.status <> 'succeeded' OR EXISTS (SELECT 1 FROM citypipe.backfill_partitions p
                                                                       WHERE p.backfill_id = b.backfill_id AND p.status <> 'succeeded')")
check "a backfill of the faulted database not finished after the campaign's --resume: $unfinished" "$([[ -z $unfinished ]]; echo $?)"
if ((!faulted_succeeded)); then
  rc=0; timed final-nightly-0 run nightly --database-url "$url_faulted" || rc=$?
  check "the faulted database's first complete run exited $rc" "$rc"
fi
# The models read current_date (ages in commune_profile): built again on the clean side if the day changed since.
if [[ $(date -u +%F) != "$clean_models_day" ]]; then
  rc=0; timed clean-transform-again transform --database-url "$url_clean" || rc=$?
  check "the clean database's models built again (a new day) exited $rc" "$rc"
fi
rc=0; timed final-nightly run nightly --database-url "$url_faulted" || rc=$?
check "the faulted database's final run exited $rc: $(first_line "$work/final-nightly.err")" "$rc"
say "final runs done; comparing"
echo "faults: columns excluded from the comparison: $(excluded_columns "$url_clean")"
compare_dbs "clean vs faulted" "$url_clean" "$url_faulted" 1
main_tables=$cmp_tables main_rows=$cmp_rows main_lost=$cmp_lost main_dup=$cmp_dup main_bad=$cmp_bad
ledger_running "$url_faulted"; faulted_running=$ledger_total faulted_ledger=${ledger_detail% } faulted_which=$ledger_which
ledger_running "$url_clean"; clean_running=$ledger_total
check "ledger rows left running in the faulted database: $faulted_ledger" "$((faulted_running != 0))"
check "ledger rows left running in the clean database: $ledger_detail" "$((clean_running != 0))"

# Every phase hit.
phases=(fetch COPY MERGE normalisation "SQL models" "backfill window" "API export")
for p in "${phases[@]}"; do check "no kill hit the phase: $p" "$(( ${by_phase[$p]:-0} == 0 ))"; done

# 6. and 7.
if ((!short)); then
  simfaults_test
  diskfull_test
fi

# 8. The figures.
by_phase_text='' ; for p in "${phases[@]}"; do by_phase_text+="$p ${by_phase[$p]:-0}, "; done
for p in "${!by_phase[@]}"; do [[ " ${phases[*]} " == *" $p "* ]] || by_phase_text+="$p ${by_phase[$p]}, "; done
by_kind_text=''; for k in nightly transform backfill serve; do by_kind_text+="$k ${by_kind[$k]:-0}, "; done
total=$(secs "$started" "$EPOCHREALTIME")
cat <<EOF

== fault campaign figures ($( ((short)) && echo short || echo full); seed $seed, scale $scale, $(date -u +%Y-%m-%d)) ==
kills (kill -9):        $kills (at least $kills_wanted asked); by phase: ${by_phase_text%, }
kills by command:       ${by_kind_text%, }
re-runs:                $reruns after a kill (the next command on the killed database); $completed commands ended before their kill (each must exit 0); $catchups catch-up runs
serve kills:            $audit_checks audit verifications, $exports_complete complete exports after them
PG restarts:            $restarts (pg_ctl stop -m immediate), each followed by a re-run
$(for l in "${restart_lines[@]}"; do echo "                        $l"; done)
simulator --faults 0.2: $simfaults_result
disk-full:              $diskfull_result
tables compared:        $main_tables (clean vs faulted), $main_bad differing
rows compared:          $main_rows
rows lost:              $main_lost
rows duplicated:        $main_dup
ledger rows running:    $faulted_running (faulted: $faulted_ledger${faulted_which:+; $faulted_which})
clean durations:        nightly $D_first s, re-run $D_rerun s, transform --full $D_transform s, export $D_export s
wall time:              $total s (kill schedule $kill_seconds s)
EOF
if ((failures)); then
  echo "faults: FAILED ($failures checks):"
  printf '  - %s\n' "${failed_checks[@]}"
  exit 1
fi
echo "faults: PASSED"
