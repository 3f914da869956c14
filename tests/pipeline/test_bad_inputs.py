"""Bad inputs: each invocation must exit 2, say why on stderr, and write nothing (the output
folder is not created, or keeps exactly what it held).
Usage: test_bad_inputs.py FHIR2CDM_BINARY PROJECT_ROOT"""
import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import os
import shutil
import subprocess
import sys
import tempfile

import common

GOOD = ["--config", "samples/config", "--fhir-url", common.FHIR_URL]


def without(args, *opts):
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in opts:
            skip = True
            continue
        out.append(a)
    return out


def cases(tmp, root):
    broken_cfg = os.path.join(tmp, "broken-config")
    os.makedirs(broken_cfg)
    with open(os.path.join(broken_cfg, "Patient.json"), "w") as f:
        f.write('{"name": "Patient", "resourceType": "Patient", "properties": [\n')
    empty_cfg = os.path.join(tmp, "empty-config")
    os.makedirs(empty_cfg)
    bad_tpl = os.path.join(tmp, "templates-broken")
    shutil.copytree(os.path.join(root, "templates"), bad_tpl)
    with open(os.path.join(bad_tpl, "pipeline.json"), "a") as f:
        f.write("\n}")
    lost_tpl = os.path.join(tmp, "templates-lost-param")
    shutil.copytree(os.path.join(root, "templates"), lost_tpl)
    p = os.path.join(lost_tpl, "azuredeploy.json")
    text = open(p).read().replace('"concurrency": {', '"concurrencyX": {', 1)
    open(p, "w").write(text)
    no_tpl = os.path.join(tmp, "no-templates")
    os.makedirs(no_tpl)
    return [
        ("no input", without(GOOD, "--config"), "give --config DIR or --view PATH"),
        ("config and view", GOOD + ["--view", "samples/views"], "not both"),
        ("missing config folder", ["--config", os.path.join(tmp, "nope")] + GOOD[2:],
         "nope"),
        ("invalid config file", ["--config", broken_cfg] + GOOD[2:], "Patient.json"),
        ("config without tables", ["--config", empty_cfg] + GOOD[2:], "error"),
        ("missing view", ["--view", os.path.join(tmp, "nope.json")] + GOOD[2:], "nope.json"),
        ("no fhir url", without(GOOD, "--fhir-url"), "--fhir-url URL is required"),
        ("http fhir url", without(GOOD, "--fhir-url") + ["--fhir-url", "http://x.example"],
         "must be an https:// URL"),
        ("quote in url", without(GOOD, "--fhir-url") + ["--fhir-url", "https://x/'a"],
         "must be an https:// URL"),
        ("http package url", GOOD + ["--package-url", "http://example.org/f.tar.gz"],
         "must be an https:// URL"),
        ("concurrency 0", GOOD + ["--concurrency", "0"], "--concurrency must be a whole number"),
        ("concurrency 51", GOOD + ["--concurrency", "51"], "from 1 to 50"),
        ("concurrency text", GOOD + ["--concurrency", "8x"], "--concurrency"),
        ("batch nodes 0", GOOD + ["--batch-nodes", "0"], "--batch-nodes"),
        ("max depth 65", GOOD + ["--max-depth", "65"], "--max-depth"),
        ("format orc", GOOD + ["--format", "orc"], "--format must be csv or parquet"),
        ("format twice", GOOD + ["--format", "csv", "--format", "parquet"], "--format"),
        ("since month 13", GOOD + ["--since", "2024-13-01T00:00:00Z"], "--since must be"),
        ("since date only", GOOD + ["--since", "2024-01-01"], "--since must be"),
        ("since no zone", GOOD + ["--since", "2024-01-01T00:00:00"], "--since must be"),
        ("group with space", GOOD + ["--group", "a b"], "--group must be"),
        ("pipeline name dot", GOOD + ["--pipeline-name", "a.b"], "--pipeline-name must be"),
        ("pipeline name dash first", GOOD + ["--pipeline-name", "-a"],
         "must start with a letter or digit"),
        ("vm size", GOOD + ["--batch-vm-size", "Standard D4"], "--batch-vm-size must be"),
        ("client id alone", GOOD + ["--client-id", "abc"], "go together"),
        ("unknown option", GOOD + ["--frobnicate"], "generate-pipeline --help"),
        ("extra argument", GOOD + ["stray"], "unexpected argument"),
        ("templates without azuredeploy.json", GOOD + ["--templates", no_tpl],
         "no azuredeploy.json"),
        ("broken template", GOOD + ["--templates", bad_tpl], "not valid JSON"),
        ("template lacks a parameter", GOOD + ["--templates", lost_tpl],
         'parameters has no "concurrency"'),
    ]


