#!/usr/bin/env bash
# bench/commit_cost.sh -- what the CDM folder's commit protocol (staging folder, journal, fsyncs,
# renames; docs/cdm-folder.md "Commit protocol") costs: wall time of fhir2cdm-transform on the
# 200 MB benchmark input, this working tree against a revision without the protocol, measured
# alternately in one run on one machine state.
#
#   bench/commit_cost.sh [OLD_REV]      (default OLD_REV: c1b47a1, the last commit before it)
#
# Builds both transformers (Release) under bench/out/commit-cost/, generates the input with
# bench/gen_data.py (as bench/run.sh), warms the page cache once, then runs old and new REPEAT
# (default 5) times each, alternating, each into a fresh output folder, and prints every time and
# the medians.  Environment: BENCH_CONFIG (samples/config), BENCH_MB (200), REPEAT (5).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OLD_REV=${1:-c1b47a1}
CONFIG=${BENCH_CONFIG:-samples/config}
MB=${BENCH_MB:-200}
REPEAT=${REPEAT:-5}
W=bench/out/commit-cost
mkdir -p "$W"

build() { # $1 source folder, $2 build folder
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >"$W/build.log" 2>&1
  cmake --build "$2" --parallel "$(nproc)" --target fhir2cdm-transform >>"$W/build.log" 2>&1
}
rm -rf "$W/old-src"
git worktree prune
git worktree add -f --detach "$W/old-src" "$OLD_REV" >/dev/null 2>&1
build "$W/old-src" "$W/old-build"
build . "$W/new-build"
git worktree remove --force "$W/old-src"
OLD=$W/old-build/transformer/fhir2cdm-transform
NEW=$W/new-build/transformer/fhir2cdm-transform

python3 bench/gen_data.py --mb "$MB" --out bench/data >&2
cat bench/data/*.ndjson >/dev/null # page cache

run() { # $1 binary -> wall seconds
  rm -rf "$W/cdm"
  local t0 t1
  t0=$(date +%s.%N)
  "$1" --config "$CONFIG" --input bench/data --output "$W/cdm" --operation-id bench --quiet \
    2>/dev/null || { [ $? -eq 1 ] || exit 1; }
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.3f}')"
}
old_t=() new_t=()
for i in $(seq "$REPEAT"); do
  old_t+=("$(run "$OLD")")
  new_t+=("$(run "$NEW")")
  echo "run $i: without protocol ${old_t[-1]} s, with protocol ${new_t[-1]} s"
done
python3 - "${old_t[*]}" "${new_t[*]}" "$MB" <<'PY'
import statistics, sys
old = [float(x) for x in sys.argv[1].split()]
new = [float(x) for x in sys.argv[2].split()]
mo, mn = statistics.median(old), statistics.median(new)
print(f"median over {len(old)} runs, {sys.argv[3]} MB: without protocol {mo:.3f} s, "
      f"with protocol {mn:.3f} s, cost {100 * (mn - mo) / mo:+.1f}%")
PY
