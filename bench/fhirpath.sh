#!/usr/bin/env bash
# bench/fhirpath.sh -- FHIRPath engine benchmark: evaluations per second of three typical
# expressions (compiled once) over the Synthea resources they are written for, and the original
# tool's sample expression.  Regenerates the <!-- bench:fhirpath --> section of
# docs/benchmarks.md (BENCH_DOC=0 to skip).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SHARED=${FHIR2CDM_SHARED_DIR:-../shared}
DATA=$SHARED/data/synthea-10
[ -d "$DATA" ] || { echo "[bench] $DATA not found" >&2; exit 1; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-bench --parallel "${BENCH_JOBS:-1}" --target fhirpath_bench >/dev/null
B=build-bench/bench/fhirpath_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
{
  "$B" "$DATA/Patient.000.ndjson" "name.where(use='official').given.first()" \
       "communication[0].language.coding.code" | sed 's/^/Patient\t/'
  "$B" "$DATA/Condition.000.ndjson" "code.coding.where(system='http://snomed.info/sct').code" | tail -n +2 | sed 's/^/Condition\t/'
  "$B" "$DATA/Encounter.000.ndjson" "period.start < @2015-01-01 and status = 'finished'" | tail -n +2 | sed 's/^/Encounter\t/'
} >"$out"
column -t -s $'\t' "$out"
if [ "${BENCH_DOC:-1}" != 0 ]; then
  commit=$(git rev-parse --short HEAD)$(git diff --quiet || echo -dirty)
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
  {
    echo "<!-- bench:fhirpath -->"
    echo "## FHIRPath engine: evaluations per second"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs ($cpu), commit $commit, by \`bench/fhirpath.sh\`."
    echo "Each expression is compiled once, then evaluated over every resource of the Synthea file"
    echo "(parsed once, in memory) for at least one second; single thread."
    echo
    echo "| resource type | expression | resources | evaluations/s | items/evaluation |"
    echo "|---|---|---:|---:|---:|"
    tail -n +2 "$out" | awk -F'\t' '{printf "| %s | `%s` | %s | %d | %s |\n", $1, $2, $3, $6, $7}'
    echo "<!-- /bench:fhirpath -->"
  } >"$out.md"
  python3 - "$out.md" <<'PY'
import re, sys
new = open(sys.argv[1]).read().rstrip("\n")
p = "docs/benchmarks.md"
s = open(p).read()
pat = re.compile(r"<!-- bench:fhirpath -->.*?<!-- /bench:fhirpath -->", re.S)
s = pat.sub(lambda m: new, s) if pat.search(s) else s.rstrip("\n") + "\n\n" + new + "\n"
open(p, "w").write(s)
PY
  rm -f "$out.md"
  echo "[bench] docs/benchmarks.md updated" >&2
fi
