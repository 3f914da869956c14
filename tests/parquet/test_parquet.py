#!/usr/bin/env python3
"""test_parquet.py: end-to-end tests of fhir2cdm's Parquet output with readers we did not write
(issue 17 item 6), driven by CTest (tests/parquet/CMakeLists.txt).

Why a driver: each test runs the real fhir2cdm-transform twice over the same input and
configuration -- once --format csv, once --format parquet -- and hands the two folders to the
oracles: compare_csv.py (every value of every partition, read by DuckDB and hyparquet, equals
the CSV run's value under the type mapping) and check_meta.mjs (types, codec, statistics,
dictionaries, key/value metadata from DuckDB's parquet_metadata()).

Subcommands:
  e2e      --input samples|synthea: the run above over samples/ndjson or
           ${FHIR2CDM_SHARED_DIR}/data/synthea-10 (skipped loudly when absent), with optional
           --compression and --decimal passed to the Parquet run and to the checks.
  oracles  the oracles themselves can fail: a Parquet folder written by DuckDB from the CSV run
           (csv2parquet.mjs) compares equal; injected differences (a changed decimal, a changed
           instant, a lost row, a renamed partition) are each reported; check_meta.mjs rejects
           DuckDB's files for what fhir2cdm's writer must add (key/value metadata).

Exit 77 (SKIP_RETURN_CODE) when node/npm or the pinned readers cannot be installed
(tests/parquet/install.sh; offline), or the shared data is absent.  A transformer that refuses
--format parquet FAILS the e2e tests (never a skip).
"""

import argparse
import glob
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
import f2ctest  # noqa: E402

OPERATION = "pqtest"


