#!/usr/bin/env bash
# API benchmark: `citypipe serve` on a database loaded at scale 1 (the simulated feeds, seed 7, through the nightly
# pipeline), loaded once into its own CITYPIPE_HOME and reused by later runs (delete the folder to reload).
# wrk on loopback (8 connections, WRK_THREADS threads, WRK_SECONDS s, --latency) against:
#   1. GET /v1/communes/{code}                                  viewer  (a ward code of integrated.commune_profile)
#   2. GET /v1/views/integrated.commune_profile?limit=100       viewer  (one page: all 99 wards)
#   3. GET /v1/views/core.person?limit=100                      analyst (the first keyset page)
#   4. GET /v1/views/core.person?limit=100&cursor=C             analyst (the 10,000th page: rows 999,901-1,000,000)
# then one CSV export with curl: GET /v1/views/core.person?limit=all&format=csv, officer, X-Purpose: data-quality:
# rows/s, and the server's peak RSS during the export (VmHWM of the serve process, reset just before through
# /proc/PID/clear_refs, so it is the export's peak and not the wrk runs'; its VmHWM over the whole run is printed too).
#
# The 10,000th page's cursor: following `next` 9,999 times at limit=100 would take minutes of requests for one
# string. A cursor is the keyset position after the last row of a page, whatever that page's limit and `select`
# (the API takes a cursor with another limit or select, as this script relies on), so the script pages with
# limit=10000 and select=person_id (99 pages: rows 1-990,000), then one page of 9,900 rows (to row 999,900); the
# cursor that page returns starts at row 999,901, which is the 10,000th page of 100 rows. Same server, same rows, the
# same cursor the 9,999 small steps would have reached.
#
# Usage: Benchmarks/api/run.sh   (CITYPIPE_BIN=path skips the release build; WRK_SECONDS=15, WRK_THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${WRK_SECONDS:-15}
threads=${WRK_THREADS:-2}
if [[ -z "${CITYPIPE_BIN:-}" ]]; then
  # One Swift build at a time on a shared machine: every build takes the same lock.
  flock -o /tmp/citypipe-swift-build.lock swift build -c release --product citypipe >/dev/null
  bin=$PWD/.build/release/citypipe
else
  bin=$CITYPIPE_BIN
fi
command -v wrk >/dev/null || { echo "api bench: wrk is missing: BOOTSTRAP_BENCHMARKS=1 scripts/bootstrap" >&2; exit 1; }
export CITYPIPE_HOME=${CITYPIPE_HOME:-/tmp/citypipe-bench-api-$(id -u)}
mkdir -p "$CITYPIPE_HOME" && chmod 755 "$CITYPIPE_HOME"
"$bin" db up >/dev/null && "$bin" db migrate >/dev/null
work=$(mktemp -d); chmod 755 "$work"
sim='' serve=''
trap 'kill ${sim:-} 2>/dev/null || true; [[ -z "$serve" ]] || { kill -TERM $serve 2>/dev/null; wait $serve 2>/dev/null || true; }; rm -rf "$work"' EXIT
sql() { "$bin" db psql -AtX -c "$1"; }

