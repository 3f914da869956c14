#!/usr/bin/env python3
"""Loads the original tool's TestSchema at max_depth 3 and checks each table's column set.

usage: check_testschema.py <tablecfg_dump> <shared_dir>

The expected columns are the header rows of the original tool's own outputs,
<shared>/compat/transform/TestOutput/Local<Table>/<Table>-partition-data.csv.  That tool writes
the reserved columns first and then the others sorted alphabetically, while we keep declaration
order, so the comparison is of sets (and of counts, to catch duplicates).  Exits 77 (CTest
SKIP_RETURN_CODE) when the shared folder is absent.
"""
import csv
import os
import subprocess
import sys

SKIP = 77


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, shared = sys.argv[1], sys.argv[2]
    base = os.path.join(shared, "compat", "transform")
    schema, outputs = os.path.join(base, "TestSchema"), os.path.join(base, "TestOutput")
    if not os.path.isdir(schema) or not os.path.isdir(outputs):
        print(f"SKIP: reference data not found: {schema} (set FHIR2CDM_SHARED_DIR to the shared "
              "folder; this test did NOT run)")
        return SKIP
    proc = subprocess.run([exe, schema, "3"], capture_output=True, timeout=120)
    if proc.returncode != 0:
        print(f"FAIL: tablecfg_dump exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
        return 1
    tables, cur = {}, None
    for line in proc.stdout.decode("utf-8").splitlines():
        if line.startswith("table "):
            cur = line[len("table "):]
            tables[cur] = []
        elif line.startswith("  col "):
            tables[cur].append(line.split(" ")[4])
    expected_tables = sorted(d[len("Local"):] for d in os.listdir(outputs) if d.startswith("Local"))
    failures = []
    if sorted(tables) != expected_tables:
        failures.append(f"tables {sorted(tables)} != expected {expected_tables}")
    for name in expected_tables:
        if name not in tables:
            continue
        with open(os.path.join(outputs, "Local" + name, name + "-partition-data.csv"),
                  newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f))
        got = tables[name]
        if len(got) != len(set(got)):
            failures.append(f"{name}: duplicate column names")
        missing, extra = sorted(set(header) - set(got)), sorted(set(got) - set(header))
        if missing or extra or len(got) != len(header):
            failures.append(f"{name}: missing {missing}, unexpected {extra}, "
                            f"{len(got)} columns vs {len(header)}")
        else:
            print(f"ok {name}: {len(got)} columns")
    # The depth rule, spelled out (max_depth 3: table -> group -> group, deeper groups dropped).
    patient = set(tables.get("Patient", []))
    for col, want in (("ContactNameFamily", True), ("ContactNamePeriodStart", False),
                      ("NamePeriodStart", True), ("ResourceId", True)):
        if (col in patient) != want:
            failures.append(f"Patient: column {col} should {'' if want else 'not '}exist")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
