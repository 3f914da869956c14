#!/usr/bin/env python3
"""Builds the release tarball with cpack from the build tree and checks it: the file name the
Batch start task downloads (fhir2cdm-<version>-linux-x86_64.tar.gz on x86_64 Linux), one top
folder (the start task unpacks with --strip-components=1), both binaries, and the ARM/Data
Factory templates (shipped for reading and editing with --templates); every entry's mode
(folders and bin/* 0755, other files 0644, whatever the builder's umask: release_common.py).
Unpacks it the way the start task does and runs the packaged binaries: --version, and the
packaged fhir2cdm, from a folder with no templates near it and FHIR2CDM_TEMPLATES unset (its
embedded templates), writes every generate-pipeline output (Batch and --target synapse) byte
for byte as the build tree's binary with --templates <source>/templates.  Then checks that the
binaries can run on the pool's image (Ubuntu 22.04, glibc 2.35): no glibc symbol newer than
2.35, and every shared library they need is installed by the template's `runtimePackages`.

usage: check_tarball.py BUILD_DIR PACKAGE_FILE_NAME SANITIZED FHIR2CDM_BINARY
(SANITIZED = 1 for a -fsanitize build: its binaries link the sanitizer runtimes and are never
released, so the pool-image check is skipped with a message; everything else is checked.)
"""
import filecmp
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

from release_common import build_tarball, member_mode_problems

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
GENERATE = {
    "batch": ["--config", os.path.join(SOURCE, "samples", "config"),
              "--fhir-url", "https://fhir.example.org",
              "--package-url", "https://example.org/fhir2cdm.tar.gz"],
    "synapse": ["--target", "synapse", "--storage-url",
                "https://fhiracct.dfs.core.windows.net/cdm/exports/run1/",
                "--synapse-workspace", "fhir-ws", "--sql-pool", "fhirpool"],
}


def same_tree(a, b):
    """Relative paths that differ between two folders (missing on either side, or other bytes)."""
    def files(d):
        return sorted(os.path.relpath(os.path.join(dp, f), d) for dp, _, fs in os.walk(d)
                      for f in fs)
    fa, fb = files(a), files(b)
    if fa != fb:
        return sorted(set(fa) ^ set(fb))
    return [f for f in fa if not filecmp.cmp(os.path.join(a, f), os.path.join(b, f),
                                             shallow=False)]


def packaged_generate(root, gen, tmp):
    """The packaged fhir2cdm copied away from its share/ (its embedded templates) against the
    build tree's binary reading the source templates/: same bytes."""
    alone = os.path.join(tmp, "alone")
    os.makedirs(alone)
    exe = os.path.join(alone, "fhir2cdm")
    shutil.copy2(os.path.join(root, "bin", "fhir2cdm"), exe)
    env = {k: v for k, v in os.environ.items() if k != "FHIR2CDM_TEMPLATES"}
    problems = []
    for name, args in GENERATE.items():
        got, want = os.path.join(alone, "out-" + name), os.path.join(tmp, "want-" + name)
        g = subprocess.run([exe, "generate-pipeline"] + args + ["-o", got], cwd=alone,
                           capture_output=True, text=True, env=env)
        w = subprocess.run([gen, "generate-pipeline"] + args +
                           ["-o", want, "--templates", os.path.join(SOURCE, "templates")],
                           capture_output=True, text=True, env=env)
        if g.returncode != 0 or w.returncode != 0:
            problems.append("generate-pipeline %s: packaged exit %d %s; build tree exit %d %s"
                            % (name, g.returncode, g.stderr, w.returncode, w.stderr))
            continue
        diff = same_tree(got, want)
        if diff:
            problems.append("generate-pipeline %s: the packaged binary's %s differ from the build "
                            "tree's with --templates %s/templates" % (name, diff, SOURCE))
    return problems


