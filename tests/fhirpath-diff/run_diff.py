#!/usr/bin/env python3
"""FHIRPath differential test: our engine (`fhir2cdm-transform fhirpath`) against HL7's reference
JavaScript engine, fhirpath.js (npm `fhirpath`, FHIR R4 model), over real Synthea resources.

For every line `ResourceType<TAB>expression` of corpus.txt, both engines evaluate the expression
with each resource of <shared>/data/synthea-10/<ResourceType>.*.ndjson as context and %resource;
the result collections are compared resource by resource, item by item, in order:

  * type:  equal names (fhirpath.js's fhirpath.types() without its FHIR./System. namespace).
           Two relaxations: fhirpath.js does not keep Integer and Decimal apart for numbers it
           computes (it types a computed JS number by its value: 3.0 * 2 comes out Integer), so
           where fhirpath.js says Integer for a computed number ours may say Integer or Decimal.
           And fhirpath.js has no names for backbone elements (it says BackboneElement, or
           Element for Timing.repeat and the like); ours names them Owner_Path
           (Patient_Communication, docs/type-model.md): that pair counts as equal.
  * value: JSON equality (objects compared member by member, booleans never equal numbers),
           except numbers that fhirpath.js computed in JS doubles (and quantity values), which are
           compared with a relative tolerance of REL_TOL.  Numbers read from the resource are
           compared exactly.
  * errors: a run-time error on a resource must be a run-time error on the other side too
           (messages are not compared).  An expression that one engine rejects at compile time
           must be rejected by the other at compile time or on every resource.

Disagreements are listed (expression, resource id, ours, theirs) and fail the test, except for
the expressions listed in known-differences.txt (each explained in docs/fhirpath.md), which must
still differ: a listed expression that now agrees, or that is no longer in the corpus, fails the
test too, so the list stays honest.

Steps: runs install.sh (fhirpath.js into <repo>/tools/npm) and skips, exit 77, with the reason,
when npm/node is missing or the install fails (offline); skips, exit 77, when the shared data is
absent.  A transformer without a working `fhirpath` subcommand is a setup error (exit 2): the
subcommand is part of the product, so losing it must fail the test, not skip it.

Exit status: 0 pass; 1 disagreements or stale known differences; 2 usage/setup error;
77 skipped.  Python stdlib only.
"""

import argparse
import concurrent.futures
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REL_TOL = 1e-9   # computed decimals: fhirpath.js uses JS doubles, Math.pow/exp/ln may differ in ulps
ABS_TOL = 1e-12
# Our names for backbone elements (docs/type-model.md): Patient_Communication, Timing_Repeat.
BACKBONE_NAME = re.compile(r"[A-Z][A-Za-z]*(_[A-Z][A-Za-z0-9]*)+")
SHOW_PER_EXPR = 3  # disagreeing resources shown per expression (the count says how many in all)
# A sanitizer report fails the expression even when the exit status looks like a normal run-time
# error (ASan's default exitcode is 1).
SANITIZER_REPORT = re.compile(r"ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error: ")


def setup_error(msg):
    print("run_diff.py: " + msg, file=sys.stderr, flush=True)
    sys.exit(2)


def skip(msg):
    print("SKIP fhirpath-diff: " + msg, flush=True)
    sys.exit(SKIP)


