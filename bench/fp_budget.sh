#!/usr/bin/env bash
# bench/fp_budget.sh -- how much of the FHIRPath evaluation budgets (docs/fhirpath.md,
# "Evaluation budgets") the Synthea sample uses: runs bench/fp_budget_usage (the transformer's
# plan, default limits) with samples/views and with samples/config over every NDJSON file of
# ../shared/data/synthea-10 and prints the largest steps / items / arena bytes of any one
# evaluation next to the defaults.  Figures go to docs/benchmarks.md by hand ("FHIRPath
# evaluation budgets").  BUILD=dir to use another build folder (default build-bench, Release).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SHARED=${FHIR2CDM_SHARED_DIR:-../shared}
DATA=$SHARED/data/synthea-10
[ -d "$DATA" ] || { echo "[bench] $DATA not found" >&2; exit 1; }
BUILD=${BUILD:-build-bench}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$BUILD" --parallel "${BENCH_JOBS:-1}" --target fp_budget_usage >/dev/null
for plan in "--view samples/views" "--config samples/config"; do
  echo "== $plan over $DATA"
  # shellcheck disable=SC2086
  "$BUILD/bench/fp_budget_usage" $plan "$DATA"/*.ndjson
done
