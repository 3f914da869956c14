#!/usr/bin/env bash
# bench/sof/run.sh -- the SQL on FHIR benchmark: the same ViewDefinitions over the same NDJSON,
# fhir2cdm-transform --view against a JavaScript flatten loop driving HL7's fhirpath.js (npm
# `fhirpath`, the FHIRPath engine of the JavaScript reference implementation; its ViewDefinition
# evaluator is not on npm), measured in one run on one machine state.
#
#   1. Release build of fhir2cdm-transform in build-bench/ (as bench/run.sh);
#      fhirpath.js from tools/npm (tests/fhirpath-diff/install.sh: pinned, no-op when present);
#   2. input: bench/gen_data.py replicates ../shared/data/synthea-10 to >= BENCH_MB (200) MB in
#      bench/data/ (git-ignored, stamped; not regenerated when the stamp matches);
#   3. workloads (both sides always get the same input): every ViewDefinition of samples/views
#      (10 views over 6 resource types) over the whole folder; the single view
#      samples/views/encounter.json over the whole folder; and that view over the Encounter file
#      alone (no lines of other resource types to read past);
#   4. one untimed read of the input warms the page cache; then REPEAT (3) rounds, each running
#      every workload once on each side, interleaved (ours, JS, ours, JS, ...) so that both see
#      the same machine state; wall time / peak RSS / CPU from GNU time; medians reported;
#   5. the outputs of the last round are compared row by row (bench/sof/compare.py: same header,
#      same multiset of rows per view; decimals by value) -- the ratio is only reported for
#      equal outputs;
#   6. bench/sof/report.py prints the table and regenerates the <!-- bench:views --> section of
#      docs/benchmarks.md.
#
# Environment (all optional): BENCH_MB (200), BENCH_REPEAT (3), BENCH_JOBS (build parallelism,
# 1), BENCH_DOC=0 to skip writing the docs, BENCH_SOF_ALLOW_DIFF=1 to write the report even when
# the two outputs differ (marked as such); BENCH_SKIP_BUILD=1 with BENCH_TRANSFORM=path to reuse
# a binary (developing this script only).
# Exit status: non-zero if the build, the install, the data generation or a measured run fails,
# or if the outputs differ (unless BENCH_SOF_ALLOW_DIFF=1); nothing is written to the docs then.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

BUILD=build-bench
MB=${BENCH_MB:-200}
REPEAT=${BENCH_REPEAT:-3}
JOBS=${BENCH_JOBS:-1}
DATA=bench/data
OUT=bench/out/sof
TIME=/usr/bin/time
TRANSFORM=${BENCH_TRANSFORM:-$BUILD/transformer/fhir2cdm-transform}
NODE_MODULES=tools/npm/node_modules
JS=bench/sof/sof_flatten.js
RESULTS=$OUT/results.tsv

# workload label -> ViewDefinition argument (file or folder), and -> input (folder or file)
WORKLOADS=(all_views single_view single_view_one_file)
declare -A VIEWS=([all_views]=samples/views [single_view]=samples/views/encounter.json
                  [single_view_one_file]=samples/views/encounter.json)
declare -A INPUT=([all_views]=$DATA [single_view]=$DATA
                  [single_view_one_file]=$DATA/Encounter.000.ndjson)

say() { printf '[bench:sof] %s\n' "$*" >&2; }
die() { printf '[bench:sof] error: %s\n' "$*" >&2; exit 1; }

[ -x "$TIME" ] || die "$TIME not found (apt-get install time)"
command -v node >/dev/null || die "node not found (scripts/deps.sh installs nodejs)"

# 1. Build and install -------------------------------------------------------------------------
CMAKE_CONFIGURE=(cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF)
CMAKE_BUILD=(cmake --build "$BUILD" --parallel "$JOBS" --target fhir2cdm-transform)
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
[ -x "$TRANSFORM" ] || die "no $TRANSFORM"
# (the help is captured first: grep -q closing the pipe early would fail it under pipefail)
TRANSFORM_HELP=$("$TRANSFORM" --help 2>&1 || true)
grep -q -- '--view' <<<"$TRANSFORM_HELP" || die "$TRANSFORM has no --view option"
tests/fhirpath-diff/install.sh >&2 || die "fhirpath.js is not installed and could not be (see above)"
FHIRPATH_VERSION=$(node -p "require('./$NODE_MODULES/fhirpath/package.json').version")
NODE_VERSION=$(node --version)

# 2. Data ----------------------------------------------------------------------------------------
python3 bench/gen_data.py --mb "$MB" --out "$DATA"

# 3-4. Measurements ------------------------------------------------------------------------------
: >"$RESULTS"
ERR=$(mktemp)
TIMING=$(mktemp)
STDOUT=$(mktemp)
trap 'rm -f "$ERR" "$TIMING" "$STDOUT"' EXIT

