#!/usr/bin/env bash
# Installs the Debian packages fhir2cdm needs to build and test, if any is missing.
# Idempotent and quiet when everything is present; uses sudo when not run as root.
set -euo pipefail
pkgs=(build-essential cmake pkg-config python3 clang libclang-rt-14-dev
      libyaml-dev libcjson-dev libcsv-dev libcurl4-openssl-dev libpcre2-dev libxxhash-dev
      zlib1g-dev libunistring-dev libssl-dev libexpat1-dev
      libzstd-dev libsnappy-dev  # Parquet page compression (ZSTD, SNAPPY)
      python3-jsonschema  # tests/pipeline: the ARM templates against Microsoft's schemas
      openssl)  # the openssl command: keys and signatures in tests/export (SMART Backend Services)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
