#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang + ASan + UBSan and runs each one for a
# bounded time (FUZZ_SECONDS, default 60) from seed corpora made of the project's own test
# inputs.  Fails if a target reports a crash, leak or undefined behaviour.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DFHIR2CDM_FUZZ=ON -DBUILD_TESTING=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_line fuzz_fhirpath fuzz_record fuzz_journal >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Seeds: every NDJSON line of the golden cases and samples, one file each.
mkdir -p "$work/line" "$work/fhirpath" "$work/record" "$work/journal"
n=0
for f in tests/transform/cases/*/input/*.ndjson samples/ndjson/*.ndjson; do
  while IFS= read -r l || [ -n "$l" ]; do
    n=$((n + 1)); printf '%s' "$l" >"$work/line/seed$n"
  done <"$f"
done
# FHIRPath seeds: expressions from the FHIRPath test cases with a small resource.
if [ -d tests/fhirpath/cases ]; then
  grep -h -v '^[[:space:]]*[#{@!\[]' tests/fhirpath/cases/*.test 2>/dev/null | grep -v '^$' | head -n 400 |
  while IFS= read -r e; do
    n=$((n + 1))
    printf '%s\n{"resourceType":"Patient","id":"p","name":[{"given":["A","B"],"family":"F"}],"birthDate":"1970-01-01"}' "$e" >"$work/fhirpath/seed$n"
  done || true
fi
[ -n "$(ls -A "$work/fhirpath")" ] || printf 'name.given\n{"resourceType":"Patient"}' >"$work/fhirpath/seed0"
# Commit-record seeds: every model.json the golden cases expect.
for f in tests/transform/cases/*/expected/model.json tests/transform/cases/*/preout/model.json \
         tests/cdm/expected-model.json; do
  [ -f "$f" ] && { n=$((n + 1)); cp "$f" "$work/record/seed$n"; }
done
# Journal seeds: what f2c_commit_finish writes, and hostile variants (escapes, links, garbage).
printf '%s' '{"renames":[["data/E/f.csv","data/E/f.csv"]],"removes":[],"stage":"stage-0123456789abcdef","record":["model.json","model.json"]}' >"$work/journal/ok"
printf '%s' '{"renames":[["data/E/f.csv","../../escaped.csv"]],"removes":["../sentinel"],"stage":"stage-0123456789abcdef","record":["model.json","/tmp/x"]}' >"$work/journal/escape"
printf '%s' '{"renames":[],"removes":[],"stage":"../..","record":["model.json","model.json"]}' >"$work/journal/stage"
printf '%s' 'not json' >"$work/journal/garbage"
for t in line fhirpath record journal; do
  echo "== fuzz_$t for ${secs}s"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work/$t" 2>&1 | grep -E 'Done|stat::number_of_executed_units|ERROR|SUMMARY' || true
  if ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* >/dev/null 2>&1; then
    echo "fuzz_$t found a problem; reproducer(s):" >&2
    for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do [ -e "$a" ] && base64 -w0 "$a" && echo; done >&2
    exit 1
  fi
done
echo "fuzzing: no crash, leak or undefined behaviour"
