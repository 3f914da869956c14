#!/usr/bin/env python3
"""bench/merge_bench.py -- what a merge costs against a full run (issue 21, "Benchmark";
docs/benchmarks.md, "Merge mode").

On the benchmark folder (bench/gen_data.py --mb 200, as bench/run.sh), with one configuration:
  full    fhir2cdm-transform --mode merge of all of bench/data into a fresh folder F (REPEAT runs,
          each into a fresh folder; wall time and peak RSS of the child);
  merge   an incremental input made by this script (seeded): CHANGE (default 1%) of the resources
          changed -- meta.lastUpdated moved on and one scalar changed -- and DELETE (default 0.1%)
          of the others listed in a Bulk Data deletion file; merged into a copy of F (the copy is
          made before the clock starts; REPEAT runs, each into a fresh copy).
Prints every time, the medians, the ratio merge/full, the peak RSS of each, how many partitions
the merge rewrote, and the size of the folder's resource index (fhir2cdm-index/) per million
resources.  Release build by default (bench/out/merge-build); BIN=... uses another binary.

Two scenarios (--pick):
  uniform  the changed and deleted resources are drawn uniformly from all of them: with one
           partition per input file and entity, every partition holds some, so every one is
           rewritten (the worst case for copy-on-write);
  recent   the input is split as a Bulk Data server splits it (--per-file resources per file,
           <Type>.<n>.ndjson) and the changed and deleted resources are drawn from the newest
           files (the last --recent share of each type's resources): an incremental export
           mostly holds recent resources, and the partitions of older files stay untouched.

Usage: bench/merge_bench.py [--mb 200] [--config samples/config | --view samples/views]
                            [--format csv|parquet] [--repeat 3] [--change 0.01] [--delete 0.001]
                            [--pick uniform|recent] [--per-file 5000] [--recent 0.1] [--sync]
--sync: the copy of the folder is written to disk (sync) before each merge's clock starts, as a
folder written by an earlier day's run is; without it the copy may still be in the page cache only.
"""
import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time

import benchlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out", "merge")


def build():
    return benchlib.build("merge-build")


def split(data, out, per_file):
    """The benchmark input split into files of per_file resources (<Type>.<n>.ndjson), as a Bulk
    Data server writes an export; returns the folder."""
    d = os.path.join(out, "split-%d" % per_file)
    if os.path.isdir(d):
        return d
    os.makedirs(d + ".tmp", exist_ok=True)
    for fn in sorted(os.listdir(data)):
        if not fn.endswith(".ndjson"):
            continue
        rtype, n, o = fn.split(".")[0], 0, None
        with open(os.path.join(data, fn), encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i % per_file == 0:
                    if o:
                        o.close()
                    o = open(os.path.join(d + ".tmp", "%s.%03d.ndjson" % (rtype, n)), "w",
                             encoding="utf-8")
                    n += 1
                o.write(line)
        if o:
            o.close()
    os.rename(d + ".tmp", d)
    return d


def make_incremental(data, out, change, delete, seed, recent=1.0):
    """Writes out/inc/<file> (changed resources) and out/deleted/del.000.ndjson; returns counts.
    With recent < 1, only the last `recent` share of each type's resources (in file-name order,
    the newest files of a split export) is drawn from, at rates scaled so that the share of all
    resources changed and deleted stays `change` and `delete`."""
    rng = random.Random(seed)
    per_type = {}
    for fn in sorted(os.listdir(data)):
        if fn.endswith(".ndjson"):
            with open(os.path.join(data, fn), encoding="utf-8") as f:
                per_type[fn.split(".")[0]] = per_type.get(fn.split(".")[0], 0) + sum(
                    1 for ln in f if ln.strip())
    seen = {}
    inc, dele = os.path.join(out, "inc"), os.path.join(out, "deleted")
    for d in (inc, dele):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    total = changed = 0
    deleted = []
    for fn in sorted(os.listdir(data)):
        if not fn.endswith(".ndjson"):
            continue
        lines = []  # a file with no changed resource is not written (a server lists none)
        with open(os.path.join(data, fn), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                total += 1
                rtype = fn.split(".")[0]
                seen[rtype] = seen.get(rtype, 0) + 1
                if seen[rtype] <= per_type[rtype] * (1 - recent):
                    continue
                x = rng.random() * recent
                if x < change:
                    r = json.loads(line)
                    r.setdefault("meta", {})["lastUpdated"] = "2031-01-01T00:00:00Z"
                    if r.get("resourceType") == "Patient":
                        r["gender"] = "other"
                    elif "status" in r and isinstance(r["status"], str):
                        r["status"] = "entered-in-error"
                    lines.append(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n")
                    changed += 1
                elif x < change + delete:
                    r = json.loads(line)
                    deleted.append("%s/%s" % (r["resourceType"], r["id"]))
        if lines:
            with open(os.path.join(inc, fn), "w", encoding="utf-8") as o:
                o.writelines(lines)
    with open(os.path.join(dele, "del.000.ndjson"), "w") as f:
        for i in range(0, len(deleted), 100):
            f.write(json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": [
                {"request": {"method": "DELETE", "url": u}} for u in deleted[i:i + 100]]}) + "\n")
    return total, changed, len(deleted)


