#!/usr/bin/env bash
# Installs one pinned npm package, with its whole dependency tree pinned by a package-lock.json
# (committed without download addresses), into a project-local, git-ignored folder, for tests
# that compare with or run a JavaScript tool (fhirpath.js, Azurite).  One implementation for all
# of them, so "pinned, offline-friendly, never half-installed" holds everywhere.
#
# Usage: scripts/npm-pinned.sh NPM_DIR PREFIX PACKAGE REQUIRED_FILE
#   NPM_DIR        folder with package.json (the pin) and package-lock.json
#   PREFIX         install folder (e.g. <repo>/tools/npm)
#   PACKAGE        the pinned package's name (its version is read from package.json)
#   REQUIRED_FILE  a file, relative to node_modules/PACKAGE, that must exist after installing
#
# Does nothing (and needs no network) when PREFIX already holds exactly these package.json and
# package-lock.json and the pinned version with REQUIRED_FILE.  Otherwise runs `npm ci` (lockfile
# only, --ignore-scripts: nothing from the dependency tree runs at install time).  Exit status:
# 0 installed or already present; 1 npm or node missing or the install failed (e.g. offline),
# with the reason on stderr; a failed install leaves no node_modules behind.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 NPM_DIR PREFIX PACKAGE REQUIRED_FILE" >&2; exit 2; }
npm_dir=$1 prefix=$2 pkg=$3 required=$4
pin="$(sed -n "s/^ *\"$pkg\": *\"\\([^\"]*\\)\".*/\\1/p" "$npm_dir/package.json" | head -1)"
main="$prefix/node_modules/$pkg/$required"

installed_version() {
    local pj="$prefix/node_modules/$pkg/package.json"
    [ -f "$pj" ] || return 0
    sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pj" | head -1
}

if [ "$(installed_version)" = "$pin" ] &&
   cmp -s "$npm_dir/package.json" "$prefix/package.json" &&
   cmp -s "$npm_dir/package-lock.json" "$prefix/package-lock.json" && [ -f "$main" ]; then
    echo "$pkg $pin already installed in $prefix"
    exit 0
fi
for tool in npm node; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "npm-pinned.sh: $tool not found on PATH; cannot install $pkg $pin" >&2
        exit 1
    fi
done
echo "installing $pkg $pin into $prefix (npm ci)"
mkdir -p "$prefix"
cp "$npm_dir/package.json" "$npm_dir/package-lock.json" "$prefix/"
log="$prefix/install.log"
if ! npm ci --prefix "$prefix" --ignore-scripts --no-audit --no-fund --loglevel=error \
        >"$log" 2>&1; then
    echo "npm-pinned.sh: 'npm ci' failed (offline, or the registry lacks a pinned package); see $log:" >&2
    tail -n 20 "$log" >&2
    rm -rf "$prefix/node_modules"
    exit 1
fi
got="$(installed_version)"
if [ "$got" != "$pin" ] || [ ! -f "$main" ]; then
    echo "npm-pinned.sh: expected $pkg $pin with $main in $prefix, found '${got:-nothing}'" >&2
    exit 1
fi
echo "$pkg $pin installed in $prefix"
