#!/usr/bin/env bash
# Set-up and the main job in one command: installs what is needed, builds, and runs
# fhir2cdm-transform on the bundled samples/, writing the CDM folder out/samples-cdm and
# showing what it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== fhir2cdm-transform --config samples/config --input samples/ndjson --output out/samples-cdm"
rc=0
build/transformer/fhir2cdm-transform --config samples/config --input samples/ndjson \
  --output out/samples-cdm || rc=$?
echo
echo "== what it wrote"
(cd out/samples-cdm && find . -type f | sort | while read -r f; do
   printf '%8d bytes  %s\n' "$(stat -c %s "$f")" "$f"; done)
first=$(find out/samples-cdm/data -name '*.csv' | sort | head -n 1)
if [ -n "$first" ]; then
  echo
  echo "== first lines of $first"
  head -n 4 "$first"
fi
exit $rc