# run_timed <label> <cmd...>: appends "label wall_s peak_rss_kib user_s sys_s" to $RESULTS.
run_timed() {
  local label=$1; shift
  local status=0
  "$TIME" -f '%e %M %U %S' -o "$TIMING" "$@" >"$STDOUT" 2>"$ERR" || status=$?
  if [ "$status" -ne 0 ]; then
    printf '[bench:sof] %s failed (exit %s): %s\n' "$label" "$status" "$*" >&2
    printf '[bench:sof] ---- stderr ----\n' >&2
    grep -v '^Command exited with non-zero status' "$ERR" | head -n 40 >&2 || true
    exit 1
  fi
  printf '%s %s\n' "$label" "$(tail -n 1 "$TIMING")" >>"$RESULTS"
  say "$label: $(tail -n 1 "$TIMING") (wall s, peak KiB, user s, sys s)"
}

say "warming the page cache (untimed read of $DATA)"
cat "$DATA"/*.ndjson >/dev/null
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

for round in $(seq 1 "$REPEAT"); do
  for w in "${WORKLOADS[@]}"; do
    rm -rf "$OUT/ours-$w" "$OUT/js-$w"
    run_timed "ours_$w" "$TRANSFORM" --view "${VIEWS[$w]}" --input "${INPUT[$w]}" \
      --output "$OUT/ours-$w" --operation-id bench --quiet
    run_timed "js_$w" node "$JS" --modules "$NODE_MODULES" --view "${VIEWS[$w]}" \
      --output "$OUT/js-$w" "${INPUT[$w]}"
    cp "$STDOUT" "$OUT/js-$w.summary.json"
  done
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# 5. Same rows? ----------------------------------------------------------------------------------
SAME=1
for w in "${WORKLOADS[@]}"; do
  say "comparing the outputs of $w"
  if ! python3 bench/sof/compare.py --views "${VIEWS[$w]}" "$OUT/ours-$w" "$OUT/js-$w" \
       | tee "$OUT/compare-$w.txt" >&2; then
    SAME=0
  fi
done
if [ "$SAME" != 1 ] && [ "${BENCH_SOF_ALLOW_DIFF:-0}" != 1 ]; then
  die "the two outputs differ (see above and $OUT/compare-*.txt); nothing written to docs (BENCH_SOF_ALLOW_DIFF=1 reports anyway)"
fi

# 6. Report --------------------------------------------------------------------------------------
DIRTY=""
[ -z "$(git status --porcelain 2>/dev/null)" ] || DIRTY="-dirty"
CC_PATH=$(grep -m1 '^CMAKE_C_COMPILER:' "$BUILD/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || true)
export BENCH_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$DIRTY"
export BENCH_CC="${CC_PATH:-cc} $("${CC_PATH:-cc}" -dumpfullversion 2>/dev/null || true)"
export BENCH_CJSON="$(pkg-config --modversion libcjson 2>/dev/null || echo unknown)"
export BENCH_NODE="$NODE_VERSION" BENCH_FHIRPATH="$FHIRPATH_VERSION"
export BENCH_DATA="$DATA" BENCH_OUT="$OUT" BENCH_REPEAT="$REPEAT" BENCH_MB="$MB" BENCH_SAME="$SAME"
export BENCH_WORKLOADS="${WORKLOADS[*]}" BENCH_LOAD_BEFORE="$LOAD_BEFORE" BENCH_LOAD_AFTER="$LOAD_AFTER"
for w in "${WORKLOADS[@]}"; do
  export "BENCH_VIEWS_$w=${VIEWS[$w]}" "BENCH_INPUT_$w=${INPUT[$w]}"
  export "BENCH_CMD_ours_$w=$TIME -f '%e %M %U %S' $TRANSFORM --view ${VIEWS[$w]} --input ${INPUT[$w]} --output $OUT/ours-$w --operation-id bench --quiet"
  export "BENCH_CMD_js_$w=$TIME -f '%e %M %U %S' node $JS --modules $NODE_MODULES --view ${VIEWS[$w]} --output $OUT/js-$w ${INPUT[$w]}"
done
export BENCH_CMD_CONFIGURE="${CMAKE_CONFIGURE[*]}" BENCH_CMD_BUILD="${CMAKE_BUILD[*]}"
export BENCH_CMD_GEN="python3 bench/gen_data.py --mb $MB --out $DATA"
REPORT_ARGS=("$RESULTS")
[ "${BENCH_DOC:-1}" = 0 ] || REPORT_ARGS+=(--doc docs/benchmarks.md)
python3 bench/sof/report.py "${REPORT_ARGS[@]}"
