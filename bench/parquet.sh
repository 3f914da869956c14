#!/usr/bin/env bash
# bench/parquet.sh -- the Parquet output benchmark (issue 17 item 7): what --format parquet costs
# and gives next to --format csv, measured in one run on one machine state.
#
#   1. Release build (fhir2cdm-transform only) in $BENCH_BUILD (default build-bench, as run.sh);
#   2. input: the 200 MB benchmark (bench/gen_data.py, as run.sh: bench/data);
#   3. throughput and peak RSS: REPEAT (3) runs each of --format csv and --format parquet
#      (default ZSTD, default decimal 38,18), alternating, over bench/data with BENCH_CONFIG
#      (samples/config), under /usr/bin/time; medians; then REPEAT Parquet runs over the tenth
#      of the input (bench/data-tenth, as run.sh), and one run per --memory budget in
#      BENCH_MEMORY_SWEEP (4M 16M 64M 256M), for how peak RSS depends on input and budget;
#   4. output size on ../shared/data/synthea-10 itself (the benchmark's replicated copies
#      compress unrealistically well): partition bytes of the CSV run, of the Parquet run, and of
#      DuckDB's own Parquet writer (ZSTD) given the CSV run's rows typed the same way
#      (tests/parquet/csv2parquet.mjs);
#   5. DuckDB query time, one aggregate per table (count(*), count(DISTINCT ResourceId) and the
#      max of the table's first timestamp/date column when it has one), over the 200 MB run's
#      Parquet folder vs its CSV folder (read_csv with the columns' types): median of REPEAT,
#      summed over the tables (bench/parquet_query.mjs);
#   6. bench/parquet_report.py prints the figures and regenerates the <!-- bench:parquet -->
#      section of docs/benchmarks.md.
#
# Needs node and the pinned readers (tests/parquet/install.sh, run here).  Environment (all
# optional): BENCH_BUILD, BENCH_CONFIG, BENCH_MB (200), BENCH_REPEAT (3), BENCH_JOBS (1),
# BENCH_SHARED (../shared), BENCH_DOC=0 to skip writing the docs, BENCH_SKIP_BUILD=1 with
# BENCH_TRANSFORM=path to measure a given binary.  Exit non-zero if any step fails (its stderr
# printed); nothing is written to docs/benchmarks.md then.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD=${BENCH_BUILD:-build-bench}
CONFIG=${BENCH_CONFIG:-samples/config}
MB=${BENCH_MB:-200}
REPEAT=${BENCH_REPEAT:-3}
JOBS=${BENCH_JOBS:-1}
SHARED=${BENCH_SHARED:-../shared}
SYNTHEA=$SHARED/data/synthea-10
DATA=bench/data
TENTH=bench/data-tenth
OUT=bench/out/parquet
TIME=/usr/bin/time
TRANSFORM=${BENCH_TRANSFORM:-$BUILD/transformer/fhir2cdm-transform}
RESULTS=$OUT/results.tsv

say() { printf '[bench-parquet] %s\n' "$*" >&2; }
die() { printf '[bench-parquet] error: %s\n' "$*" >&2; exit 1; }

[ -x "$TIME" ] || die "$TIME not found (apt-get install time)"
[ -d "$SYNTHEA" ] || die "$SYNTHEA not found (set BENCH_SHARED)"
command -v node >/dev/null || die "node not found"
tests/parquet/install.sh >&2 || die "tests/parquet/install.sh failed"

# 1. Build ---------------------------------------------------------------------------------------
CMAKE_CONFIGURE=(cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF)
CMAKE_BUILD=(cmake --build "$BUILD" --parallel "$JOBS" --target fhir2cdm-transform)
mkdir -p "$OUT"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  for step in CMAKE_CONFIGURE CMAKE_BUILD; do
    declare -n cmd=$step
    say "${cmd[*]}"
    "${cmd[@]}" >"$OUT/build.log" 2>&1 || { tail -n 40 "$OUT/build.log" >&2; die "build failed"; }
    unset -n cmd
  done
fi
[ -x "$TRANSFORM" ] || die "no $TRANSFORM"

# 2. Data ----------------------------------------------------------------------------------------
python3 bench/gen_data.py --mb "$MB" --out "$DATA" >&2
COPIES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["copies"])' \
  "$DATA/.bench-stamp.json")
TENTH_COPIES=$(( (COPIES + 5) / 10 ))
[ "$TENTH_COPIES" -ge 1 ] || TENTH_COPIES=1
python3 bench/gen_data.py --copies "$TENTH_COPIES" --out "$TENTH" >&2

