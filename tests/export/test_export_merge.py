#!/usr/bin/env python3
"""End-to-end tests of `fhir2cdm-transform export --mode merge` against bulk_server.py's scripted
history (CTest export.merge; docs/export.md, "Incremental runs").

Why: merge mode promises that a folder fed by `export --since last --mode merge` holds, after
every run, exactly the server's current data -- one current version of every resource, deleted
ones gone -- whatever happened in between (changes that add or remove array items, new
resources, deletions, a resource deleted and created again in one window).  The oracle is a
single full `fhir2cdm-transform --mode merge` run over the server's state written to NDJSON: the
rows per entity (read from the partitions model.json lists, as a multiset) must be equal.  And
the export's deletion files ([BD "Response - Complete Status"], deleted) must fail like output
files do: nothing published, the state not advanced.

The history (samples/ndjson with meta.lastUpdated set, samples/config): state 0 everything;
state 1 changes (a Patient with more names and fewer telecoms, more Observation components, more
MedicationRequest dosages), a new Patient and Condition, Encounter sample-enc-1 and two
Procedures deleted (one Bundle of two entries), Condition sample-cond-2 deleted and created again
(changed) in the same window (kept), a deletion of a resource the folder never had; state 2 the
new Patient changed (fewer names, no address), Patient sample-pat-3 and three Conditions deleted
(a deletion file of two lines), Observation sample-obs-2 changed and then deleted in the window
(gone); state 3 Encounter sample-enc-1 back, an AllergyIntolerance with more reactions, nothing
deleted.

Checks:
  rounds    round 1 (--since last, no state: full export, no deleted[]) and rounds 2-4
            (_since = the previous transactionTime): exit 0, state = the state's transactionTime,
            every deletion file downloaded once, rows == the oracle of that state after every
            round, TMPDIR left empty (the private deletion folder removed).
  malformed line 2 of the first deletion file (Condition's, between its two good lines) is not
            JSON: exit 1, stderr names that file and line 2, the rest applied (rows == the
            oracle, so its line 3 too), state not advanced.
  failed    every GET of a deletion file answers 500: exit 3 after the transport's retries
            (6 GETs), the folder byte-identical (model.json, partitions, index, state).
  interrupt SIGINT while a deletion file downloads: the deletion folder was mode 0700 under
            TMPDIR, exit 130 within seconds, the folder unchanged, TMPDIR left empty.
  manifest  deleted[] with an item without url: merge exit 3 with the member named, folder
            unchanged; append exit 0 (the member ignored, as before merge mode existed).
  append    --mode append (and no --mode) against the same history: no deletion file is
            fetched, and the folder is byte-identical to local append runs over the files the
            server sent (--keep-ndjson), old versions and deleted resources included.
  usage     --mode bogus: exit 2 before the kick-off.  (A blob --output merges too:
            export.blob.merge.)

Exit 0 pass, 1 fail.
"""
import argparse
import calendar
import collections
import csv
import glob
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pylib"))
from exporttest import Server, expect, failures  # noqa: E402
from bulk_server import History  # noqa: E402
from test_export import Ctx, STATE, check_tmpdir, files_of, local_run, same_folder  # noqa: E402
from test_export import unchanged  # noqa: E402
import f2ctest  # noqa: E402  (banner, report, remove_tmp)

TT = ["2024-05-01T12:00:00Z", "2024-05-02T12:00:00Z", "2024-05-03T12:00:00Z",
      "2024-05-04T12:00:00Z"]


# ---- the history ----------------------------------------------------------------------------

def line(res, lu):
    """res as an NDJSON line with meta.lastUpdated = lu."""
    res = dict(res, meta=dict(res.get("meta") or {}, lastUpdated=lu))
    return json.dumps(res, ensure_ascii=False, separators=(",", ":"))


