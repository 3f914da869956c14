#!/usr/bin/env python3
"""test_generator.py (CTest merge.generator): the round generator of the merge oracle
(make_rounds.py) is deterministic, and its final/ is what applying the rounds to t0/ gives.

Checked:
  * determinism: two runs with the same --seed write identical trees (names and bytes); another
    seed writes different rounds;
  * exact JSON: every input line round-trips byte for byte through make_rounds.loads/dumps (and
    a few number spellings: 1.0, 0.10, 1e5, -0, 1E-7, 100); every resource of the input is in
    t0/ byte for byte; every line written is compact JSON as make_rounds writes it;
  * an independent small model of merge mode, written here from the rules (not from
    make_rounds.py): start from t0/; per round, the input's files in name order and their lines
    in order, the winner of a resource given several times = latest meta.lastUpdated (compared as
    instants), then the later line; every deletion entry (Bundle of type transaction, entries
    DELETE Type/id) removes its resource unless the round's input has it; the result after the
    last round must equal final/ line for line (key -> exact text), each resource once;
  * the rounds hold what the oracle needs: per round ~1-5% of the state changed (the
    Patient-only round less), new ids, deletions of existing resources of several types
    (Patient and Observation among them) in several Bundles (one with several entries),
    deletions of absent resources; one round touching only Patient resources (input and
    deletions); a resource in a round's input and deletions (kept); a resource twice with
    different lastUpdated where the winner comes first; a resource twice with equal
    lastUpdated; array lengths that change (Patient.name / address / identifier,
    Observation.component / code.coding) and scalar changes (Patient.birthDate / gender,
    Observation.valueQuantity.value, Condition.clinicalStatus); every round's lastUpdated later
    than every earlier version's;
  * manifest.json agrees with the model (final count, kept and absent deletions per round).

Exit: 0 pass, 1 a check failed, 77 skipped (../shared/data/synthea-10 absent).
Usage: test_generator.py --shared DIR [--rounds N] [--seed S] [--keep]
"""

import argparse
import collections
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pylib"))
sys.path.insert(0, HERE)
import f2ctest  # noqa: E402
import make_rounds  # noqa: E402  (only for the exact-JSON round trip checks)

URL = re.compile(r"^([A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")
TYPE_FILE = re.compile(r"^([A-Za-z]+)\.\d{3}\.ndjson$")


def tree(folder):
    out = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            p = os.path.join(root, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, folder)] = f.read()
    return out


