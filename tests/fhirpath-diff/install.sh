#!/usr/bin/env bash
# Installs the reference FHIRPath engine for the differential test: HL7's fhirpath.js (npm package
# `fhirpath`, pinned to an exact version, with its whole dependency tree pinned by
# npm/package-lock.json) into the project-local, git-ignored folder tools/npm.  The FHIR R4 model
# ships inside the package (`require('fhirpath/fhir-context/r4')`).
#
# Usage: tests/fhirpath-diff/install.sh [PREFIX]      (default PREFIX: <repo>/tools/npm)
#
# Does nothing (and needs no network) when PREFIX already holds exactly this package.json and
# package-lock.json and the pinned fhirpath version.  Otherwise runs `npm ci` (lockfile only,
# no install scripts).  Exit status: 0 installed or already present; 1 npm missing or the
# install failed (e.g. offline); the message on stderr says why.
#
# Why 5.2.0 and not the newest: fhirpath 5.2.1 and 5.2.2 need @lhncbc/ucum-lhc ^7.1.10, which the
# npm registry reachable here does not offer (newest 7.1.9), so they do not install; 5.2.0 needs
# ^5.0.0.  To move the pin: edit npm/package.json, regenerate npm/package-lock.json
# (`npm install --package-lock-only --ignore-scripts` in a scratch copy of npm/), rerun the test,
# update docs/fhirpath.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prefix="${1:-$root/tools/npm}"
pin="$(sed -n 's/^ *"fhirpath": *"\([^"]*\)".*/\1/p' "$here/npm/package.json" | head -1)"

installed_version() {
    local pj="$prefix/node_modules/fhirpath/package.json"
    [ -f "$pj" ] || return 0
    sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pj" | head -1
}

if [ "$(installed_version)" = "$pin" ] &&
   cmp -s "$here/npm/package.json" "$prefix/package.json" &&
   cmp -s "$here/npm/package-lock.json" "$prefix/package-lock.json" &&
   [ -f "$prefix/node_modules/fhirpath/fhir-context/r4/index.js" ]; then
    echo "fhirpath $pin already installed in $prefix"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "install.sh: npm not found on PATH; cannot install fhirpath $pin" >&2
    exit 1
fi
if ! command -v node >/dev/null 2>&1; then
    echo "install.sh: node not found on PATH; cannot run fhirpath $pin" >&2
    exit 1
fi

echo "installing fhirpath $pin into $prefix (npm ci)"
mkdir -p "$prefix"
cp "$here/npm/package.json" "$here/npm/package-lock.json" "$prefix/"
log="$prefix/install.log"
# --ignore-scripts: fhirpath's only install script sets up its demo folder (absent from the
# package); nothing else in the tree needs one.
if ! npm ci --prefix "$prefix" --ignore-scripts --no-audit --no-fund --loglevel=error \
        >"$log" 2>&1; then
    echo "install.sh: 'npm ci' failed (offline, or the registry lacks a pinned package); see $log:" >&2
    tail -n 20 "$log" >&2
    rm -rf "$prefix/node_modules"   # never leave a half-installed tree that looks complete
    exit 1
fi
got="$(installed_version)"
if [ "$got" != "$pin" ]; then
    echo "install.sh: expected fhirpath $pin in $prefix, found '${got:-nothing}'" >&2
    exit 1
fi
echo "fhirpath $pin installed in $prefix"