def run_case(gen, root, args, out):
    cmd = [gen, "generate-pipeline"] + args + (["-o", out] if out else [])
    if "--templates" not in args:
        cmd += ["--templates", os.path.join(root, "templates")]
    return subprocess.run(cmd, cwd=root, capture_output=True, text=True)


def main():
    gen, root = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="f2c-pipeline-bad-")
    failures = 0

    def expect(label, proc, needle, out, before):
        nonlocal failures
        problems = []
        if proc.returncode != 2:
            problems.append("exit %d, expected 2" % proc.returncode)
        if needle not in proc.stderr:
            problems.append("stderr lacks %r: %r" % (needle, proc.stderr))
        if proc.stdout:
            problems.append("wrote to stdout: %r" % proc.stdout)
        after = sorted(os.listdir(out)) if out and os.path.isdir(out) else None
        if out and after != before:
            problems.append("output folder changed: %r -> %r" % (before, after))
        print("%s %s%s" % ("FAIL" if problems else "ok  ", label,
                           "".join("\n     " + p for p in problems)))
        failures += bool(problems)

    for i, (label, args, needle) in enumerate(cases(tmp, root)):
        out = os.path.join(tmp, "out-%d" % i)
        expect(label, run_case(gen, root, args, out), needle, out, None)

    # -o missing
    expect("no -o", run_case(gen, root, GOOD, None), "-o DIR", None, None)
    # -o a non-empty folder: refused, its content untouched
    busy = os.path.join(tmp, "busy")
    os.makedirs(busy)
    open(os.path.join(busy, "keep.txt"), "w").write("x")
    expect("-o not empty", run_case(gen, root, GOOD, busy), "is not empty", busy, ["keep.txt"])
    # -o a file
    afile = os.path.join(tmp, "afile")
    open(afile, "w").write("x")
    proc = run_case(gen, root, GOOD, afile)
    expect("-o is a file", proc, "not a folder", None, None)
    if open(afile).read() != "x":
        print("FAIL -o is a file: file changed")
        failures += 1
    # an empty existing folder is accepted (the good case, so the failures above are the
    # options' fault and not the harness's)
    empty = os.path.join(tmp, "empty-out")
    os.makedirs(empty)
    proc = run_case(gen, root, GOOD, empty)
    ok = proc.returncode == 0 and os.path.exists(os.path.join(empty, "azuredeploy.json"))
    print("%s good invocation into an empty folder" % ("ok  " if ok else "FAIL"))
    failures += not ok
    # without --templates: FHIR2CDM_TEMPLATES when set (generator.embedded_templates covers
    # the built-in copy and the order of the overrides)
    env_out = os.path.join(tmp, "env-out")
    proc = subprocess.run([gen, "generate-pipeline", "-o", env_out] + GOOD, cwd=root,
                          capture_output=True, text=True,
                          env=dict(os.environ, FHIR2CDM_TEMPLATES=os.path.join(root, "templates")))
    ok = proc.returncode == 0
    print("%s templates from FHIR2CDM_TEMPLATES%s" % ("ok  " if ok else "FAIL",
                                                      "" if ok else ": " + proc.stderr))
    failures += not ok
    shutil.rmtree(tmp)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