def timed(argv):
    """Runs argv; (wall seconds, peak RSS MiB of this child, output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    t = time.monotonic() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if p.returncode not in (0, 1):
        sys.exit("failed: %s\n%s" % (" ".join(argv), p.stdout.decode()[-2000:]))
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: report it only when it grew
    return t, (rss if rss > before else None), p.stdout.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--config")
    ap.add_argument("--view")
    ap.add_argument("--format", default="csv")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--change", type=float, default=0.01)
    ap.add_argument("--delete", type=float, default=0.001)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--pick", choices=("uniform", "recent"), default="uniform")
    ap.add_argument("--per-file", type=int, default=5000)
    ap.add_argument("--recent", type=float, default=0.1)
    ap.add_argument("--sync", action="store_true",
                    help="sync after copying the folder, before the clock starts (a folder on disk)")
    a = ap.parse_args()
    tables = ["--view", a.view] if a.view else ["--config", a.config or
                                                 os.path.join(ROOT, "samples", "config")]
    binary = build()
    data = os.path.join(HERE, "data")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_data.py"), "--mb", str(a.mb),
                    "--out", data], check=True)
    os.makedirs(OUT, exist_ok=True)
    if a.pick == "recent":
        data = split(data, OUT, a.per_file)
    total, changed, deleted = make_incremental(data, OUT, a.change, a.delete, a.seed,
                                               a.recent if a.pick == "recent" else 1.0)
    print("scenario %s%s" % (a.pick, " (%d resources per file, newest %.0f%%)" %
                             (a.per_file, 100 * a.recent) if a.pick == "recent" else ""))
    print("input: %d resources; incremental: %d changed, %d deleted" % (total, changed, deleted))
    base = [binary] + tables + ["--format", a.format, "--mode", "merge", "--quiet"]
    full_dir = os.path.join(os.environ.get("BENCH_OUT", OUT), "F")
    work = os.path.join(os.environ.get("BENCH_OUT", OUT), "M")
    full_t, merge_t, full_rss, merge_rss = [], [], 0, 0
    # The full runs first (the largest child sets ru_maxrss), then the merges each into a copy.
    for i in range(a.repeat):
        shutil.rmtree(full_dir, ignore_errors=True)
        t, rss, _ = timed(base + ["--input", data, "--output", full_dir])
        full_t.append(t)
        full_rss = max(full_rss, rss or 0)
        print("full  %d: %.3f s" % (i + 1, t), flush=True)
    log = ""
    for i in range(a.repeat):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(full_dir, work)
        if a.sync:
            os.sync()
        t, rss, out = timed(base[:-1] + ["--input", os.path.join(OUT, "inc"), "--output", work,
                                         "--deleted", os.path.join(OUT, "deleted")])
        merge_t.append(t)
        log = out
        print("merge %d: %.3f s" % (i + 1, t), flush=True)
    # A child's peak RSS: measured separately for the merge (a fresh interpreter's children).
    probe = subprocess.run([sys.executable, "-c", (
        "import resource,subprocess,shutil,sys;"
        "shutil.rmtree(sys.argv[2], ignore_errors=True);shutil.copytree(sys.argv[1], sys.argv[2]);"
        "subprocess.run(sys.argv[3:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"), full_dir, work] +
        base + ["--input", os.path.join(OUT, "inc"), "--output", work, "--deleted",
                os.path.join(OUT, "deleted")], stdout=subprocess.PIPE, check=True)
    merge_rss = int(probe.stdout.decode().split()[-1])
    idx = os.path.join(full_dir, "fhir2cdm-index")
    idx_bytes = sum(os.path.getsize(os.path.join(idx, f)) for f in os.listdir(idx))
    with open(os.path.join(full_dir, "model.json" if a.format == "csv"
                           else "model.manifest.cdm.json")) as f:
        record = f.read()
    fm, mm = statistics.median(full_t), statistics.median(merge_t)
    print("".join(ln + "\n" for ln in log.splitlines() if ln.startswith("merge:")), end="")
    print("median of %d: full %.3f s, merge %.3f s = %.1f%% of the full run" %
          (a.repeat, fm, mm, 100 * mm / fm))
    print("peak RSS: full %.0f MiB, merge %.0f MiB" % (full_rss / 1024, merge_rss / 1024))
    print("resource index: %.1f MB for %d resources (%.1f MB per million resources), %d "
          "entities, %d segments" % (idx_bytes / 1e6, total, idx_bytes / 1e6 / total * 1e6,
                                     sum(f.endswith(".idx") for f in os.listdir(idx)),
                                     sum(f.endswith(".seg") for f in os.listdir(idx))))
    print("record: %d partitions listed" % record.count('"location"'))


if __name__ == "__main__":
    main()
