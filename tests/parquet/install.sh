#!/usr/bin/env bash
# Installs the two independent Parquet readers the tests/parquet oracles use -- DuckDB's node
# API (@duckdb/node-api) and hyparquet (+ hyparquet-compressors for ZSTD/Snappy/...) -- pinned to
# exact versions, whole dependency tree pinned by npm/package-lock.json, into the project-local,
# git-ignored folder tools/npm-parquet.  Two readers written independently (C++ DuckDB, pure JS
# hyparquet) so that a writer bug is not hidden by one reader's leniency.
#
# Usage: tests/parquet/install.sh [PREFIX]      (default PREFIX: <repo>/tools/npm-parquet)
#
# Does nothing (and needs no network) when PREFIX already holds exactly this pin; otherwise
# `npm ci --ignore-scripts` (see scripts/npm-pinned.sh).  --ignore-scripts is enough for DuckDB:
# no package of npm/package-lock.json declares an install script (no "hasInstallScript"); the
# native binding (duckdb.node + libduckdb.so) is not built but shipped prebuilt as an optional
# platform package (@duckdb/node-bindings-linux-x64, ...) that npm ci selects by os/cpu/libc
# from the lockfile; the check below loads it, so a platform without a prebuilt package fails
# here rather than in a test.  Exit 0 installed or present; 1 npm or node missing, the install
# failed, or the DuckDB binding does not load, with the reason on stderr.
# To move the pin: edit npm/package.json, regenerate npm/package-lock.json
# (`npm install --package-lock-only --ignore-scripts` in a scratch copy of npm/, no "resolved"
# fields), rerun ctest -R parquet, update docs/benchmarks.md if figures change.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prefix="${1:-$root/tools/npm-parquet}"
# Tests running in parallel (ctest -j) may all call this: one installs, the others wait.
mkdir -p "$(dirname "$prefix")"
exec 9>"$prefix.lock"
flock 9
# npm-pinned.sh checks one package (its name goes into a sed pattern, so no '/' scope): hyparquet.
"$root/scripts/npm-pinned.sh" "$here/npm" "$prefix" hyparquet package.json
for f in hyparquet-compressors/package.json @duckdb/node-api/package.json; do
    if [ ! -f "$prefix/node_modules/$f" ]; then
        echo "install.sh: $prefix/node_modules/$f missing after install" >&2
        exit 1
    fi
done
if ! (cd "$prefix" && node -e "require('@duckdb/node-api')" >/dev/null 2>&1); then
    echo "install.sh: @duckdb/node-api does not load in $prefix (no prebuilt binding for" \
        "$(uname -sm)?):" >&2
    (cd "$prefix" && node -e "require('@duckdb/node-api')" 2>&1 | tail -n 5) >&2 || true
    exit 1
fi