# 3. Throughput and peak RSS ---------------------------------------------------------------------
: >"$RESULTS"
ERR=$(mktemp)
TIMING=$(mktemp)
trap 'rm -f "$ERR" "$TIMING"' EXIT
# run_timed <label> <cmd...>: appends "label wall_s peak_rss_kib user_s sys_s" to $RESULTS.
run_timed() {
  local label=$1; shift
  if ! "$TIME" -f '%e %M %U %S' -o "$TIMING" "$@" >/dev/null 2>"$ERR"; then
    say "$label failed: $*"
    cat "$ERR" "$TIMING" >&2
    exit 1
  fi
  printf '%s %s\n' "$label" "$(tail -n 1 "$TIMING")" >>"$RESULTS"
  say "$label: $(tail -n 1 "$TIMING") (wall s, peak KiB, user s, sys s)"
}
# row_groups <cdm folder>: the number of row groups in all its Parquet partitions (DuckDB).
row_groups() {
  node --input-type=module -e "
    import { duckdbConnect, loadModules, query } from '$ROOT/tests/parquet/pqlib.mjs';
    const c = await duckdbConnect(await loadModules());
    const r = await query(c, \"SELECT count(*) AS n FROM (SELECT DISTINCT file_name, \" +
                             \"row_group_id FROM parquet_metadata('$1/data/*/*.parquet'))\");
    console.log(String(r[0].n));"
}
# record_size <name> <cdm folder> <ext>: appends "size_<name> bytes files" of data/**/*.<ext>.
record_size() {
  local bytes files
  bytes=$(find "$2/data" -name "*.$3" -printf '%s\n' | awk '{s+=$1} END {print s+0}')
  files=$(find "$2/data" -name "*.$3" | wc -l)
  printf 'size_%s %s %s\n' "$1" "$bytes" "$files" >>"$RESULTS"
}
say "warming the page cache (one untimed CSV run)"
rm -rf "$OUT/cdm-csv"
"$TRANSFORM" --config "$CONFIG" --input "$DATA" --output "$OUT/cdm-csv" --quiet --format csv
for _ in $(seq 1 "$REPEAT"); do
  for fmt in csv parquet; do
    rm -rf "$OUT/cdm-$fmt"
    run_timed "$fmt" "$TRANSFORM" --config "$CONFIG" --input "$DATA" --output "$OUT/cdm-$fmt" \
      --quiet --format "$fmt"
  done
done
# Peak RSS must not grow with the input (streaming; row groups bounded by --memory, 64M):
# the same Parquet run over a tenth of the input.
for _ in $(seq 1 "$REPEAT"); do
  rm -rf "$OUT/cdm-tenth"
  run_timed parquet_tenth "$TRANSFORM" --config "$CONFIG" --input "$TENTH" \
    --output "$OUT/cdm-tenth" --quiet --format parquet
done

# Peak RSS and time against the row-group budget (--memory), one run each, full input.
MEMORY_SWEEP=${BENCH_MEMORY_SWEEP:-4M 16M 64M 256M}
for m in $MEMORY_SWEEP; do
  rm -rf "$OUT/cdm-mem"
  run_timed "memory_$m" "$TRANSFORM" --config "$CONFIG" --input "$DATA" \
    --output "$OUT/cdm-mem" --quiet --format parquet --memory "$m"
  record_size "memory_$m" "$OUT/cdm-mem" parquet
  printf 'rowgroups_memory_%s %s\n' "$m" "$(row_groups "$OUT/cdm-mem")" >>"$RESULTS"
done
rm -rf "$OUT/cdm-mem"

# 4. Output size on synthea-10 -------------------------------------------------------------------
rm -rf "$OUT/s10-csv" "$OUT/s10-parquet" "$OUT/s10-duckdb" "$OUT/s10-snappy"
"$TRANSFORM" --config "$CONFIG" --input "$SYNTHEA" --output "$OUT/s10-csv" --quiet --format csv
"$TRANSFORM" --config "$CONFIG" --input "$SYNTHEA" --output "$OUT/s10-parquet" --quiet \
  --format parquet
"$TRANSFORM" --config "$CONFIG" --input "$SYNTHEA" --output "$OUT/s10-snappy" --quiet \
  --format parquet --compression snappy
GEN="$BUILD/generator/fhir2cdm"
if [ ! -x "$GEN" ]; then
  cmake --build "$BUILD" --parallel "$JOBS" --target fhir2cdm-gen >>"$OUT/build.log" 2>&1 ||
    die "building fhir2cdm-gen (for show-schema) failed"
fi
"$GEN" show-schema -d "$CONFIG" --format json -o "$OUT/schema.json"
node tests/parquet/csv2parquet.mjs --schema "$OUT/schema.json" "$OUT/s10-csv" "$OUT/s10-duckdb"
record_size csv "$OUT/s10-csv" csv
record_size parquet "$OUT/s10-parquet" parquet
record_size snappy "$OUT/s10-snappy" parquet
record_size duckdb "$OUT/s10-duckdb" parquet
record_size bench_csv "$OUT/cdm-csv" csv
record_size bench_parquet "$OUT/cdm-parquet" parquet

# 5. DuckDB query time ---------------------------------------------------------------------------
node bench/parquet_query.mjs --schema "$OUT/schema.json" --repeat "$REPEAT" \
  --csv "$OUT/cdm-csv" --parquet "$OUT/cdm-parquet" >"$OUT/query.json"

# 6. Report --------------------------------------------------------------------------------------
DIRTY=""
[ -z "$(git status --porcelain 2>/dev/null)" ] || DIRTY="-dirty"
export BENCH_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$DIRTY"
export BENCH_CONFIG="$CONFIG" BENCH_DATA="$DATA" BENCH_REPEAT="$REPEAT" BENCH_SYNTHEA="$SYNTHEA"
BENCH_TENTH_BYTES=$(du -sb --exclude=.bench-stamp.json "$TENTH" | cut -f1)
export BENCH_TENTH="$TENTH" BENCH_TENTH_BYTES
export BENCH_BUILD="$BUILD" BENCH_TRANSFORM="$TRANSFORM"
BENCH_BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null ||
  true)
export BENCH_BUILD_TYPE="${BENCH_BUILD_TYPE:-unknown}"
export BENCH_INPUT_BYTES="$(du -sb --exclude=.bench-stamp.json "$DATA" | cut -f1)"
export BENCH_SYNTHEA_BYTES="$(du -sb "$SYNTHEA" | cut -f1)"
REPORT_ARGS=("$RESULTS" "$OUT/query.json")
[ "${BENCH_DOC:-1}" = 0 ] || REPORT_ARGS+=(--doc docs/benchmarks.md)
python3 bench/parquet_report.py "${REPORT_ARGS[@]}"