def samples(ctx):
    """{"Type/id": resource} of samples/ndjson, in file order."""
    out = {}
    for n in sorted(os.listdir(ctx.samples)):
        if n.endswith(".ndjson"):
            for ln in open(os.path.join(ctx.samples, n), encoding="utf-8"):
                if ln.strip():
                    r = json.loads(ln)
                    out[f"{r['resourceType']}/{r['id']}"] = r
    return out


def put(res, lu):
    return {"put": line(res, lu)}


def delete(ref, t):
    return {"delete": ref, "time": t}


def state1(s):
    p1 = dict(s["Patient/sample-pat-1"])
    p1["name"] = p1["name"] + [{"use": "nickname", "given": ["Sammy"]},
                               {"use": "old", "family": "Former"}]
    p1["telecom"] = p1["telecom"][:1]
    o1 = dict(s["Observation/sample-obs-1"])
    o1["component"] = o1["component"] + o1["component"][:1]
    m2 = dict(s["MedicationRequest/sample-medreq-2"])
    m2["dosageInstruction"] = m2["dosageInstruction"] * 3
    c2 = dict(s["Condition/sample-cond-2"], clinicalStatus={"text": "resolved"})
    new_p = dict(s["Patient/sample-pat-2"], id="new-pat-1")
    new_c = dict(s["Condition/sample-cond-1"], id="new-cond-1")
    t = "2024-05-02T0%d:00:00Z"
    return [put(p1, t % 1), put(o1, t % 1), put(m2, t % 2), put(new_p, t % 2),
            put(new_c, t % 3), delete("Encounter/sample-enc-1", t % 3),
            delete("Procedure/sample-proc-2", t % 4), delete("Procedure/sample-proc-3", t % 4),
            delete("Condition/sample-cond-2", t % 4), put(c2, t % 5),
            delete("Patient/never-there", t % 5)]


def state2(s, ev1):
    new_p = json.loads([e["put"] for e in ev1 if "new-pat-1" in e.get("put", "")][0])
    new_p["name"] = new_p["name"][:1]
    new_p.pop("address", None)
    p2 = dict(s["Patient/sample-pat-2"], gender="other")
    o2 = dict(s["Observation/sample-obs-2"], status="amended")
    t = "2024-05-03T0%d:00:00Z"
    return [put(new_p, t % 1), put(p2, t % 1), delete("Patient/sample-pat-3", t % 2),
            delete("Condition/new-cond-1", t % 2), delete("Condition/sample-cond-3", t % 2),
            delete("Condition/sample-cond-4", t % 3), put(o2, t % 3),
            delete("Observation/sample-obs-2", t % 4)]


def state3(s):
    e1 = dict(s["Encounter/sample-enc-1"], status="finished")
    a1 = dict(s["AllergyIntolerance/sample-allergy-1"])
    a1["reaction"] = a1["reaction"] + a1["reaction"]
    t = "2024-05-04T0%d:00:00Z"
    return [put(e1, t % 1), put(a1, t % 2)]


