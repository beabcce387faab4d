#!/usr/bin/env bash
# Air-quality benchmark: a year of hourly observations of 20 stations (117 sensors: the 12 listed stations' 69, then
# 8 generated stations × 6 pollutants) through `citypipe ingest air_quality` (simulator → HTTP, OGC SensorThings
# pages as FROST-Server serves them: at most 1,000 and cut short at 16 KiB, so ≈ 85 observations a page, one walk
# per sensor following @iot.nextLink → JSON → COPY into staging.air_quality) and the VN_AQI models, in one run, with
# peak RSS.
#
#   1. `citypipe simulate --seed 7 --air-days AIR_DAYS --air-stations AIR_STATIONS` (no truth directory). The two
#      manifests are copied to a temporary connectors folder without their `rate_limit` (a courtesy to the real
#      server: the benchmark measures the engine) and with air_quality's incremental.start_datetime moved to the
#      simulator's first hour (as shipped it is 2025-07-01, which would read half of a year's history).
#   2. REPS rounds (default 3), the order alternating (citypipe first in odd rounds):
#      a. citypipe: `citypipe ingest air_quality_stations` (a snapshot of 117 rows, timed apart), then
#         `citypipe ingest air_quality` as a FIRST load: staging.air_quality dropped and its feed_state deleted
#         before, then a CHECKPOINT. /usr/bin/time gives wall seconds, peak RSS (max resident) and citypipe's CPU;
#         the PostgreSQL cluster's CPU (all its processes, from /proc) and the simulator's are measured around it;
#         requests from citypipe.feed_runs.
#      b. the reference: `psql \copy` of the same rows (staging.air_quality's five typed columns, exported once to
#         a CSV file in key order after the first citypipe load) into an empty table of those columns with the same
#         primary key (bench_copy.air_quality, dropped and recreated, then a CHECKPOINT). Key order is the reference
#         tool's best case, as in the population benchmark (Benchmarks/ingest).
#   3. The HTTP floor: Debian's python3 (http.client, one keep-alive connection, one request at a time) fetches
#      every sensor's observations from the same $filter start citypipe sends on a first load (start_datetime minus
#      the 48-hour lookback), with the manifest's other parameters, following @iot.nextLink verbatim until a page
#      has none; the time is the sum over requests of sending and reading the whole body (JSON parsing excluded).
#   4. An incremental re-run (`citypipe ingest air_quality` again, same simulator clock): each sensor is read from
#      its own latest staged hour minus 48 hours; wall seconds, rows read, requests, rows staged (0: nothing new).
#   5. The models: `citypipe transform --connectors TMP --select core.admin_unit` once first, untimed as models,
#      for its normalise phase (staging.air_quality → core.clean_air_quality, which the models read; its seconds are
#      printed from the log), then `citypipe transform --models-only --select integrated.air_station_map
#      --select integrated.air_quality_ward_daily` timed: wall, peak RSS, PostgreSQL CPU, and each model's seconds
#      and rows from citypipe.model_runs of that run.
#   6. Flat RSS: the simulator restarted at AIR_FLAT_DAYS (default 90) days, one more first load: citypipe's peak
#      RSS for the year against the 90 days (flat: ratio ≤ 1.25).
# Not like for like, and said so: citypipe's time includes fetching ≈ 12,000 pages over HTTP from a simulator that
# shares the two cores (and renders every page; its CPU is printed), with 4 sensors at a time as the manifest
# allows, and writes more per row (_hash, _run_id, _loaded_at, and _extra: the undeclared @iot.selfLink as jsonb);
# \copy reads a local CSV file. The floor in step 3 bounds the HTTP part (sequential, so an upper bound of what 4
# at a time cost).
#
# Usage: Benchmarks/air/run.sh
#   CITYPIPE_BIN=path skips the release build; REPS=3; AIR_DAYS=365; AIR_STATIONS=20; AIR_FLAT_DAYS=90;
#   CITYPIPE_HOME (default /tmp/citypipe-bench-air-UID: its own embedded cluster).
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${REPS:-3}
days=${AIR_DAYS:-365}
stations=${AIR_STATIONS:-20}
flat_days=${AIR_FLAT_DAYS:-90}
python=/usr/bin/python3  # Debian's: http.client, json and /proc only

