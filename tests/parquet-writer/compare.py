#!/usr/bin/env python3
"""parquet.writer.readers: every file test_parquet_writer wrote, read by readers we did not write.

Runs `node tests/parquet/pqdump.mjs --reader both FILE` (DuckDB and hyparquet must agree; tools
from tools/npm-parquet, installed by tests/parquet/install.sh) on each
OUTDIR/<codec>/Patient/<name>.parquet and compares its JSON ({"schema": [{"name", "type"}],
"rows": [[...]]}) with <name>.expected.json beside it, which the writer's test formatted from the
values it wrote.  Then tests/parquet/check_meta.mjs --codec <codec> checks every footer against
the files' true values as DuckDB computes them: types, codec, num_values, statistics (null count,
min, max per row group), dictionaries, key/value metadata.  Skips (77) loudly when node or
the scripts are missing, or when tests/parquet/install.sh cannot install the npm tools.  Usage: compare.py REPO_ROOT OUTDIR.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402


def main():
    root, outdir = sys.argv[1], sys.argv[2]
    pqdump = os.path.join(root, "tests", "parquet", "pqdump.mjs")
    if not shutil.which("node"):
        f2ctest.skip("node is not installed")
    for script in ("pqdump.mjs", "check_meta.mjs"):
        if not os.path.exists(os.path.join(root, "tests", "parquet", script)):
            f2ctest.skip("tests/parquet/%s is missing" % script)
    # Through the installer (flock, one install at a time), never by looking for node_modules:
    # a test running beside one that is still installing would load a half-extracted DuckDB
    # binding (SIGBUS seen in a fresh clone's ctest -j2).
    inst = subprocess.run([os.path.join(root, "tests", "parquet", "install.sh")],
                          capture_output=True, text=True)
    if inst.returncode != 0:
        print(inst.stdout + inst.stderr, end="")
        f2ctest.skip("tests/parquet/install.sh could not install the pinned Parquet readers "
                     "(offline?)")
    expected = sorted(glob.glob(os.path.join(outdir, "*", "Patient", "*.expected.json")))
    if not expected:
        print("FAIL no expected files in %s (run parquet.writer.files first)" % outdir)
        return 1
    failures = 0
    for exp_path in expected:
        name = os.path.basename(exp_path)[: -len(".expected.json")]
        pq = os.path.join(os.path.dirname(exp_path), name + ".parquet")
        run = subprocess.run(["node", pqdump, "--reader", "both", pq], capture_output=True,
                             text=True)
        if run.returncode != 0:
            print("FAIL %s: pqdump exited %d: %s" % (name, run.returncode, run.stderr[-2000:]))
            failures += 1
            continue
        got = json.loads(run.stdout)
        want = json.load(open(exp_path, encoding="utf-8"))
        if got.get("schema") != want["schema"]:
            print("FAIL %s: schema %s, expected %s" % (name, got.get("schema"), want["schema"]))
            failures += 1
        rows = got.get("rows", [])
        if len(rows) != len(want["rows"]):
            print("FAIL %s: %d rows, expected %d" % (name, len(rows), len(want["rows"])))
            failures += 1
        bad = [i for i, (g, w) in enumerate(zip(rows, want["rows"])) if g != w]
        for i in bad[:3]:
            print("FAIL %s row %d: %s, expected %s" % (name, i, rows[i], want["rows"][i]))
        failures += bool(bad)
        if not bad and len(rows) == len(want["rows"]):
            print("ok   %s: %d rows" % (name, len(rows)))
    check_meta = os.path.join(root, "tests", "parquet", "check_meta.mjs")
    for codec in sorted(os.listdir(outdir)):
        files = sorted(glob.glob(os.path.join(outdir, codec, "Patient", "*.parquet")))
        if not files:
            continue
        run = subprocess.run(["node", check_meta, "--codec", codec] + files, capture_output=True,
                             text=True)
        print(run.stdout.strip() or run.stderr.strip()[-2000:])
        if run.returncode != 0:
            print("FAIL check_meta.mjs --codec %s: exit %d" % (codec, run.returncode))
            failures += 1
    print("%d file(s), %d failure(s)" % (len(expected), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
