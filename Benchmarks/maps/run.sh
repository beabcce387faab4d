#!/usr/bin/env bash
# Maps benchmark (issue 12): CityPipe's OGC API – Features and Tiles (`citypipe serve`, /ogc) against tipg 1.6.1
# (PyPI, under uvicorn), both reading the same PostGIS table, integrated.commune_profile (99 wards, MultiPolygon
# `geom` in EPSG:4326, unique key ward_code), in the scale-1 database of the API benchmark (Benchmarks/api/run.sh
# loads it once into CITYPIPE_HOME; this script only reads it).
# wrk on loopback (8 connections, WRK_THREADS threads, WRK_SECONDS s, --latency), for each server in turn:
#   1. one feature by id     CityPipe /ogc/collections/commune_profile/items/{ward_code}
#                            tipg     /collections/integrated.commune_profile/items/{ward_code}
#   2. ten features          …/items?limit=10 on both
#   3. a vector tile, z12 over the provincial capital (21.1861 N, 106.0763 E: row 1801, column 3254)
#                            CityPipe …/tiles/WebMercatorQuad/12/1801/3254   (OGC order z/row/col)
#                            tipg     …/tiles/WebMercatorQuad/12/3254/1801   (tipg's order z/x/y)
# tipg runs twice: with one uvicorn worker (its default) and with two (one per core of this machine). It gets its
# best case: uvicorn[standard] (uvloop, httptools), no access log, a catalogue TTL longer than the run. CityPipe
# runs as shipped (release binary, access log to a file, its default pool of 8 connections).
# Before measuring, the script fetches each answer once from each server and checks that they are comparable: the
# same feature ids, the same geometries (GeoJSON coordinates equal), the same properties, both tiles decoded
# (layer, features, keys). It prints the sizes, then per measure requests/s, p50, p99, and the CPU seconds per
# 1,000 requests of the server process(es) and of the PostgreSQL cluster (all its processes, from /proc).
#
# Usage: Benchmarks/maps/run.sh
#   CITYPIPE_BIN=path skips the release build; WRK_SECONDS=12, WRK_THREADS=2;
#   CITYPIPE_BENCH_VENV (default /opt/citypipe-bench-venv): tipg's virtualenv, created here when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${WRK_SECONDS:-12}
threads=${WRK_THREADS:-2}
if [[ -z "${CITYPIPE_BIN:-}" ]]; then
  # One Swift build at a time on a shared machine: every build takes the same lock.
  flock -o /tmp/citypipe-swift-build.lock swift build -c release --product citypipe >/dev/null
  bin=$PWD/.build/release/citypipe
else
  bin=$CITYPIPE_BIN
fi
command -v wrk >/dev/null || { echo "maps bench: wrk is missing: BOOTSTRAP_BENCHMARKS=1 scripts/bootstrap" >&2; exit 1; }
python=/usr/bin/python3  # Debian's, as scripts/bootstrap uses: a pyenv python3 may lack venv

# tipg's virtualenv, pinned (tipg's own dependencies resolve from these).
venv=${CITYPIPE_BENCH_VENV:-/opt/citypipe-bench-venv}
tipg_packages=("tipg==1.6.1" "uvicorn[standard]==0.55.0")
if ! compgen -G "$venv/lib/python3*/site-packages/tipg-1.6.1.dist-info" >/dev/null || [[ ! -x "$venv/bin/uvicorn" ]]; then
  echo "maps bench: creating tipg's virtualenv in $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet "${tipg_packages[@]}"
fi

