#!/usr/bin/env bash
# Nightly benchmark: the whole nightly pipeline (`citypipe run nightly`: Pipelines/nightly.yaml, every feed of
# Connectors/ into staging, then the normalisation and the SQL models) against the simulator, a first load and
# then the next night after a day's changes, at each scale. Per scale:
#
#   1. A fresh database: its own CITYPIPE_HOME (an embedded cluster made by `citypipe db up`, then
#      `citypipe db migrate`), and `citypipe simulate --port 0 --seed 7 --scale SCALE --prerender` (SIM_ARGS are
#      added, e.g. SIM_ARGS='--air-days 30'). The manifests are copied to a temporary folder without their
#      `rate_limit` lines (a courtesy to the real sources; against the simulator the benchmark measures the engine).
#   2. The first night: `citypipe run nightly --connectors TMP --log-file EVENTS` after a CHECKPOINT.
#   3. The change: POST /_sim/advance?changed=N&added=M&removed=K&months=J to the simulator, with N = CHANGED_PCT
#      (0.4) % of its people, M = ADDED_PCT (0.05) % of them, K = REMOVED_PCT (1) % of its enterprises (counts from
#      GET /_sim/state), J = MONTHS (1), then ADVANCE_EXTRA appended verbatim. An advance gives N people a new
#      version (new phone and address), M new people, K enterprises gone from the business snapshot, J more months
#      of insurance exports and health claims (January 2026 first), one more day of air-quality observations and
#      some health-facility edits (the simulator's clock moves one day). MONTHS=0 makes a night without a new month
#      (29 nights in 30).
#   4. The incremental night: the same command, after `VACUUM (ANALYZE)` and a CHECKPOINT (what autovacuum and the
#      checkpointer would have done in the day between two nights; SETTLE=0 skips the VACUUM).
#   Each night: wall seconds, peak RSS (max resident) and CPU (user + system) of the citypipe process from
#   /usr/bin/time; the PostgreSQL cluster's CPU (the postmaster's process tree, reaped backends included:
#   tree_ticks of Benchmarks/lib/proc.sh) and the simulator's, around the run; rows read from the sources, rows
#   written by the run (staged, i.e. new or changed, plus soft-deleted: citypipe.feed_runs of the run); and after
#   the run the rows held in staging.*, core.* (the core.clean_* copies and the models) and integrated.* (exact
#   counts of every table).
#   5. Where the time goes, from the run's event log (--log-file, JSON lines with ts/event): the seconds of each
#      step of the pipeline (an ingest step ends at its last feed's end, the next step starts there; the run's
#      start-up is in the first step), and inside the transform step the normalise phase (up to transform.started)
#      and the SQL models (after it; they build `concurrency` at a time, so the sum of the models' seconds is also
#      given), and each night's ten slowest models (model.succeeded events; "(early)": built before the transform
#      step, its inputs normalised beside the loads).
# Printed: the machine line, then three markdown tables (one row per scale and night; the steps; the slowest
# models), then the change each scale got. The database of each scale is stopped (`citypipe db down`) when its
# scale is done, unless KEEP=1; the simulator is always stopped. Everything shares the two cores: citypipe,
# PostgreSQL and the simulator (its CPU is given for that reason).
#
# Usage: Benchmarks/nightly/run.sh [SCALE...]   (default: 1 2.6)
#   CITYPIPE_BIN=path skips the release build (figures of a debug build are not comparable: say which was used);
#   CITYPIPE_HOME is a prefix: each scale gets its own home PREFIX-SCALE (default /tmp/citypipe-bench-nightly-UID);
#   a home left by an earlier run of this script (it holds a .bench-nightly file) is deleted and made again, any
#   other existing folder is refused;
#   KEEP=1 leaves each scale's database up at the end (else `db down`; the homes stay until the next run);
#   SKIP_FIRST=1 reuses the loaded home of each scale (left by an earlier run of this script): no fresh database
#   and no first night; the simulator replays the advances that home has seen (recorded in its .bench-nightly
#   file) on the port it had (when free), so that it serves what the database last loaded, and is asked once for
#   the ward layer and each insurance month staged (so that it has made its geographic feeds and knows the files'
#   tags, as after a first night), then the change and the incremental night;
#   FIRST_ONLY=1 stops each scale after its first night: a copy of the home made then (`db down`, `cp -a`) can be put
#   back before each of several SKIP_FIRST=1 runs, so that they all measure the same incremental night;
#   EVENTS_DIR=dir keeps each night's event log there (events-SCALE-NIGHT.jsonl);
#   CHANGED_PCT=0.4 ADDED_PCT=0.05 REMOVED_PCT=1 MONTHS=1 ADVANCE_EXTRA='' (see 3.); SETTLE=1; SIM_ARGS='';
#   STATEMENT_CPU=1 samples the server's processes every 0.1 s during each night and prints, per night, the CPU
#   seconds of its 25 costliest statements (Benchmarks/nightly/statement_cpu.py; the sampling itself costs a
#   backend's worth of CPU, about 1 % of the night, so its nights are not the ones to quote for wall time).
# Exit status: 0; 1 on a setup failure; 2 when a night had failed feeds (its rows are printed and marked).
set -euo pipefail
caller_pwd=$PWD
cd "$(dirname "$0")/../.."
scales=("$@"); ((${#scales[@]})) || scales=(1 2.6)
python=/usr/bin/python3  # Debian's: json and /proc only
seed=7

# BEGIN functions (no side effects when defined)

# tree_ticks: Benchmarks/lib/proc.sh
source Benchmarks/lib/proc.sh  # the script runs from the repository root (cd above)

die() { echo "nightly bench: $*" >&2; exit 1; }
note() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
sql() { psql "$url" -qAtX -v ON_ERROR_STOP=1 -c "SET client_min_messages TO warning" -c "$1"; }
pct() { awk -v n="$1" -v p="$2" 'BEGIN { printf "%d", n * p / 100 + 0.5 }'; }  # round(n × p %)

start_sim() {  # scale port (0: any free one)
  rm -f "$work/sim.out"
  # shellcheck disable=SC2086  # SIM_ARGS is a list of words
  "$bin" simulate --port "$2" --seed "$seed" --scale "$1" --prerender ${SIM_ARGS:-} >"$work/sim.out" 2>"$work/sim.err" & sim=$!
  for _ in $(seq 1 6000); do  # 10 minutes: prerendering the largest scales takes a while
    grep -q '^# serving' "$work/sim.out" 2>/dev/null && break
    kill -0 "$sim" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^# serving' "$work/sim.out" || { echo "nightly bench: the simulator did not start:" >&2; tail -5 "$work/sim.err" >&2; return 1; }
  eval "$(grep '^export ' "$work/sim.out")"
  sim_url=$(sed -n 's/^# serving on //p' "$work/sim.out")
  sim_port=${sim_url##*:}
}
stop_sim() { [[ -z "$sim" ]] || { kill -TERM "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; sim=''; }; }
sim_state() { curl -fsS "$sim_url/_sim/state" | "$python" -c "import json, sys; s = json.load(sys.stdin); print(s['generation'], s['people'], s['enterprises'])"; }
advance() {  # query string (changed=…&added=…&removed=…[extra]) → prints the new generation
  curl -fsS -X POST "$sim_url/_sim/advance?$1" | "$python" -c "import json, sys; print(json.load(sys.stdin)['generation'])"
}

# Exact row counts after a night: "staging core integrated".
table_rows() {
  sql "SELECT coalesce(sum(rows) FILTER (WHERE schema = 'staging'), 0), coalesce(sum(rows) FILTER (WHERE schema = 'core'), 0),
              coalesce(sum(rows) FILTER (WHERE schema = 'integrated'), 0)
       FROM (SELECT n.nspname AS schema,
                    (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),
                                                         false, true, '')))[1]::text::bigint AS rows
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname IN ('staging', 'core', 'integrated') AND c.relkind IN ('r', 'p') AND NOT c.relispartition) t" | tr '|' ' '
}

# STATEMENT_CPU=1: every server process's CPU ticks (/proc/PID/stat, read by the server: the embedded cluster's user
# is a superuser) and statement (pg_stat_activity) every 0.1 s during the night, into FILE. Runs until killed.
start_sampler() {
  psql "$url" -qAtX -F $'\x1f' -R $'\x1e' >"$1" 2>/dev/null <<'SQL' &
SELECT extract(epoch FROM clock_timestamp()), a.pid, coalesce(a.leader_pid, 0), coalesce(a.backend_type, ''),
       coalesce(a.state, ''), replace(left(coalesce(a.query, ''), 150), E'\n', ' '),
       coalesce(split_part(pg_read_file('/proc/' || a.pid || '/stat', 0, 1000, true), ') ', 2), '')
FROM pg_stat_activity AS a WHERE a.pid <> pg_backend_pid()
\watch 0.1
SQL
}

# The server's CPU seconds of the night per statement (Benchmarks/nightly/statement_cpu.py), into
# $work/statement-cpu-SCALE-NIGHT.md, from the samples of start_sampler between the night's first and last event.
statement_cpu() {
  local window
  window=$("$python" -c "import json, sys, datetime
ts = [datetime.datetime.fromisoformat(json.loads(l)['ts'].replace('Z', '+00:00')).timestamp() for l in open(sys.argv[1])]
print(min(ts), max(ts))" "$3")
  # shellcheck disable=SC2086  # two numbers
  "$python" Benchmarks/nightly/statement_cpu.py "$work/samples-$1-$2" $window 25 >"$work/statement-cpu-$1-$2.md"
}

# One night: `citypipe run nightly`, measured; appends a line to $work/nights.tsv. Args: scale night.
night() {
  local scale=$1 label=$2 events="$work/events-$1-$2.jsonl" rc=0 p0 p1 s0 s1 wall rss user sys run_id feeds staged core integrated failed
  sql "CHECKPOINT"
  note "scale $scale: $label night"
  local sampler=''
  if [[ ${STATEMENT_CPU:-0} == 1 ]]; then start_sampler "$work/samples-$scale-$label"; sampler=$!; fi
  p0=$(tree_ticks "$pg_pid"); s0=$(tree_ticks "$sim")
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" \
    "$bin" run nightly --connectors "$work/connectors" --log-file "$events" >"$work/run.out" 2>"$work/run.err" || rc=$?
  sleep 0.5  # the run's backends reaped by the postmaster
  p1=$(tree_ticks "$pg_pid"); s1=$(tree_ticks "$sim")
  if [[ -n $sampler ]]; then
    kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
    statement_cpu "$scale" "$label" "$events"
  fi
  read -r wall rss user sys < <(tail -1 "$work/time")
  failed=''
  if ((rc != 0)); then
    failed=$(tr '\t\n' '  ' <"$work/run.err" | cut -c1-300)
    echo "nightly bench: scale $scale, $label night: citypipe run exited $rc:" >&2; tail -5 "$work/run.err" >&2
    status=2
    ((rc == 2)) || exit 1  # nothing ran (exit 1): no figures
  fi
  run_id=$("$python" -c "import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e['event'] == 'run.started': print(e['run_id']); break" "$events")
  feeds=$(sql "SELECT coalesce(sum(rows_in), 0), coalesce(sum(rows_staged), 0), coalesce(sum(rows_deleted), 0)
               FROM citypipe.feed_runs WHERE run_id = $run_id" | tr '|' ' ')
  read -r staged core integrated < <(table_rows)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scale" "$label" "$events" "$wall" "$rss" \
    "$(echo "$user + $sys" | bc)" "$(echo "scale=2; ($p1 - $p0) / $ticks" | bc)" "$(echo "scale=2; ($s1 - $s0) / $ticks" | bc)" \
    $feeds "$staged" "$core" "$integrated" "$failed" >>"$work/nights.tsv"
  note "scale $scale: $label night: ${wall} s (exit $rc)"
}

# The tables, from $work/nights.tsv and the event logs it names. Args: the pipeline file.
report() {
  "$python" - "$work/nights.tsv" "$1" <<'EOF'
import datetime, json, re, sys
nights = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
steps = re.findall(r"^\s*-\s*name:\s*([\w.-]+)", open(sys.argv[2]).read().split("\nsteps:", 1)[-1], re.M)
def ts(e): return datetime.datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))
def n(x): return f"{int(x):,}"
def analyse(path):
    ev = [json.loads(l) for l in open(path) if l.strip()]
    start = next(ts(e) for e in ev if e["event"] == "run.started")
    finished = [ts(e) for e in ev if e["event"] == "run.finished"]
    end = finished[-1] if finished else ts(ev[-1])
    ingest_end, ingest_start = {}, {}
    for e in ev:
        if e["event"].startswith("feed.") and "step" in e:
            s = e["step"]
            if e["event"] == "feed.started": ingest_start[s] = min(ingest_start.get(s, ts(e)), ts(e))
            ingest_end[s] = max(ingest_end.get(s, ts(e)), ts(e))
    out, boundary, transform = {}, start, None
    for i, s in enumerate(steps):
        if s in ingest_end:
            out[s] = (ingest_end[s] - boundary).total_seconds(); boundary = ingest_end[s]
        else:  # a transform step: up to the next ingest step's first feed, or to the run's end
            later = [ingest_start[t] for t in steps[i + 1:] if t in ingest_start]
            stop = later[0] if later else end
            out[s] = (stop - boundary).total_seconds(); transform = (boundary, stop); boundary = stop
    started = [ts(e) for e in ev if e["event"] == "transform.started"]
    models = [e for e in ev if e["event"].startswith("model.")]
    normalise = (started[0] - transform[0]).total_seconds() if transform and started else 0.0
    model_wall = (max(ts(e) for e in models) - started[0]).total_seconds() if models and started else 0.0
    model_sum = sum(e.get("seconds", 0) for e in models)
    # A model built before the transform step (its inputs normalised early) is marked so in the list.
    for e in models: e["early"] = bool(started) and ts(e) < started[0]
    top = sorted((e for e in ev if e["event"] == "model.succeeded"), key=lambda e: -e["seconds"])[:10]
    failed_models = [e["model"] for e in models if e["event"] != "model.succeeded"]
    return dict(run=(end - start).total_seconds(), steps=out, normalise=normalise, model_wall=model_wall,
                model_sum=model_sum, top=top, failed_models=failed_models)

rows = []
for (scale, night, events, wall, rss, cpu, pg, simcpu, rows_in, staged_run, deleted, staging, core, integ, failed) in nights:
    rows.append(dict(scale=scale, night=night, a=analyse(events), wall=float(wall), rss=int(rss) / 1024, cpu=float(cpu),
                     pg=float(pg), sim=float(simcpu), rows_in=int(rows_in), written=int(staged_run) + int(deleted),
                     staging=int(staging), core=int(core), integ=int(integ), failed=failed))

print("| scale | night | wall s | rows read | rows written | staging rows | core rows | integrated rows | peak RSS MB | CityPipe CPU s | PostgreSQL CPU s | simulator CPU s |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    mark = " ⚠ failed feeds" if r["failed"] else ""
    print(f"| {r['scale']} | {r['night']}{mark} | {r['wall']:.1f} | {n(r['rows_in'])} | {n(r['written'])} | {n(r['staging'])} | "
          f"{n(r['core'])} | {n(r['integ'])} | {r['rss']:.0f} | {r['cpu']:.1f} | {r['pg']:.1f} | {r['sim']:.1f} |")
print()
print("Seconds per step of the run (share of the run's time), from its event log; the transform step split into the")
print("normalise phase and the SQL models (wall; Σ = the models' own seconds added up, several build at once):")
print()
print("| scale | night | run s | " + " | ".join(steps) + " | ↳ normalise | ↳ models | ↳ Σ models |")
print("|---:|---|---:|" + "---:|" * len(steps) + "---:|---:|---:|")
for r in rows:
    a = r["a"]; run = a["run"] or 1
    cells = [f"{a['steps'][s]:.1f} ({100 * a['steps'][s] / run:.0f} %)" if s in a["steps"] else "–" for s in steps]
    print(f"| {r['scale']} | {r['night']} | {a['run']:.1f} | " + " | ".join(cells)
          + f" | {a['normalise']:.1f} ({100 * a['normalise'] / run:.0f} %) | {a['model_wall']:.1f} ({100 * a['model_wall'] / run:.0f} %) | {a['model_sum']:.1f} |")
for scale in dict.fromkeys(r["scale"] for r in rows):
    these = [r for r in rows if r["scale"] == scale]
    print()
    print(f"The ten slowest models at scale {scale} (seconds, rows built):")
    print()
    print("| # | " + " | ".join(f"{r['night']} night | s | rows" for r in these) + " |")
    print("|---:|" + "---|---:|---:|" * len(these))
    for i in range(max(len(r["a"]["top"]) for r in these)):
        cells = []
        for r in these:
            t = r["a"]["top"]
            cells.append(f"{t[i]['model']}{' (early)' if t[i].get('early') else ''} | {t[i]['seconds']:.2f} | {n(t[i]['rows'])}" if i < len(t) else " | | ")
        print(f"| {i + 1} | " + " | ".join(cells) + " |")
    for r in these:
        if r["a"]["failed_models"]: print(f"\n{r['night']} night: models not built: {', '.join(r['a']['failed_models'])}")
for r in rows:
    if r["failed"]: print(f"\nScale {r['scale']}, {r['night']} night: failed feeds: {r['failed']}")
EOF
}

# END functions

if [[ -z "${CITYPIPE_BIN:-}" ]]; then
  # One Swift build at a time on a shared machine: every build takes the same lock.
  flock -o /tmp/citypipe-swift-build.lock swift build -c release --product citypipe >/dev/null
  bin=$PWD/.build/release/citypipe
else
  bin=$CITYPIPE_BIN
  [[ $bin == /* ]] || bin=$caller_pwd/$bin
fi
[[ -x $bin ]] || die "no $bin"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing: apt-get install time"
[[ -f Pipelines/nightly.yaml ]] || die "Pipelines/nightly.yaml is missing"
prefix=${CITYPIPE_HOME:-/tmp/citypipe-bench-nightly-$(id -u)}
ticks=$(getconf CLK_TCK)
started=$(date -u +%Y-%m-%dT%H:%MZ); load=$(cut -d" " -f1-3 /proc/loadavg)  # a shared machine: say how busy it was
status=0
work=$(mktemp -d); chmod 755 "$work"
sim=''; up_home=''
cleanup() {
  stop_sim
  if [[ -n $up_home && ${KEEP:-0} != 1 ]]; then CITYPIPE_HOME=$up_home "$bin" db down >/dev/null 2>&1 || true; fi
  if [[ -n ${EVENTS_DIR:-} ]]; then
    mkdir -p "$EVENTS_DIR" && cp "$work"/events-*.jsonl "$EVENTS_DIR"/ 2>/dev/null || true
    cp "$work"/statement-cpu-*.md "$EVENTS_DIR"/ 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/connectors"
for f in Connectors/*.yaml; do grep -v '^rate_limit:' "$f" >"$work/connectors/${f##*/}"; done
: >"$work/nights.tsv"; : >"$work/changes.md"

for scale in "${scales[@]}"; do
  export CITYPIPE_HOME=$prefix-$scale
  marker=$CITYPIPE_HOME/.bench-nightly
  if [[ ${SKIP_FIRST:-0} == 1 ]]; then
    [[ -f $marker ]] || die "SKIP_FIRST=1: $CITYPIPE_HOME was not loaded by this script (no $marker)"
    grep -qxF "seed=$seed scale=$scale" "$marker" || die "SKIP_FIRST=1: $marker is for another seed or scale: $(head -1 "$marker")"
  else
    if [[ -e $CITYPIPE_HOME ]]; then
      [[ -f $marker ]] || die "$CITYPIPE_HOME exists and is not this benchmark's (no $marker): remove it or set CITYPIPE_HOME"
      "$bin" db down >/dev/null 2>&1 || true
      rm -rf "$CITYPIPE_HOME"
    fi
    mkdir -p "$CITYPIPE_HOME" && chmod 755 "$CITYPIPE_HOME"  # the postgres user enters it when run as root
    echo "seed=$seed scale=$scale" >"$marker"
  fi
  note "scale $scale: database under $CITYPIPE_HOME"
  "$bin" db up >/dev/null
  up_home=$CITYPIPE_HOME
  "$bin" db migrate >/dev/null
  url=$("$bin" db url)
  pg_pid=$(head -1 "$CITYPIPE_HOME/pg/data/postmaster.pid")
  note "scale $scale: starting the simulator"
  if [[ ${SKIP_FIRST:-0} == 1 ]]; then
    # The same port as before if it is free: air_quality and air_quality_stations keep the source's links (which
    # name the port) in staging._extra, so on another port their re-read rows would all count as changed.
    port=$(sed -n 's/^port //p' "$marker" | tail -1)
    if ! { [[ -n $port ]] && start_sim "$scale" "$port" 2>/dev/null; }; then
      stop_sim
      note "scale $scale: WARNING: the simulator could not have port ${port:-?} again: the air feeds' re-read rows will count as changed"
      start_sim "$scale" 0 || exit 1
    fi
  else
    start_sim "$scale" 0 || exit 1
  fi
  echo "port $sim_port" >>"$marker"
  if [[ ${SKIP_FIRST:-0} == 1 ]]; then
    while read -r query; do
      note "scale $scale: replaying advance $query → generation $(advance "$query")"
    done < <(sed -n 's/^advance //p' "$marker")
    # What a first night had made in the simulator, made before this night: its geographic feeds (ward shapes,
    # land parcels; made on first use) and its insurance files (it answers If-None-Match from the tags of the files
    # it made; each month staged is fetched once).
    curl -fsS -o /dev/null "$CITYPIPE_ADMIN_BOUNDARIES_URL/ogc/collections/ranh-gioi-xa/items?limit=1" || die "could not read the ward layer"
    for period in $(sql "SELECT DISTINCT to_char(period, 'YYYY-MM') FROM staging.insurance ORDER BY 1"); do
      curl -fsS -o /dev/null -u "$CITYPIPE_INSURANCE_USER:$CITYPIPE_INSURANCE_PASSWORD" \
        "$CITYPIPE_INSURANCE_URL/exports/participants.csv.gz?period=$period" || die "could not fetch the insurance export of $period"
    done
  else
    night "$scale" first
  fi
  if [[ ${FIRST_ONLY:-0} == 1 ]]; then
    stop_sim
    if [[ ${KEEP:-0} != 1 ]]; then "$bin" db down >/dev/null; up_home=''; fi
    continue
  fi
  read -r generation people enterprises < <(sim_state)
  changed=$(pct "$people" "${CHANGED_PCT:-0.4}"); added=$(pct "$people" "${ADDED_PCT:-0.05}")
  removed=$(pct "$enterprises" "${REMOVED_PCT:-1}")
  query="changed=$changed&added=$added&removed=$removed&months=${MONTHS:-1}${ADVANCE_EXTRA:-}"
  generation=$(advance "$query")
  echo "advance $query" >>"$marker"
  echo "- scale $scale: $people people, $enterprises enterprises; POST /_sim/advance?$query → generation $generation" >>"$work/changes.md"
  note "scale $scale: advanced ($query) to generation $generation"
  if [[ ${SETTLE:-1} != 0 ]]; then note "scale $scale: VACUUM (ANALYZE)"; sql "VACUUM (ANALYZE)"; fi
  night "$scale" incremental
  stop_sim
  if [[ ${KEEP:-0} != 1 ]]; then "$bin" db down >/dev/null; up_home=''; fi
done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $started (load average before: $load); $("$bin" --version) at $bin"
echo
report Pipelines/nightly.yaml
echo
echo "The change before each incremental night (seed $seed):"
echo
cat "$work/changes.md"
if [[ ${STATEMENT_CPU:-0} == 1 ]]; then
  for f in "$work"/statement-cpu-*.md; do
    [[ -e $f ]] || continue
    name=${f##*/statement-cpu-}; name=${name%.md}
    echo
    echo "The server's CPU per statement, scale ${name%%-*}, ${name#*-} night (sampled every 0.1 s; STATEMENT_CPU=1):"
    echo
    cat "$f"
  done
fi
[[ ${KEEP:-0} != 1 ]] || echo "(KEEP=1: the databases are up under $prefix-SCALE)"
exit "$status"
