#!/usr/bin/env python3
"""bench/export.py -- what `fhir2cdm-transform export` costs next to a local run of the same data.

Why: export streams every output file from the server straight into the transformer with
--parallel download threads; the question a user asks is how much slower (or faster) that is
than landing the NDJSON and transforming it, and whether memory stays flat.

What it does (run bench/run.sh first: it builds build-bench/ and writes bench/data/):
  1. starts tests/export/bulk_server.py (the Python standard-library test server, loopback)
     over bench/data with a fixed --transaction-time;
  2. REPEAT times each (median reported): the local run (fhir2cdm-transform --config ... --input
     bench/data) and `export` with --parallel 1, 2 and 4, all with one --operation-id, under
     GNU time (wall s, peak RSS);
  3. checks every export's CSV partitions and model.json equal the local run's byte for byte
     (model.json: the local inputs' mtime is set to the transaction time first), so a fast
     wrong run cannot be reported;
  4. prints a table and regenerates the <!-- bench:export --> section of docs/benchmarks.md
     (BENCH_DOC=0: print only).
The server is Python: on 2 cores it competes with the transformer for CPU, so the export
figures are a lower bound for a real server on another machine.  Environment: BENCH_REPEAT (3),
BENCH_TRANSFORM (build-bench/transformer/fhir2cdm-transform), BENCH_CONFIG (samples/config).
Exit status non-zero when a run fails or an output differs.
"""
import datetime
import filecmp
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "export"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from exporttest import Server  # noqa: E402
import report  # noqa: E402  (machine(), write_doc's marker handling)

BEGIN, END = "<!-- bench:export -->", "<!-- /bench:export -->"
T = "2024-05-01T12:00:00Z"
OPID = "bench"


def timed(cmd, out_dir):
    shutil.rmtree(out_dir, ignore_errors=True)
    tfile = out_dir + ".time"
    r = subprocess.run(["/usr/bin/time", "-o", tfile, "-f", "%e %M %U %S"] + cmd,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("run failed (%d): %s\n%s" % (r.returncode, " ".join(cmd), r.stderr[-3000:]))
    wall, rss, user, sys_ = open(tfile).read().split()[-4:]
    return {"wall": float(wall), "rss": int(rss), "user": float(user), "sys": float(sys_)}


def same_tree(a, b):
    diffs = []
    for dirpath, _, files in os.walk(a):
        for f in files:
            pa = os.path.join(dirpath, f)
            rel = os.path.relpath(pa, a)
            if rel == "fhir2cdm-state.json":
                continue
            pb = os.path.join(b, rel)
            if not os.path.exists(pb) or not filecmp.cmp(pa, pb, shallow=False):
                diffs.append(rel)
    for dirpath, _, files in os.walk(b):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), b)
            if rel != "fhir2cdm-state.json" and not os.path.exists(os.path.join(a, rel)):
                diffs.append(rel)
    return diffs


