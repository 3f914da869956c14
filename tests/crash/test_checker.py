#!/usr/bin/env python3
"""test_checker: check_folder.py itself, on folders made by hand (no binary involved).

Why: the crash tests are only as good as their checker, so every rule it enforces is shown to
fire here: a good folder passes; each defect (listed file missing, a link, truncated, wrong
field count, wrong or differently quoted header, CSV that does not parse, bad JSON, a location
escaping the folder or in another entity's folder, listed twice) is reported; the old/new
verdict finds the state and reports a mix (exact and fingerprint modes); unlisted files are
reported but not an error; compare_trees finds a one-byte difference and ignores .fhir2cdm/;
control_leftovers finds stage-*/journal; the command line exits 0 / 1.
Usage: test_checker.py --work DIR
"""

import argparse
import contextlib
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_folder as cf  # noqa: E402
import crashlib as cl  # noqa: E402

ENTS = {
    "LocalA": ["ResourceId", "Name", "Odd,\"x\""],
    "LocalB": ["RowId", "ResourceId"],
}


def model(parts):
    """model.json text listing parts = {entity: [file names]}."""
    ents = []
    for e, attrs in ENTS.items():
        ents.append({"$type": "LocalEntity", "name": e,
                     "attributes": [{"name": a, "dataType": "string"} for a in attrs],
                     "partitions": [{"name": n[:-4], "location": "data/%s/%s" % (e, n)}
                                    for n in parts.get(e, [])]})
    return json.dumps({"name": "t", "version": "1.0", "entities": ents,
                       "annotations": [{"name": "fhir2cdm:commit", "value": "1"}]}, indent="\t")


HEAD_A = b'ResourceId,Name,"Odd,""x"""\r\n'
HEAD_B = b"RowId,ResourceId\r\n"


def make(folder, files, parts, model_text=None):
    """files = {relative path: bytes}; parts as for model()."""
    cl.rmtree(folder)
    os.makedirs(folder)
    for rel, data in files.items():
        p = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    with open(os.path.join(folder, "model.json"), "w") as f:
        f.write(model_text if model_text is not None else model(parts))
    return folder


def good_files(tag):
    return {
        "data/LocalA/p1-%s.csv" % tag: HEAD_A + b'1,"multi\r\nline",x\r\n2,"a ""q""",\r\n',
        "data/LocalB/p1-%s.csv" % tag: HEAD_B + b"r1,1\r\nr2,2\r\n",
    }


