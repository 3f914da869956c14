#!/usr/bin/env python3
"""End-to-end tests of `fhir2cdm generate-config` that need more than one case folder
(tests/generator/run_case.py does those).  One CTest test per part:

  test_generator.py compat  FHIR2CDM SHARED
      The original tool's own YAML test (../shared/compat/generator/YamlTestConfigs ->
      YamlTestOutputs).  As given it references two property groups it never defines, so
      fhir2cdm must refuse it with exactly compat/expected-refusal.txt; with those groups added
      (compat/supplement.yml appended) every file of YamlTestOutputs must come out byte for
      byte, and nothing else but the added groups' files.  Skipped (77) without ../shared.

  test_generator.py samples FHIR2CDM TRANSFORM REPO
      samples/yaml generates a configuration that fhir2cdm-transform loads and runs on
      samples/ndjson: every resource type of the YAML gets its table, with one row per
      resource in the input, and a FHIRPath column has its value.

  test_generator.py allr4   FHIR2CDM TRANSFORM REPO
      --resources with no type names: all 146 R4 resource types, with --array first and
      as_json; the transformer loads both folders and runs them on samples/ndjson.  When node
      is installed, every generated file is also checked to be exactly
      JSON.stringify(JSON.parse(file), null, 4), the original's formatting.

  test_generator.py publish FHIR2CDM
      How the output folder is written: an existing folder is added to (its other files
      kept); group files are kept unless --overwrite; a new folder gets the usual permissions;
      a symbolic link, a plain file, a folder with foreign content or "-o ." is refused
      (exit 2) and left alone; nothing is left beside the target.

Python stdlib only.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, cwd=None):
    print("running: " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    sys.stdout.write(out + err)
    return p.returncode, out, err


def tree(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def test_compat(F, exe, shared):
    f2ctest.skip_without_shared(shared, "compat/generator")
    src = os.path.join(shared, "compat", "generator", "YamlTestConfigs")
    want_dir = os.path.join(shared, "compat", "generator", "YamlTestOutputs")
    tmp = tempfile.mkdtemp(prefix="f2c-gen-compat-")
    try:
        out = os.path.join(tmp, "out")
        rc, _, err = run([exe, "generate-config", "-r", "resourcesConfig.yml",
                          "-p", "propertiesGroupConfig.yml", "-o", out], cwd=src)
        F.check(rc == 2, "the original test configuration as given: exit %d, expected 2" % rc)
        with open(os.path.join(HERE, "compat", "expected-refusal.txt"), encoding="utf-8") as f:
            want = f.read()
        F.check(err == want, "refusal message differs from compat/expected-refusal.txt:\n"
                "--- expected\n%s--- got\n%s" % (want, err))
        F.check(not os.path.exists(out), "refused, yet %s was written" % out)

        groups = os.path.join(tmp, "propertiesGroupConfig.yml")
        with open(groups, "wb") as g:
            with open(os.path.join(src, "propertiesGroupConfig.yml"), "rb") as f:
                g.write(f.read())
            g.write(b"\n\n")
            with open(os.path.join(HERE, "compat", "supplement.yml"), "rb") as f:
                g.write(f.read())
        rc, _, _ = run([exe, "generate-config", "-r", os.path.join(src, "resourcesConfig.yml"),
                        "-p", groups, "-o", out])
        if not F.check(rc == 0, "with the missing groups added: exit %d, expected 0" % rc):
            return
        want, got = tree(want_dir), tree(out)
        for rel in sorted(want):
            if F.check(rel in got, "YamlTestOutputs/%s was not generated" % rel):
                # Ours end with a line break (POSIX text files), the original's do not: the one
                # documented byte-level deviation (docs/config-reference.md).
                F.check(got[rel] == want[rel] + b"\n",
                        "%s differs from YamlTestOutputs/%s (plus a final line break)" % (rel, rel))
        extra = sorted(set(got) - set(want))
        added = ["PropertiesGroup/CodeableConcept.json", "PropertiesGroup/Coding.json",
                 "PropertiesGroup/Reference.json"]
        F.check(extra == added, "files beyond YamlTestOutputs: %s, expected %s" % (extra, added))
        print("compared %d files of YamlTestOutputs" % len(want))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cdm_entities(out):
    with open(os.path.join(out, "model.json"), encoding="utf-8") as f:
        model = json.load(f)
    return {e["name"]: [a["name"] for a in e["attributes"]] for e in model["entities"]}


def rows(out, entity):
    recs = []
    for p in f2ctest.partition_files(out, entity):
        with open(p, "rb") as f:
            recs += f2ctest.parse_csv(f.read(), "utf-8")[1:]
    return recs


def test_samples(F, exe, transform, repo):
    yaml_dir = os.path.join(repo, "samples", "yaml")
    ndjson = os.path.join(repo, "samples", "ndjson")
    tmp = tempfile.mkdtemp(prefix="f2c-gen-samples-")
    try:
        cfg, cdm = os.path.join(tmp, "config"), os.path.join(tmp, "cdm")
        rc, _, _ = run([exe, "generate-config", "-r", os.path.join(yaml_dir, "resourcesConfig.yml"),
                        "-p", os.path.join(yaml_dir, "propertiesGroupConfig.yml"), "-o", cfg])
        if not F.check(rc == 0, "generate-config on samples/yaml: exit %d" % rc):
            return
        rc = f2ctest.run_transform(transform, cfg, ndjson, cdm, "samples-yaml")
        if not F.check(rc == 0, "fhir2cdm-transform on the generated configuration: exit %d" % rc):
            return
        ents = cdm_entities(cdm)
        types = ["Patient", "Encounter", "Condition", "Procedure", "MedicationRequest",
                 "Immunization", "AllergyIntolerance", "Observation"]
        for t in types:
            F.check("Local" + t in ents, "no table for %s" % t)
            path = os.path.join(ndjson, t + ".ndjson")
            if not os.path.exists(path) or "Local" + t not in ents:
                continue
            with open(path, encoding="utf-8") as f:
                n = sum(1 for line in f if line.strip())
            got = len(rows(cdm, "Local" + t))
            F.check(got == n, "Local%s: %d rows, %d resources in the input" % (t, got, n))
        cols = ents.get("LocalPatient", [])
        recs = {r[0]: dict(zip(cols, r)) for r in rows(cdm, "LocalPatient")}
        pat = recs.get("sample-pat-1", {})
        for col, want in [("PreferredLanguage", "English"), ("NameFamily", "Example"),
                          ("BirthDate", "1970-01-01T00:00:00Z"), ("DeceasedBoolean", "false")]:
            F.check(pat.get(col) == want, "LocalPatient sample-pat-1 %s = %r, expected %r"
                    % (col, pat.get(col), want))
        unroll = [e for e in ents if e.startswith("LocalPatient") and e != "LocalPatient"]
        F.check(len(unroll) == 5, "Patient unroll tables: %s" % sorted(unroll))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_stringify(F, folder):
    """Every file equals JSON.stringify(JSON.parse(file), null, 4), checked by node."""
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        print("node not installed: JSON.stringify formatting cross-check skipped")
        return
    script = ("const fs=require('fs'),path=require('path');let bad=[],n=0;"
              "function walk(d){for(const e of fs.readdirSync(d,{withFileTypes:true})){"
              "const p=path.join(d,e.name);if(e.isDirectory())walk(p);else{n++;"
              "const t=fs.readFileSync(p,'utf8');"
              "if(JSON.stringify(JSON.parse(t),null,4)+'\\n'!==t)bad.push(p);}}}"
              "walk(process.argv[1]);console.log(n+' files checked');"
              "for(const b of bad)console.log('NOT STRINGIFY FORMAT: '+b);"
              "process.exit(bad.length?1:0);")
    rc, _, _ = run([node, "-e", script, folder])
    F.check(rc == 0, "files in %s are not formatted as JSON.stringify(x, null, 4)" % folder)


def test_allr4(F, exe, transform, repo):
    ndjson = os.path.join(repo, "samples", "ndjson")
    tmp = tempfile.mkdtemp(prefix="f2c-gen-allr4-")
    try:
        for mode in ["first", "as_json"]:
            cfg, cdm = os.path.join(tmp, "config-" + mode), os.path.join(tmp, "cdm-" + mode)
            rc, out, _ = run([exe, "generate-config", "--resources", "--array", mode, "-o", cfg])
            if not F.check(rc == 0, "--resources (all of R4) --array %s: exit %d" % (mode, rc)):
                continue
            tables = [f for f in os.listdir(cfg) if f.endswith(".json")]
            F.check(len(tables) == 146, "%d resource tables, expected 146" % len(tables))
            rc = f2ctest.run_transform(transform, cfg, ndjson, cdm, "allr4-" + mode)
            F.check(rc == 0, "fhir2cdm-transform on all of R4 (%s): exit %d" % (mode, rc))
            if rc == 0:
                n = len(rows(cdm, "LocalPatient"))
                F.check(n == 4, "LocalPatient: %d rows, expected 4" % n)
            if mode == "first":
                check_stringify(F, cfg)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def test_publish(F, exe):
    tmp = tempfile.mkdtemp(prefix="f2c-gen-publish-")
    try:
        res, grp = os.path.join(tmp, "r.yml"), os.path.join(tmp, "g.yml")
        write(res, "Patient:\n  propertiesByDefault: [active, name]\n")
        write(grp, "HumanName:\n  propertiesByDefault: [family]\n")
        base = [exe, "generate-config", "-r", res, "-p", grp, "-o"]

        # A new folder: the usual permissions, nothing left beside it.
        new = os.path.join(tmp, "new")
        old_umask = os.umask(0o022)
        os.umask(old_umask)
        rc, _, _ = run(base + [new])
        F.check(rc == 0, "new folder: exit %d" % rc)
        mode = stat.S_IMODE(os.stat(new).st_mode)
        F.check(mode == 0o777 & ~old_umask, "new folder mode %o, expected %o"
                % (mode, 0o777 & ~old_umask))

        # An existing folder is added to: its other files stay, generated ones are replaced.
        ex = os.path.join(tmp, "existing")
        write(os.path.join(ex, "Encounter.json"), '{"name": "Encounter", "resourceType": '
              '"Encounter", "properties": [{"path": "status", "name": "Status", "type": "code"}]}')
        write(os.path.join(ex, "Patient.json"), "stale")
        os.chmod(ex, 0o750)
        rc, _, _ = run(base + [ex])
        F.check(rc == 0, "existing folder: exit %d" % rc)
        t = tree(ex)
        F.check(sorted(t) == ["Encounter.json", "Patient.json", "PropertiesGroup/HumanName.json"],
                "existing folder after generate: %s" % sorted(t))
        F.check(t.get("Patient.json", b"stale") != b"stale", "Patient.json was not replaced")
        F.check(stat.S_IMODE(os.stat(ex).st_mode) == 0o750, "folder permissions not kept")

        # Schema mode keeps existing group files unless --overwrite.
        sm = os.path.join(tmp, "schema")
        rc, _, _ = run([exe, "generate-config", "--resources", "Patient", "-o", sm])
        F.check(rc == 0, "--resources Patient: exit %d" % rc)
        period = os.path.join(sm, "PropertiesGroup", "Period.json")
        mine = ('{\n    "propertiesGroupName": "Period",\n    "properties": [\n        {\n'
                '            "path": "start",\n            "name": "Begin",\n'
                '            "type": "dateTime"\n        }\n    ]\n}')
        write(period, mine)
        rc, _, _ = run([exe, "generate-config", "--resources", "Patient", "-o", sm])
        with open(period, encoding="utf-8") as f:
            F.check(rc == 0 and f.read() == mine, "an existing group file was replaced "
                    "without --overwrite")
        rc, _, _ = run([exe, "generate-config", "--resources", "Patient", "-w", "-o", sm])
        with open(period, encoding="utf-8") as f:
            F.check(rc == 0 and f.read() != mine, "--overwrite kept the old group file")

        # Refused targets, left alone.
        link = os.path.join(tmp, "link")
        os.symlink(new, link)
        rc, _, err = run(base + [link])
        F.check(rc == 2 and "symbolic link" in err, "symbolic link target: exit %d" % rc)
        F.check(os.path.islink(link), "the link was replaced")
        plain = os.path.join(tmp, "plain")
        write(plain, "x")
        rc, _, err = run(base + [plain])
        F.check(rc == 2 and "not a folder" in err, "plain file target: exit %d" % rc)
        foreign = os.path.join(tmp, "foreign")
        write(os.path.join(foreign, "PropertiesGroup", "sub", "x.txt"), "mine")
        before = tree(foreign)
        rc, _, err = run(base + [foreign])
        F.check(rc == 2, "folder with a sub-folder in PropertiesGroup: exit %d" % rc)
        F.check(tree(foreign) == before, "the foreign folder changed")

        rc, _, err = run(base + ["."], cwd=ex)
        F.check(rc == 2 and "by its name" in err, "-o .: exit %d" % rc)

        left = sorted(n for n in os.listdir(tmp) if n.startswith("."))
        F.check(not left, "left beside the targets: %s" % left)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    part, args = sys.argv[1], [os.path.abspath(a) for a in sys.argv[2:]]
    F = f2ctest.Failures()
    if part == "compat" and len(args) == 2:
        test_compat(F, *args)
    elif part == "samples" and len(args) == 3:
        test_samples(F, *args)
    elif part == "allr4" and len(args) == 3:
        test_allr4(F, *args)
    elif part == "publish" and len(args) == 1:
        test_publish(F, *args)
    else:
        print(__doc__)
        return 2
    print("%s: %s" % (part, "%d failure(s)" % len(F.items) if F.items else "ok"))
    return 1 if F.items else 0


if __name__ == "__main__":
    sys.exit(main())
