#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang + ASan + UBSan and runs every one, from
# its committed seed corpus (tests/fuzz/corpus/<target>/) plus seeds made here from the
# project's test inputs.  Fails if a target reports a crash, leak, timeout or undefined
# behaviour, printing the reproducer (base64); every target runs even after one fails.
# docs/reliability.md describes the targets; tests/fuzz/known.supp lists findings reported but
# not yet fixed (suppressed so fuzzing goes on past them).
#
#   scripts/fuzz.sh                 CI run: FUZZ_SECONDS per target (default 20; 17 targets,
#                                   so about 6 minutes plus the build); prints the total.
#   scripts/fuzz.sh --long [SECS]   long campaign: SECS per target (default 600), corpus kept
#                                   in fuzz-corpus/<target>/ (git-ignored) so the next campaign
#                                   continues it; reproducers in fuzz-corpus/artifacts/<target>/;
#                                   a summary per target: executions, coverage, libFuzzer's
#                                   corpus (entries/size), files and bytes added to
#                                   fuzz-corpus/<target>/ over all campaigns, crashes, seconds.
#                                   Goes on after a crash; exits 1 at the end if any was found.
#
# Environment: BUILD_DIR (default build-fuzz), FUZZ_SECONDS (CI mode), FUZZ_TARGETS (a subset,
# e.g. "yaml view"), FUZZ_NICE=1 (run the targets under nice).
set -euo pipefail
cd "$(dirname "$0")/.."
long=0
secs=${FUZZ_SECONDS:-20}
if [ "${1:-}" = "--long" ]; then
  long=1
  secs=${2:-600}
elif [ $# -gt 0 ]; then
  echo "usage: scripts/fuzz.sh [--long [SECONDS_PER_TARGET]]" >&2
  exit 2
fi
case $secs in '' | *[!0-9]*) echo "fuzz.sh: seconds must be a positive integer, got '$secs'" >&2; exit 2 ;; esac
build=${BUILD_DIR:-build-fuzz}
all="line fhirpath record journal yaml tablecfg view sqlmodel bulk pem bloblist activity parquet utf8 deleted index rtscan"
targets=${FUZZ_TARGETS:-$all}
start=$(date +%s)

CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DFHIR2CDM_FUZZ=ON -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_all >/dev/null
# Every committed seed and every recorded finding's reproducer, once, without suppressions: a
# finding whose fix regressed fails here before any fuzzing.
ctest --test-dir "$build" -R '^fuzz\.' --output-on-failure -j"$(nproc)" | tail -n 3
built=$(date +%s)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Generated seeds (on top of the committed corpora), one folder per target.
for t in $all; do mkdir -p "$work/$t"; done
# NDJSON lines of the golden cases and samples, one file each.
n=0
for f in tests/transform/cases/*/input/*.ndjson samples/ndjson/*.ndjson; do
  while IFS= read -r l || [ -n "$l" ]; do
    n=$((n + 1)); printf '%s' "$l" >"$work/line/seed$n"
  done <"$f"
done
# FHIRPath: expressions from the FHIRPath test cases with a small resource.
if [ -d tests/fhirpath/cases ]; then
  grep -h -v '^[[:space:]]*[#{@!\[]' tests/fhirpath/cases/*.test 2>/dev/null | grep -v '^$' | head -n 400 |
  while IFS= read -r e; do
    n=$((n + 1))
    printf '%s\n{"resourceType":"Patient","id":"p","name":[{"given":["A","B"],"family":"F"}],"birthDate":"1970-01-01"}' "$e" >"$work/fhirpath/seed$n"
  done || true
fi
[ -n "$(ls -A "$work/fhirpath")" ] || printf 'name.given\n{"resourceType":"Patient"}' >"$work/fhirpath/seed0"
# Commit records: every model.json the golden cases expect.
for f in tests/transform/cases/*/expected/model.json tests/transform/cases/*/preout/model.json \
         tests/cdm/expected-model.json; do
  [ -f "$f" ] && { n=$((n + 1)); cp "$f" "$work/record/seed$n"; }
done
# Journals: what f2c_commit_finish writes, and hostile variants (escapes, links, garbage).
printf '%s' '{"renames":[["data/E/f.csv","data/E/f.csv"]],"removes":[],"stage":"stage-0123456789abcdef","record":["model.json","model.json"]}' >"$work/journal/ok"
printf '%s' '{"renames":[["data/E/f.csv","../../escaped.csv"]],"removes":["../sentinel"],"stage":"stage-0123456789abcdef","record":["model.json","/tmp/x"]}' >"$work/journal/escape"
printf '%s' '{"renames":[],"removes":[],"stage":"../..","record":["model.json","model.json"]}' >"$work/journal/stage"
printf '%s' 'not json' >"$work/journal/garbage"

run() { # target, corpus dirs...; prints libFuzzer's summary lines, returns its status
  local t=$1; shift
  local nice_cmd=()
  [ "${FUZZ_NICE:-0}" = 1 ] && nice_cmd=(nice -n 10)
  local opts=(-max_total_time="$secs" -max_len=65536 -print_final_stats=1)
  # Long campaigns also report inputs that take over 30 s (hangs) instead of waiting forever.
  [ $long = 1 ] && opts+=(-timeout=30)
  # tests/fuzz/known.supp: undefined behaviour already reported, until its fix lands.
  ASAN_OPTIONS=detect_leaks=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions="$PWD/tests/fuzz/known.supp" \
    "${nice_cmd[@]}" "$build/tests/fuzz/fuzz_$t" "${opts[@]}" -artifact_prefix="$art/" "$@" \
    >"$work/$t.log" 2>&1
}
# Reproducers libFuzzer writes (slow-unit-* files are reports, not failures).
problems() { find "$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort; }
stat_of() { sed -n "s/^stat::$1:[[:space:]]*//p" "$work/$2.log" | tail -n 1; }

