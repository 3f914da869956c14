#!/usr/bin/env python3
"""FHIRPath evaluation budgets end to end (issue 13, part 2), through fhir2cdm-transform.

Why a script: each case checks an exit status, stderr text and output rows together, and each
run is bounded by its own timeout, so an engine without budgets fails here (timeout or wrong
status) instead of hanging CI.

usage: run_budget.py TRANSFORM CASE     CASE: cli-steps | cli-bytes | cli-flag | view | view-flag
"""
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PATIENT = os.path.join(HERE, "patient.json")
INPUT = os.path.join(HERE, "input")
VIEWS = os.path.join(HERE, "views")
NDJSON = os.path.join(INPUT, "Patient.ndjson")
sys.path.insert(0, os.path.join(HERE, "..", "..", "pylib"))
import f2ctest  # noqa: E402  (require)


def run(args, timeout=30):
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        sys.exit("FAIL: %s did not finish within %d s" % (" ".join(args), timeout))
    return p.returncode, p.stdout, p.stderr


# expect: a check that ends the case, printing the command's output (f2ctest.require).
expect = f2ctest.require


def rows(out_dir, view):
    d = os.path.join(out_dir, "data", view)
    (name,) = [f for f in os.listdir(d) if f.endswith(".csv")]
    with open(os.path.join(d, name), newline="") as f:
        return list(csv.reader(f))


def fhirpath_case(tx, flags, expr, status, message):
    rc, out, err = run([tx, "fhirpath"] + flags + [expr, PATIENT])
    expect(rc == status, "fhirpath %r: exit %d, expected %d" % (expr, rc, status), out, err)
    expect(message in err, "fhirpath %r: stderr lacks %r" % (expr, message), out, err)


def main():
    tx, case = sys.argv[1], sys.argv[2]
    if case == "cli-steps":
        fhirpath_case(tx, [], "(1).repeat($this + 1)", 3,
                      "evaluation budget exceeded: more than 10000000 steps (--fhirpath-max-steps)")
    elif case == "cli-bytes":
        fhirpath_case(tx, [], "'x'.repeat($this+$this)", 3,
                      "evaluation budget exceeded: more than 268435456 bytes of memory "
                      "(--fhirpath-max-bytes)")
    elif case == "cli-flag":
        # Fine by default, over each lowered limit; --ndjson keeps going after a failure.
        rc, out, err = run([tx, "fhirpath", "name.given.select($this + '!')", PATIENT])
        expect(rc == 0 and '"A!"' in out, "default limits: expected success", out, err)
        for flag, msg in (("--fhirpath-max-steps=5", "more than 5 steps"),
                          ("--fhirpath-max-items=3", "more than 3 items"),
                          ("--fhirpath-max-bytes=64", "more than 64 bytes of memory")):
            fhirpath_case(tx, [flag], "name.given.select($this + '!')", 3, msg)
        rc, out, err = run([tx, "fhirpath", "--ndjson", "--fhirpath-max-steps", "30",
                            "iif(id = 'p3', (1).repeat($this + 1), id)", NDJSON])
        lines = out.splitlines()
        expect(rc == 3 and len(lines) == 4 and '"p4"' in lines[3] and "budget" in lines[2],
               "--ndjson: expected 4 lines, the third an error, exit 3", out, err)
        expect("Patient.ndjson:3: " in err, "--ndjson: error names file:line", out, err)
        rc, out, err = run([tx, "fhirpath", "--fhirpath-max-steps", "-1", "id", PATIENT])
        expect(rc == 2 and "--fhirpath-max-steps" in err, "bad value: exit 2", out, err)
    elif case in ("view", "view-flag"):
        with tempfile.TemporaryDirectory() as tmp:
            o = os.path.join(tmp, "out")
            flags = ["--fhirpath-max-items", "2"] if case == "view-flag" else []
            rc, out, err = run([tx, "--view", VIEWS, "--input", INPUT, "--output", o,
                                "--operation-id", "t", "--quiet"] + flags, timeout=60)
            # Warnings do not change the exit status (as for any failed expression).
            expect(rc == 0, "view run: exit %d, expected 0" % rc, out, err)
            if case == "view":
                for want in (
                        "Patient.ndjson:2: table budget_patients column blowup at Patient: column "
                        "expression \"iif(id = 'p2', 'x'.repeat($this + $this).last(), 'fine')\": "
                        "evaluation budget exceeded: more than 268435456 bytes of memory "
                        "(--fhirpath-max-bytes); cell left empty",
                        "Patient.ndjson:3: table budget_patients column counter at Patient: "
                        "column expression \"iif(id = 'p3', (1).repeat($this + 1).count(), 7)\": "
                        "evaluation budget exceeded: more than 10000000 steps "
                        "(--fhirpath-max-steps); cell left empty",
                        "Patient.ndjson:4: table budget_names at Patient: forEach \"iif(id = "
                        "'p4', (1).repeat($this + 1), name)\": evaluation budget exceeded: more "
                        "than 10000000 steps (--fhirpath-max-steps); rows left out"):
                    expect(want in err, "stderr lacks %r" % want, out, err)
                expect(err.count("budget exceeded") == 3, "expected 3 budget warnings", out, err)
                expect(rows(o, "budget_patients") == [
                    ["id", "family", "blowup", "counter"], ["p1", "One", "fine", "7"],
                    ["p2", "Two", "", "7"], ["p3", "Three", "fine", ""],
                    ["p4", "Four", "fine", "7"]], "budget_patients rows", out, err)
                expect(rows(o, "budget_names") == [
                    ["id", "family"], ["p1", "One"], ["p2", "Two"], ["p3", "Three"]],
                    "budget_names rows", out, err)
            else:
                # At most 2 items per evaluation, `name.first().family` (4 items: the resource,
                # name, first(), family) fails for every patient: a lowered limit makes a normal
                # expression fail, cell by cell, and the run goes on (`id` is read directly).
                for line in range(1, 5):
                    want = ("Patient.ndjson:%d: table budget_patients column family at Patient: "
                            "column expression \"name.first().family\": evaluation budget "
                            "exceeded: more than 2 items (--fhirpath-max-items); cell left empty"
                            % line)
                    expect(want in err, "stderr lacks %r" % want, out, err)
                got = rows(o, "budget_patients")
                expect([r[:2] for r in got[1:]] == [["p1", ""], ["p2", ""], ["p3", ""],
                                                    ["p4", ""]], "family cells empty", out, err)
    else:
        sys.exit("unknown case " + case)
    print("ok", case)


if __name__ == "__main__":
    main()
