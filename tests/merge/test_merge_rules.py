#!/usr/bin/env python3
"""test_merge_rules: the rules of merge mode on small hand-made inputs (docs/cdm-folder.md, "Merge
mode"), each case with the rows it must leave, checked from the partitions model.json lists (read
with Python's csv module, not our C code):

  versions     within one run the latest meta.lastUpdated wins even when it comes first; equal
               (or absent) lastUpdated: the later line wins; a version without lastUpdated loses
               to one with it; the summary counts the duplicates;
  replace      a changed resource replaces all its rows in its table and its unroll tables (fewer
               names: fewer PatientName rows); resources absent from the input keep theirs; the
               partitions of entities the run does not touch keep inode and bytes;
  deleted      --deleted removes every row of a listed resource; a listed resource also in the
               input is kept (its new version); one not in the folder is counted, not an error;
  bad-deleted  a malformed deletion line (file:line:column), a Bundle of type batch and a GET
               entry are reported, nothing of those lines is applied, good lines are, exit 1;
  no-id        a resource without a FHIR id is rejected in merge mode (exit 1), the rest merged;
  index        a truncated and a missing index directory, an edited segment, an edited filter
               and a missing segment are noticed and rebuilt (rows right);
               a view folder's missing index cannot be rebuilt: exit 2, folder unchanged;
  fifo         a FIFO planted at the index directory, a segment, model.json or a partition: the
               merge never waits on it (an index file is rebuilt; the others: exit 2);
  segments     a merge that changes a resource of one of an entity's two partitions replaces
               that partition's segment and the directory, and leaves the other partition's
               segment as it was (inode and bytes); no rebuild;
  append-dups  merging into an append-mode folder that holds two versions of a resource: exit 2,
               the message says what to do, the folder byte-identical; an append folder without
               duplicates is merged into after a rebuild notice;
  compaction   33 merges of new files: the 33rd small partition of an entity compacts them into
               one (rows identical); `compact` on demand concatenates every entity's small
               partitions (rows identical, the old files removed);
  rebuild      CSV and Parquet: `compact` on a merged folder whose indexes were all removed (so
               rebuilt from the partitions: row numbers, record offsets) gives the same bytes,
               indexes included, as on a copy that kept them -- the rebuild and the writer agree;
  reconfig     a merge after the configuration changed one table's columns: that table's committed
               partitions are left out of the record and reported (exit 1, as in append mode),
               never rewritten under the new header; the other tables merge as usual;
  threads      the same merges with --threads 1 and --threads 2 give byte-identical folders;
  readme       the README's two-command example (samples/ndjson, then samples/merge/round-1 with
               its deletion file): the rows it must leave;
  usage        --deleted without --mode merge, --mode other: exit 2;
  link         a symbolic link at fhir2cdm-index: refused (exit 2), nothing outside written;
  sdk          Microsoft's CDM reader accepts every merged folder (when ../shared has it).
Usage: test_merge_rules.py --transform BIN --config DIR --samples DIR --views DIR --work DIR
       [--shared DIR]
"""

import argparse
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "pylib"))
import f2ctest  # noqa: E402

F = f2ctest.Failures()
ARGS = None


def run(out, inputs, *extra, config=True, views=None):
    argv = [ARGS.transform]
    argv += ["--view", views] if views else ["--config", ARGS.config]
    for i in inputs:
        argv += ["--input", i]
    argv += ["--output", out] + list(extra)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return p.returncode, p.stdout.decode() + p.stderr.decode()


def rows(folder, entity):
    """The rows of entity as model.json lists its partitions (header checked, then dropped)."""
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
        model = json.load(f)
    out = []
    for e in model["entities"]:
        if e["name"] != entity:
            continue
        for p in e.get("partitions", []):
            with open(os.path.join(folder, p["location"]), encoding="utf-8", newline="") as f:
                recs = list(csv.reader(io.StringIO(f.read())))
            out += [tuple(r) for r in recs[1:]]
    return sorted(out)


