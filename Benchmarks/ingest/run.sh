#!/usr/bin/env bash
# Ingest benchmark: the `population` feed at a scale, end to end through `citypipe ingest` (simulator → HTTP →
# decode → type → COPY → MERGE), against `psql \copy` and pgloader loading the same rows from a CSV file, in one
# run, with peak RSS. Usage: Benchmarks/ingest/run.sh [SCALE...]   (default: 0.1 1)
set -euo pipefail
cd "$(dirname "$0")/../.."
scales=("$@"); ((${#scales[@]})) || scales=(0.1 1)
# One Swift build at a time on a shared machine: every build takes the same lock.
flock -o /tmp/citypipe-swift-build.lock swift build -c release --product citypipe >/dev/null
bin=$PWD/.build/release/citypipe
export CITYPIPE_HOME=${CITYPIPE_HOME:-/tmp/citypipe-bench-$(id -u)}
"$bin" db up >/dev/null && "$bin" db migrate >/dev/null
url=$("$bin" db url); tcp=$("$bin" db url --tcp)
work=$(mktemp -d); trap 'kill $sim 2>/dev/null || true; rm -rf "$work"' EXIT
chmod 755 "$work"
# The shipped manifest limits the LGSP to 20 requests/s (20,000 records/s at 1,000 a page), a courtesy to the
# real source; against the simulator the benchmark measures the engine, so that one line is dropped.
mkdir -p "$work/connectors"
grep -v '^rate_limit:' Connectors/population.yaml >"$work/connectors/population.yaml"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "| scale | rows | citypipe ingest s | rows/s | peak RSS MB | psql \\copy s | rows/s | pgloader s | rows/s | citypipe / psql | citypipe / pgloader |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for scale in "${scales[@]}"; do
  # The last scale's output must be gone before the wait below reads it (the shell opens it after forking).
  rm -f "$work/sim.out"
  "$bin" simulate --port 0 --seed 7 --scale "$scale" --prerender >"$work/sim.out" 2>"$work/sim.err" & sim=$!
  for _ in $(seq 1 600); do grep -q '^# serving' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
  eval "$(grep '^export ' "$work/sim.out")"
  # As before the reference tools' runs below: dirty pages of the run before written out first, so that neither side
  # pays for the other's checkpoint.
  psql "$url" -qX -c "DROP TABLE IF EXISTS staging.population; DELETE FROM citypipe.feed_state WHERE feed = 'population'" -c CHECKPOINT >/dev/null
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" ingest population --connectors "$work/connectors" >"$work/ingest.log"
  read -r ours rss <"$work/time"
  rows=$(psql "$url" -AtX -c "SELECT count(*) FROM staging.population")
  kill $sim; wait $sim 2>/dev/null || true
  # The same rows, as CSV, for the reference tools, sorted by key: the reference tools' best case (inserting
  # into the primary key in key order), and the order earlier runs exported them in (the MERGE wrote them so).
  psql "$url" -qX -c "\\copy (SELECT citizen_id, full_name, birth_date, sex, phone, ward_code, address, updated_at FROM staging.population ORDER BY citizen_id) TO '$work/pop.csv' CSV HEADER"
  chmod 644 "$work/pop.csv"
  cols="citizen_id text, full_name text, birth_date date, sex text, phone text, ward_code text, address text, updated_at timestamptz"
  psql "$url" -qX -c "DROP TABLE IF EXISTS bench_psql; CREATE TABLE bench_psql ($cols, PRIMARY KEY (citizen_id)); CHECKPOINT"
  start=$(date +%s.%N)
  psql "$url" -qX -c "\\copy bench_psql FROM '$work/pop.csv' CSV HEADER"
  theirs=$(echo "$(date +%s.%N) - $start" | bc)
  psql "$url" -qX -c "DROP TABLE IF EXISTS bench_pgloader; CREATE TABLE bench_pgloader ($cols, PRIMARY KEY (citizen_id)); CHECKPOINT"
  cat >"$work/load.pgl" <<PGL
LOAD CSV FROM '$work/pop.csv' (citizen_id, full_name, birth_date, sex, phone, ward_code, address, updated_at)
  INTO $tcp?bench_pgloader (citizen_id, full_name, birth_date, sex, phone, ward_code, address, updated_at)
  WITH skip header = 1, fields optionally enclosed by '"', fields terminated by ','
  SET work_mem to '64MB';
PGL
  start=$(date +%s.%N)
  if [[ "${PGLOADER:-1}" == 1 ]]; then
    timeout 300 pgloader --quiet "$work/load.pgl" >"$work/pgloader.log" 2>&1 || { echo "pgloader failed:" >&2; tail -5 "$work/pgloader.log" >&2; }
  fi
  pgl=$(echo "$(date +%s.%N) - $start" | bc)
  printf "| %s | %d | %.2f | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f | %.2f |\n" "$scale" "$rows" "$ours" \
    "$(echo "$rows / $ours" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$theirs" "$(echo "$rows / $theirs" | bc -l)" \
    "$pgl" "$(echo "$rows / $pgl" | bc -l)" "$(echo "$theirs / $ours" | bc -l)" "$(echo "$pgl / $ours" | bc -l)"
  psql "$url" -qX -c "DROP TABLE bench_psql; DROP TABLE bench_pgloader"
done
