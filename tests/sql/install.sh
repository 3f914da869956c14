#!/usr/bin/env bash
# Installs the SQL parser for the sql.parse test: node-sql-parser (npm, pinned to an exact
# version, with its whole dependency tree pinned by npm/package-lock.json) into the
# project-local, git-ignored folder tools/npm-sqlparser.
#
# Usage: tests/sql/install.sh [PREFIX]      (default PREFIX: <repo>/tools/npm-sqlparser)
#
# Does nothing (and needs no network) when PREFIX already holds exactly this pin; otherwise
# `npm ci --ignore-scripts` (see scripts/npm-pinned.sh).  Exit 0 installed or present; 1 npm or
# node missing or the install failed, with the reason on stderr.
# To move the pin: edit npm/package.json, regenerate npm/package-lock.json
# (`npm install --package-lock-only --ignore-scripts` in a scratch copy of npm/, no "resolved"
# fields), rerun ctest -R sql.parse, update docs/synapse.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
exec "$root/scripts/npm-pinned.sh" "$here/npm" "${1:-$root/tools/npm-sqlparser}" node-sql-parser \
    build/transactsql.js
