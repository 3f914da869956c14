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
exec "$root/scripts/npm-pinned.sh" "$here/npm" "${1:-$root/tools/npm}" fhirpath fhir-context/r4/index.js
