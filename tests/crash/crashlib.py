"""Plumbing shared by the crash tests of tests/crash (issue 12): running the transformer, input
sets, reference folders, failure collection.  Every assertion stays in the test that makes it;
the folder verdicts come from check_folder.py (independent of our C code).  Python stdlib only.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_folder as cf  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "pylib"))
import f2ctest  # noqa: E402

SKIP = 77
# What a run finding an interrupted run's leftovers says (f2c_commit.h: 'note: ...' lines on the
# log naming the journal or the staging folder it finished or removed).
RECOVERY_WORDS = ("journal", "stage", "staging", "interrupted", "recover", "roll", "finish")


banner, skip = f2ctest.banner, f2ctest.skip  # one copy of the loud-skip convention (exit 77)


# One test's failures: fail(msg), check(cond, msg), report(passed) (tests/pylib/f2ctest.py).
Failures = f2ctest.Failures


class Run:
    def __init__(self, argv, rc, out, err, seconds):
        self.argv, self.rc, self.out, self.err, self.seconds = argv, rc, out, err, seconds

    def text(self):
        return self.out + self.err

    def describe(self):
        return "`%s` -> exit %s in %.2f s\n--- stdout ---\n%s--- stderr ---\n%s" % (
            " ".join(self.argv), self.rc, self.seconds, self.out[-3000:], self.err[-3000:])


class Transformer:
    def __init__(self, binary, config, extra=()):
        self.binary = binary
        self.config = config
        self.extra = list(extra)  # more flags for every run (e.g. --mode merge)

    def argv(self, inputs, out, opid, quiet=True):
        a = [self.binary, "--config", self.config] + self.extra
        for i in (inputs if isinstance(inputs, (list, tuple)) else [inputs]):
            a += ["--input", i]
        a += ["--output", out]
        if opid is not None:
            a += ["--operation-id", opid]
        if quiet:
            a.append("--quiet")
        return a

    def env(self, fault=None):
        e = dict(os.environ)
        e.pop("FHIR2CDM_FAULT", None)
        if fault:
            e["FHIR2CDM_FAULT"] = fault
        return e

    def run(self, inputs, out, opid, fault=None, quiet=True, timeout=600):
        argv = self.argv(inputs, out, opid, quiet)
        t0 = time.monotonic()
        p = subprocess.run(argv, env=self.env(fault), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        return Run(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)

    def start(self, inputs, out, opid, fault=None, quiet=True):
        argv = self.argv(inputs, out, opid, quiet)
        return argv, subprocess.Popen(argv, env=self.env(fault), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE)


def finish(argv, proc, t0=None, timeout=600):
    out, err = proc.communicate(timeout=timeout)
    return Run(argv, proc.returncode, out.decode("utf-8", "replace"),
               err.decode("utf-8", "replace"), time.monotonic() - t0 if t0 else 0.0)


def rmtree(path):
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def copy_folder(src, dst):
    rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)


def fresh_dir(path):
    rmtree(path)
    os.makedirs(path)
    return path


def recovery_reported(run):
    """Lines of the run's output that report finishing or removing an interrupted run."""
    lines = []
    for ln in run.text().splitlines():
        low = ln.lower()
        if "note" in low and any(w in low for w in RECOVERY_WORDS):
            lines.append(ln)
    return lines


# ---- input sets (made from samples/ndjson, deterministic) -------------------------------------

def _lines(path):
    with open(path, "rb") as f:
        return [ln for ln in f.read().split(b"\n") if ln.strip()]


def _write(path, lines):
    with open(path, "wb") as f:
        for ln in lines:
            f.write(ln + b"\n")


