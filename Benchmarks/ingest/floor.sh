#!/usr/bin/env bash
# The server side of an ingest alone (no HTTP, no parsing, no client): the rows of staging.population (load them
# first, e.g. with run.sh) sent back with psql \copy in the ways a load can stage them, each in a transaction that
# is rolled back, against psql \copy into a plain table with a primary key. Usage: Benchmarks/ingest/floor.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${BIN:-$PWD/.build/release/citypipe}
export CITYPIPE_HOME=${CITYPIPE_HOME:-/tmp/citypipe-bench-$(id -u)}
url=$("$bin" db url)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cols="citizen_id, full_name, birth_date, sex, phone, ward_code, address, updated_at"
typed="citizen_id text NOT NULL, full_name text, birth_date date, sex text, phone text, ward_code text, address text, updated_at timestamptz"
staging="$typed, _extra jsonb, _run_id bigint NOT NULL, _loaded_at timestamptz NOT NULL DEFAULT now(), _hash text NOT NULL, _deleted_at timestamptz"
# Rows in feed order (by update time, as the source pages them) and in key order.
psql "$url" -qX -c "\\copy (SELECT $cols, _extra, 'v2:' || md5(citizen_id), 1, row_number() OVER (ORDER BY updated_at, citizen_id) FROM staging.population ORDER BY updated_at, citizen_id) TO '$work/feed.txt'"
psql "$url" -qX -c "\\copy (SELECT $cols FROM staging.population ORDER BY citizen_id) TO '$work/sorted.txt'"
cut -f1-11 "$work/feed.txt" >"$work/direct.txt"       # columns, _extra, _hash, _run_id
cut -f1-10,12 "$work/feed.txt" >"$work/load.txt"      # columns, _extra, _hash, _position
cut -f1-8 "$work/feed.txt" >"$work/plain.txt"          # columns
chmod 644 "$work"/*.txt
run() {  # name, psql script: prints the script's wall time
  psql "$url" -qX -c CHECKPOINT >/dev/null
  local start; start=$(date +%s.%N)
  psql "$url" -qX -v ON_ERROR_STOP=1 >/dev/null <<<"$2"
  printf "| %s | %.2f |\n" "$1" "$(echo "$(date +%s.%N) - $start" | bc)"
}
hash="md5(ROW(n.citizen_id, n.full_name, n.birth_date, n.sex, n.phone, n.ward_code, n.address, n.updated_at, n._extra)::text)"
echo "rows: $(wc -l <"$work/feed.txt"); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "| how the rows reach the table | s |"
echo "|---|---:|"
run "psql \\copy into a table with its primary key, rows in key order (the benchmark's reference)" "
CREATE TABLE floor_ref ($typed, PRIMARY KEY (citizen_id));
\\copy floor_ref FROM '$work/sorted.txt'
DROP TABLE floor_ref;"
run "psql \\copy, the same, rows in feed order" "
CREATE TABLE floor_ref ($typed, PRIMARY KEY (citizen_id));
\\copy floor_ref FROM '$work/plain.txt'
DROP TABLE floor_ref;"
run "before: COPY into a temporary table, index it, MERGE into staging (md5 per row)" "
BEGIN;
CREATE TABLE staging.floor_stage ($staging, PRIMARY KEY (citizen_id));
CREATE TEMP TABLE floor_load ($typed, _extra jsonb, _hash text, _position bigint) ON COMMIT DROP;
\\copy floor_load FROM '$work/load.txt'
CREATE INDEX ON floor_load (citizen_id); ANALYZE floor_load;
SELECT count(*) FROM (SELECT DISTINCT citizen_id FROM floor_load) d;
MERGE INTO staging.floor_stage AS s
USING (SELECT DISTINCT ON (citizen_id) * FROM floor_load ORDER BY citizen_id, _position DESC) AS n ON s.citizen_id = n.citizen_id
WHEN MATCHED AND s._hash = $hash AND s._deleted_at IS NULL THEN DO NOTHING
WHEN MATCHED THEN UPDATE SET full_name = n.full_name
WHEN NOT MATCHED THEN INSERT ($cols, _extra, _hash, _run_id) VALUES (n.citizen_id, n.full_name, n.birth_date, n.sex, n.phone, n.ward_code, n.address, n.updated_at, n._extra, $hash, 1);
ROLLBACK;"
run "now, a table the load creates: COPY straight into it in feed order, then add the primary key" "
BEGIN;
CREATE TABLE staging.floor_stage ($staging);
\\copy staging.floor_stage ($cols, _extra, _hash, _run_id) FROM '$work/direct.txt'
SET LOCAL maintenance_work_mem = '256MB';
ALTER TABLE staging.floor_stage ADD PRIMARY KEY (citizen_id);
ROLLBACK;"
run "now, an empty table that exists: COPY straight into it (primary key in place), feed order" "
BEGIN;
CREATE TABLE staging.floor_stage ($staging, PRIMARY KEY (citizen_id));
\\copy staging.floor_stage ($cols, _extra, _hash, _run_id) FROM '$work/direct.txt'
ROLLBACK;"
