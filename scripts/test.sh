#!/usr/bin/env bash
# Builds and runs every test: once normally, once under AddressSanitizer +
# UndefinedBehaviorSanitizer, then each libFuzzer target for a bounded time (FUZZ_SECONDS,
# default 40 each).  Suites that need ../shared skip loudly when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
echo "== build + tests (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" >/dev/null
ctest --test-dir build --output-on-failure -j"$jobs"
echo "== build + tests (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DFHIR2CDM_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"
echo "== fuzzing (libFuzzer + ASan + UBSan, ${FUZZ_SECONDS:-40}s per target)"
scripts/fuzz.sh