failed=0
if [ $long = 1 ]; then
  printf '%-15s %11s %6s %14s %6s %9s %7s %7s\n' target executions cov corpus new-files new-bytes crashes seconds \
    >"$work/summary"
fi
for t in $targets; do
  [ -x "$build/tests/fuzz/fuzz_$t" ] || { echo "fuzz.sh: no target fuzz_$t" >&2; exit 2; }
  committed=tests/fuzz/corpus/$t
  dirs=("$work/$t")
  [ -d "$committed" ] && dirs+=("$committed")
  t0=$(date +%s)
  if [ $long = 1 ]; then
    keep=fuzz-corpus/$t
    art=fuzz-corpus/artifacts/$t
    mkdir -p "$keep" "$art"
    echo "== fuzz_$t for ${secs}s (corpus $keep)"
    before=$(problems "$art" | wc -l)
    run "$t" "$keep" "${dirs[@]}" || true
    crashes=$(( $(problems "$art" | wc -l) - before ))
    grep -E '==ERROR|^SUMMARY|Test unit written' "$work/$t.log" || true
    # libFuzzer's last status line: coverage and the corpus it holds (seeds + what it found).
    last=$(grep -E '^#[0-9]+' "$work/$t.log" | tail -n 1)
    printf '%-15s %11s %6s %14s %6s %9s %7s %7s\n' "fuzz_$t" "$(stat_of number_of_executed_units "$t")" \
      "$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")" "$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")" \
      "$(ls "$keep" | wc -l)" "$(du -sb "$keep" | cut -f1)" "$crashes" "$(( $(date +%s) - t0 ))" \
      >>"$work/summary"
    [ "$crashes" -eq 0 ] || failed=1
  else
    art=$work/artifacts-$t
    mkdir -p "$art"
    echo "== fuzz_$t for ${secs}s"
    run "$t" "${dirs[@]}" || true
    grep -E 'Done|stat::number_of_executed_units|ERROR|SUMMARY' "$work/$t.log" || true
    if [ -n "$(problems "$art")" ]; then
      echo "fuzz_$t found a problem; reproducer(s), base64:" >&2
      for a in $(problems "$art"); do echo "$(basename "$a"): $(base64 -w0 "$a")"; done >&2
      failed=1
    fi
  fi
done
end=$(date +%s)
[ $long = 1 ] && { echo "== long campaign summary (${secs}s per target)"; cat "$work/summary"; }
echo "fuzzing: build $((built - start))s, fuzzing $((end - built))s, total $((end - start))s"
if [ $failed = 1 ]; then
  echo "fuzzing: problem(s) found (see above)" >&2
  exit 1
fi
echo "fuzzing: no crash, leak, timeout or undefined behaviour" \
  "(known, suppressed: $(grep -c '^[a-z]' tests/fuzz/known.supp) line(s) of tests/fuzz/known.supp)"
