#!/usr/bin/env bash
# bench/run.sh -- the transform benchmark: throughput and peak memory of fhir2cdm-transform next
# to the cJSON parse floor (bench/parse_baseline), measured in one run on one machine state.
#
#   1. Release build in build-bench/ (parse_baseline + fhir2cdm-transform only);
#   2. input: bench/gen_data.py replicates ../shared/data/synthea-10 to >= 200 MB in bench/data/,
#      and the first tenth of the same copies in bench/data-tenth/ (both git-ignored, stamped);
#   3. one untimed parse_baseline pass warms the page cache, then REPEAT (3) timed runs each of
#      parse_baseline (over all files, and over only the files of resource types the
#      configuration has tables for, when that is fewer) and of the transformer (default
#      --threads, i.e. the online CPUs) under /usr/bin/time (peak RSS, CPU; the wall time is the
#      shell's clock around the run, to the microsecond); medians;
#   4. REPEAT transformer runs over the tenth, for peak RSS (streaming: must not grow with input);
#   5. the threads matrix (issue 18 item 4), same input bench/data, REPEAT rounds: every round
#      runs each of {samples/config (22 tables), bench/config-light (9 tables: one per main
#      resource type), --view samples/views} x {--format csv, --format parquet} x
#      {--threads 1, --threads 2} once, in that order, so slow drifts of the machine hit every
#      cell alike; medians.  Each round runs the matrix twice when BENCH_MEMDIR (default
#      /dev/shm) is a tmpfs: output on the disk of bench/out (m.*, the figures the targets are
#      judged on: what a user gets), then output in memory (mem.*: the same CPU work without
#      the device's writes and fsyncs, to show how the computation itself scales);
#   6. bench/report.py prints the tables and the issue 18 targets (PASS/MISS: 2 threads >= 1.8x
#      the 1-thread throughput per configuration and format; 1 thread with samples/config >=
#      0.5x the parse-only throughput; peak RSS <= 64 MiB with 2 threads for CSV) and regenerates
#      the <!-- bench:transform --> section of docs/benchmarks.md.  A missed target is reported,
#      never an error.
#
# Every timed run is sequential (one process at a time), and two bench/run.sh of one checkout
# never overlap: the second waits for the first (flock on this script).
#
# Environment (all optional): BENCH_CONFIG (default samples/config), BENCH_CONFIG_LIGHT
# (bench/config-light), BENCH_VIEW (samples/views), BENCH_MB (200), BENCH_REPEAT (3; BENCH_REPEAT=1
# for a quick check, under a minute on the 200 MB input), BENCH_MATRIX=0 to skip step 5,
# BENCH_MEMDIR (a tmpfs for the in-memory matrix, default /dev/shm; empty: disk only),
# BENCH_JOBS (build parallelism, 1), BENCH_BUILD (build folder, build-bench), BENCH_OUT (scratch
# folder, bench/out), BENCH_DOC=0 to skip writing the docs (BENCH_DOC_FILE: another file to
# write the section into, default docs/benchmarks.md); for developing this script only:
# BENCH_SKIP_BUILD=1 with BENCH_BASELINE / BENCH_TRANSFORM paths.
# Exit status: non-zero if the build, the data generation or any measured run fails (also when
# the transformer has no --threads option and the matrix is on); a failing transformer run prints
# its exact stderr and nothing is written to docs/benchmarks.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD=${BENCH_BUILD:-build-bench}
CONFIG=${BENCH_CONFIG:-samples/config}
CONFIG_LIGHT=${BENCH_CONFIG_LIGHT:-bench/config-light}
VIEW=${BENCH_VIEW:-samples/views}
MATRIX=${BENCH_MATRIX:-1}
MB=${BENCH_MB:-200}
REPEAT=${BENCH_REPEAT:-3}
JOBS=${BENCH_JOBS:-1}
DATA=bench/data
TENTH=bench/data-tenth
OUT=${BENCH_OUT:-bench/out}
CDM=$OUT/cdm
TIME=/usr/bin/time
BASELINE=${BENCH_BASELINE:-$BUILD/bench/parse_baseline}
TRANSFORM=${BENCH_TRANSFORM:-$BUILD/transformer/fhir2cdm-transform}
RESULTS=$OUT/results.tsv

say() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

[ -x "$TIME" ] || die "$TIME not found (apt-get install time)"
[ -d "$CONFIG" ] || [ -f "$CONFIG" ] || die "table configuration '$CONFIG' not found (set BENCH_CONFIG)"
if [ "$MATRIX" != 0 ]; then
  [ -d "$CONFIG_LIGHT" ] || die "table configuration '$CONFIG_LIGHT' not found (set BENCH_CONFIG_LIGHT)"
  [ -e "$VIEW" ] || die "ViewDefinitions '$VIEW' not found (set BENCH_VIEW)"
