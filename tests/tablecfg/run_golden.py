#!/usr/bin/env python3
"""Golden test runner for the table-configuration loader.

usage: run_golden.py <tablecfg_dump> <case_dir> good|bad

Runs `tablecfg_dump config [max_depth]` inside <case_dir> (max_depth from the optional file
<case_dir>/args), so every path in the output is relative ("config/...") and the expected files
do not depend on where the tree is checked out.  A good case must exit 0 with stdout equal to
expected.txt and nothing on stderr; a bad case must exit 2 with stderr equal to expected.txt
(one diagnostic per line) and nothing on stdout.  Any difference fails, with a unified diff.
"""
import difflib
import os
import subprocess
import sys


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("good", "bad"):
        print(__doc__, file=sys.stderr)
        return 2
    exe, case, kind = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    cmd = [exe, "config"]
    args_file = os.path.join(case, "args")
    if os.path.exists(args_file):
        with open(args_file, encoding="utf-8") as f:
            cmd += f.read().split()
    with open(os.path.join(case, "expected.txt"), encoding="utf-8", errors="surrogateescape") as f:
        expected = f.read()
    proc = subprocess.run(cmd, cwd=case, capture_output=True, timeout=60)
    out = proc.stdout.decode("utf-8", errors="surrogateescape")
    err = proc.stderr.decode("utf-8", errors="surrogateescape")
    want_rc, got, other, other_name = (0, out, err, "stderr") if kind == "good" else (2, err, out, "stdout")
    failures = []
    if proc.returncode != want_rc:
        failures.append(f"exit status {proc.returncode}, expected {want_rc}")
    if other:
        failures.append(f"unexpected {other_name}:\n{other}")
    if got != expected:
        diff = difflib.unified_diff(expected.splitlines(keepends=True), got.splitlines(keepends=True),
                                    "expected.txt", "actual")
        failures.append("output differs from expected.txt:\n" + "".join(diff))
    print(" ".join(cmd), f"(in {case})")
    if failures:
        for f in failures:
            print("FAIL:", f)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