# BEGIN functions (no side effects when defined)

# tree_ticks: Benchmarks/lib/proc.sh
source Benchmarks/lib/proc.sh  # the script runs from the repository root (cd above)

# The HTTP floor: every sensor of the file $2 (one Datastream id a line) fetched from $1 (CITYPIPE_AIR_URL) with
# $filter=$3 and $top=$4, following @iot.nextLink verbatim. Prints "observations pages bytes seconds".
http_floor() {
  "$python" - "$1" "$2" "$3" "$4" <<'EOF'
import http.client, json, sys, time, urllib.parse
base, ids_file, start, top = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
parsed = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
params = [("$orderby", "phenomenonTime asc,@iot.id asc"), ("$expand", "Datastream($select=id)"),
          ("$select", "@iot.id,phenomenonTime,resultTime,result"), ("$top", top),
          ("$filter", "phenomenonTime ge " + start)]
query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="")
observations = pages = size = 0; took = 0.0
for line in open(ids_file):
    stream = int(line)
    url = f"{base}/v1.1/Datastreams({stream})/Observations?{query}"
    seen = set(); n = 0
    while url:
        n += 1
        if n > 100000: sys.exit(f"air bench: Datastream {stream}: more than 100,000 pages; a next link loops?")
        target = urllib.parse.urlsplit(url)
        path = target.path + ("?" + target.query if target.query else "")
        t0 = time.perf_counter()
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse(); body = response.read()
        took += time.perf_counter() - t0
        if response.status != 200: sys.exit(f"air bench: GET {url}: HTTP {response.status}: {body[:300]!r}")
        page = json.loads(body)
        pages += 1; size += len(body)
        for o in page["value"]:
            if o["@iot.id"] in seen: sys.exit(f"air bench: Datastream {stream}: observation {o['@iot.id']} twice")
            seen.add(o["@iot.id"])
        observations += len(page["value"])
        url = page.get("@iot.nextLink")
print(observations, pages, size, f"{took:.3f}")
EOF
}

# END functions

if [[ -z "${CITYPIPE_BIN:-}" ]]; then
  # One Swift build at a time on a shared machine: every build takes the same lock.
  flock -o /tmp/citypipe-swift.lock swift build -c release --product citypipe >/dev/null
  bin=$PWD/.build/release/citypipe
else
  bin=$CITYPIPE_BIN
fi
[[ -x /usr/bin/time ]] || { echo "air bench: /usr/bin/time is missing: apt-get install time" >&2; exit 1; }
for m in air_quality_stations air_quality; do
  [[ -f Connectors/$m.yaml ]] || { echo "air bench: Connectors/$m.yaml is missing" >&2; exit 1; }
