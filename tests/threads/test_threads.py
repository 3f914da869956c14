#!/usr/bin/env python3
"""threads.identical: fhir2cdm-transform gives the same bytes for every --threads N.

Why: the transformer splits its input into chunks of lines that worker threads transform in any
order, and commits them in input order (docs/transform.md, "Threads").  This test is what holds
that promise: for N = 1, 2, 3 and 8 every file of the output folder (partitions, model.json or
the manifest), everything said on stderr (messages with their line numbers, which 100 are shown,
the summary's counts) and the exit status must be identical to --threads 1.

Inputs, built here so that the chunking really happens (a chunk is about 1 MiB of lines):
  synthea   ../shared/data/synthea-10, several files (skipped loudly when ../shared is absent)
  large     one file of about 6 MiB made from samples/ndjson (ids made unique per copy): one
            file transformed by several threads at once
  gzip      the same file gzip-compressed, with bytes after the last member (a warning)
  bad       a 3 MiB file with bad lines of every kind spread over its chunks: malformed JSON,
            invalid UTF-8, a line over --max-line-bytes, non-objects, unknown resource types,
            resources without id (more than the 100 shown), values that do not match their
            column's type, blank and CRLF lines, a BOM on line 1
  merge     samples/merge/round-1 and its deletion file merged (--mode merge) into copies of
            one folder merged from samples/ndjson: the entities are merged on N threads
Each with the table configuration (CSV and Parquet) and, for synthea, --view samples/views.
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402

CHECKS = f2ctest.Failures()
THREADS = (1, 2, 3, 8)


def sample_lines(samples):
    lines = []
    for name in sorted(os.listdir(samples)):
        if name.endswith(".ndjson"):
            with open(os.path.join(samples, name), "rb") as f:
                lines += [l.rstrip(b"\n") for l in f if l.strip()]
    return lines


def with_id(line, k):
    """The resource of `line` with its id made unique for copy k (references are left as they
    are: the rows only need to differ)."""
    r = json.loads(line)
    if "id" in r:
        r["id"] = "%s-%d" % (r["id"], k)
    return json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode()


def make_large(samples, path, target):
    lines = sample_lines(samples)
    size, k = 0, 0
    with open(path, "wb") as f:
        while size < target:
            for line in lines:
                out = with_id(line, k) + b"\n"
                f.write(out)
                size += len(out)
            k += 1


def make_gzip(src, path):
    with open(src, "rb") as f:
        data = f.read()
    half = len(data) // 2
    cut = data.index(b"\n", half) + 1
    with open(path, "wb") as f:  # two members, then bytes that are not gzip
        f.write(gzip.compress(data[:cut], mtime=0))
        f.write(gzip.compress(data[cut:], mtime=0))
        f.write(b"not gzip")


def bad_line(i, lines):
    """The i-th bad line: one of each kind, in turn."""
    base = json.loads(lines[i % len(lines)])
    kind = i % 10
    if kind == 0:
        return b'{"resourceType": "Patient", "id": "broken' + str(i).encode()
    if kind == 1:
        return b'{"resourceType":"Patient","id":"u%d","name":[{"family":"\xff\xfe"}]}' % i
    if kind == 2:
        return b'{"resourceType":"Patient","id":"long%d","note":"%s"}' % (i, b"x" * 5000)
    if kind == 3:
        return b"[1, 2, 3]"
    if kind == 4:
        return b'{"resourceType":"NotAType","id":"n%d"}' % i
    if kind == 5:
        base.pop("id", None)
        return json.dumps(base).encode()
    if kind == 6:
        return b'{"resourceType":"Patient","id":"d%d","birthDate":"not-a-date","gender":7}' % i
    if kind == 7:
        return b"   "
    if kind == 8:
        return json.dumps(base).encode() + b"\r"
    return b'{"id":"nort%d"}' % i


def make_bad(samples, path, target):
    lines = sample_lines(samples)
    size, i, k = 0, 0, 0
    with open(path, "wb") as f:
        f.write(b"\xef\xbb\xbf")
        while size < target:
            for line in lines:
                out = with_id(line, k) + b"\n"
                if (size // 7919) % 3 == 0:
                    out += bad_line(i, lines) + b"\n"
                    i += 1
                f.write(out)
                size += len(out)
            k += 1


def run(transform, args, out_dir, threads):
    cmd = [transform] + args + ["--output", out_dir, "--threads", str(threads)]
    p = subprocess.run(cmd, capture_output=True, timeout=900)
    # Progress lines (every 10 s when stderr is not a terminal) carry timings: the only stderr
    # lines allowed to differ.
    err = [l for l in p.stderr.decode(errors="replace").splitlines()
           if not l.startswith("progress: ")]
    # The summary names the output folder (one per N) and says how long the run took.
    out = [l.replace(out_dir, "OUT") for l in p.stdout.decode(errors="replace").splitlines()
           if " s (" not in l and "MB/s" not in l and "seconds" not in l]
    return p.returncode, err, out, cmd


def case(transform, tmp, name, args, before=None):
    first = None
    for n in THREADS:
        out_dir = os.path.join(tmp, "%s-%d" % (name, n))
        if before:
            before(out_dir)
        rc, err, out, cmd = run(transform, args, out_dir, n)
        files = f2ctest.folder_digest(out_dir)
        if first is None:
            first = (rc, err, out, files)
            CHECKS.expect(rc in (0, 1), "%s: --threads 1 exits 0 or 1 (got %d): %s" %
                          (name, rc, " ".join(cmd)))
            CHECKS.expect(len(files) > 1, "%s: --threads 1 wrote %d files" % (name, len(files)))
            if rc not in (0, 1):
                print("\n".join(err[-20:]))
            continue
        CHECKS.expect(rc == first[0], "%s: --threads %d exit status %d == %d" %
                      (name, n, rc, first[0]))
        same = files == first[3]
        if not same:
            diff = sorted(k for k in set(files) | set(first[3]) if files.get(k) != first[3].get(k))
            print("  differing files: %s" % diff[:10])
        CHECKS.expect(same, "%s: --threads %d wrote the same %d files, byte for byte" %
                      (name, n, len(first[3])))
        CHECKS.expect(err == first[1], "%s: --threads %d said the same %d stderr lines" %
                      (name, n, len(first[1])))
        if err != first[1]:
            for a, b in zip(err, first[1]):
                if a != b:
                    print("  first difference:\n    N=%d: %s\n    N=1: %s" % (n, a, b))
                    break
        CHECKS.expect(out == first[2], "%s: --threads %d printed the same summary" % (name, n))
    return first


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if not f2ctest.transformer_ok(a.transform):
        return 1
    config = os.path.join(a.source, "samples", "config")
    views = os.path.join(a.source, "samples", "views")
    samples = os.path.join(a.source, "samples", "ndjson")
    tmp = tempfile.mkdtemp(prefix="f2c-threads-")
    inputs = os.path.join(tmp, "in")
    for d in ("large", "gzip", "bad"):
        os.makedirs(os.path.join(inputs, d))
    large = os.path.join(inputs, "large", "Mixed.ndjson")
    make_large(samples, large, 6 << 20)
    make_gzip(large, os.path.join(inputs, "gzip", "Mixed.ndjson.gz"))
    make_bad(samples, os.path.join(inputs, "bad", "Bad.ndjson"), 3 << 20)
    common = ["--quiet", "--operation-id", "t"]
    cfg = ["--config", config]
    lim = ["--max-line-bytes", "4096", "--max-errors", "1000000"]
    case(a.transform, tmp, "large.csv", cfg + common + ["--input", os.path.join(inputs, "large")])
    case(a.transform, tmp, "large.parquet",
         cfg + common + ["--format", "parquet", "--input", os.path.join(inputs, "large")])
    case(a.transform, tmp, "gzip.csv", cfg + common + ["--input", os.path.join(inputs, "gzip")])
    bad = case(a.transform, tmp, "bad.csv",
               cfg + common + lim + ["--input", os.path.join(inputs, "bad")])
    CHECKS.expect(bad is not None and bad[0] == 0 and
                  sum("error:" in l for l in bad[1]) >= 100 and
                  any("further rejected lines are counted" in l for l in bad[1]),
                  "bad: more than 100 rejected lines, the first 100 said, the rest counted")
    case(a.transform, tmp, "bad.parquet",
         cfg + common + lim + ["--format", "parquet", "--input", os.path.join(inputs, "bad")])
    # merge mode: the entities of a merge are merged on several threads at once; into copies of
    # one merged folder, samples/merge/round-1 with its deletion file, CSV and Parquet
    rounds = os.path.join(a.source, "samples", "merge")
    for fmt in ("csv", "parquet"):
        base = os.path.join(tmp, "merge-base." + fmt)
        p = subprocess.run([a.transform, "--config", config, "--format", fmt, "--mode", "merge",
                            "--quiet", "--operation-id", "t", "--input", samples, "--output",
                            base], capture_output=True, timeout=900)
        CHECKS.expect(p.returncode == 0, "merge.%s: the base run exits 0 (%d)" % (fmt,
                                                                               p.returncode))
        case(a.transform, tmp, "merge." + fmt,
             cfg + common[:1] + ["--operation-id", "r1", "--format", fmt, "--mode", "merge",
                                 "--input", os.path.join(rounds, "round-1"), "--deleted",
                                 os.path.join(rounds, "round-1-deleted")],
             before=lambda d, b=base: shutil.copytree(b, d))
    synthea = os.path.join(a.shared, "data", "synthea-10")
    if os.path.isdir(synthea):
        # derived operation id (no --operation-id), summary shown
        case(a.transform, tmp, "synthea.csv", cfg + ["--input", synthea])
        case(a.transform, tmp, "synthea.parquet",
             cfg + common + ["--format", "parquet", "--input", synthea])
        case(a.transform, tmp, "synthea.views", ["--view", views] + common + ["--input", synthea])
    else:
        f2ctest.banner("SKIP (part): %s is absent; the Synthea cases did not run" % synthea)
    f2ctest.remove_tmp(tmp, a.keep)
    return f2ctest.report(CHECKS.items, "threads.identical: all checks passed")


if __name__ == "__main__":
    sys.exit(main())