def clip(s, n=300):
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def dumps(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


# --- corpus and known differences ------------------------------------------------------------

def read_corpus(path):
    """[(lineno, resource_type, expression)]"""
    out, seen = [], {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if "\t" not in line:
                setup_error("%s:%d: expected ResourceType<TAB>expression" % (path, n))
            rt, expr = line.split("\t", 1)
            if not re.fullmatch(r"[A-Z][A-Za-z]+", rt) or not expr.strip():
                setup_error("%s:%d: bad line %r" % (path, n, line))
            if (rt, expr) in seen:
                setup_error("%s:%d: duplicate of line %d" % (path, n, seen[(rt, expr)]))
            seen[(rt, expr)] = n
            out.append((n, rt, expr))
    return out


def read_known(path):
    """{(resource_type, expression): reason}; format ResourceType<TAB>expression<TAB>reason."""
    known = {}
    if not os.path.exists(path):
        return known
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or not parts[2].strip():
                setup_error("%s:%d: expected ResourceType<TAB>expression<TAB>reason" % (path, n))
            known[(parts[0], parts[1])] = parts[2]
    return known


# --- running the engines ----------------------------------------------------------------------

def run_theirs(node, eval_js, modules, exprs, ndjson_file, tmpdir):
    """One record per expression: {"compileError": m} or {"results": [...], "warnings"?}."""
    efile = os.path.join(tmpdir, "exprs.txt")
    with open(efile, "w", encoding="utf-8") as f:
        for e in exprs:
            f.write(e + "\n")
    p = subprocess.run([node, eval_js, "--modules", modules, "--batch", efile, ndjson_file],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        setup_error("eval.js failed (exit %d) on %s:\n%s" % (p.returncode, ndjson_file,
                                                                 p.stderr))
    recs = [json.loads(l) for l in p.stdout.split("\n") if l.strip()]
    if len(recs) != len(exprs):
        setup_error("eval.js printed %d records for %d expressions" % (len(recs), len(exprs)))
    return recs


def run_ours(transform, expr, ndjson_file, nres):
    """{"compileError": m} or {"results": [...]} like eval.js's batch records."""
    # "--": an expression may start with '-' ("-7 div 2"), which getopt would take for an option
    p = subprocess.run([transform, "fhirpath", "--ndjson", "--", expr, ndjson_file],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode == 2:
        msg = p.stderr.strip().splitlines()
        return {"compileError": msg[0] if msg else "(exit 2, no message)"}
    if p.returncode not in (0, 1) or SANITIZER_REPORT.search(p.stderr):
        return {"crash": "exit %d: %s" % (p.returncode, clip(p.stderr.strip(), 500))}
    lines = [l for l in p.stdout.split("\n") if l.strip()]
    if len(lines) != nres:
        return {"crash": "printed %d lines for %d resources (exit %d): %s" %
                         (len(lines), nres, p.returncode, clip(p.stderr.strip(), 500))}
    results = []
    for l in lines:
        try:
            results.append(json.loads(l))
        except ValueError:
            return {"crash": "not JSON: " + clip(l)}
    return {"results": results}


def supports_fhirpath(transform):
    """(True, "") when `transform fhirpath true` prints a JSON array, else (False, why)."""
    try:
        p = subprocess.run([transform, "fhirpath", "true"], input='{"resourceType":"Patient"}',
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    try:
        if isinstance(json.loads(p.stdout), list):
            return True, ""
    except ValueError:
        pass
    return False, "exit %d, stdout: %s, stderr: %s" % (p.returncode, clip(p.stdout.strip(), 200),
                                                       clip(p.stderr.strip(), 200))


# --- comparison -------------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.relaxed_number_type = 0   # theirs computed Integer, ours Decimal
        self.tolerance_used = 0        # computed numbers equal only within REL_TOL
        self.backbone_type = 0         # theirs BackboneElement/Element, ours Owner_Path


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def strict_equal(a, b):
    """JSON equality; booleans never equal numbers; numbers by value (1 == 1.0)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_num(a) and is_num(b):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def num_close(a, b, stats):
    if a == b:
        return True
    if math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL):
        stats.tolerance_used += 1
        return True
    return False


def item_equal(o, t, stats):
    """o: our {"type","value"}; t: theirs (may carry "computed": true)."""
    if not isinstance(o, dict) or "type" not in o or "value" not in o:
        return False
    ot, tt = o["type"], t["type"]
    ov, tv = o["value"], t["value"]
    computed = bool(t.get("computed"))
    if ot != tt:
        if computed and tt == "Integer" and ot == "Decimal":
            stats.relaxed_number_type += 1
        elif tt in ("BackboneElement", "Element") and BACKBONE_NAME.fullmatch(ot or ""):
            stats.backbone_type += 1
        else:
            return False
    if tt == "Quantity" and isinstance(tv, dict) and isinstance(ov, dict) and "unit" in tv:
        return (set(ov) == {"value", "unit"} and ov["unit"] == tv["unit"] and is_num(ov["value"])
                and num_close(float(ov["value"]), float(tv["value"]), stats))
    if computed and is_num(ov) and is_num(tv):
        return num_close(float(ov), float(tv), stats)
    return strict_equal(ov, tv)


def result_equal(o, t, stats):
    """o, t: one resource's result, a list of items or {"error": m}."""
    if isinstance(t, dict) and "error" in t:
        return isinstance(o, dict) and "error" in o
    if not isinstance(o, list) or len(o) != len(t):
        return False
    return all(item_equal(x, y, stats) for x, y in zip(o, t))


def strip_computed(r):
    if isinstance(r, list):
        return [{k: v for k, v in i.items() if k != "computed"} for i in r]
    return r


def compare_expr(ours, theirs, ids, stats):
    """Returns (agree, details, n_compared); details lists (resource id, ours, theirs)."""
    o_ce, t_ce = "compileError" in ours, "compileError" in theirs
    if "crash" in ours:
        return False, [("-", "CRASH " + ours["crash"], "-")], 0
    t_all_err = not t_ce and all(isinstance(r, dict) for r in theirs["results"])
    o_all_err = not o_ce and all(isinstance(r, dict) for r in ours["results"])
    if o_ce or t_ce:
        if (o_ce and (t_ce or t_all_err)) or (t_ce and o_all_err):
            return True, [], 0
        o = ours.get("compileError") or "evaluates (first: %s)" % clip(dumps(ours["results"][0]))
        t = theirs.get("compileError") or "evaluates (first: %s)" % clip(dumps(
            strip_computed(theirs["results"][0])))
        return False, [("(compile)", "compile error: " + o if o_ce else o,
                        "compile error: " + t if t_ce else t)], 0
    bad = []
    for rid, o, t in zip(ids, ours["results"], theirs["results"]):
        if not result_equal(o, t, stats):
            bad.append((rid, clip(dumps(o)), clip(dumps(strip_computed(t)))))
    return not bad, bad, len(ids)


# --- main -------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transform", help="fhir2cdm-transform binary")
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus.txt"))
    ap.add_argument("--known", default=os.path.join(HERE, "known-differences.txt"))
    ap.add_argument("--npm-prefix", default=os.path.join(ROOT, "tools", "npm"))
    ap.add_argument("--node", default="node")
    ap.add_argument("--only", help="regex: only corpus lines whose 'Type<TAB>expr' matches")
    ap.add_argument("--theirs-only", action="store_true",
                    help="print fhirpath.js's first results per expression (corpus work)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()

    # Checked before any reason to skip: a broken transformer fails wherever the test runs.
    if not a.theirs_only:
        if not a.transform:
            setup_error("--transform is required")
        ok, why = supports_fhirpath(a.transform)
        if not ok:
            setup_error("%s has no working 'fhirpath' subcommand (%s)" % (a.transform, why))

    data = os.path.join(a.shared, "data", "synthea-10")
    if not os.path.isdir(data):
        skip("shared data %s is absent (it lives in ../shared beside the repository)" % data)

    node = shutil.which(a.node)
    if not node:
        skip("node is not installed (needed to run the reference engine fhirpath.js)")
    if not shutil.which("npm") and not os.path.isdir(os.path.join(a.npm_prefix, "node_modules")):
        skip("npm is not installed, and fhirpath.js is not in %s" % a.npm_prefix)
    inst = subprocess.run(["bash", os.path.join(HERE, "install.sh"), a.npm_prefix],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(inst.stdout.rstrip(), flush=True)
    if inst.returncode != 0:
        skip("could not install the reference engine fhirpath.js (see above: offline?)")
    modules = os.path.join(a.npm_prefix, "node_modules")
    version = json.load(open(os.path.join(modules, "fhirpath", "package.json")))["version"]

    corpus = read_corpus(a.corpus)
    known = read_known(a.known)
    if a.only:
        rx = re.compile(a.only)
        corpus = [c for c in corpus if rx.search(c[1] + "\t" + c[2])]

    by_type = {}
    for n, rt, expr in corpus:
        by_type.setdefault(rt, []).append((n, expr))

    tmpdir = tempfile.mkdtemp(prefix="fhirpath-diff-")
    stats = Stats()
    agree, known_diff, failures, stale = [], [], [], []
    n_evals = 0
    try:
        jobs = []  # (n, rt, expr, file, ids, theirs_record)
        for rt in sorted(by_type):
            files = sorted(glob.glob(os.path.join(data, rt + ".*.ndjson")))
            if not files:
                setup_error("corpus names %s, but %s has no %s.*.ndjson" % (rt, data, rt))
            exprs = [e for _, e in by_type[rt]]
            for fpath in files:
                with open(fpath, encoding="utf-8") as f:
                    ids = [json.loads(l).get("id", "?") for l in f if l.strip()]
                recs = run_theirs(node, os.path.join(HERE, "eval.js"), modules, exprs, fpath,
                                  tmpdir)
                for (n, expr), rec in zip(by_type[rt], recs):
                    jobs.append((n, rt, expr, fpath, ids, rec))

        if a.theirs_only:
            for n, rt, expr, fpath, ids, rec in sorted(jobs):
                if "compileError" in rec:
                    s = "COMPILE ERROR " + rec["compileError"]
                else:
                    res = rec["results"]
                    nerr = sum(1 for r in res if isinstance(r, dict))
                    nonempty = [r for r in res if isinstance(r, list) and r]
                    s = "errors %d/%d, non-empty %d; first: %s" % (
                        nerr, len(res), len(nonempty),
                        clip(dumps(strip_computed(nonempty[0] if nonempty else res[0])), 200))
                    if rec.get("warnings"):
                        s += " WARN " + "; ".join(rec["warnings"])
                print("%4d %s\t%s\n     %s" % (n, rt, expr, s))
            return 0

        def work(job):
            n, rt, expr, fpath, ids, rec = job
            return job, run_ours(a.transform, expr, fpath, len(ids))

        results = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            for job, ours in ex.map(work, jobs):
                n, rt, expr, fpath, ids, theirs = job
                ok, bad, ncmp = compare_expr(ours, theirs, ids, stats)
                n_evals += ncmp
                prev = results.get(n)
                if prev is None:
                    results[n] = (rt, expr, ok, [(os.path.basename(fpath), d) for d in bad],
                                  theirs.get("warnings"))
                else:
                    results[n] = (rt, expr, prev[2] and ok,
                                  prev[3] + [(os.path.basename(fpath), d) for d in bad], prev[4])

        for n in sorted(results):
            rt, expr, ok, bad, warns = results[n]
            key = (rt, expr)
            if key in known:
                if ok:
                    stale.append((n, rt, expr, "listed in known-differences.txt but both "
                                  "engines now agree: remove it there and in docs/fhirpath.md"))
                else:
                    known_diff.append((n, rt, expr, known[key], len(bad)))
            elif ok:
                agree.append(n)
            else:
                failures.append((n, rt, expr, bad, warns))
        corpus_keys = {(rt, e) for _, rt, e in corpus}
        if not a.only:
            for key in known:
                if key not in corpus_keys:
                    stale.append((0, key[0], key[1], "listed in known-differences.txt but not "
                                  "in corpus.txt"))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    total = len(corpus)
    for n, rt, expr, bad, warns in failures:
        print("FAIL corpus.txt:%d %s: %s  (%d resource(s) disagree)" % (n, rt, expr, len(bad)))
        for fname, (rid, o, t) in bad[:SHOW_PER_EXPR]:
            where = "%s id %s" % (fname, rid) if rid != "(compile)" else "whole expression"
            print("     %s\n       ours:   %s\n       theirs: %s" % (where, o, t))
        if warns:
            print("     fhirpath.js warned: " + "; ".join(warns))
    for n, rt, expr, why in stale:
        print("FAIL stale known difference %s: %s: %s" % (rt, expr, why))
    for n, rt, expr, reason, nbad in known_diff:
        print("known difference corpus.txt:%d %s: %s  (%d resource(s); %s)" %
              (n, rt, expr, nbad, reason))
    print("fhirpath.js %s; corpus %d expressions over %d resource types; %d resource "
          "evaluations compared" % (version, total, len(by_type), n_evals))
    print("agree %d, known differences %d, disagree %d, stale known differences %d" %
          (len(agree), len(known_diff), len(failures), len(stale)))
    print("relaxations: computed Integer vs our Decimal %d items; decimals equal within "
          "rel. %g %d items; backbone type names %d items" %
          (stats.relaxed_number_type, REL_TOL, stats.tolerance_used, stats.backbone_type))
    nfail = len(failures) + len(stale)
    print("fhirpath-diff: %d passed, %d failed" % (len(agree) + len(known_diff), nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
