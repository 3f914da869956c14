#!/usr/bin/env python3
"""One view-name case of tests/views/names/: `fhir2cdm-transform --view CASE/views` must refuse
the ViewDefinitions before writing anything (issue 12, part 5).

Usage: run_names.py FHIR2CDM_TRANSFORM CASE_DIR INPUT_DIR [--update]

A case folder holds views/ (the ViewDefinitions of one run) and expected.stderr: the run's
stderr, exactly, with the case folder written as $CASE.  The run must exit 2 and leave the
output folder absent (nothing written).  --update writes the actual stderr as the expectation
(review the diff before committing).  Python stdlib only.
"""

import os
import shutil
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__)
        return 2
    exe, case, inputs = (os.path.abspath(a) for a in sys.argv[1:4])
    update = sys.argv[4:] == ["--update"]
    tmp = tempfile.mkdtemp(prefix="f2c-view-names-")
    out = os.path.join(tmp, "out")
    try:
        p = subprocess.run([exe, "--view", os.path.join(case, "views"), "--output", out,
                            "--quiet", "--input", inputs],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        err = p.stderr.decode("utf-8", "replace").replace(case, "$CASE")
        sys.stdout.write(err)
        expected_file = os.path.join(case, "expected.stderr")
        if update:
            with open(expected_file, "w", encoding="utf-8") as f:
                f.write(err)
        with open(expected_file, encoding="utf-8") as f:
            expected = f.read()
        failures = []
        if p.returncode != 2:
            failures.append("exit status %d, expected 2" % p.returncode)
        if err != expected:
            failures.append("stderr differs from expected.stderr:\n--- expected\n%s--- got\n%s"
                            % (expected, err))
        if os.path.exists(out) and os.listdir(out):
            failures.append("written although refused: %s" % sorted(os.listdir(out)))
        for f in failures:
            print("FAIL: " + f)
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