def run_gen(shared, out, rounds, seed):
    cmd = [sys.executable, "-B", os.path.join(HERE, "make_rounds.py"), "--input",
           os.path.join(shared, "data", "synthea-10"), "--rounds", str(rounds), "--seed",
           str(seed), "--out", out]
    print("running: " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(p.stdout)
    f2ctest.require(p.returncode == 0, "make_rounds.py exited %d" % p.returncode, p.stdout)


def lines_of(path):
    with open(path, encoding="utf-8", newline="") as f:
        data = f.read()
    return [l for l in data.split("\n") if l]


def read_files(folder):
    """[(file name, [line])] in name order."""
    return [(n, lines_of(os.path.join(folder, n))) for n in sorted(os.listdir(folder))
            if n.endswith(".ndjson")]


def key(res):
    return "%s/%s" % (res["resourceType"], res["id"])


def when(res):
    lu = (res.get("meta") or {}).get("lastUpdated")
    return datetime.datetime.fromisoformat(lu.replace("Z", "+00:00")) if lu else None


WATCH_LENGTH = {"Patient": ("name", "address", "identifier"),
                "Observation": ("component", "code.coding")}
WATCH_VALUE = {"Patient": ("birthDate", "gender"), "Observation": ("valueQuantity.value",),
               "Condition": ("clinicalStatus.coding.code",)}


def getpath(res, path):
    """The value at a dot path (a list step takes its first element)."""
    v = res
    for step in path.split("."):
        if isinstance(v, list):
            v = v[0] if v else None
        if not isinstance(v, dict):
            return None
        v = v.get(step)
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", required=True)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20240301)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    data = os.path.join(a.shared, "data", "synthea-10")
    if not os.path.isdir(data):
        f2ctest.skip("%s is absent: the merge generator test needs ../shared/data/synthea-10 "
                     "(set -DFHIR2CDM_SHARED_DIR=...)" % data)
    F = f2ctest.Failures()
    tmp = tempfile.mkdtemp(prefix="f2c-merge-gen-")
    one, two, other = (os.path.join(tmp, x) for x in ("one", "two", "other"))
    run_gen(a.shared, one, a.rounds, a.seed)
    run_gen(a.shared, two, a.rounds, a.seed)
    run_gen(a.shared, other, a.rounds, a.seed + 1)
    t1, t2, t3 = tree(one), tree(two), tree(other)
    diff = sorted(n for n in set(t1) | set(t2) if t1.get(n) != t2.get(n))
    F.expect(not diff, "same seed, identical bytes (%d files)%s"
             % (len(t1), "" if not diff else ": differ " + ", ".join(diff[:5])))
    F.expect(any(t1.get(n) != t3.get(n) for n in t1 if n.startswith("round-")),
             "another seed gives other rounds")

    # --- exact JSON ------------------------------------------------------------------------
    bad = []
    inputs = {}
    for name, lines in read_files(data):
        for i, l in enumerate(lines, 1):
            l = l.rstrip("\r")
            if make_rounds.dumps(make_rounds.loads(l)) != l:
                bad.append("%s:%d" % (name, i))
            inputs[key(json.loads(l))] = l
    for sample in ('{"a":1.0,"b":0.10,"c":1e5,"d":-0,"e":1E-7,"f":100,"g":"É\\"\\n"}',
                   '[12345678901234567890.000000000000000000001,-1.5e-300]'):
        if make_rounds.dumps(make_rounds.loads(sample)) != sample:
            bad.append(sample)
    F.expect(not bad, "every input line (%d) and the number samples round-trip byte for byte%s"
             % (len(inputs), "" if not bad else ": not " + ", ".join(bad[:5])))

    t0 = {}
    dup_t0 = []
    for name, lines in read_files(os.path.join(one, "t0")):
        for l in lines:
            k = key(json.loads(l))
            if k in t0:
                dup_t0.append(k)
            t0[k] = l
    F.expect(not dup_t0, "t0 holds each resource once")
    missing = [k for k, l in inputs.items() if t0.get(k) != l]
    F.expect(not missing, "every input resource is in t0 byte for byte (%d)%s"
             % (len(inputs), "" if not missing else ": not " + ", ".join(missing[:5])))
    added = sorted({k.split("/")[0] for k in set(t0) - set(inputs)})
    F.expect(added in ([], ["Observation"]), "t0 adds only synthetic Observations (%d: %s)"
             % (len(set(t0) - set(inputs)), added))
    noncompact = []
    for rel, raw in t1.items():
        if rel.endswith(".ndjson"):
            for l in raw.decode("utf-8").split("\n"):
                if l and make_rounds.dumps(make_rounds.loads(l)) != l:
                    noncompact.append(rel)
                    break
    F.expect(not noncompact, "every written line is compact exact JSON%s"
             % ("" if not noncompact else ": not in " + ", ".join(noncompact[:5])))

    # --- the independent model --------------------------------------------------------------
    with open(os.path.join(one, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    state = dict(t0)
    latest = max((when(json.loads(l)) for l in t0.values() if when(json.loads(l))),
                 default=None)
    facts = collections.Counter()
    patient_only_rounds = []
    bad_lu, bad_bundle, bad_names = [], [], []
    for k in range(1, a.rounds + 1):
        rdir = os.path.join(one, "round-%d" % k)
        ddir = os.path.join(one, "round-%d-deleted" % k)
        files = read_files(rdir)
        bad_names += [n for n, _ in files if not TYPE_FILE.match(n)]
        winners, pos = {}, 0
        seen = collections.defaultdict(list)   # key -> [(when, pos, text)]
        for name, lines in files:
            for l in lines:
                res = json.loads(l)
                kk = key(res)
                t = when(res)
                if t is None or (latest is not None and t <= latest):
                    bad_lu.append("round %d %s" % (k, kk))
                seen[kk].append((t, pos, l))
                prev = winners.get(kk)
                if prev is None or (t >= prev[0] if t and prev[0] else prev[0] is None):
                    winners[kk] = (t, l)
                pos += 1
        round_max = max(t for v in seen.values() for t, _, _ in v)
        for kk, vs in seen.items():
            if len(vs) > 1:
                ts = [t for t, _, _ in vs]
                if len(set(ts)) == len(ts) and ts[0] == max(ts):
                    facts["dup: later lastUpdated first"] += 1
                if len(set(ts)) < len(ts):
                    facts["dup: equal lastUpdated"] += 1
                if len({l for _, _, l in vs}) != len(vs):
                    bad_lu.append("round %d %s: duplicate versions are identical" % (k, kk))
        urls, bundles = [], 0
        for name, lines in read_files(ddir):
            for l in lines:
                b = json.loads(l)
                bundles += 1
                ok = (b.get("resourceType") == "Bundle" and b.get("type") == "transaction"
                      and isinstance(b.get("entry"), list) and b["entry"])
                for e in b.get("entry") or []:
                    req = e.get("request") or {}
                    ok = ok and req.get("method") == "DELETE" and bool(URL.match(
                        req.get("url", "")))
                    urls.append(req.get("url"))
                if not ok:
                    bad_bundle.append("round %d: %s" % (k, l[:200]))
                if len(b.get("entry") or []) >= 2:
                    facts["bundle with several entries"] += 1
        # Facts about this round, against the state before it.
        before = state
        changed = [kk for kk in winners if kk in before]
        new = [kk for kk in winners if kk not in before]
        deleted = {u for u in urls if u in before and u not in winners}
        absent = {u for u in urls if u not in before and u not in winners}
        kept = {u for u in urls if u in winners}
        types_in = {kk.split("/")[0] for kk in winners}
        types_del = {u.split("/")[0] for u in urls}
        frac = len(changed) / len(before)
        patient_only = types_in == {"Patient"} and types_del <= {"Patient"}
        if patient_only:
            patient_only_rounds.append(k)
        print("model round %d: %d lines, %d resources (%d changed = %.1f%%, %d new), %d "
              "deletion entries in %d Bundles (%d existing, %d absent, %d kept), types %s%s"
              % (k, pos, len(winners), len(changed), 100 * frac, len(new), len(urls), bundles,
                 len(deleted), len(absent), len(kept), ",".join(sorted(types_in)),
                 " PATIENT ONLY" if patient_only else ""), flush=True)
        F.check(frac <= 0.05, "round %d changes %.1f%% of the state (more than 5%%)"
                % (k, 100 * frac))
        F.check(patient_only or frac >= 0.01, "round %d changes %.1f%% of the state (less than "
                "1%%)" % (k, 100 * frac))
        F.check(new, "round %d has no new resource" % k)
        F.check(deleted and absent, "round %d: deletions of existing (%d) and absent (%d) "
                "resources" % (k, len(deleted), len(absent)))
        F.check(bundles >= 2 or patient_only, "round %d: %d deletion Bundle(s)" % (k, bundles))
        F.check("Patient" in types_del, "round %d deletes no Patient" % k)
        F.check(patient_only or {"Observation"} <= types_del and len(types_del) >= 3,
                "round %d deletes types %s (Patient, Observation and more expected)"
                % (k, sorted(types_del)))
        facts["kept although deleted"] += len(kept)
        for kk in changed:
            rt = kk.split("/")[0]
            old, new_ = json.loads(before[kk]), json.loads(winners[kk][1])
            for path in WATCH_LENGTH.get(rt, ()):
                if len(getpath(old, path) or []) != len(getpath(new_, path) or []):
                    facts["%s: %s length" % (rt, path)] += 1
            for path in WATCH_VALUE.get(rt, ()):
                if getpath(old, path) != getpath(new_, path):
                    facts["%s: %s" % (rt, path)] += 1
        info = manifest["round"][k - 1]
        F.check(sorted(info["kept_although_deleted"]) == sorted(kept),
                "round %d: manifest kept %s, model %s" % (k, info["kept_although_deleted"],
                                                          sorted(kept)))
        F.check(sorted(set(info["deleted_absent"])) == sorted(absent),
                "round %d: manifest absent %s, model %s" % (k, info["deleted_absent"],
                                                            sorted(absent)))
        F.check(info["patient_only"] == patient_only,
                "round %d: manifest patient_only %s, model %s" % (k, info["patient_only"],
                                                                  patient_only))
        state = dict(before)
        for u in deleted:
            del state[u]
        for kk, (_, l) in winners.items():
            state[kk] = l
        latest = round_max
    F.expect(not bad_names, "round files are named <Type>.NNN.ndjson%s"
             % ("" if not bad_names else ": not " + ", ".join(bad_names[:5])))
    F.expect(not bad_bundle, "every deletion line is a transaction Bundle of DELETE Type/id "
             "entries%s" % ("" if not bad_bundle else ": not " + bad_bundle[0]))
    F.expect(not bad_lu, "every round's lastUpdated is later than every earlier version's, "
             "duplicate versions differ%s" % ("" if not bad_lu else ": " + ", ".join(bad_lu[:5])))
    F.expect(len(patient_only_rounds) == 1, "exactly one round touches only Patient resources "
             "(%s)" % patient_only_rounds)
    F.expect(patient_only_rounds == [manifest["patient_only_round"]],
             "manifest names that round (%s)" % manifest["patient_only_round"])
    print("facts over all rounds:")
    for name in sorted(facts):
        print("  %-45s %d" % (name, facts[name]))
    for need in ("dup: later lastUpdated first", "dup: equal lastUpdated",
                 "kept although deleted", "bundle with several entries",
                 "Patient: name length", "Patient: address length", "Patient: identifier length",
                 "Observation: component length", "Observation: code.coding length",
                 "Patient: birthDate", "Patient: gender", "Observation: valueQuantity.value",
                 "Condition: clinicalStatus.coding.code"):
        F.expect(facts[need] > 0, "the rounds contain: %s" % need)

    final = {}
    dup_final = []
    for name, lines in read_files(os.path.join(one, "final")):
        for l in lines:
            kk = key(json.loads(l))
            if kk in final:
                dup_final.append(kk)
            final[kk] = l
    F.expect(not dup_final, "final holds each resource once")
    only_model = sorted(set(state) - set(final))
    only_final = sorted(set(final) - set(state))
    differ = sorted(kk for kk in set(state) & set(final) if state[kk] != final[kk])
    F.expect(not only_model and not only_final and not differ,
             "final/ == the rounds applied to t0/ by the independent model (%d resources)%s"
             % (len(final), "" if not (only_model or only_final or differ) else
                ": only in the model %s, only in final %s, different text %s"
                % (only_model[:3], only_final[:3], differ[:3])))
    F.expect(manifest["final_resources"] == len(final), "manifest final_resources == %d"
             % len(final))
    unchanged = [kk for kk in final if kk in t0 and final[kk] == t0[kk]]
    F.expect(len(unchanged) > 0.8 * len(final), "most resources (%d of %d) are unchanged, "
             "byte for byte" % (len(unchanged), len(final)))
    rc = F.report("merge.generator: deterministic, and final/ is t0/ with every round applied")
    f2ctest.remove_tmp(tmp, a.keep or rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