def good_parts(tag):
    return {"LocalA": ["p1-%s.csv" % tag], "LocalB": ["p1-%s.csv" % tag]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    F = cl.Failures()
    w = cl.fresh_dir(os.path.join(args.work, "checker"))

    def expect_problem(tag, folder, needle, exact=False):
        _, prob = cf.check_folder(folder, exact)
        F.check(any(needle in p for p in prob), "%s: expected a problem mentioning %r, got %s"
                % (tag, needle, prob))

    # A good folder.
    good = make(os.path.join(w, "good"), good_files("x"), good_parts("x"))
    st, prob = cf.check_folder(good, exact=True)
    F.check(not prob, "good folder reported: %s" % prob)
    F.check(st.entities["LocalA"].count == 2 and st.entities["LocalB"].count == 2,
            "good folder: row counts %s" % {e: m.count for e, m in st.entities.items()})
    F.check(("1", "multi\r\nline", "x") in st.entities["LocalA"].rows,
            "good folder: multi-line value not parsed: %s" % st.entities["LocalA"].rows)
    # No model.json: the empty state.
    empty = cl.fresh_dir(os.path.join(w, "empty"))
    st, prob = cf.check_folder(empty)
    F.check(not prob and not st.has_model and not st.entities, "empty folder: %s" % prob)

    # Defects.
    files = good_files("x")
    parts = good_parts("x")
    parts["LocalA"].append("missing.csv")
    expect_problem("missing", make(os.path.join(w, "missing"), files, parts), "does not exist")

    d = make(os.path.join(w, "link"), good_files("x"), good_parts("x"))
    os.rename(os.path.join(d, "data/LocalB/p1-x.csv"), os.path.join(w, "outside.csv"))
    os.symlink(os.path.join(w, "outside.csv"), os.path.join(d, "data/LocalB/p1-x.csv"))
    expect_problem("file link", d, "symbolic link")

    d = make(os.path.join(w, "dirlink"), {}, {"LocalB": ["p1-x.csv"]})
    os.makedirs(os.path.join(w, "realB"), exist_ok=True)
    with open(os.path.join(w, "realB", "p1-x.csv"), "wb") as f:
        f.write(HEAD_B)
    os.makedirs(os.path.join(d, "data"))
    os.symlink(os.path.join(w, "realB"), os.path.join(d, "data", "LocalB"))
    expect_problem("folder link", d, "symbolic link")

    for tag, data, needle in (
            ("truncated", HEAD_B + b"r1,1\r\nr2,", "does not end with CRLF"),
            ("truncated LF", HEAD_B + b"r1,1\r\nr2,2\n", "does not end with CRLF"),
            ("empty file", b"", "expected the header"),
            ("fields", HEAD_B + b"r1,1,extra\r\n", "3 fields"),
            ("header", b"RowId,Other\r\nr1,1\r\n", "expected the header"),
            ("header quoting", b'"RowId",ResourceId\r\nr1,1\r\n', "expected the header"),
            ("csv", HEAD_B + b'r1,"1"x\r\n', "does not parse"),
            ("open quote", HEAD_B + b'r1,"1\r\n', "")):
        f2 = good_files("x")
        f2["data/LocalB/p1-x.csv"] = data
        d = make(os.path.join(w, tag.replace(" ", "-")), f2, good_parts("x"))
        if needle:
            expect_problem(tag, d, needle)
        else:
            _, prob = cf.check_folder(d)
            F.check(prob, "%s: no problem reported" % tag)

    f3 = good_files("x")
    f3["data/LocalA/p1-x.csv"] = b'ResourceId,Name,Odd,"x"\r\n'
    expect_problem("quoted header name", make(os.path.join(w, "qh"), f3, good_parts("x")),
                   "expected the header")

    expect_problem("json", make(os.path.join(w, "json"), {}, {}, "{\"entities\": ["), "parse")
    expect_problem("no entities", make(os.path.join(w, "noent"), {}, {}, "{}"), "entities")
    bad = model(good_parts("x")).replace("data/LocalB/p1-x.csv", "../good/data/LocalB/p1-x.csv")
    expect_problem("escape", make(os.path.join(w, "escape"), good_files("x"), {}, bad),
                   "bad location")
    bad = model(good_parts("x")).replace("data/LocalB/p1-x.csv", "data/LocalA/b.csv")
    expect_problem("other entity", make(os.path.join(w, "other"), dict(good_files("x"), **{
        "data/LocalA/b.csv": HEAD_B}), {}, bad),
                   "outside data/LocalB/")
    p4 = good_parts("x")
    p4["LocalB"].append("p1-x.csv")
    expect_problem("twice", make(os.path.join(w, "twice"), good_files("x"), p4), "listed twice")

    # Old / new / mix.
    old = make(os.path.join(w, "old"), good_files("o"), good_parts("o"))
    fn = good_files("n")
    fn["data/LocalA/p1-n.csv"] = HEAD_A + b"1,changed,x\r\n2,\"a \"\"q\"\"\",\r\n"
    fn["data/LocalB/p1-n.csv"] = HEAD_B + b"r1,1\r\nr2,2\r\nr3,3\r\n"
    new = make(os.path.join(w, "new"), fn, good_parts("n"))
    for exact in (True, False):
        mode = "exact" if exact else "fingerprint"
        o = cf.load_reference(old, exact)
        n = cf.load_reference(new, exact)
        which, prob = cf.check(old, o, n, exact)
        F.check(which == "old" and not prob, "%s: old folder judged %s %s" % (mode, which, prob))
        which, prob = cf.check(new, o, n, exact)
        F.check(which == "new" and not prob, "%s: new folder judged %s %s" % (mode, which, prob))
        mixf = {"data/LocalA/p1-n.csv": fn["data/LocalA/p1-n.csv"],
                "data/LocalB/p1-o.csv": good_files("o")["data/LocalB/p1-o.csv"]}
        mix = make(os.path.join(w, "mix"), mixf, {"LocalA": ["p1-n.csv"], "LocalB": ["p1-o.csv"]})
        which, prob = cf.check(mix, o, n, exact)
        F.check(which is None and any("neither" in p for p in prob),
                "%s: a mix was judged %s %s" % (mode, which, prob))
        # One changed cell (same row count) is found, also without exact rows.
        one = dict(good_files("o"))
        one["data/LocalB/p1-o.csv"] = HEAD_B + b"r1,1\r\nr2,3\r\n"
        onef = make(os.path.join(w, "one"), one, good_parts("o"))
        which, prob = cf.check(onef, o, None, exact)
        F.check(which is None and prob, "%s: one changed cell not found: %s %s" % (mode, which,
                                                                                    prob))
        # The same rows in other files / other order are the same state.
        re_ = {"data/LocalA/q.csv": HEAD_A + b'2,"a ""q""",\r\n',
               "data/LocalA/r.csv": HEAD_A + b'1,"multi\r\nline",x\r\n',
               "data/LocalB/q.csv": HEAD_B + b"r2,2\r\nr1,1\r\n"}
        ref = make(os.path.join(w, "reorder"), re_, {"LocalA": ["q.csv", "r.csv"],
                                                     "LocalB": ["q.csv"]})
        which, prob = cf.check(ref, o, n, exact)
        F.check(which == "old" and not prob, "%s: reordered rows judged %s %s" % (mode, which,
                                                                                  prob))
        # An empty folder (nothing published) is the old state of a first run.
        which, prob = cf.check(empty, cf.State(), n, exact)
        F.check(which == "old", "%s: empty folder vs empty state: %s %s" % (mode, which, prob))

    # Unlisted files: reported, not problems.
    d = make(os.path.join(w, "unlisted"), dict(good_files("x"), **{
        "data/LocalA/partition-data-x.csv": HEAD_A}), good_parts("x"))
    st, prob = cf.check_folder(d)
    F.check(not prob and cf.unlisted_files(d, st) == ["data/LocalA/partition-data-x.csv"],
            "unlisted: problems %s, unlisted %s" % (prob, cf.unlisted_files(d, st)))

    # Trees: a one-byte difference; the control folder ignored; control leftovers.
    a = make(os.path.join(w, "ta"), good_files("x"), good_parts("x"))
    b = make(os.path.join(w, "tb"), good_files("x"), good_parts("x"))
    F.check(cf.compare_trees(a, b) == [], "identical trees differ: %s" % cf.compare_trees(a, b))
    os.makedirs(os.path.join(a, ".fhir2cdm", "stage-x1"))
    with open(os.path.join(a, ".fhir2cdm", "lock"), "w") as f:
        f.write("pid 1\n")
    F.check(cf.compare_trees(a, b) == [], "the control folder is compared")
    F.check(cf.control_leftovers(a) == [os.path.join(a, ".fhir2cdm", "stage-x1")],
            "control leftovers: %s" % cf.control_leftovers(a))
    with open(os.path.join(b, "data/LocalB/p1-x.csv"), "r+b") as f:
        f.seek(20)
        f.write(b"9")
    diff = cf.compare_trees(a, b)
    F.check(len(diff) == 1 and "byte 20" in diff[0], "one-byte difference: %s" % diff)
    os.makedirs(os.path.join(b, "data", "LocalC"))
    F.check(any("LocalC" in x for x in cf.compare_trees(a, b)), "an extra folder is not found")

    # Command line.
    for folder, argv, rc in ((good, [], 0), (old, ["--old", old, "--new", new], 0),
                             (mix, ["--old", old, "--new", new], 1),
                             (os.path.join(w, "truncated"), [], 1)):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            got = cf.main([folder] + argv)
        F.check(got == rc, "check_folder.py %s %s exited %s, expected %s: %s"
                % (folder, " ".join(argv), got, rc, buf.getvalue()))
    return F.report("test_checker: every rule of check_folder.py fires")


if __name__ == "__main__":
    sys.exit(main())