export CITYPIPE_HOME=${CITYPIPE_HOME:-/tmp/citypipe-bench-api-$(id -u)}
[[ -f "$CITYPIPE_HOME/loaded-scale-1" ]] || { echo "maps bench: no scale-1 database in $CITYPIPE_HOME: run Benchmarks/api/run.sh once (it loads it)" >&2; exit 1; }
cluster_was_up=0
"$bin" db status 2>/dev/null | grep -q '^embedded cluster: running' && cluster_was_up=1
"$bin" db up >/dev/null
work=$(mktemp -d); chmod 755 "$work"
serve='' tipg1='' tipg2='' token_name=''
stop() {  # SIGTERM, then wait for the process and its children (uvicorn's workers)
  [[ -n "$1" ]] || return 0
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  stop "$serve"; stop "$tipg1"; stop "$tipg2"
  [[ -z "$token_name" ]] || "$bin" token revoke "$token_name" >/dev/null 2>&1 || true
  ((cluster_was_up)) || "$bin" db down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
sql() { "$bin" db psql -AtX -c "$1"; }

wards=$(sql "SELECT count(*) FROM integrated.commune_profile WHERE geom IS NOT NULL")
ward=$(sql "SELECT ward_code FROM integrated.commune_profile ORDER BY ward_code LIMIT 1")
pg_pid=$(head -1 "$CITYPIPE_HOME/pg/data/postmaster.pid")

# CityPipe, as a viewer (the token lives as long as the run; never printed).
token_name="bench-maps-$(date +%s)-$$"
token=$("$bin" token create --role viewer --name "$token_name" --expires 1h)
"$bin" serve --port 0 >"$work/serve.out" 2>"$work/serve.log" & serve=$!
for _ in $(seq 1 600); do grep -q '^# serving' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
cp_base=$(sed -n 's/^# serving on //p' "$work/serve.out")
[[ -n "$cp_base" ]] || { echo "maps bench: citypipe serve did not start:" >&2; tail -5 "$work/serve.log" >&2; exit 1; }

# tipg on the same database, over TCP (the URL carries the cluster's password: kept in the environment only).
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_tipg() {  # workers, port
  DATABASE_URL=$("$bin" db url --tcp) \
  TIPG_DB_SCHEMAS='["integrated"]' TIPG_DB_TABLES='["integrated.commune_profile"]' \
  TIPG_TABLE_CONFIG__integrated_commune_profile__pk=ward_code \
  TIPG_TABLE_CONFIG__integrated_commune_profile__geomcol=geom \
  TIPG_CATALOG_TTL=3600 \
    "$venv/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$2" --workers "$1" --no-access-log \
      --log-level warning >"$work/tipg$1.log" 2>&1 &
}
port1=$(free_port); start_tipg 1 "$port1"; tipg1=$!
port2=$(free_port); start_tipg 2 "$port2"; tipg2=$!
for port in "$port1" "$port2"; do
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/collections/integrated.commune_profile" >/dev/null \
    || { echo "maps bench: tipg on port $port does not serve integrated.commune_profile:" >&2; tail -20 "$work"/tipg*.log >&2; exit 1; }
done
tp_base=http://127.0.0.1:$port1

cp_coll=/ogc/collections/commune_profile
tp_coll=/collections/integrated.commune_profile
declare -A cp_path tp_path
cp_path[feature]=$cp_coll/items/$ward     tp_path[feature]=$tp_coll/items/$ward
cp_path[ten]="$cp_coll/items?limit=10"    tp_path[ten]="$tp_coll/items?limit=10"
cp_path[tile]=$cp_coll/tiles/WebMercatorQuad/12/1801/3254
tp_path[tile]=$tp_coll/tiles/WebMercatorQuad/12/3254/1801
measures=(feature ten tile)
declare -A label=([feature]="one feature by id ($ward)" [ten]="ten features (limit=10)" [tile]="vector tile z12/1801/3254")

# Fetch each answer once from each server (status, type, size), then compare them.
declare -A size ctype status
for m in "${measures[@]}"; do
  read -r status[cp,$m] size[cp,$m] ctype[cp,$m] < <(curl -s -o "$work/cp.$m" -w '%{http_code} %{size_download} %{content_type}\n' \
    -H "Authorization: Bearer $token" "$cp_base${cp_path[$m]}")
  read -r status[tp,$m] size[tp,$m] ctype[tp,$m] < <(curl -s -o "$work/tp.$m" -w '%{http_code} %{size_download} %{content_type}\n' \
    "$tp_base${tp_path[$m]}")
  for s in cp tp; do
    [[ ${status[$s,$m]} == 200 ]] || { echo "maps bench: $s ${label[$m]}: HTTP ${status[$s,$m]}" >&2; head -c 500 "$work/$s.$m" >&2; exit 1; }
  done
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "citypipe: $bin ($("$bin" --version 2>/dev/null || echo '?')); tipg $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("tipg"), "uvicorn", m.version("uvicorn"), "uvloop", m.version("uvloop"))')"
echo "integrated.commune_profile: $wards wards with geometry; wrk $threads threads, 8 connections, $seconds s, loopback"
echo
echo "checks (each answer fetched once from each server):"
"$python" - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
def load(s, m): return open(f"{work}/{s}.{m}", "rb").read()
def ok(cond, what):
    print(f"  {'ok  ' if cond else 'FAIL'} {what}")
    if not cond: ok.failed = True
ok.failed = False
def vertices(g):
    def count(c): return 1 if isinstance(c[0], (int, float)) else sum(count(x) for x in c)
    return count(g["coordinates"])
def same_properties(a, b):  # tipg sends numeric as strings, CityPipe as numbers; CityPipe adds _suppressed (viewer)
    a = {k: v for k, v in a.items() if k != "_suppressed"}
    if set(a) != set(b): return False
    def equal(x, y):
        if x == y: return True
        try: return float(x) == float(y)
        except (TypeError, ValueError): return False
    return all(equal(a[k], b[k]) for k in a)
cf, tf = json.loads(load("cp", "feature")), json.loads(load("tp", "feature"))
ok(cf["id"] == tf["id"], f"one feature: the same id ({cf['id']} / {tf['id']})")
ok(cf["geometry"] == tf["geometry"], f"one feature: the same geometry ({cf['geometry']['type']}, {vertices(cf['geometry'])} / {vertices(tf['geometry'])} vertices)")
ok(same_properties(cf["properties"], tf["properties"]), f"one feature: the same properties ({len(cf['properties'])} / {len(tf['properties'])}, CityPipe adds _suppressed)")
ct, tt = json.loads(load("cp", "ten")), json.loads(load("tp", "ten"))
cids, tids = [f["id"] for f in ct["features"]], [f["id"] for f in tt["features"]]
ok(cids == tids and len(cids) == 10, f"ten features: the same ids in the same order ({cids[0]} … {cids[-1]})")
ok(all(f["geometry"] for f in ct["features"] + tt["features"]), "ten features: every feature carries its geometry on both")
ok([f["geometry"] for f in ct["features"]] == [f["geometry"] for f in tt["features"]],
   f"ten features: the same geometries ({sum(vertices(f['geometry']) for f in ct['features'])} vertices)")
ok(all(same_properties(a["properties"], b["properties"]) for a, b in zip(ct["features"], tt["features"])), "ten features: the same properties")
print(f"       numberMatched {ct.get('numberMatched')} / {tt.get('numberMatched')}, numberReturned {ct.get('numberReturned')} / {tt.get('numberReturned')}")
def varint(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7F) << s; s += 7
        if x < 0x80: return r, i
def fields(b):  # protobuf wire format, enough for MVT
    i = 0
    while i < len(b):
        k, i = varint(b, i); f, t = k >> 3, k & 7
        if t == 0: v, i = varint(b, i)
        elif t == 2: n, i = varint(b, i); v = b[i:i + n]; i += n
        elif t == 1: v = b[i:i + 8]; i += 8
        elif t == 5: v = b[i:i + 4]; i += 4
        else: raise ValueError(f"wire type {t}")
        yield f, v
def tile(b):
    layers = []
    for f, layer in fields(b):
        if f != 3: continue
        d = {"name": "", "features": 0, "keys": 0, "extent": 4096}
        for lf, v in fields(layer):
            if lf == 1: d["name"] = v.decode()
            elif lf == 2: d["features"] += 1
            elif lf == 3: d["keys"] += 1
            elif lf == 5: d["extent"] = v
        layers.append(d)
    return layers
cl, tl = tile(load("cp", "tile")), tile(load("tp", "tile"))
describe = lambda ls: "; ".join(f"layer {l['name']}: {l['features']} features, {l['keys']} property keys, extent {l['extent']}" for l in ls)
ok(len(cl) == 1 and len(tl) == 1 and cl[0]["features"] > 0 and tl[0]["features"] > 0, "tile: one layer with features on both")
print(f"       CityPipe {describe(cl)}\n       tipg     {describe(tl)}")
sys.exit(1 if ok.failed else 0)
EOF
echo
echo "| measure | CityPipe bytes | tipg bytes |"
echo "|---|---:|---:|"
for m in "${measures[@]}"; do
  printf "| %s | %'d (%s) | %'d (%s) |\n" "${label[$m]}" "${size[cp,$m]}" "${ctype[cp,$m]}" "${size[tp,$m]}" "${ctype[tp,$m]}"
done

# CPU seconds (user + system) of a process and its descendants, and of the PostgreSQL cluster.
ticks=$(getconf CLK_TCK)
tree_ticks() {  # root pid: sum of utime+stime of the processes whose ancestry reaches root (the living ones)
  "$python" - "$1" <<'EOF'
import os, sys
root = int(sys.argv[1]); parent = {}; cpu = {}
for p in os.listdir("/proc"):
    if not p.isdigit(): continue
    try: st = open(f"/proc/{p}/stat").read()
    except OSError: continue
    rest = st[st.rindex(")") + 2:].split()
    parent[int(p)] = int(rest[1]); cpu[int(p)] = int(rest[11]) + int(rest[12])
def under(p):
    while p > 1:
        if p == root: return True
        p = parent.get(p, 0)
    return False
print(sum(c for p, c in cpu.items() if under(p)))
EOF
}
ms() { awk '{v = $1; if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000}' <<<"$1"; }
declare -A rps p50 p99 cpu_srv cpu_pg load
bench() {  # key, server pid, url, [auth header]
  local key=$1 pid=$2 url=$3 auth=()
  [[ -z "${4:-}" ]] || auth=(-H "$4")
  wrk -t "$threads" -c 8 -d 2s "${auth[@]}" "$url" >/dev/null  # warm-up, not counted
  local s0 p0 s1 p1
  s0=$(tree_ticks "$pid"); p0=$(tree_ticks "$pg_pid")
  wrk -t "$threads" -c 8 -d "${seconds}s" --latency "${auth[@]}" "$url" >"$work/wrk.$key"
  s1=$(tree_ticks "$pid"); p1=$(tree_ticks "$pg_pid"); load[$key]=$(cut -d' ' -f1 /proc/loadavg)
  local requests errors non2xx
  rps[$key]=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.$key")
  p50[$key]=$(ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.$key")")
  p99[$key]=$(ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.$key")")
  requests=$(awk '/requests in/ {print $1}' "$work/wrk.$key")
  cpu_srv[$key]=$(echo "scale=3; ($s1 - $s0) / $ticks * 1000 / $requests" | bc)
  cpu_pg[$key]=$(echo "scale=3; ($p1 - $p0) / $ticks * 1000 / $requests" | bc)
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk.$key")
  errors=$(awk '/Socket errors:/' "$work/wrk.$key")
  [[ -z "$non2xx" && -z "$errors" ]] || echo "maps bench: $key: ${non2xx:-0} non-2xx responses; $errors" >&2
}
for m in "${measures[@]}"; do
  bench "cp,$m" "$serve" "$cp_base${cp_path[$m]}" "Authorization: Bearer $token"
  bench "tp1,$m" "$tipg1" "http://127.0.0.1:$port1${tp_path[$m]}"
  bench "tp2,$m" "$tipg2" "http://127.0.0.1:$port2${tp_path[$m]}"
done

echo
echo "| measure | server | requests/s | p50 ms | p99 ms | server CPU s / 1,000 req | PostgreSQL CPU s / 1,000 req | load (1 min) after |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
declare -A name=([cp]="CityPipe" [tp1]="tipg, 1 worker" [tp2]="tipg, 2 workers")
for m in "${measures[@]}"; do
  for s in cp tp1 tp2; do
    printf "| %s | %s | %'.0f | %s | %s | %.3f | %.3f | %s |\n" "${label[$m]}" "${name[$s]}" "${rps[$s,$m]}" "${p50[$s,$m]}" "${p99[$s,$m]}" \
      "${cpu_srv[$s,$m]}" "${cpu_pg[$s,$m]}" "${load[$s,$m]}"
  done
done
echo
echo "Target (issue 12): CityPipe ≥ 10× tipg's requests/s, and CityPipe's p99 below tipg's p50."
echo
echo "| measure | against | requests/s ratio | ≥ 10× | CityPipe p99 ms | tipg p50 ms | p99 < p50 |"
echo "|---|---|---:|---|---:|---:|---|"
for m in "${measures[@]}"; do
  for s in tp1 tp2; do
    ratio=$(echo "scale=2; ${rps[cp,$m]} / ${rps[$s,$m]}" | bc)
    met=$(echo "$ratio >= 10" | bc); below=$(echo "${p99[cp,$m]} < ${p50[$s,$m]}" | bc)
    printf "| %s | %s | %.2f | %s | %s | %s | %s |\n" "${label[$m]}" "${name[$s]}" "$ratio" "$( ((met)) && echo yes || echo no)" \
      "${p99[cp,$m]}" "${p50[$s,$m]}" "$( ((below)) && echo yes || echo no)"
  done
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