def main():
    build, name = sys.argv[1], sys.argv[2]
    sanitized = len(sys.argv) > 3 and sys.argv[3] == "1"
    gen = sys.argv[4]
    with tempfile.TemporaryDirectory(prefix="f2c-release-") as tmp:
        path = build_tarball(build, name, tmp)
        with tarfile.open(path) as t:
            names = [m.name.lstrip("./") for m in t.getmembers()]
        tops = {n.split("/", 1)[0] for n in names}
        if tops != {name}:
            print(f"FAIL: tarball must have one top folder {name}/, has {sorted(tops)}")
            return 1
        members = {n.split("/", 1)[1] for n in names if "/" in n}
        os.makedirs(os.path.join(tmp, "x"))
        subprocess.run(["tar", "-xzf", path, "--strip-components=1", "-C", os.path.join(tmp, "x")],
                       check=True)
        want = {"bin/fhir2cdm", "bin/fhir2cdm-transform", "share/fhir2cdm/templates/azuredeploy.json",
                "share/fhir2cdm/templates/pipeline.json"}
        missing = sorted(want - members)
        if missing:
            print(f"FAIL: tarball lacks {missing}; has {sorted(members)}")
            return 1
        modes = member_mode_problems(path)
        for p in modes:
            print("FAIL: tarball entry " + p)
        if modes:
            return 1
        root = os.path.join(tmp, "x")
        v = subprocess.run([os.path.join(root, "bin/fhir2cdm-transform"), "--version"],
                           capture_output=True, text=True)
        if v.returncode != 0 or not v.stdout.startswith("fhir2cdm-transform "):
            print(f"FAIL: packaged fhir2cdm-transform --version: {v.returncode} {v.stdout!r}")
            return 1
        gen_problems = packaged_generate(root, gen, tmp)
        for p in gen_problems:
            print("FAIL: " + p)
        if gen_problems:
            return 1
        done = (f"ok {name}.tar.gz: {len(members)} entries, modes 0755/0644; packaged binaries "
                "run; the packaged fhir2cdm alone generates byte for byte what the source "
                "templates give")
        if sanitized:
            print("pool-image check skipped: sanitizer build (not a release build)")
            print(done)
            return 0
        problems = pool_compatibility(root)
        for p in problems:
            print("FAIL: " + p)
        if problems:
            return 1
        print(done + "; runnable on the pool image (glibc <= 2.35, libraries in runtimePackages)")
        return 0


# Ubuntu 22.04 (jammy) package providing each shared library the binaries may need.
JAMMY = {"libcjson.so.1": "libcjson1", "libcsv.so.3": "libcsv3", "libpcre2-8.so.0": "libpcre2-8-0",
         "libunistring.so.2": "libunistring2", "libxxhash.so.0": "libxxhash0", "libz.so.1": "zlib1g",
         "libcurl.so.4": "libcurl4", "libcrypto.so.3": "libssl3", "libexpat.so.1": "libexpat1",
         "libyaml-0.so.2": "libyaml-0-2", "libzstd.so.1": "libzstd1", "libsnappy.so.1": "libsnappy1v5",
         "libm.so.6": None, "libc.so.6": None}


def pool_compatibility(root):
    import json
    import re
    tpl = os.path.join(root, "share", "fhir2cdm", "templates", "azuredeploy.json")
    with open(tpl) as f:
        packages = set(json.load(f)["variables"]["runtimePackages"].split())
    problems = []
    for b in ("bin/fhir2cdm", "bin/fhir2cdm-transform"):
        exe = os.path.join(root, b)
        dyn = subprocess.run(["readelf", "-d", exe], capture_output=True, text=True).stdout
        for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn):
            if lib not in JAMMY:
                problems.append(f"{b} needs {lib}, which no known Ubuntu 22.04 package maps")
            elif JAMMY[lib] and JAMMY[lib] not in packages:
                problems.append(f"{b} needs {lib}: package {JAMMY[lib]} missing from runtimePackages")
        syms = subprocess.run(["objdump", "-T", exe], capture_output=True, text=True).stdout
        vers = [tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_([0-9.]+)", syms)]
        if vers and max(vers) > (2, 35):
            problems.append(f"{b} needs glibc {'.'.join(map(str, max(vers)))} > 2.35 (Ubuntu 22.04)")
    return problems


if __name__ == "__main__":
    sys.exit(main())
