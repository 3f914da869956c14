#!/usr/bin/env python3
"""Builds the release tarball with cpack from the build tree and checks it: the file name the
Batch start task downloads (fhir2cdm-<version>-linux-x86_64.tar.gz on x86_64 Linux), one top
folder (the start task unpacks with --strip-components=1), both binaries, and the ARM/Data
Factory templates generate-pipeline loads; unpacks it the way the start task does and runs the
packaged binaries (--version, and generate-pipeline finding its templates).  Then checks that
the binaries can run on the pool's image (Ubuntu 22.04, glibc 2.35): no glibc symbol newer than
2.35, and every shared library they need is installed by the template's `runtimePackages`.

usage: check_tarball.py BUILD_DIR PACKAGE_FILE_NAME [SANITIZED]
(SANITIZED = 1 for a -fsanitize build: its binaries link the sanitizer runtimes and are never
released, so the pool-image check is skipped with a message; everything else is checked.)
"""
import os
import subprocess
import sys
import tarfile
import tempfile


def main():
    build, name = sys.argv[1], sys.argv[2]
    sanitized = len(sys.argv) > 3 and sys.argv[3] == "1"
    with tempfile.TemporaryDirectory(prefix="f2c-release-") as tmp:
        subprocess.run(["cpack", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", tmp],
                       check=True, capture_output=True)
        path = os.path.join(tmp, name + ".tar.gz")
        if not os.path.isfile(path):
            print(f"FAIL: {path} not written; got {os.listdir(tmp)}")
            return 1
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
        root = os.path.join(tmp, "x")
        v = subprocess.run([os.path.join(root, "bin/fhir2cdm-transform"), "--version"],
                           capture_output=True, text=True)
        if v.returncode != 0 or not v.stdout.startswith("fhir2cdm-transform "):
            print(f"FAIL: packaged fhir2cdm-transform --version: {v.returncode} {v.stdout!r}")
            return 1
        cfg = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "samples", "config")
        out = os.path.join(tmp, "pipeline")
        g = subprocess.run([os.path.join(root, "bin/fhir2cdm"), "generate-pipeline", "--config", cfg,
                            "--fhir-url", "https://fhir.example.org",
                            "--package-url", "https://example.org/" + name + ".tar.gz", "-o", out],
                           capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                                                if k != "FHIR2CDM_TEMPLATES"})
        if g.returncode != 0 or not os.path.isfile(os.path.join(out, "azuredeploy.json")):
            print(f"FAIL: packaged generate-pipeline: {g.returncode} {g.stderr}")
            return 1
        if sanitized:
            print("pool-image check skipped: sanitizer build (not a release build)")
            print(f"ok {name}.tar.gz: {len(members)} entries; packaged binaries run")
            return 0
        problems = pool_compatibility(root)
        for p in problems:
            print("FAIL: " + p)
        if problems:
            return 1
        print(f"ok {name}.tar.gz: {len(members)} entries; packaged binaries run; "
              "runnable on the pool image (glibc <= 2.35, libraries in runtimePackages)")
        return 0


# Ubuntu 22.04 (jammy) package providing each shared library the binaries may need.
JAMMY = {"libcjson.so.1": "libcjson1", "libcsv.so.3": "libcsv3", "libpcre2-8.so.0": "libpcre2-8-0",
         "libunistring.so.2": "libunistring2", "libxxhash.so.0": "libxxhash0", "libz.so.1": "zlib1g",
         "libcurl.so.4": "libcurl4", "libcrypto.so.3": "libssl3", "libexpat.so.1": "libexpat1",
         "libyaml-0.so.2": "libyaml-0-2", "libm.so.6": None, "libc.so.6": None}


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
