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
exec "$root/scripts/npm-pinned.sh" "$here/npm" "${1:-$root/tools/npm-azurite}" azurite dist/src/azurite.js