done
export CITYPIPE_HOME=${CITYPIPE_HOME:-/tmp/citypipe-bench-air-$(id -u)}
mkdir -p "$CITYPIPE_HOME" && chmod 755 "$CITYPIPE_HOME"
"$bin" db up >/dev/null && "$bin" db migrate >/dev/null
url=$("$bin" db url)
work=$(mktemp -d); chmod 755 "$work"
sim=''
stop_sim() { [[ -z "$sim" ]] || { kill -TERM "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; sim=''; }; }
trap 'stop_sim; rm -rf "$work"' EXIT
sql() { psql "$url" -qAtX -v ON_ERROR_STOP=1 -c "SET client_min_messages TO warning" -c "$1"; }
pg_pid=$(head -1 "$CITYPIPE_HOME/pg/data/postmaster.pid")
ticks=$(getconf CLK_TCK)
secs() { echo "scale=2; ($2 - $1) / $ticks" | bc; }  # ticks before, after → seconds

# The simulator's first hour ends at its initial clock (2026-01-01T00:00+07:00) minus the days of history.
first_hour() { TZ=Asia/Ho_Chi_Minh date -d "@$(($(date -d 2026-01-01T00:00:00+07:00 +%s) - $1 * 86400))" +%Y-%m-%dT%H:%M:%S+07:00; }
# The manifests without rate_limit, air_quality reading from the simulator's first hour (days $1).
write_manifests() {
  mkdir -p "$work/connectors"
  grep -v '^rate_limit:' Connectors/air_quality_stations.yaml >"$work/connectors/air_quality_stations.yaml"
  grep -v '^rate_limit:' Connectors/air_quality.yaml \
    | sed "s/^  start_datetime: .*/  start_datetime: \"$(first_hour "$1")\"/" >"$work/connectors/air_quality.yaml"
  grep -q "^  start_datetime: \"$(first_hour "$1")\"" "$work/connectors/air_quality.yaml" \
    || { echo "air bench: could not set air_quality's start_datetime" >&2; exit 1; }
}
# The $filter literal of a first load: start_datetime minus the 48-hour lookback.
first_filter() { TZ=Asia/Ho_Chi_Minh date -d "@$(($(date -d "$(first_hour "$1")" +%s) - 48 * 3600))" +%Y-%m-%dT%H:%M:%S+07:00; }
page_size=$(sed -n 's/^  page_size: *\([0-9]*\).*/\1/p' Connectors/air_quality.yaml)
concurrency=$(sed -n 's/^concurrency: *\([0-9]*\).*/\1/p' Connectors/air_quality.yaml)

start_sim() {  # days
  rm -f "$work/sim.out"
  "$bin" simulate --port 0 --seed 7 --air-days "$1" --air-stations "$stations" >"$work/sim.out" 2>"$work/sim.err" & sim=$!
  for _ in $(seq 1 1200); do grep -q '^# serving' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
  grep -q '^# serving' "$work/sim.out" || { echo "air bench: the simulator did not start:" >&2; tail -5 "$work/sim.err" >&2; exit 1; }
  eval "$(grep '^export ' "$work/sim.out")"
  [[ -n "${CITYPIPE_AIR_URL:-}" ]] || { echo "air bench: the simulator exports no CITYPIPE_AIR_URL" >&2; exit 1; }
  write_manifests "$1"
}

# citypipe ingest $1 timed; "wall rss_kb cpu pg_seconds sim_seconds" on stdout.
timed_ingest() {
  local p0 p1 s0 s1 wall rss user sys
  p0=$(tree_ticks "$pg_pid"); s0=$(tree_ticks "$sim")
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$bin" ingest "$1" --connectors "$work/connectors" >"$work/ingest.log" 2>&1 \
    || { echo "air bench: citypipe ingest $1 failed:" >&2; tail -20 "$work/ingest.log" >&2; exit 1; }
  p1=$(tree_ticks "$pg_pid"); s1=$(tree_ticks "$sim")
  read -r wall rss user sys <"$work/time"
  echo "$wall $rss $(echo "$user + $sys" | bc) $(secs "$p0" "$p1") $(secs "$s0" "$s1")"
}
# The last load of feed $1: "rows_in rows_staged requests".
last_run() {
  sql "SELECT rows_in, rows_staged, requests FROM citypipe.feed_runs WHERE feed = '$1' AND status = 'succeeded'
       ORDER BY feed_run_id DESC LIMIT 1" | tr '|' ' '
}

# A first load: the sensors' snapshot, then the observations from nothing. Prints the stations' row and the
# observations' row ("wall rss_kb cpu pg sim rows_in rows_staged requests rows_in_table") into $work/stations and
# stdout.
citypipe_first_load() {
  local result
  result=$(timed_ingest air_quality_stations) || exit 1
  echo "$result $(last_run air_quality_stations) $(sql "SELECT count(*) FROM staging.air_quality_stations WHERE _deleted_at IS NULL")" \
    >"$work/stations"
  sql "DROP TABLE IF EXISTS staging.air_quality; DELETE FROM citypipe.feed_state WHERE feed = 'air_quality'; CHECKPOINT"
  result=$(timed_ingest air_quality) || exit 1
  echo "$result $(last_run air_quality) $(sql "SELECT count(*) FROM staging.air_quality")"
}

columns="datastream_id, observation_id, phenomenon_time, result_time, result"
copy_load() {  # "wall rss_kb cpu pg_seconds rows"
  sql "DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy;
       CREATE TABLE bench_copy.air_quality (datastream_id bigint, observation_id bigint, phenomenon_time timestamptz,
         result_time timestamptz, result numeric, PRIMARY KEY (datastream_id, observation_id)); CHECKPOINT"
  local p0 p1 wall rss user sys
  p0=$(tree_ticks "$pg_pid")
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" psql "$url" -qX -v ON_ERROR_STOP=1 \
    -c "\\copy bench_copy.air_quality ($columns) FROM '$work/air.csv' CSV" >"$work/copy.log" 2>&1 \
    || { echo "air bench: psql \\copy failed:" >&2; tail -5 "$work/copy.log" >&2; exit 1; }
  p1=$(tree_ticks "$pg_pid")
  read -r wall rss user sys <"$work/time"
  echo "$wall $rss $(echo "$user + $sys" | bc) $(secs "$p0" "$p1") $(sql "SELECT count(*) FROM bench_copy.air_quality")"
}

# Not beside other heavy work: while the 1-minute load average is above 1.5, wait a minute (5 times at most).
for _ in 1 2 3 4 5; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  (($(echo "$load > 1.5" | bc))) || break
  echo "air bench: load average $load > 1.5: waiting a minute for other work to finish" >&2
  sleep 60
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "citypipe: $bin ($("$bin" --version 2>/dev/null || echo '?')); air_quality: page size ${page_size:-?} (the server cuts at 16 KiB), concurrency ${concurrency:-?}, no rate limit; $(psql --version); server $(sql "SHOW server_version"), shared_buffers $(sql "SHOW shared_buffers")"
echo "simulator: --seed 7 --air-days $days --air-stations $stations; first hour $(first_hour "$days"), first load's \$filter from $(first_filter "$days")"

start_sim "$days"

echo
echo "| round | tool | rows | wall s | rows/s | peak RSS MB | client CPU s | PostgreSQL CPU s | simulator CPU s | requests |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
declare -a cp_rps=() copy_rps=() cp_rss=()
observations=0
for round in $(seq 1 "$reps"); do
  order=(citypipe copy); ((round % 2)) || order=(copy citypipe)
  for tool in "${order[@]}"; do
    if [[ $tool == copy && ! -f $work/air.csv ]]; then
      # The first round's citypipe load has not run yet (even rounds start with copy; round 1 starts with citypipe).
      echo "air bench: no CSV to copy yet" >&2; exit 1
    fi
    if [[ $tool == citypipe ]]; then
      result=$(citypipe_first_load) || exit 1
      read -r wall rss cpu pg simcpu rows_in staged requests rows <<<"$result"
      read -r swall srss scpu spg ssim _ _ sreq srows <"$work/stations"
      printf "| %d | citypipe ingest air_quality_stations | %'d | %.2f | | %.0f | %.2f | %.2f | %.2f | %d |\n" \
        "$round" "$srows" "$swall" "$(echo "$srss / 1024" | bc -l)" "$scpu" "$spg" "$ssim" "$sreq"
      printf "| %d | citypipe ingest air_quality (first load) | %'d | %.2f | %'.0f | %.0f | %.2f | %.2f | %.2f | %'d |\n" \
        "$round" "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$cpu" "$pg" "$simcpu" "$requests"
      ((rows == staged)) || echo "air bench: the load staged $staged rows, the table holds $rows" >&2
      if ((observations == 0)); then
        observations=$rows
        sensors=$srows
        sql "SELECT datastream_id FROM staging.air_quality_stations WHERE _deleted_at IS NULL ORDER BY 1" >"$work/sensors"
        psql "$url" -qX -v ON_ERROR_STOP=1 \
          -c "\\copy (SELECT $columns FROM staging.air_quality ORDER BY datastream_id, observation_id) TO '$work/air.csv' CSV"
        first_requests=$requests
      elif ((rows != observations)); then
        echo "air bench: round $round loaded $rows observations, round 1 $observations" >&2
      fi
      cp_rps+=("$(echo "$rows / $wall" | bc -l)"); cp_rss+=("$rss")
    else
      result=$(copy_load) || exit 1
      read -r wall rss cpu pg rows <<<"$result"
      printf "| %d | psql \\\\copy (CSV file, key order) | %'d | %.2f | %'.0f | %.0f | %.2f | %.2f | | |\n" \
        "$round" "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$cpu" "$pg"
      ((rows == observations)) || echo "air bench: \\copy loaded $rows rows, citypipe $observations" >&2
      copy_rps+=("$(echo "$rows / $wall" | bc -l)")
    fi
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
cp_med=$(median "${cp_rps[@]}"); copy_med=$(median "${copy_rps[@]}"); cp_rss_med=$(median "${cp_rss[@]}")
csv_mb=$(echo "$(stat -c %s "$work/air.csv") / 1048576" | bc -l)

# The HTTP floor, after the rounds (the simulator has rendered nothing for it before; it renders every page anew).
read -r floor_obs floor_pages floor_bytes floor_s <<<"$(http_floor "$CITYPIPE_AIR_URL" "$work/sensors" "$(first_filter "$days")" "$page_size")"
echo
echo "| | observations | sensors | pages (requests) | MB | s | observations/s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf "| HTTP floor (python3 http.client, 1 connection, sequential) | %'d | %d | %'d | %.1f | %.2f | %'.0f |\n" \
  "$floor_obs" "$sensors" "$floor_pages" "$(echo "$floor_bytes / 1048576" | bc -l)" "$floor_s" "$(echo "$floor_obs / $floor_s" | bc -l)"
((floor_obs == observations)) || echo "air bench: the floor fetched $floor_obs observations, citypipe staged $observations" >&2
((floor_pages == first_requests)) || echo "air bench: the floor made $floor_pages requests, citypipe $first_requests" >&2

echo
echo "| | median rows/s | citypipe / psql \\copy |"
echo "|---|---:|---:|"
printf "| psql \\\\copy (%'.1f MB CSV) | %'.0f | |\n" "$csv_mb" "$copy_med"
printf "| citypipe ingest air_quality | %'.0f | %.2f |\n" "$cp_med" "$(echo "$cp_med / $copy_med" | bc -l)"

# The nightly run: the same clock again, each sensor from its latest hour minus 48 hours.
result=$(timed_ingest air_quality) || exit 1
read -r wall rss cpu pg simcpu <<<"$result"
read -r rows_in staged requests <<<"$(last_run air_quality)"
echo
echo "| incremental re-run | rows read | rows staged | requests | wall s | peak RSS MB | client CPU s | PostgreSQL CPU s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf "| citypipe ingest air_quality (48 h lookback per sensor) | %'d | %'d | %'d | %.2f | %.0f | %.2f | %.2f |\n" \
  "$rows_in" "$staged" "$requests" "$wall" "$(echo "$rss / 1024" | bc -l)" "$cpu" "$pg"

# The models. The normalise phase first (core.clean_air_quality_stations, core.clean_air_quality), with the one
# model that reads no feed; then the models alone, timed.
sql "CHECKPOINT"
p0=$(tree_ticks "$pg_pid")
/usr/bin/time -f '%e %M %U %S' -o "$work/time" "$bin" transform --connectors "$work/connectors" --select core.admin_unit \
  >"$work/normalize.log" 2>&1 || { echo "air bench: the normalise phase failed:" >&2; tail -20 "$work/normalize.log" >&2; exit 1; }
p1=$(tree_ticks "$pg_pid")
read -r nwall _ <"$work/time"
echo
echo "normalise phase (\`citypipe transform --connectors TMP --select core.admin_unit\`, $nwall s wall, PostgreSQL CPU $(printf %.2f "$(secs "$p0" "$p1")") s):"
"$python" - "$work/normalize.log" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for e in lines:
    if e.get("event") == "normalize.succeeded":
        print(f"- core.clean_{e['feed']}: {e['rows_read']:,} staged rows read, {e['rows_written']:,} written, "
              f"{e['rejects']:,} values rejected, {e['seconds']:.2f} s")
    elif e.get("event", "").startswith("model."):
        print(f"- {e['model']}: {e['event'][6:]}, {e.get('rows', 0):,} rows, {e['seconds']:.2f} s")
EOF
sql "CHECKPOINT"
p0=$(tree_ticks "$pg_pid")
/usr/bin/time -f '%e %M %U %S' -o "$work/time" "$bin" transform --models-only \
  --select integrated.air_station_map --select integrated.air_quality_ward_daily >"$work/models.log" 2>&1 \
  || { echo "air bench: the models failed:" >&2; tail -20 "$work/models.log" >&2; exit 1; }
p1=$(tree_ticks "$pg_pid")
read -r wall rss user sys <"$work/time"
run_id=$(sql "SELECT max(run_id) FROM citypipe.model_runs")
echo
printf "models (\`citypipe transform --models-only --select integrated.air_station_map --select integrated.air_quality_ward_daily\`): %.2f s wall, citypipe peak RSS %.0f MB, client CPU %.2f s, PostgreSQL CPU %.2f s (2 models at a time)\n" \
  "$wall" "$(echo "$rss / 1024" | bc -l)" "$(echo "$user + $sys" | bc)" "$(secs "$p0" "$p1")"
echo
echo "| model | status | s | rows |"
echo "|---|---|---:|---:|"
sql "SELECT model, status, round(extract(epoch FROM finished_at - started_at)::numeric, 2), coalesce(rows_built::text, '')
     FROM citypipe.model_runs WHERE run_id = $run_id ORDER BY started_at" \
  | while IFS='|' read -r model status s rows; do
      printf "| %s | %s | %.2f | %s |\n" "$model" "$status" "$s" "$( [[ -n $rows ]] && printf "%'d" "$rows")"
    done

# Flat RSS: a first load of AIR_FLAT_DAYS days.
stop_sim
start_sim "$flat_days"
result=$(citypipe_first_load) || exit 1
read -r wall rss cpu pg simcpu rows_in staged requests rows <<<"$result"
echo
echo "| days | rows loaded | wall s | rows/s | citypipe peak RSS MB |"
echo "|---:|---:|---:|---:|---:|"
printf "| %s | %'d | %.2f | %'.0f | %.0f |\n" "$flat_days" "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
printf "| %s | %'d | | | %.0f (median of %d rounds) |\n" "$days" "$observations" "$(echo "$cp_rss_med / 1024" | bc -l)" "$reps"
ratio=$(echo "scale=2; $cp_rss_med / $rss" | bc)
echo
verdict="NOT flat: > 1.25"; (($(echo "$ratio <= 1.25" | bc))) && verdict="flat: ≤ 1.25"
printf "flat RSS: peak at %s days / %s days = %.2f (%s)\n" "$days" "$flat_days" "$ratio" "$verdict"
stop_sim
sql "DROP SCHEMA IF EXISTS bench_copy CASCADE"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
