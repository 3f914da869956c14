#!/usr/bin/env python3
"""Builds the release tarball with cpack from the build tree and checks it: the file name the
Batch start task downloads (fhir2cdm-<version>-linux-x86_64.tar.gz on x86_64 Linux), both
binaries, and the ARM/Data Factory templates generate-pipeline loads; then runs the packaged
binaries from the unpacked tree (--version, and generate-pipeline finding its templates).

usage: check_tarball.py BUILD_DIR PACKAGE_FILE_NAME
"""
import os
import subprocess
import sys
import tarfile
import tempfile


def main():
    build, name = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="f2c-release-") as tmp:
        subprocess.run(["cpack", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", tmp],
                       check=True, capture_output=True)
        path = os.path.join(tmp, name + ".tar.gz")
        if not os.path.isfile(path):
            print(f"FAIL: {path} not written; got {os.listdir(tmp)}")
            return 1
        with tarfile.open(path) as t:
            members = set(m.name.lstrip("./") for m in t.getmembers())
            t.extractall(os.path.join(tmp, "x"))
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
        print(f"ok {name}.tar.gz: {len(members)} entries; packaged binaries run")
        return 0


if __name__ == "__main__":
    sys.exit(main())
