#!/usr/bin/env python3
"""parquet.sink.readers: the sink's files for every line of cases.tsv, read by two Parquet
readers we did not write (DuckDB's node API and hyparquet, pinned by tests/parquet/install.sh,
read through tests/parquet/pqlib.mjs), must hold exactly the values cases.tsv expects.

Why: test_pq_sink checks the same files with our own test reader (tests/fuzz/pq_readback.c);
the edge cases of the conversions (half-even ties, 38-digit decimals, years 0001 and 9999,
dates before 1970, leap years, microsecond rounding) appear in no sample or Synthea file, so
only this test shows independent readers agree on them.

Usage: readers_cases.py --sink TEST_PQ_SINK --cases cases.tsv --work DIR --root REPO
Exit 0 pass, 1 fail, 77 (skip, loudly) when node/npm or the pinned readers are unavailable.
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
import f2ctest  # noqa: E402


def run(cmd):
    print("running: " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace")
    print(out, end="", flush=True)
    return p.returncode


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--sink", "--cases", "--work", "--root"):
        ap.add_argument(opt, required=True)
    a = ap.parse_args()
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            f2ctest.skip("%s not found on PATH: the Parquet readers (DuckDB, hyparquet) need it"
                         % tool)
    if run([os.path.join(a.root, "tests", "parquet", "install.sh")]) != 0:
        f2ctest.skip("tests/parquet/install.sh could not install the pinned Parquet readers "
                     "(offline?)")
    os.environ.setdefault("F2C_NPM_PARQUET", os.path.join(a.root, "tools", "npm-parquet"))
    f2ctest.require(run([a.sink, "cases", a.cases, a.work]) == 0,
                    "test_pq_sink cases failed: nothing to read back")
    folder = os.path.join(a.work, "cases-out", "data", "LocalCases")
    rc = run(["node", os.path.join(HERE, "readers_cases.mjs"), a.cases, folder])
    f2ctest.require(rc == 0, "the readers disagree with cases.tsv (lines above)")
    print("parquet.sink.readers: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
