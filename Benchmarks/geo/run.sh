#!/usr/bin/env bash
# Land benchmark: 200,000 parcels (scale 1) loaded by `citypipe ingest land` (simulator → HTTP, OGC API – Features
# pages of up to 10,000 in the storage CRS → GeoJSON decode → geometry → COPY into staging.land) against ogr2ogr
# (Debian gdal-bin) loading the same features from GeoJSON files into PostGIS, in one run, with peak RSS.
#
#   1. `citypipe simulate --seed 7 --scale GEO_SCALE` serves the two land collections at
#      $CITYPIPE_LAND_URL/ogc/collections/{thua-dat-bac-ninh,thua-dat-bac-giang}/items (EPSG:9209 / EPSG:9214).
#   2. curl fetches both in their native CRS (crs=…/EPSG/0/9209 resp. 9214, limit=10000), following the rel=next
#      links verbatim, checks Content-Crs and unique ids, and writes one FeatureCollection per collection (with a
#      `crs` member; ogr2ogr also gets -a_srs): the features citypipe loads. Its time is printed as the HTTP floor.
#   3. REPS rounds (default 3), the order alternating (ogr2ogr first in odd rounds), each load after a CHECKPOINT:
#      a. ogr2ogr, one file after the other, into bench_ogr.parcels_9209 / bench_ogr.parcels_9214 (schema dropped
#         and recreated first): -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=NONE (citypipe's staging table has no
#         spatial index either), PG_USE_COPY=YES, -gt 100000; its PostGIS functions are found through PGOPTIONS
#         (search_path with PostGIS's schema). Time = the sum of both, peak RSS = the larger.
#      b. `citypipe ingest land` as a first load: staging.land dropped and the feed's state deleted first.
#      /usr/bin/time gives wall seconds, peak RSS (max resident) and CPU; the PostgreSQL cluster's CPU seconds
#      (all its processes, from /proc) are measured around each load.
#   4. After the rounds: rows and SRIDs in staging.land against the ogr2ogr tables, and whether the geometries are
#      byte-identical (sets of WKB hashes per SRID).
#   5. Flat RSS: one more `citypipe ingest land` with the simulator at GEO_FLAT_SCALE (default 0.25): citypipe's
#      peak RSS there against scale GEO_SCALE (flat: ratio ≤ 1.25 for 4× the features).
# Not like for like, and said so: citypipe's time includes fetching the pages over HTTP from a simulator that
# shares the two cores; ogr2ogr reads local files (its best case). The fetch time in step 2 bounds that part.
#
# Usage: Benchmarks/geo/run.sh
#   CITYPIPE_BIN=path skips the release build; REPS=3; GEO_SCALE=1; GEO_FLAT_SCALE=0.25; GEO_PAGE_SIZE=N sets the
#   land manifest's page_size for citypipe (default: as shipped; the curl fetch always asks for 10,000);
#   CITYPIPE_HOME (default /tmp/citypipe-bench-geo-UID: its own embedded cluster);
#   LAND_CURL_HEADER='Name: value' adds a header to curl's requests. curl sends X-API-Key: $CITYPIPE_LAND_API_KEY
#   when the simulator exports it (the manifest's api_key auth) and Accept: application/geo+json as the manifest.
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${REPS:-3}
scale=${GEO_SCALE:-1}
flat_scale=${GEO_FLAT_SCALE:-0.25}
python=/usr/bin/python3  # Debian's: json and /proc only
collections=(thua-dat-bac-ninh thua-dat-bac-giang)
declare -A srid=([thua-dat-bac-ninh]=9209 [thua-dat-bac-giang]=9214)

# BEGIN functions (no side effects when defined; Benchmarks/geo/README.md says how they were tested alone)

