#!/usr/bin/env python3
"""bench/skip_bench.py -- reading only what the job needs (issue 22, item 7; docs/benchmarks.md,
"Reading only what the job needs (issue 22)"; docs/transform.md, same title).

One ViewDefinition over Condition (samples/views/condition.json) on the benchmark folder
(bench/gen_data.py --mb 200: bench/data/<Type>.000.ndjson), three ways:
  folder     --input bench/data: every type's file; the files no view reads are skipped unread
             (their names say their type and their first lines agree);
  condition  --input of a folder holding only a symbolic link to Condition.000.ndjson (the
             baseline: what the view needs, nothing else);
  mixed      --input of one file, mixed.ndjson, with every resource of bench/data interleaved
             (round robin over the types, each type's resources in their order): a name that
             says nothing, so every line is read and the lines of other types are recognised by
             their first member and skipped without being parsed.
The condition folder and the mixed file are made before any clock starts.  Each round runs the
three one after the other, in an order that turns by one each round; REPEAT rounds; wall time of
the child.  Prints every time, the medians and the ratios folder/condition (target <= 1.25) and
mixed/condition (target <= 1.5), and checks the three outputs are the same: the folders of
`folder` and `condition` byte for byte (every file), and `mixed`'s partitions, whose names hold
its own stem, by content (entity by entity).  --operation-id is given so names do not depend on
the inputs' bytes; with --derived one more timing shows `folder` with a derived operation id
(the skipped files are then read for the hash, never parsed).

Release build by default (bench/out/skip-build); BIN=... uses another binary.

Usage: bench/skip_bench.py [--repeat 5] [--threads N] [--derived]
"""
import argparse
import filecmp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

import benchlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
OUT = os.path.join(HERE, "out", "skip")
VIEW = os.path.join(ROOT, "samples", "views", "condition.json")


def build():
    return benchlib.build("skip-build")


def inputs():
    """The three inputs: bench/data, a folder of Condition only, one mixed file."""
    files = sorted(f for f in os.listdir(DATA) if f.endswith(".ndjson"))
    if "Condition.000.ndjson" not in files:
        sys.exit("skip_bench: no bench/data/Condition.000.ndjson: run bench/gen_data.py --mb 200")
    cond = os.path.join(OUT, "condition-only")
    shutil.rmtree(cond, ignore_errors=True)
    os.makedirs(cond)
    os.symlink(os.path.join(DATA, "Condition.000.ndjson"),
               os.path.join(cond, "Condition.000.ndjson"))
    mixed = os.path.join(OUT, "mixed")
    target = os.path.join(mixed, "mixed.ndjson")
    stamp = os.path.join(mixed, ".made-from")
    key = repr([(f, os.path.getsize(os.path.join(DATA, f))) for f in files])
    if not (os.path.exists(stamp) and open(stamp).read() == key):
        shutil.rmtree(mixed, ignore_errors=True)
        os.makedirs(mixed)
        handles = [open(os.path.join(DATA, f), "rb") for f in files]
        with open(target + ".tmp", "wb") as o:
            while handles:
                for h in list(handles):
                    line = h.readline()
                    if line:
                        o.write(line)
                    else:
                        h.close()
                        handles.remove(h)
        os.rename(target + ".tmp", target)
        with open(stamp, "w") as f:
            f.write(key)
    return {"folder": DATA, "condition": cond, "mixed": target}


def run(binary, name, inp, out, threads, opid=True):
    shutil.rmtree(out, ignore_errors=True)
    cmd = [binary, "--view", VIEW, "--input", inp, "--output", out, "--quiet"]
    if opid:
        cmd += ["--operation-id", "bench"]
    if threads:
        cmd += ["--threads", str(threads)]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    secs = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit("skip_bench: %s exited %d: %s" % (name, r.returncode, r.stderr.decode()[-2000:]))
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    return secs, cpu


def tree(d):
    out = []
    for root, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if x != ".fhir2cdm"]
        out += [os.path.relpath(os.path.join(root, f), d) for f in files]
    return sorted(out)


def entity_bytes(d):
    """Per entity folder under data/: its partitions' bytes, in name order."""
    res = {}
    for ent in sorted(os.listdir(os.path.join(d, "data"))):
        parts = sorted(os.listdir(os.path.join(d, "data", ent)))
        res[ent] = b"".join(open(os.path.join(d, "data", ent, p), "rb").read() for p in parts)
    return res


def same_outputs(a, b, c):
    ta, tb = tree(a), tree(b)
    if ta != tb:
        return "folder and condition hold different files: %s / %s" % (ta, tb)
    _, mismatch, errors = filecmp.cmpfiles(a, b, ta, shallow=False)
    if mismatch or errors:
        return "folder and condition differ in %s" % (mismatch + errors)
    ea, ec = entity_bytes(a), entity_bytes(c)
    if ea != ec:
        return "mixed's partitions differ from condition's (%s)" % sorted(ea)
    rows = sum(v.count(b"\n") for v in ea.values())
    return "same (%d files; %d CSV lines in mixed's partitions too)" % (len(ta), rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--derived", action="store_true")
    a = ap.parse_args()
    binary = build()
    os.makedirs(OUT, exist_ok=True)
    ins = inputs()
    names = ["folder", "condition", "mixed"]
    keys = names + (["folder-derived"] if a.derived else [])
    times, cpus = {n: [] for n in keys}, {n: [] for n in keys}
    for rnd in range(a.repeat):
        order = names[rnd % 3:] + names[:rnd % 3]
        for n in order:
            w, c = run(binary, n, ins[n], os.path.join(OUT, "o-" + n), a.threads)
            times[n].append(w)
            cpus[n].append(c)
        if a.derived:
            w, c = run(binary, "folder-derived", ins["folder"], os.path.join(OUT, "o-derived"),
                       a.threads, False)
            times["folder-derived"].append(w)
            cpus["folder-derived"].append(c)
    med = {n: statistics.median(v) for n, v in times.items()}
    for n, v in times.items():
        print("%-15s median %.3f s (CPU %.3f s)  runs %s" % (
            n, med[n], statistics.median(cpus[n]), " ".join("%.3f" % x for x in v)))
    print("folder/condition  %.2f (target <= 1.25)" % (med["folder"] / med["condition"]))
    print("mixed/condition   %.2f (target <= 1.5)" % (med["mixed"] / med["condition"]))
    if a.derived:
        print("folder-derived/condition  %.2f" % (med["folder-derived"] / med["condition"]))
    verdict = same_outputs(*(os.path.join(OUT, "o-" + n) for n in names))
    print("outputs:", verdict)
    return 0 if verdict.startswith("same") else 1


if __name__ == "__main__":
    sys.exit(main())