def make_inputs(samples, work):
    """Three input folders with the same stems as samples/ndjson (mtimes fixed so that
    modifiedTime is the same in every run):
      A   the samples verbatim;
      B   other resources (ids suffixed -b, two copies of every line);
      A2  A changed: the first line of every file dropped, Patient genders changed, and
          Procedure.ndjson empty (a rerun with the same operation id must drop its rows)."""
    sets = {}
    for name in ("A", "B", "A2"):
        d = fresh_dir(os.path.join(work, "input-" + name))
        sets[name] = d
    for fn in sorted(os.listdir(samples)):
        if not fn.endswith(".ndjson"):
            continue
        lines = _lines(os.path.join(samples, fn))
        _write(os.path.join(sets["A"], fn), lines)
        b = []
        for k in (1, 2):
            for ln in lines:
                b.append(ln.replace(b'"id":"', b'"id":"b%d-' % k)
                         .replace(b'"id": "', b'"id": "b%d-' % k))
        _write(os.path.join(sets["B"], fn), b)
        a2 = lines[1:]
        if fn == "Patient.ndjson":
            a2 = [ln.replace(b'"gender":"female"', b'"gender":"other"')
                  .replace(b'"gender":"male"', b'"gender":"unknown"') for ln in a2]
        if fn == "Procedure.ndjson":
            a2 = []
        _write(os.path.join(sets["A2"], fn), a2)
    for d in sets.values():
        for fn in os.listdir(d):
            os.utime(os.path.join(d, fn), (1700000000, 1700000000))
    return sets


def deletion_file(samples, path):
    """A Bulk Data deletion file (one transaction Bundle of DELETE entries) for the resource of
    the first line of every samples file: the resources input A2 leaves out, so that a merge of A2
    with it removes them."""
    entries = []
    for fn in sorted(os.listdir(samples)):
        if fn.endswith(".ndjson"):
            first = json.loads(_lines(os.path.join(samples, fn))[0])
            entries.append({"request": {"method": "DELETE",
                                        "url": "%s/%s" % (first["resourceType"], first["id"])}})
    with open(path, "w") as f:
        f.write(json.dumps({"resourceType": "Bundle", "type": "transaction",
                            "entry": entries}) + "\n")
    return path


def replicate_samples(samples, out, mb):
    """A bigger input made from samples/ndjson: every file's lines repeated with ids suffixed
    -r<k> until about `mb` MB in total (for runs that must still be running when signalled)."""
    stamp = os.path.join(out, ".stamp")
    if os.path.exists(stamp) and open(stamp).read() == str(mb):
        return out
    fresh_dir(out)
    files = {fn: _lines(os.path.join(samples, fn)) for fn in sorted(os.listdir(samples))
             if fn.endswith(".ndjson")}
    per_copy = sum(len(ln) + 1 for ls in files.values() for ln in ls)
    copies = max(1, int(mb * 1e6 / per_copy) + 1)
    for fn, ls in files.items():
        with open(os.path.join(out, fn), "wb") as f:
            for k in range(copies):
                tag = b'"id":"r%d-' % k
                f.write(b"\n".join(ln.replace(b'"id":"', tag) for ln in ls) + b"\n")
        os.utime(os.path.join(out, fn), (1700000000, 1700000000))
    with open(stamp, "w") as f:
        f.write(str(mb))
    return out


def listed(folder):
    """Locations listed by folder/model.json ([] without one)."""
    try:
        with open(os.path.join(folder, "model.json"), "rb") as f:
            doc = json.load(f)
    except FileNotFoundError:
        return []
    return [p["location"] for e in doc.get("entities", []) for p in e.get("partitions", [])]


def data_files(folder):
    out = []
    for dp, dn, fns in os.walk(os.path.join(folder, "data")):
        for fn in fns:
            out.append(os.path.relpath(os.path.join(dp, fn), folder))
    return sorted(out)


def stage_dirs(folder):
    c = os.path.join(folder, cf.CONTROL)
    try:
        return sorted(n for n in os.listdir(c) if n.startswith("stage-"))
    except (FileNotFoundError, NotADirectoryError):
        return []


def killed_by(run, sig=signal.SIGKILL):
    return run.rc == -sig