fi
# One benchmark at a time per checkout: timed runs of two benchmarks must not overlap.
exec 9<"$ROOT/bench/run.sh"
if ! flock -n 9; then
  say "another bench/run.sh is running; waiting for it to finish"
  flock 9
fi

# 1. Build ---------------------------------------------------------------------------------------
CMAKE_CONFIGURE=(cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF)
CMAKE_BUILD=(cmake --build "$BUILD" --parallel "$JOBS" --target parse_baseline fhir2cdm-transform)
mkdir -p "$OUT"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  for step in CMAKE_CONFIGURE CMAKE_BUILD; do
    declare -n cmd=$step
    say "${cmd[*]}"
    if ! "${cmd[@]}" >"$OUT/build.log" 2>&1; then
      tail -n 40 "$OUT/build.log" >&2
      die "build failed (full log: $OUT/build.log)"
    fi
    unset -n cmd
  done
fi
if [ ! -x "$BASELINE" ] || [ ! -x "$TRANSFORM" ]; then
  die "build did not produce $BASELINE and $TRANSFORM"
fi
# (the help is captured first: grep -q closing the pipe early would fail it under pipefail)
TRANSFORM_HELP=$("$TRANSFORM" --help 2>&1 || true)
if [ "$MATRIX" != 0 ] && ! grep -q -- '--threads' <<<"$TRANSFORM_HELP"; then
  die "$TRANSFORM has no --threads option (issue 18 item 1); BENCH_MATRIX=0 skips the threads matrix"
fi

