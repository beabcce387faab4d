#!/usr/bin/env bash
# Transform benchmark: the simulated feeds at a scale are ingested once; then `citypipe transform` runs from
# scratch (no core.clean_* tables, no watermarks) with 1 and then 2 Dispatch workers (lanes, each on its own
# connection). Reported: staged rows normalised per second (the normalise phase: read by COPY, normalise, COPY
# into core.clean_*), the SQL models' wall time (linkage included: core.person_link is a model), and peak RSS.
# "normalise s" is the whole phase (PostgreSQL reading and writing included, on the same 2 cores); "normalisers
# CPU s" is the CPU time spent in the normalisers, summed over the workers.
# "CityPipe CPU s" and "PostgreSQL CPU s" are the CPU time of the citypipe process and of the server's backends
# during the run; their sum over the wall time is how many of the 2 cores the run kept busy.
# Then (unless IN_MEMORY=0) `transform-bench` times the normalise step alone on the same staged rows: each feed
# read into memory first, normalised by the pass's own code on 1 and 2 Dispatch workers, nothing written, so
# that how the Dispatch half scales shows apart from the server that shares the two cores in a real pass.
# Usage: Benchmarks/transform/run.sh [SCALE...]   (default: 0.1 1); SKIP_INGEST=1 reuses what is staged;
# NORMALISE_ONLY=1 builds one small model only, so that the run is the normalise phase.
set -euo pipefail
cd "$(dirname "$0")/../.."
scales=("$@"); ((${#scales[@]})) || scales=(0.1 1)
flock -o /tmp/citypipe-swift-build.lock swift build -c release --product citypipe >/dev/null
[[ "${IN_MEMORY:-1}" == 0 ]] || flock -o /tmp/citypipe-swift-build.lock swift build -c release --product transform-bench >/dev/null
bin=$PWD/.build/release/citypipe
export CITYPIPE_HOME=${CITYPIPE_HOME:-/tmp/citypipe-bench-transform-$(id -u)}
"$bin" db up >/dev/null && "$bin" db migrate >/dev/null
url=$("$bin" db url)
work=$(mktemp -d); trap 'kill ${sim:-} 2>/dev/null || true; rm -rf "$work"' EXIT
# The feeds that feed the linkage and the commune profile; courtesy rate limits dropped (the engine is measured).
feeds=(population business insurance labour health_encounters schools statistics finance)
mkdir -p "$work/connectors"
for feed in "${feeds[@]}"; do grep -v '^rate_limit:' "Connectors/$feed.yaml" >"$work/connectors/$feed.yaml"; done
summarise() {  # events file → "rows_read normalise_seconds dispatch_seconds models_wall_seconds"
  python3 - "$1" <<'PY'
import json, sys, datetime
rows = secs = cpu = 0.0; first = last = None
for line in open(sys.argv[1]):
    try: e = json.loads(line)
    except ValueError: continue
    t = datetime.datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))
    if e["event"] == "normalize.succeeded": rows += e["rows_read"]; secs += e["seconds"]; cpu += e.get("normalize_seconds", 0)
    if e["event"] == "transform.started": first = t
    if e["event"].startswith("model."): last = t
print(int(rows), round(secs, 2), round(cpu, 2), round((last - first).total_seconds(), 2) if first and last else 0)
PY
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "| scale | staged rows | workers | normalise s | rows/s | normalisers CPU s | models s | transform wall s | CityPipe CPU s | PostgreSQL CPU s | peak RSS MB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
postmaster=$(head -1 "$CITYPIPE_HOME/pg/data/postmaster.pid")
server_cpu() { awk '{printf "%.2f", ($14 + $15 + $16 + $17) / 100}' "/proc/$postmaster/stat"; }  # reaped backends included
select=(); [[ "${NORMALISE_ONLY:-0}" == 1 ]] && select=(--select core.admin_unit)
for scale in "${scales[@]}"; do
  if [[ "${SKIP_INGEST:-0}" != 1 ]]; then
    "$bin" simulate --port 0 --seed 7 --scale "$scale" >"$work/sim.out" 2>"$work/sim.err" & sim=$!
    for _ in $(seq 1 600); do grep -q '^# serving' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
    eval "$(grep '^export ' "$work/sim.out")"
    for feed in "${feeds[@]}"; do
      psql "$url" -qX -c "DROP TABLE IF EXISTS staging.$feed; DELETE FROM citypipe.feed_state WHERE feed = '$feed'" >/dev/null 2>&1
    done
    "$bin" ingest "${feeds[@]}" --connectors "$work/connectors" >"$work/ingest.log" || { echo "ingest failed" >&2; tail -3 "$work/ingest.log" >&2; exit 1; }
    kill $sim; wait $sim 2>/dev/null || true
  fi
  for workers in 1 2; do
    psql "$url" -qX -c "DELETE FROM citypipe.transform_state" \
      -c "DO \$\$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'core' AND tablename LIKE 'clean\\_%' LOOP EXECUTE format('DROP TABLE IF EXISTS core.%I', t); END LOOP; END \$\$" \
      -c "CHECKPOINT" >/dev/null
    before=$(server_cpu)
    /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$bin" transform --workers "$workers" --connectors "$work/connectors" "${select[@]}" >"$work/events.jsonl"
    after=$(server_cpu)
    read -r wall rss user sys <"$work/time"
    read -r rows secs cpu models < <(summarise "$work/events.jsonl")
    printf "| %s | %d | %d | %.2f | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f |\n" "$scale" "$rows" "$workers" "$secs" \
      "$(echo "$rows / $secs" | bc -l)" "$cpu" "$models" "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$after - $before" | bc -l)" \
      "$(echo "$rss / 1024" | bc -l)"
  done
  if [[ "${IN_MEMORY:-1}" != 0 ]]; then
    {
      echo
      echo "The normalise step alone at scale $scale (rows in memory, nothing written; median of 3 alternating rounds):"
      echo
      /usr/bin/time -f "%M" -o "$work/time.mem" "$PWD/.build/release/transform-bench" "$url" "$work/connectors" 3
      echo
      echo "(transform-bench peak RSS, every row of the largest feed in memory: $(( $(cat "$work/time.mem") / 1024 )) MB)"
    } >>"$work/in-memory.md"
  fi
done
[[ ! -f "$work/in-memory.md" ]] || cat "$work/in-memory.md"