# Fetches collection $1 in EPSG:$2 from $3 (…/ogc) into the FeatureCollection file $4, paging by rel=next from
# limit=10000. Prints "features pages bytes seconds" (seconds: the sum of curl's time_total, the HTTP part alone).
# Needs $work, $python and the array curl_headers.
fetch_collection() {
  local collection=$1 code=$2 base=$3 out=$4
  local crs=http://www.opengis.net/def/crs/EPSG/0/$code
  local url="$base/collections/$collection/items?limit=10000&crs=$crs" n=0 returned next took=0 info
  local pages=$work/pages.$collection
  rm -rf "$pages"; mkdir -p "$pages"
  while [[ -n "$url" ]]; do
    n=$((n + 1))
    ((n <= 10000)) || { echo "geo bench: $collection: more than 10,000 pages; a next link loops?" >&2; return 1; }
    info=$(curl -sS --fail-with-body --compressed -H 'Accept: application/geo+json' "${curl_headers[@]}" -D "$pages/$n.headers" -o "$pages/$n.json" \
      -w '%{time_total}' "$url") \
      || { echo "geo bench: GET $url failed:" >&2; head -c 500 "$pages/$n.json" >&2 2>/dev/null; return 1; }
    took=$(echo "$took + $info" | bc)
    grep -qi "^content-crs: *<$crs>" "$pages/$n.headers" \
      || { echo "geo bench: $url: Content-Crs is not <$crs>:" >&2; grep -i '^content-crs' "$pages/$n.headers" >&2; return 1; }
    info=$("$python" -c '
import json, sys
page = json.load(open(sys.argv[1], encoding="utf-8"))
nxt = next((l["href"] for l in page.get("links", []) if l.get("rel") == "next"), "")
print(len(page["features"]), nxt)' "$pages/$n.json") || { echo "geo bench: $url: not a FeatureCollection" >&2; return 1; }
    read -r returned next <<<"$info"
    # An empty page ends the walk even when it carries a next link (pygeoapi#1237).
    if ((returned == 0)); then rm -f "$pages/$n.json" "$pages/$n.headers"; n=$((n - 1)); break; fi
    url=$next
  done
  local bytes; bytes=$(cat "$pages"/*.json | wc -c)
  # One FeatureCollection, page by page (one page in memory at a time), in page order; ids unique.
  local features
  features=$("$python" - "$pages" "$n" "$code" "$out" <<'EOF' || return 1
import json, sys
pages, n, code, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
seen, matched = set(), None
with open(out, "w", encoding="utf-8") as f:
    f.write('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::%s"}},'
            '"features":[' % code)
    first = True
    for i in range(1, n + 1):
        page = json.load(open(f"{pages}/{i}.json", encoding="utf-8"))
        matched = page.get("numberMatched", matched)
        for feature in page["features"]:
            fid = feature.get("id", (feature.get("properties") or {}).get("ma_thua"))
            if fid is None:
                fid = ("no id", len(seen))  # counted, not checked
            elif fid in seen:
                sys.exit(f"geo bench: page {i}: feature id {fid!r} seen before")
            seen.add(fid)
            f.write(("" if first else ",") + json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
            first = False
    f.write("]}\n")
if matched is not None and matched != len(seen):
    sys.exit(f"geo bench: numberMatched {matched}, fetched {len(seen)}")
print(len(seen))
EOF
  )
  rm -rf "$pages"
  echo "$features $n $bytes $took"
}

# tree_ticks: Benchmarks/lib/proc.sh
source Benchmarks/lib/proc.sh  # the script runs from the repository root (cd above)

# ogr2ogr of GeoJSON file $1 (EPSG:$2) into bench_ogr.$3, timed: writes "wall rss_kb user sys" to $work/time.
# Connection: $url (libpq URI); PostGIS schema: $postgis_schema.
ogr_load() {
  PGOPTIONS="-c search_path=bench_ogr,$postgis_schema,public" \
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" \
    ogr2ogr -f PostgreSQL "PG:$url" "$1" -nln "$3" -a_srs "EPSG:$2" \
      -lco SCHEMA=bench_ogr -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=NONE -lco FID=ogc_fid \
      --config PG_USE_COPY YES -gt 100000 >"$work/ogr.log" 2>&1 \
    || { echo "geo bench: ogr2ogr $1 failed:" >&2; tail -20 "$work/ogr.log" >&2; return 1; }
}

# END functions

if [[ -z "${CITYPIPE_BIN:-}" ]]; then
  # One Swift build at a time on a shared machine: every build takes the same lock.
  flock -o /tmp/citypipe-swift-build.lock swift build -c release --product citypipe >/dev/null
  bin=$PWD/.build/release/citypipe
else
  bin=$CITYPIPE_BIN
fi
command -v ogr2ogr >/dev/null || { echo "geo bench: ogr2ogr is missing: scripts/bootstrap (gdal-bin)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "geo bench: /usr/bin/time is missing: apt-get install time" >&2; exit 1; }
[[ -f Connectors/land.yaml ]] || { echo "geo bench: Connectors/land.yaml is missing" >&2; exit 1; }
export CITYPIPE_HOME=${CITYPIPE_HOME:-/tmp/citypipe-bench-geo-$(id -u)}
mkdir -p "$CITYPIPE_HOME" && chmod 755 "$CITYPIPE_HOME"
"$bin" db up >/dev/null && "$bin" db migrate >/dev/null
url=$("$bin" db url)
work=$(mktemp -d); chmod 755 "$work"
sim=''
stop_sim() { [[ -z "$sim" ]] || { kill -TERM "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; sim=''; }; }
trap 'stop_sim; rm -rf "$work"' EXIT
sql() { psql "$url" -qAtX -v ON_ERROR_STOP=1 -c "SET client_min_messages TO warning" -c "$1"; }
gsql() { PGOPTIONS="-c search_path=$postgis_schema,public" sql "$1"; }  # PostGIS's functions visible
postgis_schema=$(sql "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'")
[[ -n "$postgis_schema" ]] || { echo "geo bench: PostGIS is not installed in $url" >&2; exit 1; }
pg_pid=$(head -1 "$CITYPIPE_HOME/pg/data/postmaster.pid")
ticks=$(getconf CLK_TCK)

# The manifest's courtesy rate limit, if any, is dropped: against the simulator the benchmark measures the engine.
# Its page size stays as shipped unless GEO_PAGE_SIZE says otherwise.
mkdir -p "$work/connectors"
grep -v '^rate_limit:' Connectors/land.yaml >"$work/connectors/land.yaml"
if [[ -n "${GEO_PAGE_SIZE:-}" ]]; then
  sed -i "s/^  page_size: .*/  page_size: $GEO_PAGE_SIZE/" "$work/connectors/land.yaml"
fi
page_size=$(sed -n 's/^  page_size: *\([0-9]*\).*/\1/p' "$work/connectors/land.yaml")

start_sim() {  # scale
  rm -f "$work/sim.out"  # the last run's output must be gone before the wait below reads it
  "$bin" simulate --port 0 --seed 7 --scale "$1" >"$work/sim.out" 2>"$work/sim.err" & sim=$!
  for _ in $(seq 1 1200); do grep -q '^# serving' "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
  grep -q '^# serving' "$work/sim.out" || { echo "geo bench: the simulator did not start:" >&2; tail -5 "$work/sim.err" >&2; exit 1; }
  eval "$(grep '^export ' "$work/sim.out")"
  [[ -n "${CITYPIPE_LAND_URL:-}" ]] || { echo "geo bench: the simulator exports no CITYPIPE_LAND_URL" >&2; exit 1; }
  curl_headers=()
  [[ -z "${CITYPIPE_LAND_API_KEY:-}" ]] || curl_headers+=(-H "X-API-Key: $CITYPIPE_LAND_API_KEY")
  [[ -z "${LAND_CURL_HEADER:-}" ]] || curl_headers+=(-H "$LAND_CURL_HEADER")
}

# citypipe ingest land as a first load; "wall rss_kb user sys pg_seconds rows" on stdout.
citypipe_load() {
  sql "DROP TABLE IF EXISTS staging.land; DELETE FROM citypipe.feed_state WHERE feed = 'land'; CHECKPOINT"
  local p0 p1
  p0=$(tree_ticks "$pg_pid")
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$bin" ingest land --connectors "$work/connectors" >"$work/ingest.log" 2>&1 \
    || { echo "geo bench: citypipe ingest land failed:" >&2; tail -20 "$work/ingest.log" >&2; exit 1; }
  p1=$(tree_ticks "$pg_pid")
  local wall rss user sys
  read -r wall rss user sys <"$work/time"
  echo "$wall $rss $user $sys $(echo "scale=2; ($p1 - $p0) / $ticks" | bc) $(sql "SELECT count(*) FROM staging.land")"
}

# Both files with ogr2ogr; "wall rss_kb user sys pg_seconds rows" (wall, CPU summed; RSS the larger).
ogr_both() {
  sql "DROP SCHEMA IF EXISTS bench_ogr CASCADE; CREATE SCHEMA bench_ogr; CHECKPOINT"
  local p0 p1 c wall rss user sys tw=0 tr=0 tu=0 ts=0 rows=0
  p0=$(tree_ticks "$pg_pid")
  for c in "${collections[@]}"; do
    ogr_load "$work/$c.geojson" "${srid[$c]}" "parcels_${srid[$c]}" || exit 1
    read -r wall rss user sys <"$work/time"
    tw=$(echo "$tw + $wall" | bc); tu=$(echo "$tu + $user" | bc); ts=$(echo "$ts + $sys" | bc)
    if ((rss > tr)); then tr=$rss; fi
  done
  p1=$(tree_ticks "$pg_pid")
  for c in "${collections[@]}"; do rows=$((rows + $(sql "SELECT count(*) FROM bench_ogr.parcels_${srid[$c]}"))); done
  echo "$tw $tr $tu $ts $(echo "scale=2; ($p1 - $p0) / $ticks" | bc) $rows"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "citypipe: $bin ($("$bin" --version 2>/dev/null || echo '?')), land manifest page size ${page_size:-?}, no rate limit; $(ogr2ogr --version); PostGIS $(sql "SELECT extversion FROM pg_extension WHERE extname = 'postgis'") in schema $postgis_schema"

start_sim "$scale"
features=0
echo
echo "| collection | EPSG | features | pages | MB | curl fetch s | features/s (HTTP floor) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for c in "${collections[@]}"; do
  result=$(fetch_collection "$c" "${srid[$c]}" "$CITYPIPE_LAND_URL/ogc" "$work/$c.geojson") || exit 1
  read -r n pages bytes took <<<"$result"
  features=$((features + n))
  printf "| %s | %s | %'d | %d | %.1f | %.2f | %'.0f |\n" "$c" "${srid[$c]}" "$n" "$pages" "$(echo "$bytes / 1048576" | bc -l)" \
    "$took" "$(echo "$n / $took" | bc -l)"
done
((features > 0)) || { echo "geo bench: no features fetched" >&2; exit 1; }

echo
echo "| round | tool | features | rows loaded | wall s | features/s | peak RSS MB | CPU s (user+sys) | PostgreSQL CPU s |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
declare -a cp_fps=() ogr_fps=() cp_rss=() ogr_rss=()
row() {  # round, tool, "wall rss user sys pg rows"
  local wall rss user sys pg rows
  read -r wall rss user sys pg rows <<<"$3"
  printf "| %d | %s | %'d | %'d | %.2f | %'.0f | %.0f | %.2f | %.2f |\n" "$1" "$2" "$features" "$rows" "$wall" \
    "$(echo "$features / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$(echo "$user + $sys" | bc)" "$pg"
  ((rows == features)) || echo "geo bench: $2 loaded $rows rows for $features features" >&2
}
for round in $(seq 1 "$reps"); do
  order=(ogr citypipe); ((round % 2)) || order=(citypipe ogr)
  for tool in "${order[@]}"; do
    if [[ $tool == ogr ]]; then
      result=$(ogr_both) || exit 1
      row "$round" "ogr2ogr (2 files)" "$result"
      read -r wall rss _ <<<"$result"; ogr_fps+=("$(echo "$features / $wall" | bc -l)"); ogr_rss+=("$rss")
    else
      result=$(citypipe_load) || exit 1
      row "$round" "citypipe ingest land" "$result"
      read -r wall rss _ <<<"$result"; cp_fps+=("$(echo "$features / $wall" | bc -l)"); cp_rss+=("$rss")
    fi
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
cp_med=$(median "${cp_fps[@]}"); ogr_med=$(median "${ogr_fps[@]}")
cp_rss_med=$(median "${cp_rss[@]}"); ogr_rss_med=$(median "${ogr_rss[@]}")
echo
echo "| tool | median features/s | median peak RSS MB | ratio citypipe / ogr2ogr (features/s) | ratio (peak RSS) |"
echo "|---|---:|---:|---:|---:|"
printf "| ogr2ogr | %'.0f | %.0f | | |\n" "$ogr_med" "$(echo "$ogr_rss_med / 1024" | bc -l)"
printf "| citypipe | %'.0f | %.0f | %.2f | %.2f |\n" "$cp_med" "$(echo "$cp_rss_med / 1024" | bc -l)" \
  "$(echo "$cp_med / $ogr_med" | bc -l)" "$(echo "$cp_rss_med / $ogr_rss_med" | bc -l)"

# The same features? Rows per SRID and the set of WKB hashes, staging.land against the ogr2ogr tables (the last
# round's loads of both are in place).
echo
echo "| EPSG | staging.land rows | ogr2ogr rows | geometries identical (WKB) |"
echo "|---:|---:|---:|---|"
hashes="md5(string_agg(md5(ST_AsEWKB(geom)), '' ORDER BY md5(ST_AsEWKB(geom))))"
for c in "${collections[@]}"; do
  code=${srid[$c]}
  read -r ours our_hash <<<"$(gsql "SELECT count(*), $hashes FROM staging.land WHERE ST_SRID(geom) = $code" | tr '|' ' ')"
  read -r theirs their_hash <<<"$(gsql "SELECT count(*), $hashes FROM bench_ogr.parcels_$code" | tr '|' ' ')"
  printf "| %s | %'d | %'d | %s |\n" "$code" "$ours" "$theirs" "$([[ "$our_hash" == "$their_hash" ]] && echo yes || echo no)"
done
other=$(gsql "SELECT count(*) FROM staging.land WHERE geom IS NULL OR ST_SRID(geom) NOT IN (9209, 9214)")
((other == 0)) || echo "geo bench: staging.land has $other rows without a geometry or in another SRID" >&2

# Flat RSS: the same load at GEO_FLAT_SCALE.
stop_sim
full_rss=$cp_rss_med
start_sim "$flat_scale"
result=$(citypipe_load) || exit 1
read -r wall rss _ _ _ rows <<<"$result"
echo
echo "| scale | rows loaded | wall s | rows/s | citypipe peak RSS MB |"
echo "|---:|---:|---:|---:|---:|"
printf "| %s | %'d | %.2f | %'.0f | %.0f |\n" "$flat_scale" "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
printf "| %s | %'d | | | %.0f (median of %d rounds) |\n" "$scale" "$features" "$(echo "$full_rss / 1024" | bc -l)" "$reps"
ratio=$(echo "scale=2; $full_rss / $rss" | bc)
echo
verdict="NOT flat: > 1.25"; (($(echo "$ratio <= 1.25" | bc))) && verdict="flat: ≤ 1.25"
printf "flat RSS: peak at scale %s / scale %s = %.2f (%s)\n" "$scale" "$flat_scale" "$ratio" "$verdict"
stop_sim
sql "DROP SCHEMA IF EXISTS bench_ogr CASCADE"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
