#!/usr/bin/env python3
"""generator.embedded_templates: `fhir2cdm generate-pipeline` carries templates/ inside the binary.

Why: a binary copied anywhere (a release tarball unpacked elsewhere, a build folder outside the
source tree) must generate exactly what the source templates give, and --templates DIR /
$FHIR2CDM_TEMPLATES must still override the embedded copy (to try an edited template without
rebuilding).  Checked:
  embedded   the binary copied ALONE into an empty folder (cwd there, FHIR2CDM_TEMPLATES unset)
             writes, for the Batch target (tables; views; --client-id: keyvault.json) and for
             --target synapse, every output file byte for byte as with --templates <src>/templates
  complete   every file of templates/ but its README.md is in the binary, byte for byte (a
             mismatch means the binary is older than templates/: rebuild)
  override   --templates pointing at a modified copy changes the output accordingly, so does
             FHIR2CDM_TEMPLATES, and --templates wins over FHIR2CDM_TEMPLATES
  errors     a file missing under --templates is named by its path (exit 2, nothing written);
             a --templates or FHIR2CDM_TEMPLATES folder without azuredeploy.json is refused

usage: test_embedded_templates.py FHIR2CDM_BINARY PROJECT_ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile

BATCH = ["--fhir-url", "https://fhir.example.org",
         "--package-url", "https://example.org/fhir2cdm.tar.gz"]
# The arguments tests/pipeline/test_synapse.py's golden files use.
SYNAPSE = ["--target", "synapse", "--storage-url",
           "https://fhiracct.dfs.core.windows.net/cdm/exports/run1/", "--synapse-workspace",
           "fhir-ws", "--sql-pool", "fhirpool", "--schema", "cdm", "--concurrency", "6"]

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402  (Failures)

CHECKS = f2ctest.Failures()
failures, fail = CHECKS.items, CHECKS.fail


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "FHIR2CDM_TEMPLATES"}
    env.update(extra)
    return env


def variants(root):
    cfg, views = os.path.join(root, "samples", "config"), os.path.join(root, "samples", "views")
    return [
        ("batch-tables", ["--config", cfg] + BATCH),
        ("batch-views", ["--view", views] + BATCH),
        ("batch-keyvault", ["--config", cfg, "--client-id", "11111111-2222-3333-4444-555555555555",
                            "--tenant-id", "contoso.onmicrosoft.com"] + BATCH),
        ("synapse", SYNAPSE),
    ]


def generate(gen, args, out, cwd, env=None, templates=None):
    cmd = [gen, "generate-pipeline"] + args + ["-o", out]
    if templates:
        cmd += ["--templates", templates]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env=env if env is not None else clean_env())


def tree(folder):
    """{relative path: bytes} of every file under folder."""
    files = {}
    for dp, _, fs in os.walk(folder):
        for f in fs:
            p = os.path.join(dp, f)
            with open(p, "rb") as fh:
                files[os.path.relpath(p, folder)] = fh.read()
    return files


def compare(what, got_dir, want_dir):
    got, want = tree(got_dir), tree(want_dir)
    if sorted(got) != sorted(want):
        fail("%s: files %s != %s" % (what, sorted(got), sorted(want)))
        return
    bad = [f for f in sorted(got) if got[f] != want[f]]
    if bad:
        fail("%s: %s differ from the --templates run (diff -r %s %s); a binary older than "
             "templates/? rebuild" % (what, bad, got_dir, want_dir))
    else:
        print("ok   %s: %d files byte for byte" % (what, len(got)))


def check_embedded(gen, root, tmp):
    alone = os.path.join(tmp, "alone")
    os.makedirs(alone)
    copy = os.path.join(alone, "fhir2cdm")
    shutil.copy2(gen, copy)
    src = os.path.join(root, "templates")
    for name, args in variants(root):
        out = os.path.join(alone, "out-" + name)
        r = generate(copy, args, out, cwd=alone)
        if r.returncode != 0:
            fail("%s: the copied binary exited %d: %s" % (name, r.returncode, r.stderr))
            continue
        ref = os.path.join(tmp, "ref-" + name)
        r = generate(gen, args, ref, cwd=tmp, templates=src)
        if r.returncode != 0:
            fail("%s: --templates %s exited %d: %s" % (name, src, r.returncode, r.stderr))
            continue
        compare(name + " (binary alone vs --templates)", out, ref)
    extra = sorted(os.listdir(alone))
    if extra != sorted(["fhir2cdm"] + ["out-" + n for n, _ in variants(root)]):
        fail("the copied binary wrote outside -o: %s" % extra)


def check_complete(gen, root):
    with open(gen, "rb") as f:
        binary = f.read()
    src = os.path.join(root, "templates")
    n = 0
    for dp, _, fs in os.walk(src):
        for f in sorted(fs):
            rel = os.path.relpath(os.path.join(dp, f), src)
            if rel == "README.md" or f.startswith(".") or f.endswith("~"):
                continue
            with open(os.path.join(dp, f), "rb") as fh:
                if fh.read() not in binary:
                    fail("templates/%s is not in %s byte for byte (rebuild)" % (rel, gen))
            n += 1
    if n < 8:
        fail("only %d template files found under %s" % (n, src))
    print("ok   %d template files embedded byte for byte" % n)


def modified_copy(root, dest, marker):
    """A copy of templates/ whose Batch and Synapse README and a description carry marker."""
    shutil.copytree(os.path.join(root, "templates"), dest)
    for rel in ("azuredeploy.json", "synapse/pipeline.json"):
        p = os.path.join(dest, rel)
        text = open(p).read()
        if '"description": "' not in text:
            fail("%s has no description to modify" % rel)
        open(p, "w").write(text.replace('"description": "', '"description": "%s ' % marker, 1))
    for rel in ("README.deploy.md", "synapse/README.deploy.md"):
        with open(os.path.join(dest, rel), "a") as f:
            f.write("\n%s\n" % marker)
    return dest


def has_marker(what, out, marker, want):
    files = tree(out)
    for f in ("azuredeploy.json", "README.md"):
        found = marker.encode() in files.get(f, b"")
        if found != want:
            fail("%s: %s %s %s" % (what, f, "lacks" if want else "has", marker))
            return
    print("ok   %s: %s %s" % (what, "uses" if want else "ignores", marker))


def check_override(gen, root, tmp):
    one = modified_copy(root, os.path.join(tmp, "templates-one"), "MARKER-ONE")
    two = modified_copy(root, os.path.join(tmp, "templates-two"), "MARKER-TWO")
    for name, args in [v for v in variants(root) if v[0] in ("batch-tables", "synapse")]:
        base = os.path.join(tmp, "override-" + name)
        r = generate(gen, args, base + "-opt", cwd=tmp, templates=one)
        if r.returncode != 0:
            fail("%s --templates copy: exit %d: %s" % (name, r.returncode, r.stderr))
            continue
        has_marker(name + " --templates", base + "-opt", "MARKER-ONE", True)
        generate(gen, args, base + "-env", cwd=tmp, env=clean_env(FHIR2CDM_TEMPLATES=two))
        has_marker(name + " FHIR2CDM_TEMPLATES", base + "-env", "MARKER-TWO", True)
        generate(gen, args, base + "-both", cwd=tmp, env=clean_env(FHIR2CDM_TEMPLATES=two),
                 templates=one)
        has_marker(name + " --templates over FHIR2CDM_TEMPLATES", base + "-both", "MARKER-ONE",
                   True)
        generate(gen, args, base + "-none", cwd=tmp)
        has_marker(name + " embedded", base + "-none", "MARKER-", False)


def expect_error(what, r, out, words):
    ok = r.returncode == 2 and all(w in r.stderr for w in words) and not os.path.exists(out)
    if ok:
        print("ok   %s: exit 2, %r" % (what, r.stderr.strip().splitlines()[0]))
    else:
        fail("%s: exit %d, stderr %r, wrote %s (want 2, %s, nothing)"
             % (what, r.returncode, r.stderr, os.path.exists(out), words))


def check_errors(gen, root, tmp):
    lacking = os.path.join(tmp, "templates-lacking")
    shutil.copytree(os.path.join(root, "templates"), lacking)
    os.remove(os.path.join(lacking, "README.deploy.md"))
    os.remove(os.path.join(lacking, "synapse", "pipeline.json"))
    batch, synapse = variants(root)[0][1], variants(root)[3][1]
    out = os.path.join(tmp, "err-out")
    expect_error("--templates without README.deploy.md",
                 generate(gen, batch, out, cwd=tmp, templates=lacking), out,
                 [os.path.join(lacking, "README.deploy.md")])
    expect_error("--templates without synapse/pipeline.json",
                 generate(gen, synapse, out, cwd=tmp, templates=lacking), out,
                 [os.path.join(lacking, "synapse/pipeline.json")])
    empty = os.path.join(tmp, "templates-empty")
    os.makedirs(empty)
    expect_error("--templates without azuredeploy.json",
                 generate(gen, batch, out, cwd=tmp, templates=empty), out,
                 ["--templates " + empty, "no azuredeploy.json"])
    expect_error("FHIR2CDM_TEMPLATES without azuredeploy.json",
                 generate(gen, synapse, out, cwd=tmp, env=clean_env(FHIR2CDM_TEMPLATES=empty)),
                 out, ["FHIR2CDM_TEMPLATES=" + empty, "no azuredeploy.json"])


def main():
    gen, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix="f2c-embedded-")
    try:
        check_complete(gen, root)
        check_embedded(gen, root, tmp)
        check_override(gen, root, tmp)
        check_errors(gen, root, tmp)
    finally:
        if not failures:
            shutil.rmtree(tmp)
    if failures:
        print("%d failure(s); files kept in %s" % (len(failures), tmp))
        return 1
    print("ok   generate-pipeline: embedded templates and overrides")
    return 0


if __name__ == "__main__":
    sys.exit(main())