def column(folder, entity, name):
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
        model = json.load(f)
    for e in model["entities"]:
        if e["name"] == entity:
            return [a["name"] for a in e["attributes"]].index(name)
    raise KeyError(entity)


def ids(folder, entity):
    k = column(folder, entity, "ResourceId")
    return sorted(r[k] for r in rows(folder, entity))


def write_ndjson(path, resources):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in resources:
            f.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


def patient(pid, family, names=1, lu=None, gender="female"):
    p = {"resourceType": "Patient", "id": pid, "gender": gender,
         "name": [{"family": "%s%d" % (family, k)} for k in range(names)]}
    if lu:
        p["meta"] = {"lastUpdated": lu}
    return p


def deletion(*urls, btype="transaction", method="DELETE"):
    return {"resourceType": "Bundle", "type": btype,
            "entry": [{"request": {"method": method, "url": u}} for u in urls]}


def snapshot(folder):
    """Every file below folder (but the control folder) -> (inode, sha256)."""
    snap = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".fhir2cdm"]
        for fn in files:
            p = os.path.join(root, fn)
            with open(p, "rb") as f:
                snap[os.path.relpath(p, folder)] = (os.stat(p).st_ino,
                                                    hashlib.sha256(f.read()).hexdigest())
    return snap


def sdk(folder):
    check = os.path.join(ARGS.shared or "", "cdm-sdk", "check.js")
    if not ARGS.shared or not os.path.exists(check):
        return
    p = subprocess.run(["node", check, folder], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    F.check(p.returncode == 0 and b" 0 problems" in p.stdout,
            "CDM SDK on %s: %s" % (folder, p.stdout.decode()[-800:]))


def case_versions(w):
    inp = os.path.join(w, "in")
    write_ndjson(os.path.join(inp, "Patient.000.ndjson"), [
        patient("a", "Late", 1, "2024-05-01T11:00:00+02:00"),   # 09:00Z: wins though first
        patient("a", "Early", 1, "2024-05-01T08:59:59.5Z"),
        patient("b", "First", 1, "2024-01-01T00:00:00Z"),
        patient("b", "Second", 1, "2024-01-01T00:00:00.000Z"),  # equal: the later line wins
        patient("c", "Dated", 1, "2020-01-01T00:00:00Z"),
        patient("c", "Undated", 1),                             # absent loses
        patient("d", "Frac", 1, "2024-01-01T00:00:00.25Z"),
        patient("d", "Whole", 1, "2024-01-01T00:00:00Z"),       # .25 s later wins
    ])
    out = os.path.join(w, "out")
    rc, text = run(out, [inp], "--mode", "merge")
    F.check(rc == 0, "versions: exit %d: %s" % (rc, text))
    k = column(out, "LocalPatientName", "Family")
    fam = sorted((r[column(out, "LocalPatientName", "ResourceId")], r[k])
                 for r in rows(out, "LocalPatientName"))
    F.check(fam == [("a", "Late0"), ("b", "Second0"), ("c", "Dated0"), ("d", "Frac0")],
            "versions: PatientName rows %s" % fam)
    F.check("4 older duplicate versions left out" in text, "versions: summary: %s" % text)
    F.check(ids(out, "LocalPatient") == ["a", "b", "c", "d"], "versions: Patient rows")
    sdk(out)


def case_replace_and_delete(w):
    base = os.path.join(w, "t0")
    write_ndjson(os.path.join(base, "Patient.000.ndjson"),
                 [patient("p%d" % i, "Fam", 3) for i in range(6)])
    shutil.copy(os.path.join(ARGS.samples, "Observation.ndjson"),
                os.path.join(base, "Observation.000.ndjson"))
    out = os.path.join(w, "out")
    rc, text = run(out, [base], "--mode", "merge")
    F.check(rc == 0, "replace: first run exit %d: %s" % (rc, text))
    before = snapshot(out)
    n_obs = len(rows(out, "LocalObservation"))
    # round 1: p1 gets one name, p2 a new gender; p9 is new; p3 deleted; p1 also deleted (kept);
    # "Patient/nobody" is not in the folder.
    r1 = os.path.join(w, "r1")
    write_ndjson(os.path.join(r1, "Patient.000.ndjson"),
                 [patient("p1", "New", 1), patient("p2", "Fam", 3, gender="other"),
                  patient("p9", "Nine", 2)])
    dl = write_ndjson(os.path.join(w, "r1-del", "del.ndjson"),
                      [deletion("Patient/p3", "Patient/p1"), deletion("Patient/nobody")])
    rc, text = run(out, [r1], "--mode", "merge", "--deleted", os.path.dirname(dl))
    F.check(rc == 0, "replace: merge exit %d: %s" % (rc, text))
    F.check(ids(out, "LocalPatient") == ["p0", "p1", "p2", "p4", "p5", "p9"],
            "replace: Patient ids %s" % ids(out, "LocalPatient"))
    names = ids(out, "LocalPatientName")
    F.check(names == ["p0"] * 3 + ["p1"] + ["p2"] * 3 + ["p4"] * 3 + ["p5"] * 3 + ["p9"] * 2,
            "replace: PatientName rows per resource %s" % names)
    g = column(out, "LocalPatient", "Gender")
    F.check([r[g] for r in rows(out, "LocalPatient") if r[column(out, "LocalPatient",
                                                                   "ResourceId")] == "p2"]
            == ["other"], "replace: p2's new gender")
    F.check("3 resources in the deletion files: 1 deleted, 1 not in the folder, 1 kept" in text,
            "replace: deletion summary: %s" % text)
    after = snapshot(out)
    obs = [k for k in before if "LocalObservation" in k and k.startswith("data")]
    F.check(obs and all(after.get(k) == before[k] for k in obs),
            "replace: Observation partitions changed (inode or bytes): %s" % obs)
    F.check(len(rows(out, "LocalObservation")) == n_obs, "replace: Observation rows changed")
    gone = [k for k in before if "LocalPatient/" in k and k not in after]
    F.check(gone, "replace: the rewritten Patient partition was not replaced")
    sdk(out)
    return out


def case_bad_deleted(w):
    base = os.path.join(w, "t0")
    write_ndjson(os.path.join(base, "Patient.000.ndjson"),
                 [patient("p%d" % i, "Fam", 1) for i in range(5)])
    out = os.path.join(w, "out")
    run(out, [base], "--mode", "merge")
    dl = write_ndjson(os.path.join(w, "del", "d.ndjson"), [
        deletion("Patient/p0"),
        '{"resourceType": "Bundle", "type": "transaction", "entry": [{"request": ',
        deletion("Patient/p1", btype="batch"),
        deletion("Patient/p2", "Patient/p3", method="GET"),
        deletion("Patient/p4"),
    ])
    empty = os.path.join(w, "empty")
    write_ndjson(os.path.join(empty, "Patient.001.ndjson"), [patient("x1", "X", 1)])
    rc, text = run(out, [empty], "--mode", "merge", "--deleted", dl)
    F.check(rc == 1, "bad-deleted: exit %d (want 1): %s" % (rc, text))
    F.check("d.ndjson:2:" in text, "bad-deleted: no file:line:column for the malformed line: %s"
            % text)
    F.check("d.ndjson:3" in text and "d.ndjson:4" in text,
            "bad-deleted: batch / GET lines not reported: %s" % text)
    F.check(ids(out, "LocalPatient") == ["p1", "p2", "p3", "x1"],
            "bad-deleted: Patient ids %s (p0 and p4 deleted, the rest kept)" %
            ids(out, "LocalPatient"))


def case_no_id(w):
    inp = os.path.join(w, "in")
    write_ndjson(os.path.join(inp, "Patient.000.ndjson"),
                 [{"resourceType": "Patient", "gender": "male"}, patient("ok", "F", 1),
                  {"resourceType": "Patient", "id": "bad id!", "gender": "male"}])
    out = os.path.join(w, "out")
    rc, text = run(out, [inp], "--mode", "merge")
    F.check(rc == 1 and "Patient.000.ndjson:1" in text and "Patient.000.ndjson:3" in text,
            "no-id: exit %d: %s" % (rc, text))
    F.check(ids(out, "LocalPatient") == ["ok"], "no-id: Patient ids %s" % ids(out,
                                                                           "LocalPatient"))


def index_file(out, entity, ext=".idx"):
    """The entity's index directory (.idx) or its one segment (.seg)."""
    d = os.path.join(out, "fhir2cdm-index")
    found = [f for f in os.listdir(d) if f.startswith(entity + ".") and f.endswith(ext)]
    F.check(len(found) == 1, "index files %s%s: %s" % (entity, ext, found))
    return os.path.join(d, found[0])


def case_index(w):
    base = os.path.join(w, "t0")
    write_ndjson(os.path.join(base, "Patient.000.ndjson"),
                 [patient("p%d" % i, "Fam", 2) for i in range(4)])
    r1 = os.path.join(w, "r1")
    write_ndjson(os.path.join(r1, "Patient.000.ndjson"), [patient("p1", "New", 1)])
    want = None
    # the directory truncated or missing; the segment edited (an id), its filter edited (a byte
    # of the filter: its hash, in the directory, no longer matches), the segment missing
    for damage in ("none", "edited", "truncated", "missing", "filter", "no-segment"):
        out = os.path.join(w, "out-" + damage)
        run(out, [base], "--mode", "merge")
        ix = index_file(out, "LocalPatientName")
        seg = index_file(out, "LocalPatientName", ".seg")
        if damage in ("edited", "filter"):
            with open(seg, "r+b") as f:
                text = f.read()
                if damage == "edited":
                    F.check(b" p2\n" in text, "index: no entry of p2 in %s" % seg)
                    text = text.replace(b" p2\n", b" p3\n", 1)
                else:
                    at = text.index(b"\nfilter ") + 1
                    at = text.index(b"\n", at) + 1  # the filter's first byte
                    text = text[:at] + bytes([text[at] ^ 0xff]) + text[at + 1:]
                f.seek(0)
                f.write(text)
        elif damage == "truncated":
            os.truncate(ix, os.path.getsize(ix) // 2)
        elif damage == "missing":
            os.unlink(ix)
        elif damage == "no-segment":
            os.unlink(seg)
        rc, text = run(out, [r1], "--mode", "merge")
        F.check(rc == 0, "index %s: exit %d: %s" % (damage, rc, text))
        noticed = "resource index of entity LocalPatientName" in text and "rebuilding" in text
        F.check(noticed == (damage != "none"), "index %s: rebuild notice %s: %s"
                % (damage, noticed, text))
        got = rows(out, "LocalPatientName")
        if want is None:
            want = got
        F.check(got == want and len(got) == 7, "index %s: rows %s" % (damage, got))
    # a view folder's index cannot be rebuilt (no ResourceId column)
    out = os.path.join(w, "out-view")
    run(out, [base], "--mode", "merge", views=ARGS.views)
    for fn in os.listdir(os.path.join(out, "fhir2cdm-index")):
        os.unlink(os.path.join(out, "fhir2cdm-index", fn))
    before = snapshot(out)
    rc, text = run(out, [r1], "--mode", "merge", views=ARGS.views)
    F.check(rc == 2 and "cannot be rebuilt" in text, "index view: exit %d: %s" % (rc, text))
    F.check(snapshot(out) == before, "index view: the folder changed after exit 2")


def segments_by_partition(out, entity):
    """{partition file: (segment file, inode, sha256)} of entity's segments in out."""
    d, got = os.path.join(out, "fhir2cdm-index"), {}
    for fn in os.listdir(d):
        if fn.startswith(entity + ".") and fn.endswith(".seg"):
            with open(os.path.join(d, fn), "rb") as f:
                text = f.read()
            part = text.split(b"\n")[2].decode().split("/")[-1]  # "partition data/<E>/<file>"
            got[part] = (fn, os.stat(os.path.join(d, fn)).st_ino,
                         hashlib.sha256(text).hexdigest())
    return got


def case_segments(w):
    base = os.path.join(w, "t0")
    write_ndjson(os.path.join(base, "Patient.000.ndjson"),
                 [patient("p%d" % i, "Fam", 2) for i in range(5)])
    write_ndjson(os.path.join(base, "Patient.001.ndjson"),
                 [patient("q%d" % i, "Fam", 2) for i in range(5)])
    out = os.path.join(w, "out")
    rc, text = run(out, [base], "--mode", "merge")
    F.check(rc == 0, "segments: first run exit %d: %s" % (rc, text))
    before = segments_by_partition(out, "LocalPatientName")
    F.check(len(before) == 2, "segments: two segments first %s" % sorted(before))
    dir_before = index_file(out, "LocalPatientName")
    r1 = os.path.join(w, "r1")
    write_ndjson(os.path.join(r1, "Patient.000.ndjson"), [patient("p1", "New", 1)])
    rc, text = run(out, [r1], "--mode", "merge")
    F.check(rc == 0 and "rebuilding" not in text, "segments: merge exit %d: %s" % (rc, text))
    after = segments_by_partition(out, "LocalPatientName")
    kept = [p for p in before if "Patient.001" in p]
    F.check(len(kept) == 1 and after.get(kept[0]) == before[kept[0]],
            "segments: the untouched partition's segment changed: %s -> %s"
            % (before, after))
    old0 = [p for p in before if "Patient.000" in p]
    F.check(old0 and old0[0] not in after and before[old0[0]][0] not in
            [v[0] for v in after.values()], "segments: the rewritten partition's segment stayed")
    F.check(len(after) == 3, "segments: rewrite, untouched and new: %s" % sorted(after))
    F.check(index_file(out, "LocalPatientName") != dir_before, "segments: the same directory")
    F.check(ids(out, "LocalPatientName") == ["p0"] * 2 + ["p1"] + ["p%d" % i for i in (2, 2, 3, 3,
                                                                                      4, 4)] +
            ["q%d" % (i // 2) for i in range(10)], "segments: rows %s" % ids(out,
                                                                             "LocalPatientName"))


def case_append_dups(w):
    base = os.path.join(w, "t0")
    write_ndjson(os.path.join(base, "Patient.000.ndjson"),
                 [patient("p%d" % i, "Fam", 1) for i in range(3)])
    out = os.path.join(w, "dups")
    run(out, [base], "--operation-id", "one")
    run(out, [base], "--operation-id", "two")
    before = snapshot(out)
    r1 = os.path.join(w, "r1")
    write_ndjson(os.path.join(r1, "Patient.000.ndjson"), [patient("p1", "New", 1)])
    rc, text = run(out, [r1], "--mode", "merge")
    F.check(rc == 2 and "more than one place" in text and "new folder" in text,
            "append-dups: exit %d: %s" % (rc, text))
    F.check(snapshot(out) == before, "append-dups: the folder changed after exit 2")
    out = os.path.join(w, "single")
    run(out, [base], "--operation-id", "one")
    rc, text = run(out, [r1], "--mode", "merge")
    F.check(rc == 0 and "rebuilding" in text, "append-single: exit %d: %s" % (rc, text))
    fam = column(out, "LocalPatientName", "Family")
    F.check(sorted(r[fam] for r in rows(out, "LocalPatientName")) == ["Fam0", "Fam0", "New0"],
            "append-single: names %s" % rows(out, "LocalPatientName"))


def listed(folder, entity):
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
        model = json.load(f)
    return [p["location"] for e in model["entities"] if e["name"] == entity
            for p in e.get("partitions", [])]


def case_compaction(w):
    out = os.path.join(w, "out")
    for k in range(33):
        inp = os.path.join(w, "in%d" % k)
        write_ndjson(os.path.join(inp, "Patient.%03d.ndjson" % k),
                     [patient("p%d-a" % k, "F", 2), patient("p%d-b" % k, "F", 1)] +
                     ([patient("p%d-a" % (k - 1), "G", 1)] if k else []))
        rc, text = run(out, [inp], "--mode", "merge")
        F.check(rc == 0, "compaction: run %d exit %d: %s" % (k, rc, text))
        n = len(listed(out, "LocalPatientName"))
        if k < 32:
            F.check(n == k + 1, "compaction: run %d: %d partitions, want %d" % (k, n, k + 1))
    F.check(len(listed(out, "LocalPatientName")) == 1 and "small partitions compacted" in text,
            "compaction: after 33 runs %s: %s" % (listed(out, "LocalPatientName"), text))
    fam = column(out, "LocalPatientName", "Family")
    got = sorted(r[fam] for r in rows(out, "LocalPatientName"))
    F.check(got == ["F0"] * 34 + ["F1"] + ["G0"] * 32, "compaction: names %s" % got)
    F.check(ids(out, "LocalPatient") == sorted("p%d-%s" % (k, x) for k in range(33)
                                               for x in "ab"), "compaction: Patient ids")
    sdk(out)
    # on demand: three small partitions become one, rows identical
    out = os.path.join(w, "demand")
    for k in range(3):
        run(out, [os.path.join(w, "in%d" % k)], "--mode", "merge")
    before_rows = {e: rows(out, e) for e in ("LocalPatient", "LocalPatientName")}
    old = listed(out, "LocalPatientName")
    argv = [ARGS.transform, "compact", "--config", ARGS.config, "--output", out]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    F.check(p.returncode == 0, "compact: exit %d: %s" % (p.returncode, p.stdout.decode()))
    F.check(len(listed(out, "LocalPatientName")) == 1 and len(old) >= 2,
            "compact: partitions %s -> %s" % (old, listed(out, "LocalPatientName")))
    F.check(all(rows(out, e) == r for e, r in before_rows.items()), "compact: rows changed")
    F.check(not any(os.path.exists(os.path.join(out, l)) for l in old),
            "compact: the compacted partitions were not removed")
    sdk(out)


def case_rebuild(w):
    for fmt in ("csv", "parquet"):
        out = os.path.join(w, fmt)
        merge = os.path.join(os.path.dirname(ARGS.samples), "merge")
        run(out, [ARGS.samples], "--mode", "merge", "--format", fmt)
        rc, text = run(out, [os.path.join(merge, "round-1")], "--mode", "merge", "--format", fmt,
                       "--deleted", os.path.join(merge, "round-1-deleted"))
        F.check(rc == 0, "rebuild %s: merge exit %d: %s" % (fmt, rc, text))
        # the same `compact` on a copy with its indexes and on one without: equal bytes
        control = out + "-control"
        shutil.copytree(out, control, symlinks=True)
        ix = os.path.join(out, "fhir2cdm-index")
        n = len([fn for fn in os.listdir(ix) if fn.endswith(".idx")])
        for fn in os.listdir(ix):
            os.unlink(os.path.join(ix, fn))
        texts = []
        for d in (control, out):
            p = subprocess.run([ARGS.transform, "compact", "--config", ARGS.config, "--output", d,
                                "--format", fmt], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            texts.append(p.stdout.decode())
            F.check(p.returncode == 0, "rebuild %s: compact exit %d: %s" % (fmt, p.returncode,
                                                                              texts[-1][-800:]))
        F.check(texts[0].count("rebuilding it from") == 0 and
                texts[1].count("rebuilding it from") == n,
                "rebuild %s: %d / %d rebuild notices for %d indexes" % (
                    fmt, texts[0].count("rebuilding it from"),
                    texts[1].count("rebuilding it from"), n))
        a, b = snapshot(control), snapshot(out)
        diff = sorted(k for k in set(a) | set(b) if (a.get(k) or (0, 0))[1] !=
                      (b.get(k) or (0, 0))[1])
        F.check(not diff, "rebuild %s: the folder compacted through rebuilt indexes differs: %s"
                % (fmt, diff))


def case_reconfig(w):
    cfg = os.path.join(w, "config")
    shutil.copytree(ARGS.config, cfg)
    with open(os.path.join(cfg, "PatientName.json")) as f:
        table = json.load(f)
    table["properties"].append({"name": "Extra", "path": "text", "type": "string"})
    with open(os.path.join(cfg, "PatientName.json"), "w") as f:
        json.dump(table, f)
    out = os.path.join(w, "out")
    run(out, [ARGS.samples], "--mode", "merge")
    old = listed(out, "LocalPatientName")
    merge = os.path.join(os.path.dirname(ARGS.samples), "merge")
    argv = [ARGS.transform, "--config", cfg, "--input", os.path.join(merge, "round-1"),
            "--output", out, "--mode", "merge"]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = p.stdout.decode()
    F.check(p.returncode == 1 and old[0].split("/")[-1] in text,
            "reconfig: exit %d, the old partition not named: %s" % (p.returncode, text[-1500:]))
    now = listed(out, "LocalPatientName")
    F.check(not set(old) & set(now), "reconfig: old partitions still listed: %s" % now)
    F.check(all(os.path.exists(os.path.join(out, l)) for l in old),
            "reconfig: a left-out partition was removed (append mode leaves them alone)")
    F.check(ids(out, "LocalPatientName") == ["sample-pat-2", "sample-pat-4"],
            "reconfig: PatientName rows %s" % ids(out, "LocalPatientName"))
    F.check(ids(out, "LocalPatient") == ["sample-pat-1", "sample-pat-2", "sample-pat-3",
                                         "sample-pat-4"], "reconfig: Patient rows %s"
            % ids(out, "LocalPatient"))


def case_threads(w):
    merge = os.path.join(os.path.dirname(ARGS.samples), "merge")
    snaps = []
    for n in ("1", "2"):
        out = os.path.join(w, "t" + n)
        run(out, [ARGS.samples], "--mode", "merge", "--threads", n)
        rc, text = run(out, [os.path.join(merge, "round-1"), ARGS.samples], "--deleted",
                       os.path.join(merge, "round-1-deleted"), "--mode", "merge", "--threads", n,
                       "--operation-id", "same")
        F.check(rc == 0, "threads %s: exit %d: %s" % (n, rc, text))
        snaps.append({k: v[1] for k, v in snapshot(out).items()})
    F.check(snaps[0] == snaps[1], "threads: --threads 1 and 2 differ: %s" % sorted(
        k for k in set(snaps[0]) | set(snaps[1]) if snaps[0].get(k) != snaps[1].get(k)))


def case_readme(w):
    out = os.path.join(w, "current")
    rc1, t1 = run(out, [ARGS.samples], "--mode", "merge")
    merge = os.path.join(os.path.dirname(ARGS.samples), "merge")
    rc2, t2 = run(out, [os.path.join(merge, "round-1")], "--deleted",
                  os.path.join(merge, "round-1-deleted"), "--mode", "merge")
    F.check(rc1 == 0 and rc2 == 0, "readme: exit %d, %d: %s" % (rc1, rc2, t2))
    F.check(ids(out, "LocalPatient") == ["sample-pat-1", "sample-pat-2", "sample-pat-4"],
            "readme: patients %s" % ids(out, "LocalPatient"))
    F.check(ids(out, "LocalPatientName").count("sample-pat-2") == 1,
            "readme: sample-pat-2's names %s" % ids(out, "LocalPatientName"))
    F.check("sample-cond-1" not in ids(out, "LocalCondition") and
            len(ids(out, "LocalCondition")) == 3, "readme: conditions %s" %
            ids(out, "LocalCondition"))
    F.check("2 resources in the deletion files: 2 deleted" in t2, "readme: summary %s" % t2)
    sdk(out)


def case_fifo(w):
    """A FIFO planted where the merge reads one of its files: never waited on (an open of a FIFO
    for reading blocks until a writer comes); an index file is rebuilt, the record or a partition
    is an error (exit 2)."""
    base = os.path.join(w, "t0")
    write_ndjson(os.path.join(base, "Patient.000.ndjson"),
                 [patient("p%d" % i, "Fam", 2) for i in range(3)])
    r1 = os.path.join(w, "r1")
    write_ndjson(os.path.join(r1, "Patient.000.ndjson"), [patient("p1", "New", 1)])
    for what in ("directory", "segment", "record", "partition"):
        out = os.path.join(w, "out-" + what)
        run(out, [base], "--mode", "merge")
        target = {"directory": lambda: index_file(out, "LocalPatientName"),
                  "segment": lambda: index_file(out, "LocalPatientName", ".seg"),
                  "record": lambda: os.path.join(out, "model.json"),
                  "partition": lambda: os.path.join(
                      out, "data", "LocalPatientName",
                      os.listdir(os.path.join(out, "data", "LocalPatientName"))[0])}[what]()
        os.unlink(target)
        os.mkfifo(target)
        argv = [ARGS.transform, "--config", ARGS.config, "--input", r1, "--output", out,
                "--mode", "merge"]
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        except subprocess.TimeoutExpired:
            F.check(False, "fifo %s: the merge waited on the FIFO (killed after 60 s)" % what)
            continue
        text = p.stdout.decode() + p.stderr.decode()
        if what in ("directory", "segment"):
            F.check(p.returncode == 0 and "rebuilding" in text and
                    ids(out, "LocalPatientName") == ["p0", "p0", "p1", "p2", "p2"],
                    "fifo %s: exit %d, rebuilt: %s" % (what, p.returncode, text[-600:]))
        else:
            F.check(p.returncode == 2 and "Invalid argument" in text,
                    "fifo %s: exit %d: %s" % (what, p.returncode, text[-600:]))


def case_usage_and_link(w):
    inp = os.path.join(w, "in")
    write_ndjson(os.path.join(inp, "Patient.000.ndjson"), [patient("p", "F", 1)])
    rc, text = run(os.path.join(w, "u1"), [inp], "--deleted", inp)
    F.check(rc == 2 and "--mode merge" in text, "usage: --deleted alone: %d %s" % (rc, text))
    rc, text = run(os.path.join(w, "u2"), [inp], "--mode", "upsert")
    F.check(rc == 2 and "append or merge" in text, "usage: --mode upsert: %d %s" % (rc, text))
    out = os.path.join(w, "link")
    run(out, [inp], "--mode", "merge")
    elsewhere = os.path.join(w, "elsewhere")
    os.makedirs(elsewhere)
    shutil.rmtree(os.path.join(out, "fhir2cdm-index"))
    os.symlink(elsewhere, os.path.join(out, "fhir2cdm-index"))
    write_ndjson(os.path.join(w, "in2", "Patient.000.ndjson"), [patient("p", "G", 2)])
    rc, text = run(out, [os.path.join(w, "in2")], "--mode", "merge")
    F.check(rc == 2 and "symbolic link" in text, "link: exit %d: %s" % (rc, text))
    F.check(os.listdir(elsewhere) == [], "link: something was written through the link")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    for a in ("--transform", "--config", "--samples", "--views", "--work"):
        ap.add_argument(a, required=True)
    ap.add_argument("--shared")
    ARGS = ap.parse_args()
    work = os.path.join(ARGS.work, "merge-rules")
    shutil.rmtree(work, ignore_errors=True)
    for name, fn in (("versions", case_versions), ("replace", case_replace_and_delete),
                     ("bad-deleted", case_bad_deleted), ("no-id", case_no_id),
                     ("index", case_index), ("segments", case_segments), ("fifo", case_fifo), ("append-dups", case_append_dups),
                     ("compaction", case_compaction), ("rebuild", case_rebuild),
                     ("reconfig", case_reconfig),
                     ("threads", case_threads),
                     ("readme", case_readme),
                     ("usage", case_usage_and_link)):
        d = os.path.join(work, name)
        os.makedirs(d)
        fn(d)
        print("%-12s done" % name, flush=True)
    return F.report("test_merge_rules: merge mode's rules hold")


if __name__ == "__main__":
    sys.exit(main())
