#!/usr/bin/env bash
# Set-up and the main job in one command: installs what is needed, builds, and runs the main job
# on the bundled samples/: fhir2cdm generate-config compiles the YAML pair samples/yaml/ into the
# table configuration out/samples-config, then fhir2cdm-transform turns samples/ndjson into the
# CDM folder out/samples-cdm with it, showing both commands and what they wrote; then the same
# transform with --format parquet into out/samples-parquet (typed Parquet partitions and the CDM
# manifest).  The output folders are this script's own and are made afresh on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
rm -rf out/samples-config out/samples-cdm out/samples-parquet
mkdir -p out

list() {  # every file under $1 with its size
  (cd "$1" && find . -type f | sort | while read -r f; do
     printf '%8d bytes  %s\n' "$(stat -c %s "$f")" "$f"; done)
}

echo "== fhir2cdm generate-config -r samples/yaml/resourcesConfig.yml -p samples/yaml/propertiesGroupConfig.yml -o out/samples-config"
build/generator/fhir2cdm generate-config -r samples/yaml/resourcesConfig.yml \
  -p samples/yaml/propertiesGroupConfig.yml -o out/samples-config
echo
echo "== what it wrote"
list out/samples-config
echo
echo "== fhir2cdm-transform --config out/samples-config --input samples/ndjson --output out/samples-cdm"
rc=0
build/transformer/fhir2cdm-transform --config out/samples-config --input samples/ndjson \
  --output out/samples-cdm || rc=$?
[ -d out/samples-cdm ] || exit $rc
echo
echo "== what it wrote"
list out/samples-cdm
first=$(find out/samples-cdm/data -name '*.csv' 2>/dev/null | sort | head -n 1)
if [ -n "$first" ]; then
  echo
  echo "== first lines of $first"
  head -n 4 "$first"
fi
echo
echo "== fhir2cdm-transform --config out/samples-config --input samples/ndjson --output out/samples-parquet --format parquet"
prc=0
build/transformer/fhir2cdm-transform --config out/samples-config --input samples/ndjson \
  --output out/samples-parquet --format parquet --quiet || prc=$?
if [ -d out/samples-parquet ]; then
  echo "== what it wrote (typed, ZSTD-compressed partitions; the CDM manifest is the commit record)"
  list out/samples-parquet
fi
[ $rc -ne 0 ] && exit $rc
exit $prc