# 2. Data ----------------------------------------------------------------------------------------
python3 bench/gen_data.py --mb "$MB" --out "$DATA"
stamp() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1/.bench-stamp.json" "$2"; }
COPIES=$(stamp "$DATA" copies)
TENTH_COPIES=$(( (COPIES + 5) / 10 ))
[ "$TENTH_COPIES" -ge 1 ] || TENTH_COPIES=1
python3 bench/gen_data.py --copies "$TENTH_COPIES" --out "$TENTH"
DATA_FILES=("$DATA"/*.ndjson)
TENTH_FILES=("$TENTH"/*.ndjson)
# The input files whose resource type (the name up to the first '.', as in a Bulk Data export)
# some table of the configuration reads: the transformer may skip the others, so the parse floor
# is also measured over these alone.
mapfile -t CONFIGURED_FILES < <(python3 - "$CONFIG" "${DATA_FILES[@]}" <<'PY'
import glob, json, os, sys
cfg, files = sys.argv[1], sys.argv[2:]
types = set()
for p in glob.glob(os.path.join(cfg, "*.json")) if os.path.isdir(cfg) else []:
    try:
        with open(p) as f:
            t = json.load(f).get("resourceType")
    except (OSError, ValueError, AttributeError):
        continue
    if isinstance(t, str):
        types.add(t)
for p in files:
    if os.path.basename(p).split(".", 1)[0] in types:
        print(p)
PY
)

# 3-4. Measurements ------------------------------------------------------------------------------
mkdir -p "$OUT"
: >"$RESULTS"
ERR=$(mktemp)
TIMING=$(mktemp)
trap 'rm -f "$ERR" "$TIMING"' EXIT

# run_timed <label> <cmd...>: runs cmd under /usr/bin/time and appends
# "label wall_s peak_rss_kib user_s sys_s [self_timed_s bytes lines]" to $RESULTS (the last
# fields only for parse_baseline, which counts and times itself with the monotonic clock).
run_timed() {
  local label=$1; shift
  local status=0 stdout
  local t0=$EPOCHREALTIME t1
  stdout=$("$TIME" -f '%e %M %U %S' -o "$TIMING" "$@" 2>"$ERR") || status=$?
  t1=$EPOCHREALTIME
  if [ "$status" -ne 0 ]; then
    printf '[bench] %s failed (exit %s): %s\n' "$label" "$status" "$*" >&2
    printf '[bench] ---- stderr ----\n' >&2
    grep -v '^Command exited with non-zero status' "$ERR" >&2 || true
    grep -v -E '^Command exited with non-zero status|^[0-9.]+ [0-9]+ [0-9.]+ [0-9.]+$' "$TIMING" >&2 || true
    exit 1
  fi
  # Wall time from the shell's clock around the run (microseconds; /usr/bin/time's %e has 10 ms
  # steps, 3% of a 0.3 s run): replaces %e, the other fields are time's.
  local wall
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
  sed -i -E '$ s/^[0-9.]+ /'"$wall"' /' "$TIMING"
  local self=""
  if [ -n "$stdout" ]; then
    self=$(printf '%s\n' "$stdout" | awk -F'\t' '$1=="bytes"{print $6, $2, $4}')
  fi
  printf '%s %s %s\n' "$label" "$(tail -n 1 "$TIMING")" "$self" >>"$RESULTS"
  say "$label: $(tail -n 1 "$TIMING") (wall s, peak KiB, user s, sys s)${self:+, self-timed s / bytes / lines: $self}"
}

say "warming the page cache (untimed parse_baseline pass over $DATA and $TENTH)"
"$BASELINE" "${DATA_FILES[@]}" >/dev/null
"$BASELINE" "${TENTH_FILES[@]}" >/dev/null

for _ in $(seq 1 "$REPEAT"); do
  run_timed baseline "$BASELINE" "${DATA_FILES[@]}"
done
if [ "${#CONFIGURED_FILES[@]}" -gt 0 ] && [ "${#CONFIGURED_FILES[@]}" -lt "${#DATA_FILES[@]}" ]; then
  for _ in $(seq 1 "$REPEAT"); do
    run_timed baseline_configured "$BASELINE" "${CONFIGURED_FILES[@]}"
  done
fi
for _ in $(seq 1 "$REPEAT"); do
  rm -rf "$CDM"
  run_timed transform "$TRANSFORM" --config "$CONFIG" --input "$DATA" --output "$CDM" --quiet
done
OUT_BYTES=$(du -sb "$CDM" | cut -f1)
OUT_CSV=$(find "$CDM" -name '*.csv' | wc -l)
for _ in $(seq 1 "$REPEAT"); do
  rm -rf "$CDM"
  run_timed transform_tenth "$TRANSFORM" --config "$CONFIG" --input "$TENTH" --output "$CDM" --quiet
done

# 5. Threads matrix (issue 18 item 4) ------------------------------------------------------------
# Every cell: the same input ($DATA) into a fresh CDM folder; labels m.<source>.<format>.t<N>
# (source full = $CONFIG, light = $CONFIG_LIGHT, view = --view $VIEW), and mem.<...> for the same
# cells with the output in memory (below); the exact command of each label goes to $COMMANDS for
# the report.
COMMANDS=$OUT/commands.tsv
: >"$COMMANDS"
MCDM=$OUT/cdm-matrix
MEMDIR=${BENCH_MEMDIR-/dev/shm}
if [ "$MATRIX" != 0 ]; then
  declare -A SOURCE_ARGS=([full]="--config $CONFIG" [light]="--config $CONFIG_LIGHT"
                          [view]="--view $VIEW")
  # Where the output goes: $MCDM (the disk bench/out is on, as users run it: every partition
  # fsynced before the commit) and, when $MEMDIR is a tmpfs, a folder in memory as well (labels
  # mem.*): the same runs without the device, i.e. the CPU work alone and how it scales.  The
  # in-memory folder gets an unpredictable name (a shared /dev/shm); the commands written for
  # the report name the folder this run used.
  WHERE=("m:$MCDM")
  if [ -n "$MEMDIR" ] && [ "$(stat -f -c %T "$MEMDIR" 2>/dev/null)" = tmpfs ]; then
    MEMCDM=$(mktemp -d "$MEMDIR/fhir2cdm-bench.XXXXXX")
    WHERE+=("mem:$MEMCDM/cdm")
  else
    say "no tmpfs at '${MEMDIR}' (BENCH_MEMDIR): the threads matrix runs on disk only"
  fi
  for where in "${WHERE[@]}"; do
    prefix=${where%%:*} dest=${where#*:}
    for src in full light view; do
      for fmt in csv parquet; do
        for t in 1 2; do
          printf '%s.%s.%s.t%s\t%s\n' "$prefix" "$src" "$fmt" "$t" \
            "$TIME -f '%e %M %U %S' $TRANSFORM ${SOURCE_ARGS[$src]} --input $DATA --output $dest --quiet --format $fmt --threads $t" \
            >>"$COMMANDS"
        done
      done
    done
    printf '%s.pair\t%s\n' "$prefix" \
      "$TIME -f '%e %M %U %S' bash -c '\"\$@\" --output \"\$0\" & p=\$!; \"\$@\" --output \"\$0-2\"; s=\$?; wait \$p && exit \$s' $dest $TRANSFORM ${SOURCE_ARGS[full]} --input $DATA --quiet --format csv --threads 1" \
      >>"$COMMANDS"
  done
  for round in $(seq 1 "$REPEAT"); do
    say "threads matrix, round $round of $REPEAT"
    for where in "${WHERE[@]}"; do
      prefix=${where%%:*} dest=${where#*:}
      for src in full light view; do
        read -r -a src_args <<<"${SOURCE_ARGS[$src]}"
        for fmt in csv parquet; do
          for t in 1 2; do
            rm -rf "$dest"
            run_timed "$prefix.$src.$fmt.t$t" "$TRANSFORM" "${src_args[@]}" --input "$DATA" \
              --output "$dest" --quiet --format "$fmt" --threads "$t"
          done
        done
      done
      # The machine's own ceiling at this moment: two independent --threads 1 runs of the first
      # cell at once (two processes, two output folders).  2 x (one alone) / (the pair) is the
      # speedup two cores give work that shares nothing; the report sets the 2-thread figures
      # beside it.
      rm -rf "$dest" "$dest-2"
      read -r -a src_args <<<"${SOURCE_ARGS[full]}"
      run_timed "$prefix.pair" bash -c '"$@" --output "$0" & p=$!; "$@" --output "$0-2"; s=$?; wait $p && exit $s' \
        "$dest" "$TRANSFORM" "${src_args[@]}" --input "$DATA" --quiet --format csv --threads 1
      rm -rf "$dest-2"
    done
  done
  rm -rf "$MCDM"
  [ -z "${MEMCDM:-}" ] || rm -rf "$MEMCDM"
fi

# 6. Report --------------------------------------------------------------------------------------
DIRTY=""
[ -z "$(git status --porcelain 2>/dev/null)" ] || DIRTY="-dirty"
BENCH_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$DIRTY"
CC_PATH=$(grep -m1 '^CMAKE_C_COMPILER:' "$BUILD/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || true)
BENCH_CC="${CC_PATH:-cc} $("${CC_PATH:-cc}" -dumpfullversion 2>/dev/null || true)"
BENCH_CJSON="$(pkg-config --modversion libcjson 2>/dev/null || echo unknown)"
export BENCH_COMMIT BENCH_CC BENCH_CJSON
export BENCH_CONFIG="$CONFIG" BENCH_DATA="$DATA" BENCH_TENTH="$TENTH" BENCH_CDM="$CDM"
export BENCH_REPEAT="$REPEAT" BENCH_MB="$MB"
export BENCH_CMD_CONFIGURE="${CMAKE_CONFIGURE[*]}" BENCH_CMD_BUILD="${CMAKE_BUILD[*]}"
export BENCH_CMD_GEN="python3 bench/gen_data.py --mb $MB --out $DATA; python3 bench/gen_data.py --copies $TENTH_COPIES --out $TENTH"
export BENCH_CMD_BASELINE="$TIME -f '%e %M %U %S' $BASELINE $DATA/*.ndjson"
export BENCH_CONFIGURED_FILES="${CONFIGURED_FILES[*]}"
export BENCH_CMD_BASELINE_CONFIGURED="$TIME -f '%e %M %U %S' $BASELINE ${CONFIGURED_FILES[*]}"
export BENCH_CMD_TRANSFORM="$TIME -f '%e %M %U %S' $TRANSFORM --config $CONFIG --input $DATA --output $CDM --quiet"
export BENCH_CMD_TENTH="$TIME -f '%e %M %U %S' $TRANSFORM --config $CONFIG --input $TENTH --output $CDM --quiet"
export BENCH_OUT_BYTES="$OUT_BYTES" BENCH_OUT_CSV="$OUT_CSV"
export BENCH_COMMANDS="$COMMANDS" BENCH_CONFIG_LIGHT="$CONFIG_LIGHT" BENCH_VIEW="$VIEW"
BENCH_LIGHT_TABLES=$(find "$CONFIG_LIGHT" -maxdepth 1 -name '*.json' 2>/dev/null | wc -l)
BENCH_FULL_TABLES=$(find "$CONFIG" -maxdepth 1 -name '*.json' 2>/dev/null | wc -l)
BENCH_VIEWS=$(find "$VIEW" -maxdepth 1 -name '*.json' 2>/dev/null | wc -l)
export BENCH_LIGHT_TABLES BENCH_FULL_TABLES BENCH_VIEWS
REPORT_ARGS=("$RESULTS")
[ "${BENCH_DOC:-1}" = 0 ] || REPORT_ARGS+=(--doc "${BENCH_DOC_FILE:-docs/benchmarks.md}")
python3 bench/report.py "${REPORT_ARGS[@]}"