def main():
    transform = os.environ.get("BENCH_TRANSFORM",
                               os.path.join(ROOT, "build-bench/transformer/fhir2cdm-transform"))
    config = os.path.join(ROOT, os.environ.get("BENCH_CONFIG", "samples/config"))
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    src = os.path.join(ROOT, "bench", "data")
    if not os.path.isdir(src) or not os.access(transform, os.X_OK):
        sys.exit("run bench/run.sh first (needs %s and bench/data/)" % transform)
    tmp = tempfile.mkdtemp(prefix="f2c-bench-export-")
    try:
        # The local run reads a copy whose mtimes are the export's transactionTime, so model.json
        # (modifiedTime = newest input mtime) can be compared with the export's byte for byte.
        data = os.path.join(tmp, "data")
        shutil.copytree(src, data, ignore=shutil.ignore_patterns(".*"))
        t = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.timezone.utc).timestamp()
        files = sorted(f for f in os.listdir(data) if f.endswith(".ndjson"))
        nbytes = 0
        for f in files:
            os.utime(os.path.join(data, f), (t, t))
            nbytes += os.path.getsize(os.path.join(data, f))
        server = Server(os.path.join(tmp, "server"), data, "--transaction-time", T)
        runs = {}
        try:
            local_out = os.path.join(tmp, "local")
            variants = [("local run (files on disk)", None)] + [
                ("export --parallel %d" % n, n) for n in (1, 2, 4)]
            for label, par in variants:
                runs[label] = []
                for i in range(repeat):
                    out = local_out if par is None else os.path.join(tmp, "export-%d" % par)
                    if par is None:
                        cmd = [transform, "--config", config, "--input", data, "--output", out,
                               "--quiet", "--operation-id", OPID]
                    else:
                        cmd = [transform, "export", "--fhir-url", server.base, "--config",
                               config, "--output", out, "--quiet", "--operation-id", OPID,
                               "--parallel", str(par)]
                    m = timed(cmd, out)
                    runs[label].append(m)
                    print("[bench] %s #%d: %.2f s, %d KiB" % (label, i + 1, m["wall"], m["rss"]),
                          file=sys.stderr)
                    if par is not None:
                        diffs = same_tree(local_out, out)
                        if diffs:
                            sys.exit("export --parallel %d differs from the local run: %s"
                                     % (par, diffs[:10]))
            # What export moved: the files the server was asked for (the configuration's types).
            fetched = {e["path"].rsplit("/", 1)[-1] for e in server.log()
                       if e.get("method") == "GET" and "/files/" in e.get("path", "")}
            moved = sum(os.path.getsize(os.path.join(data, f)) for f in fetched)
        finally:
            server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rows = []
    base = statistics.median(r["wall"] for r in runs["local run (files on disk)"])
    for label, rs in runs.items():
        wall = statistics.median(r["wall"] for r in rs)
        rss = statistics.median(r["rss"] for r in rs) / 1024
        read = nbytes if label.startswith("local") else moved
        rows.append("| %s | %.1f | %.2f | %.1f | %.2fx | %.1f |" % (
            label, read / 1e6, wall, read / 1e6 / wall, wall / base, rss))
    mach = report.machine()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    section = "\n".join([
        BEGIN,
        "## Export from a FHIR server (`fhir2cdm-transform export`)",
        "",
        "Generated by `bench/export.py` (do not edit between the markers; rerun the script).",
        "",
        "- **Date:** %s UTC" % datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M"),
        "- **Machine:** %d CPUs (%s), %s RAM, Linux %s" % (mach["nproc"], mach["cpu"],
                                                          mach["ram"], platform.release()),
        "- **Commit:** `%s`; binary `%s`" % (commit, os.path.relpath(transform, ROOT)),
        "- **Input:** `bench/data` (%.1f MB in %d files), served over loopback by "
        "`tests/export/bulk_server.py` (Python standard library; it shares the 2 CPUs with the "
        "transformer); table configuration `%s`." % (nbytes / 1e6, len(files),
                                                    os.path.relpath(config, ROOT)),
        "- **Method:** %d runs each, median; wall time and peak RSS from GNU time; every export's "
        "CSV partitions and model.json were checked byte-identical to the local run's before its "
        "figures were kept. The local run reads every file of `bench/data` (resources of types without "
        "a table are counted and skipped); export asks the server only for the configuration's "
        "resource types (its default `_type`), so it moves %.1f MB of %d files. MB/s = NDJSON MB "
        "read / wall s." % (repeat, moved / 1e6, len(fetched)),
        "",
        "| run (median) | NDJSON MB read | wall s | MB/s | wall vs local | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ] + rows + [
        "",
        "Each export run includes the kick-off, one status poll (the test server answers the "
        "first poll with the manifest), the downloads streamed into the transformer, the publish "
        "(rename into `data/`, model.json) and the DELETE.",
        "",
        "Command: `python3 bench/export.py` (after `bench/run.sh`).",
        END,
    ]) + "\n"
    print(section)
    if os.environ.get("BENCH_DOC", "1") != "0":
        report.write_doc(os.path.join(ROOT, "docs", "benchmarks.md"), section, BEGIN, END)
        print("wrote docs/benchmarks.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
