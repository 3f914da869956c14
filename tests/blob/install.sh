#!/usr/bin/env bash
# Installs the Azure Storage emulator for the blob-client tests: Microsoft's Azurite (npm package
# `azurite`, pinned to an exact version, with its whole dependency tree pinned by
# npm/package-lock.json, which carries no download addresses) into the project-local,
# git-ignored folder tools/npm-azurite.  Same approach as tests/fhirpath-diff/install.sh.
#
# Usage: tests/blob/install.sh [PREFIX]      (default PREFIX: <repo>/tools/npm-azurite)
#
# Does nothing (and needs no network) when PREFIX already holds exactly this package.json and
# package-lock.json and the pinned azurite version.  Otherwise runs `npm ci` (lockfile only, no
# install scripts).  Exit status: 0 installed or already present; 1 npm/node missing or the
# install failed (e.g. offline); the message on stderr says why.
#
# Why 3.35.0 and not the newest: azurite 3.36.0 needs node >= 21 and 3.37.0 node >= 22; the
# machine's Debian node is 20.  To move the pin: edit npm/package.json, regenerate
# npm/package-lock.json (`npm install --package-lock-only --ignore-scripts` in a scratch copy of
# npm/), rerun `ctest -R blob`, update docs/azure-storage.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prefix="${1:-$root/tools/npm-azurite}"
pin="$(sed -n 's/^ *"azurite": *"\([^"]*\)".*/\1/p' "$here/npm/package.json" | head -1)"
main_js="$prefix/node_modules/azurite/dist/src/azurite.js"

installed_version() {
    local pj="$prefix/node_modules/azurite/package.json"
    [ -f "$pj" ] || return 0
    sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pj" | head -1
}

if [ "$(installed_version)" = "$pin" ] &&
   cmp -s "$here/npm/package.json" "$prefix/package.json" &&
   cmp -s "$here/npm/package-lock.json" "$prefix/package-lock.json" &&
   [ -f "$main_js" ]; then
    echo "azurite $pin already installed in $prefix"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "install.sh: npm not found on PATH; cannot install azurite $pin" >&2
    exit 1
fi
if ! command -v node >/dev/null 2>&1; then
    echo "install.sh: node not found on PATH; cannot run azurite $pin" >&2
    exit 1
fi

echo "installing azurite $pin into $prefix (npm ci)"
mkdir -p "$prefix"
cp "$here/npm/package.json" "$here/npm/package-lock.json" "$prefix/"
log="$prefix/install.log"
# --ignore-scripts: Azurite runs from its prebuilt dist/ and needs no install step; skipping
# scripts keeps the install from running arbitrary code from the dependency tree.
if ! npm ci --prefix "$prefix" --ignore-scripts --no-audit --no-fund --loglevel=error \
        >"$log" 2>&1; then
    echo "install.sh: 'npm ci' failed (offline, or the registry lacks a pinned package); see $log:" >&2
    tail -n 20 "$log" >&2
    rm -rf "$prefix/node_modules"   # never leave a half-installed tree that looks complete
    exit 1
fi
got="$(installed_version)"
if [ "$got" != "$pin" ] || [ ! -f "$main_js" ]; then
    echo "install.sh: expected azurite $pin with $main_js in $prefix, found '${got:-nothing}'" >&2
    exit 1
fi
echo "azurite $pin installed in $prefix"
