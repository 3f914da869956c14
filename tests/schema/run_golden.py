#!/usr/bin/env python3
"""Runs one golden case of `fhir2cdm show-schema` and compares its whole output.

usage: run_golden.py <fhir2cdm> <source_dir> <case_dir>

A case folder holds:
  case.json        {"args": [...arguments after `show-schema`...], "rc": expected exit status}
  expected.stdout  the exact standard output (absent: stdout must be empty)
  expected.stderr  the exact standard error  (absent: stderr must be empty)

The command runs with the repository root (<source_dir>) as its working directory, so the
configuration folders in "args" are relative paths and every output is the same on every
machine.  Set FHIR2CDM_UPDATE_GOLDEN=1 to (re)write the expected files from the current output
instead of comparing (then review the diff before committing).

Why whole outputs: the viewer's job is to show exactly the columns, order and types the
transformer writes, in four formats; any change to any of them must show up as a diff here.
"""
import difflib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402


def compare(fails, what, got, path):
    want = open(path, "rb").read() if os.path.exists(path) else b""
    if got == want:
        return
    diff = difflib.unified_diff(want.decode("utf-8", "replace").splitlines(True),
                                got.decode("utf-8", "replace").splitlines(True),
                                fromfile=path, tofile=what + " (actual)")
    sys.stdout.writelines(list(diff)[:200])
    fails.fail(f"{what} differs from {os.path.basename(path)}")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    exe, src, case = sys.argv[1:]
    spec = json.load(open(os.path.join(case, "case.json"), encoding="utf-8"))
    cmd = [exe, "show-schema"] + spec["args"]
    print("$ (cd %s &&" % src, " ".join(cmd) + ")", flush=True)
    proc = subprocess.run(cmd, cwd=src, capture_output=True, timeout=120)
    out_path, err_path = (os.path.join(case, "expected." + s) for s in ("stdout", "stderr"))
    if os.environ.get("FHIR2CDM_UPDATE_GOLDEN") == "1":
        for path, data in ((out_path, proc.stdout), (err_path, proc.stderr)):
            if data:
                open(path, "wb").write(data)
            elif os.path.exists(path):
                os.remove(path)
        spec["rc"] = proc.returncode
        with open(os.path.join(case, "case.json"), "w", encoding="utf-8") as f:
            json.dump(spec, f, indent=2)
            f.write("\n")
        print(f"updated {case} (exit {proc.returncode})")
        return 0
    fails = f2ctest.Failures()
    fails.check(proc.returncode == spec["rc"],
                f"exit status {proc.returncode}, expected {spec['rc']}\n"
                + proc.stderr.decode("utf-8", "replace"))
    compare(fails, "stdout", proc.stdout, out_path)
    compare(fails, "stderr", proc.stderr, err_path)
    if not fails.items:
        print("ok")
    return 1 if fails.items else 0


if __name__ == "__main__":
    sys.exit(main())