def run(cmd):
    print("running: " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
    return p.returncode, out


def need_readers(root):
    """Install (or find) the pinned readers; skip loudly when impossible."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            f2ctest.skip("%s not found on PATH: the Parquet oracles (DuckDB node API, hyparquet) "
                         "need node and npm" % tool)
    rc, out = run([os.path.join(HERE, "install.sh")])
    print(out, end="")
    if rc != 0:
        f2ctest.skip("tests/parquet/install.sh could not install the pinned Parquet readers into "
                     "tools/npm-parquet (offline?)")
    os.environ.setdefault("F2C_NPM_PARQUET", os.path.join(root, "tools", "npm-parquet"))


def transform(a, inputs, out, fmt, extra=()):
    cmd = [a.transform, "--config", os.path.join(a.root, "samples", "config"), "--input", inputs,
           "--output", out, "--operation-id", OPERATION, "--quiet", "--format", fmt] + list(extra)
    rc, text = run(cmd)
    sys.stdout.write(text[-4000:])
    f2ctest.require(rc == 0, "fhir2cdm-transform --format %s exited %d (a transformer without "
                    "--format parquet fails this test by design)" % (fmt, rc))


def show_schema(a, out):
    rc, text = run([a.gen, "show-schema", "-d", os.path.join(a.root, "samples", "config"),
                    "--format", "json", "-o", out])
    f2ctest.require(rc == 0, "fhir2cdm show-schema failed", text)


def e2e(a):
    need_readers(a.root)
    if a.input == "samples":
        inputs = os.path.join(a.root, "samples", "ndjson")
    else:
        inputs = os.path.join(a.shared, "data", "synthea-10")
        if not os.path.isdir(inputs):
            f2ctest.skip_without_shared(inputs, "data/synthea-10")
    tmp = tempfile.mkdtemp(prefix="f2c-parquet-")
    csv_dir, pq_dir = os.path.join(tmp, "csv"), os.path.join(tmp, "parquet")
    schema = os.path.join(tmp, "schema.json")
    extra = []
    if a.compression:
        extra += ["--compression", a.compression]
    if a.decimal:
        extra += ["--decimal", a.decimal]
    transform(a, inputs, csv_dir, "csv")
    transform(a, inputs, pq_dir, "parquet", extra)
    show_schema(a, schema)
    n = len(glob.glob(os.path.join(pq_dir, "data", "*", "*.parquet")))
    print("Parquet partitions written: %d" % n, flush=True)
    checks = f2ctest.Failures()
    checks.check(n > 0, "the Parquet run wrote no data/<Entity>/*.parquet")
    checks.check(not glob.glob(os.path.join(pq_dir, "data", "*", "*.csv")),
                 "the Parquet run wrote CSV partitions")
    dec = a.decimal or "38,18"
    rc, out = run([sys.executable, "-B", os.path.join(HERE, "compare_csv.py"), "--csv", csv_dir,
                   "--parquet", pq_dir, "--schema", schema, "--decimal", dec])
    print(out, end="", flush=True)
    checks.check(rc == 0, "compare_csv.py: the Parquet folder differs from the CSV folder")
    rc, out = run([a.transform, "--version"])
    version = out.split()[-1] if rc == 0 and out.split() else ""
    checks.check(version != "", "fhir2cdm-transform --version printed no version: %r" % out)
    rc, out = run(["node", os.path.join(HERE, "check_meta.mjs"), "--schema", schema, "--decimal",
                   dec, "--codec", a.compression or "zstd", "--version", version, pq_dir])
    print(out, end="", flush=True)
    checks.check(rc == 0, "check_meta.mjs: footer checks failed")
    rc = checks.report("ok: Parquet run over %s equals the CSV run; footers as required"
                       % a.input)
    f2ctest.remove_tmp(tmp, rc != 0 or a.keep)
    return rc


def mutate(src, dst, edits):
    """Copy CSV folder src to dst, then apply edits: (glob under data/, old, new) text
    replacements, (glob, None, None) dropping the last line, (glob, 'rename', new_name)."""
    shutil.copytree(src, dst)
    for pattern, old, new in edits:
        path = glob.glob(os.path.join(dst, "data", pattern))[0]
        if old == "rename":
            os.rename(path, os.path.join(os.path.dirname(path), new))
            continue
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        if old is None:
            text = text.rstrip("\n").rsplit("\n", 1)[0] + "\n"
        else:
            assert old in text, (path, old)
            text = text.replace(old, new, 1)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)


INJECTED = [
    ("decimal", ("LocalLocation/*.csv", "-83.6945691", "-83.6945692"),
     "PositionLongitude (DECIMAL(38,18)): Parquet \"-83.694569100000000000\""),
    ("instant", ("LocalPatient/*.csv", "2024-02-29T22:30:00.1234Z", "2024-02-29T22:30:00.1235Z"),
     "MetaLastUpdated (TIMESTAMP_MICROS_UTC)"),
    ("lost row", ("LocalCondition/*.csv", None, None), "4 rows, CSV has 3"),
    ("partition", ("LocalProcedure/*.csv", "rename", "partition-data-Procedure-x.csv"),
     "partitions differ"),
    ("boolean", ("LocalPatient/*.csv", ",true,official,", ",false,official,"),
     "column Active (BOOLEAN)"),
]


WRITE_STATS_FILE = """
import { duckdbConnect, loadModules } from %s;
const c = await duckdbConnect(await loadModules());
await c.run(`COPY (SELECT 'minimum-1' AS s UNION ALL SELECT 'maximum-2') TO %s
  (FORMAT parquet, COMPRESSION uncompressed,
   KV_METADATA {'fhir2cdm.version': 'x', 'fhir2cdm.entity': 'E'})`);
"""


def bad_statistics(tmp):
    """A DuckDB file whose footer statistics we corrupt (max "minimum-1" -> "minimum-0" in the
    footer only; the page keeps the true value) must fail check_meta on max_value."""
    d = os.path.join(tmp, "stats", "E")
    os.makedirs(d)
    f = os.path.join(d, "p.parquet")
    script = WRITE_STATS_FILE % (json.dumps(pathlib.Path(HERE, "pqlib.mjs").as_uri()),
                                 "'" + f.replace("'", "''") + "'")
    rc, out = run(["node", "--input-type=module", "-e", script])
    f2ctest.require(rc == 0, "writing the statistics test file failed", out)
    rc, good = run(["node", os.path.join(HERE, "check_meta.mjs"), "--codec", "none", f])
    with open(f, "rb") as fh:
        data = bytearray(fh.read())
    flen = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - flen
    footer = bytes(data[start:-8]).replace(b"minimum-1", b"minimum-0")
    data[start:-8] = footer
    with open(f, "wb") as fh:
        fh.write(data)
    rc2, bad = run(["node", os.path.join(HERE, "check_meta.mjs"), "--codec", "none", f])
    print(good + bad, end="")
    return rc == 0 and rc2 == 1 and 'statistics max_value "minimum-0", true max "minimum-1"' in bad


def oracles(a):
    need_readers(a.root)
    tmp = tempfile.mkdtemp(prefix="f2c-parquet-oracles-")
    checks = f2ctest.Failures()
    csv_dir, pq_dir = os.path.join(tmp, "csv"), os.path.join(tmp, "duckdb")
    schema = os.path.join(tmp, "schema.json")
    rc, out = run([a.transform, "--config", os.path.join(a.root, "samples", "config"), "--input",
                   os.path.join(a.root, "samples", "ndjson"), "--output", csv_dir,
                   "--operation-id", OPERATION, "--quiet"])
    f2ctest.require(rc == 0, "fhir2cdm-transform (CSV) failed", out)
    show_schema(a, schema)
    rc, out = run(["node", os.path.join(HERE, "csv2parquet.mjs"), "--schema", schema, csv_dir,
                   pq_dir])
    f2ctest.require(rc == 0, "csv2parquet.mjs failed", out)
    cmp = [sys.executable, "-B", os.path.join(HERE, "compare_csv.py"), "--parquet", pq_dir,
           "--schema", schema]
    rc, out = run(cmp + ["--csv", csv_dir])
    print(out, end="")
    checks.expect(rc == 0, "DuckDB-written copy of the CSV run compares equal")
    for name, edit, needle in INJECTED:
        bad = os.path.join(tmp, "bad-" + name.replace(" ", "-"))
        mutate(csv_dir, bad, [edit])
        rc, out = run(cmp + ["--csv", bad])
        checks.expect(rc == 1 and needle in out, "injected %s difference reported (%s)"
                      % (name, needle))
        if rc != 1 or needle not in out:
            print(out)
    rc, out = run(cmp + ["--csv", csv_dir, "--decimal", "38,10"])
    checks.expect(rc == 1 and "FHIR type maps to DECIMAL(38,10)" in out,
                  "a decimal column of another scale is reported")
    rc, out = run(["node", os.path.join(HERE, "check_meta.mjs"), "--schema", schema, pq_dir])
    checks.expect(rc == 1 and "fhir2cdm.version is undefined" in out,
                  "check_meta rejects files without fhir2cdm.version")
    checks.expect("statistics" not in out and "compression" not in out,
                  "check_meta finds DuckDB's statistics and ZSTD codec correct")
    rc, out = run(["node", os.path.join(HERE, "check_meta.mjs"), "--codec", "snappy", pq_dir])
    checks.expect(rc == 1 and "compression ZSTD, want SNAPPY" in out,
                  "check_meta reports the wrong codec")
    checks.expect(bad_statistics(tmp), "check_meta reports a footer max_value that is not the "
                  "true maximum")
    files = sorted(glob.glob(os.path.join(pq_dir, "data", "*", "*.parquet")))
    docs = {}
    for reader in ("duckdb", "hyparquet", "both"):
        rc, out = run(["node", os.path.join(HERE, "pqdump.mjs"), "--reader", reader, files[0]])
        docs[reader] = out if rc == 0 else None
    checks.expect(docs["duckdb"] is not None and docs["duckdb"] == docs["hyparquet"]
                  == docs["both"], "pqdump: both readers print identical bytes")
    rc = checks.report("ok: the Parquet oracles accept equal folders and report every injected "
                       "difference")
    f2ctest.remove_tmp(tmp, rc != 0 or a.keep)
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["e2e", "oracles"])
    ap.add_argument("--transform", required=True)
    ap.add_argument("--gen", required=True, help="the fhir2cdm binary (show-schema)")
    ap.add_argument("--root", required=True)
    ap.add_argument("--shared", default="")
    ap.add_argument("--input", choices=["samples", "synthea"], default="samples")
    ap.add_argument("--compression")
    ap.add_argument("--decimal")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    a = ap.parse_args()
    return e2e(a) if a.command == "e2e" else oracles(a)


if __name__ == "__main__":
    sys.exit(main())
