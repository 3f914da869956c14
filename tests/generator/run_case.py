#!/usr/bin/env python3
"""One golden or bad-configuration case of `fhir2cdm generate-config` (tests/generator).

Usage: run_case.py FHIR2CDM CASE_DIR golden|bad [--update]

A case folder holds the YAML it feeds the generator and what must come out:

  args          optional; one command per line, run in order, each with "-o OUT" appended
                (OUT: a fresh temporary folder).  Default, one line:
                    generate-config -r resourcesConfig.yml -p propertiesGroupConfig.yml
                Commands run with the case folder as working directory, so the file names in
                messages are the case's own ("resourcesConfig.yml:3:5: ...").
  existing/     optional; copied to OUT before the first command (a folder being added to).
  expected/     golden: OUT after the last command must hold exactly these files, byte for
                byte (no file more, none less).
  expected.txt  bad: the last command's stderr, exactly (the output folder's path written
                as OUT); it must exit with status 2, and OUT must be left as it was (absent,
                or identical to existing/): nothing written, no temporary folder left beside
                it.

--update writes what the generator produced as the case's expectation instead of comparing
(for a new case or a deliberate change of message: review the diff before committing).

Every command before the last must succeed (exit 0).  Python stdlib only.
"""

import os
import shutil
import subprocess
import sys
import tempfile


def tree(root):
    """Relative path -> bytes of every file under root."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def main():
    update = "--update" in sys.argv[4:]
    if len(sys.argv) not in (4, 5) or sys.argv[3] not in ("golden", "bad"):
        print(__doc__)
        return 2
    exe, case, kind = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
    args_file = os.path.join(case, "args")
    if os.path.exists(args_file):
        with open(args_file) as f:
            commands = [line.split() for line in f if line.strip() and not line.startswith("#")]
    else:
        commands = [["generate-config", "-r", "resourcesConfig.yml",
                     "-p", "propertiesGroupConfig.yml"]]
    tmp = tempfile.mkdtemp(prefix="f2c-gen-")
    out = os.path.join(tmp, "out")
    existing = os.path.join(case, "existing")
    if os.path.isdir(existing):
        shutil.copytree(existing, out)
    before = tree(out) if os.path.isdir(out) else None
    failures = []
    try:
        for i, cmd in enumerate(commands):
            full = [exe] + cmd + ["-o", out]
            print("running: " + " ".join(full), flush=True)
            p = subprocess.run(full, cwd=case, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            stderr = p.stderr.decode("utf-8", "replace").replace(out, "OUT")
            sys.stdout.write(p.stdout.decode("utf-8", "replace") + stderr)
            last = i == len(commands) - 1
            if not last or kind == "golden":
                if p.returncode != 0:
                    failures.append("exit status %d, expected 0" % p.returncode)
                    break
                continue
            if p.returncode != 2:
                failures.append("exit status %d, expected 2" % p.returncode)
            if update:
                with open(os.path.join(case, "expected.txt"), "w", encoding="utf-8") as f:
                    f.write(stderr)
            with open(os.path.join(case, "expected.txt"), encoding="utf-8") as f:
                want = f.read()
            if stderr != want:
                failures.append("stderr differs from expected.txt:\n--- expected\n%s--- got\n%s"
                                % (want, stderr))
            after = tree(out) if os.path.isdir(out) else None
            if after != before:
                failures.append("the output folder changed although the command failed")
        if kind == "golden" and not failures and update:
            shutil.rmtree(os.path.join(case, "expected"), ignore_errors=True)
            shutil.copytree(out, os.path.join(case, "expected"))
        if kind == "golden" and not failures:
            want, got = tree(os.path.join(case, "expected")), tree(out)
            for rel in sorted(set(want) | set(got)):
                if rel not in got:
                    failures.append("missing file %s" % rel)
                elif rel not in want:
                    failures.append("unexpected file %s" % rel)
                elif want[rel] != got[rel]:
                    failures.append("%s differs from expected/%s" % (rel, rel))
        left = [n for n in os.listdir(tmp) if n != "out"]
        if left:
            failures.append("left beside the output folder: %s" % ", ".join(sorted(left)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