def write_history(ctx):
    s = samples(ctx)
    ev0 = [put(r, "2024-04-30T10:00:00Z") for r in s.values()]
    ev1 = state1(s)
    states = [{"transactionTime": TT[0], "events": ev0},
              {"transactionTime": TT[1], "events": ev1},
              {"transactionTime": TT[2], "events": state2(s, ev1)},
              {"transactionTime": TT[3], "events": state3(s)}]
    path = ctx.path("history.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"states": states}, f, ensure_ascii=False, indent=1)
    return path


# ---- rows -----------------------------------------------------------------------------------

def folder_rows(folder, what):
    """{entity: Counter(row tuples)} from the partitions model.json lists (header checked)."""
    try:
        doc = json.load(open(os.path.join(folder, "model.json"), encoding="utf-8"))
    except (OSError, ValueError) as e:
        expect(False, f"{what}: model.json readable ({e})")
        return {}
    out = {}
    csv.field_size_limit(sys.maxsize)
    for e in doc.get("entities", []):
        names = [a["name"] for a in e.get("attributes", [])]
        rows = collections.Counter()
        for p in e.get("partitions", []):
            raw = open(os.path.join(folder, p["location"]), "rb").read().decode("utf-8")
            recs = list(csv.reader(io.StringIO(raw, newline="")))
            if recs and recs[0] != names:
                expect(False, f"{what}: {p['location']} header != model.json attributes")
            rows.update(tuple(r) for r in recs[1:])
        out[e["name"]] = rows
    return out


def oracle(ctx, hist, k):
    """A single full local --mode merge run over state k written to NDJSON."""
    data = ctx.path(f"state{k}-ndjson")
    os.makedirs(data)
    for t, b in History(hist).ndjson(k).items():
        with open(os.path.join(data, f"{t}.ndjson"), "wb") as f:
            f.write(b)
    return local_run(ctx, data, ctx.path(f"oracle{k}"), extra=["--mode", "merge"])


def same_rows(ctx, hist, k, folder, what):
    want, got = folder_rows(oracle(ctx, hist, k), "oracle"), folder_rows(folder, what)
    none = collections.Counter()
    diff = [e for e in sorted(set(want) | set(got)) if want.get(e) != got.get(e)]
    detail = "; ".join(f"{e}: {sum((got.get(e, none) - want.get(e, none)).values())} rows too "
                       f"many, {sum((want.get(e, none) - got.get(e, none)).values())} missing"
                       for e in diff[:4])
    n = sum(sum(c.values()) for c in want.values())
    return expect(want and not diff, f"{what}: rows per entity == a full merge run over state "
                  f"{k} ({n} rows in {len(want)} entities)" + (f"; differ: {detail}" if diff
                                                               else ""))


# ---- runs -----------------------------------------------------------------------------------

def export(ctx, name, hist, k, out, args=(), switches=()):
    """The client against a server in state k of hist; a dict: rc, stdout, stderr, log."""
    d = ctx.path(name)
    with Server(os.path.join(d, "srv"), None, "--history", hist, "--state", str(k),
                *switches) as srv:
        cmd = [ctx.bin, "export", "--fhir-url", srv.base, "--config", ctx.config, "--output",
               out, "--since", "last"] + list(args)
        print(f"--- {name}: state {k} {' '.join(switches)}\n    running: {' '.join(cmd)}",
              flush=True)
        p = subprocess.run(cmd, capture_output=True, text=True, env=ctx.env, timeout=600)
        log = srv.log()
    for ln in (p.stdout + p.stderr).strip().splitlines()[-14:]:
        print("      | " + ln)
    print(f"    exit {p.returncode}, {len(log)} requests", flush=True)
    return {"rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr, "log": log}


def state_of(out):
    try:
        return json.load(open(os.path.join(out, STATE)))
    except (OSError, ValueError):
        return {}


def kickoff_since(log):
    ko = [e for e in log if e.get("kickoff")]
    return ko[0]["query"].get("_since") if ko else "no kick-off"


def deletion_gets(log):
    return [e for e in log if e.get("deleted")]


def case_rounds(ctx, hist):
    """Rounds 1-4; returns the folder after each round (copies) for the fault cases."""
    out = os.path.join(ctx.path("merge"), "cdm")
    after = []
    for k in range(4):
        r = export(ctx, f"round{k + 1}", hist, k, out, ["--mode", "merge"])
        expect(r["rc"] == 0, f"round {k + 1}: exit 0 (got {r['rc']})" +
               ("" if r["rc"] == 0 else "\n" + r["stderr"][-1500:]))
        want_since = None if k == 0 else [TT[k - 1]]
        expect(kickoff_since(r["log"]) == want_since,
               f"round {k + 1}: _since = {want_since} (got {kickoff_since(r['log'])})")
        expect(state_of(out).get("transactionTime") == TT[k],
               f"round {k + 1}: state transactionTime = {TT[k]} ({state_of(out)})")
        gets = deletion_gets(r["log"])
        names = sorted(e["file"] for e in gets)
        if k in (1, 2):
            expect(names and len(names) == len(set(names)) and
                   all(e["status"] == 200 for e in gets),
                   f"round {k + 1}: every deletion file downloaded once ({names})")
            expect(re.search(r"merge: \d+ resources? in the deletion files", r["stderr"]),
                   f"round {k + 1}: the merge says what the deletion files held")
        same_rows(ctx, hist, k, out, f"round {k + 1}")
        check_tmpdir(ctx)
        snap = ctx.path(f"after-round{k + 1}")
        shutil.copytree(out, snap, symlinks=True)
        after.append(snap)
    return after


def copy_of(ctx, folder, name):
    dst = ctx.path(name)
    shutil.copytree(folder, dst, symlinks=True)
    return dst


def case_malformed(ctx, hist, after):
    out = copy_of(ctx, after[1], "malformed")
    st = state_of(out)
    r = export(ctx, "malformed", hist, 2, out, ["--mode", "merge"], ["--bad-deleted-line"])
    first = [e["file"] for e in deletion_gets(r["log"])][:1]
    where = re.search(r"/\d+/([A-Za-z]+\.deleted\.ndjson):2:\d+", r["stderr"])
    expect(r["rc"] == 1, f"malformed deletion line: exit 1 (got {r['rc']})")
    expect(where and [where.group(1)] == first,
           f"the error names the downloaded file and line 2 ({where and where.group(0)}, "
           f"first deletion file {first})")
    same_rows(ctx, hist, 2, out, "malformed deletion line: the rest applied")
    expect(state_of(out) == st, "malformed deletion line: state not advanced")
    check_tmpdir(ctx)


def case_failed(ctx, hist, after):
    out = copy_of(ctx, after[1], "failed")
    snap = files_of(out)
    r = export(ctx, "failed", hist, 2, out, ["--mode", "merge"], ["--fail-deleted"])
    gets = deletion_gets(r["log"])
    expect(r["rc"] == 3, f"deletion file download failing: exit 3 (got {r['rc']})")
    expect(len(gets) == 6 and all(e["status"] == 500 for e in gets),
           f"the deletion file was tried 6 times (the transport's retries; {len(gets)} GETs)")
    expect(".deleted.ndjson" in r["stderr"] and "500" in r["stderr"],
           "the error names the deletion file's URL and the status")
    unchanged(snap, out, "deletion file download failing (model.json, partitions, index, state)")
    check_tmpdir(ctx)


def case_interrupt(ctx, hist, after):
    """SIGINT while a deletion file downloads (the server waits before answering)."""
    out = copy_of(ctx, after[1], "interrupt")
    snap = files_of(out)
    d = ctx.path("interrupt-run")
    with Server(os.path.join(d, "srv"), None, "--history", hist, "--state", "2",
                "--slow-deleted", "30") as srv:
        cmd = [ctx.bin, "export", "--fhir-url", srv.base, "--config", ctx.config, "--output",
               out, "--since", "last", "--mode", "merge", "--quiet"]
        print("--- interrupt: running " + " ".join(cmd), flush=True)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=ctx.env)
        found, deadline = [], time.time() + 60
        while not found and p.poll() is None and time.time() < deadline:
            found = glob.glob(os.path.join(ctx.env["TMPDIR"], "fhir2cdm-deleted-*", "0", "*"))
            time.sleep(0.05)
        mode = stat.S_IMODE(os.stat(os.path.dirname(os.path.dirname(found[0]))).st_mode) \
            if found else None
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        so, se = p.communicate(timeout=60)
        secs = time.monotonic() - t0
    expect(found and mode == 0o700, f"the deletion files go to a private folder of TMPDIR "
           f"(mode {oct(mode) if mode is not None else None}: {found[:1]})")
    expect(p.returncode == 130 and secs < 10, f"SIGINT during a deletion download: exit 130 "
           f"within {secs:.1f}s (got {p.returncode}; {se.strip()[-300:]})")
    unchanged(snap, out, "interrupted during a deletion download")
    check_tmpdir(ctx)


def case_manifest(ctx, hist, after):
    out = copy_of(ctx, after[1], "bad-manifest")
    snap = files_of(out)
    r = export(ctx, "bad-manifest-merge", hist, 2, out, ["--mode", "merge"],
               ["--bad-deleted-manifest"])
    expect(r["rc"] == 3 and "deleted[" in r["stderr"] and ".url" in r["stderr"],
           f"merge: a deleted[] item without url -> exit 3 naming the member (got {r['rc']})")
    unchanged(snap, out, "merge with a malformed deleted[]")
    r = export(ctx, "bad-manifest-append", hist, 2, out, ["--mode", "append"],
               ["--bad-deleted-manifest"])
    expect(r["rc"] == 0 and not deletion_gets(r["log"]),
           f"append: the malformed deleted[] is ignored as before (exit {r['rc']})")
    check_tmpdir(ctx)


def case_append(ctx, hist):
    """Append (explicit and default) ignores deleted[]: == local append runs over what was sent."""
    out = os.path.join(ctx.path("append"), "cdm")
    local = ctx.path("append-local")
    for k in range(3):
        keep = ctx.path(f"append-kept{k}")
        mode = ["--mode", "append"] if k != 1 else []
        r = export(ctx, f"append{k + 1}", hist, k, out, mode + ["--keep-ndjson", keep])
        expect(r["rc"] == 0 and not deletion_gets(r["log"]),
               f"append round {k + 1} ({' '.join(mode) or 'no --mode'}): exit 0, no deletion "
               f"file fetched (exit {r['rc']}, {len(deletion_gets(r['log']))} fetched)")
        epoch = calendar.timegm(time.strptime(TT[k], "%Y-%m-%dT%H:%M:%SZ"))
        for n in os.listdir(keep):
            os.utime(os.path.join(keep, n), (epoch, epoch))
        local_run(ctx, keep, local, opid=state_of(out).get("operationId", "x"))
    same_folder(local, out, "append mode against a server with deleted[]")
    # The oracle tells the modes apart: append keeps old versions and deleted resources.
    want, got = folder_rows(oracle(ctx, hist, 2), "oracle"), folder_rows(out, "append")
    expect(all(want[e] - got.get(e, collections.Counter()) == collections.Counter()
               for e in want) and want != got,
           "append's rows are a strict superset of the merge oracle's (old versions, deleted "
           "resources kept): the row comparison would catch a merge that did not merge")


def case_usage(ctx, hist):
    out = ctx.path("usage")
    for args, what in ((["--mode", "bogus", "--output", out], "--mode bogus"),):
        p = subprocess.run([ctx.bin, "export", "--fhir-url", "http://127.0.0.1:9/fhir",
                            "--config", ctx.config] + args, capture_output=True, text=True,
                           env=ctx.env, timeout=60)
        expect(p.returncode == 2 and "--mode" in p.stderr,
               f"{what}: exit 2 naming --mode (got {p.returncode}: {p.stderr.strip()[:200]})")
    expect(not os.path.exists(out), "--mode bogus: nothing created")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--work", help="parent of the temporary folder (default: system temp)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    a.shared = ""
    if a.work:
        os.makedirs(a.work, exist_ok=True)
    ctx = Ctx(a)
    f2ctest.banner("export.merge")
    try:
        hist = write_history(ctx)
        after = case_rounds(ctx, hist)
        case_malformed(ctx, hist, after)
        case_failed(ctx, hist, after)
        case_interrupt(ctx, hist, after)
        case_manifest(ctx, hist, after)
        case_append(ctx, hist)
        case_usage(ctx, hist)
    except Exception:
        import traceback
        traceback.print_exc()
        failures.append("exception (above)")
    f2ctest.remove_tmp(ctx.tmp, a.keep or bool(failures))
    return f2ctest.report(failures, "export.merge: all checks passed")


if __name__ == "__main__":
    sys.exit(main())