# The load, once: simulator at scale 1 + the nightly pipeline (the courtesy rate limits of the manifests dropped: the
# load is the set-up here, not what is measured). About 4-5 minutes on 2 cores.
if [[ ! -f "$CITYPIPE_HOME/loaded-scale-1" ]]; then
  mkdir -p "$work/connectors"
  for manifest in Connectors/*.yaml; do grep -v '^rate_limit:' "$manifest" >"$work/connectors/$(basename "$manifest")"; done
  "$bin" simulate --port 0 --seed 7 --scale 1 >"$work/sim.out" 2>"$work/sim.err" & sim=$!
  for _ in $(seq 1 600); do grep -q '^# serving' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
  eval "$(grep '^export ' "$work/sim.out")"
  start=$(date +%s)
  "$bin" run nightly --connectors "$work/connectors" --summary >"$work/nightly.log" 2>&1 || { echo "api bench: the nightly load failed:" >&2; tail -20 "$work/nightly.log" >&2; exit 1; }
  kill $sim; wait $sim 2>/dev/null || true; sim=''
  echo "loaded scale 1 in $(( $(date +%s) - start )) s" | tee "$CITYPIPE_HOME/loaded-scale-1"
fi
persons=$(sql "SELECT count(*) FROM core.person")
((persons > 1000000)) || { echo "api bench: core.person has $persons rows; the 10,000th page needs more than 1,000,000" >&2; exit 1; }
ward=$(sql "SELECT ward_code FROM integrated.commune_profile ORDER BY ward_code LIMIT 1")

declare -A token
for role in viewer analyst officer; do token[$role]=$("$bin" token create --role "$role" --name "bench-$role-$$"); done
"$bin" serve --port 0 >"$work/serve.out" 2>"$work/serve.log" & serve=$!
for _ in $(seq 1 600); do grep -q '^# serving' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^# serving on //p' "$work/serve.out")
[[ -n "$base" ]] || { echo "api bench: citypipe serve did not start:" >&2; tail -5 "$work/serve.log" >&2; exit 1; }

# The 10,000th page's cursor (see above).
next_cursor() { /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["next_cursor"] or "")'; }
auth=(-H "Authorization: Bearer ${token[analyst]}")
cursor=''
for _ in $(seq 1 99); do
  cursor=$(curl -sf "${auth[@]}" "$base/v1/views/core.person?select=person_id&limit=10000${cursor:+&cursor=$cursor}" | next_cursor)
done
cursor=$(curl -sf "${auth[@]}" "$base/v1/views/core.person?select=person_id&limit=9900&cursor=$cursor" | next_cursor)
[[ -n "$cursor" ]] || { echo "api bench: no cursor after row 999,900" >&2; exit 1; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); $bin; core.person $persons rows"
echo "wrk $threads threads, 8 connections, $seconds s, loopback"
echo
echo "| endpoint | role | requests/s | p50 ms | p99 ms | bytes/response | non-2xx |"
echo "|---|---|---:|---:|---:|---:|---:|"
ms() { awk '{v = $1; if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000}' <<<"$1"; }
bench() {  # label, role, path
  local size
  size=$(curl -s -o /dev/null -w '%{size_download}' -H "Authorization: Bearer ${token[$2]}" "$base$3")
  wrk -t "$threads" -c 8 -d "${seconds}s" --latency -H "Authorization: Bearer ${token[$2]}" "$base$3" >"$work/wrk.out"
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out")
  p50=$(ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.out")")
  p99=$(ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk.out"); non2xx=${non2xx:-0}
  printf "| %s | %s | %'.0f | %s | %s | %s | %s |\n" "$1" "$2" "$rps" "$p50" "$p99" "$size" "$non2xx"
}
bench "/v1/communes/{code}" viewer "/v1/communes/$ward"
bench "integrated.commune_profile, limit=100" viewer "/v1/views/integrated.commune_profile?limit=100"
bench "core.person, limit=100, 1st page" analyst "/v1/views/core.person?limit=100"
bench "core.person, limit=100, 10,000th page" analyst "/v1/views/core.person?limit=100&cursor=$cursor"

# The export. VmHWM reset (clear_refs 5), so that the peak read afterwards is the export's.
pid=$serve
before=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
echo 5 >"/proc/$pid/clear_refs"
start=$(date +%s.%N)
lines=$(curl -sf -H "Authorization: Bearer ${token[officer]}" -H "X-Purpose: data-quality" \
  "$base/v1/views/core.person?limit=all&format=csv" | tee >(wc -c >"$work/bytes") | wc -l)
took=$(echo "$(date +%s.%N) - $start" | bc)
peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
rows=$((lines - 1))
echo
echo "| export | rows | s | rows/s | MB | server peak RSS during export MB | server peak RSS before (wrk runs) MB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf "| core.person csv, limit=all, officer | %d | %.2f | %'.0f | %.1f | %.0f | %.0f |\n" "$rows" "$took" \
  "$(echo "$rows / $took" | bc -l)" "$(echo "$(cat "$work/bytes") / 1048576" | bc -l)" "$(echo "$peak / 1024" | bc -l)" \
  "$(echo "$before / 1024" | bc -l)"
((rows == persons)) || echo "api bench: the export has $rows rows, core.person $persons" >&2
for role in viewer analyst officer; do "$bin" token revoke "bench-$role-$$" >/dev/null 2>&1 || true; done
