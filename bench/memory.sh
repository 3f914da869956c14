#!/usr/bin/env bash
# bench/memory.sh -- peak memory (GNU time %M) and time of two inputs an attacker controls
# (issue 13, "Bounded resources"):
#   1. one NDJSON line of L MB through fhir2cdm-transform --config samples/config, in two shapes:
#      "string": a Patient whose name[0].family is one huge string (with quotes and commas, so
#      the CSV cell is quoted), "items": a Patient with name[0].given holding L*1e6/8 short
#      strings (many small JSON values);
#   2. a configuration YAML of S MB (a valid propertiesByDefault list) through
#      fhir2cdm generate-config, and the nesting-depth limit.
# Prints one line per measurement: what, input bytes, peak RSS (KB), ratio, seconds.
#
#   bench/memory.sh [BUILD_DIR]          (default: build; needs its two binaries built)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
B=${1:-build}
TX=$B/transformer/fhir2cdm-transform
GEN=$B/generator/fhir2cdm
[ -x "$TX" ] && [ -x "$GEN" ] || { echo "build $B first" >&2; exit 1; }
W=bench/out/memory
rm -rf "$W"
mkdir -p "$W"

measure() { # what, input file, command...
  local what=$1 in=$2
  shift 2
  local bytes
  bytes=$(stat -c %s "$in")
  /usr/bin/time -f "%M %e %x" -o "$W/time" "$@" >/dev/null 2>&1 || true
  read -r kb secs rc < <(tail -n 1 "$W/time") # after "Command exited with ..." when it failed
  python3 -c "import sys; b,kb=int(sys.argv[2]),int(sys.argv[3]); print(f'{sys.argv[1]:<28} {b/1e6:8.1f} MB  peak {kb/1024:8.1f} MiB  {kb*1024/b:5.2f}x  {sys.argv[4]} s  exit {sys.argv[5]}')" \
    "$what" "$bytes" "$kb" "$secs" "$rc"
}

for mb in 10 20 50; do # 50 MB: quotes escaped, about 57 MB of line, under the 64 MiB line limit
  python3 - "$W/string-$mb.ndjson" "$mb" <<'PY'
import json, sys
n = int(sys.argv[2]) * 1000000
s = ('ab,"c d' * (n // 7 + 1))[:n]
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"resourceType": "Patient", "id": "p1", "name": [{"family": s}]}) + "\n")
PY
  measure "line, one string" "$W/string-$mb.ndjson" \
    "$TX" --config samples/config --input "$W/string-$mb.ndjson" --output "$W/cdm-s$mb" \
    --operation-id m --quiet
done
for mb in 2 4 8 16; do # exit 1 from 8 MB on: refused, too many values for the line's length
  python3 - "$W/items-$mb.ndjson" "$mb" <<'PY'
import json, sys
n = int(sys.argv[2]) * 1000000 // 8
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"resourceType": "Patient", "id": "p1",
                        "name": [{"given": ["g%05d" % (i % 100000) for i in range(n)]}]}) + "\n")
PY
  measure "line, many small items" "$W/items-$mb.ndjson" \
    "$TX" --config samples/config --input "$W/items-$mb.ndjson" --output "$W/cdm-i$mb" \
    --operation-id m --quiet
done

echo '{}' >"$W/groups.yml"
for mb in 1 2 4 8; do
  python3 - "$W/res-$mb.yml" "$mb" <<'PY'
import sys
n = int(sys.argv[2]) * 1000000
with open(sys.argv[1], "w") as f:
    f.write("Patient:\n  propertiesByDefault:\n")
    i = 0
    while f.tell() < n - 64:
        f.write(f"    - {{path: gender, name: G{i}, type: code}}\n")
        i += 1
PY
  measure "YAML, list" "$W/res-$mb.yml" \
    "$GEN" generate-config -r "$W/res-$mb.yml" -p "$W/groups.yml" -o "$W/cfg-$mb"
done
python3 -c "print('Patient: ' + '['*100000 + ']'*100000)" >"$W/deep.yml"
measure "YAML, 100k levels (refused)" "$W/deep.yml" \
  "$GEN" generate-config -r "$W/deep.yml" -p "$W/groups.yml" -o "$W/cfg-deep"
