#!/usr/bin/env python3
"""show-schema against the original viewer's own expectations.

usage: check_compat.py <fhir2cdm> <shared_dir>

The original Node.js tool tested its viewer (configurationViewer.test.js in
microsoft/FHIR-Analytics-Pipelines, FhirToCdm/Configuration-Generator/test) on
exampleSchemaFolder: the Patient table at max depth 3 and 2 and the PatientName unroll table
at depth 3, each as an ordered list of {ColumnName, Type}.  The same folder is in
<shared>/compat/generator/exampleSchemaFolder; this runs `fhir2cdm show-schema --format json`
on it and requires exactly those lists (names, order, FHIR types), then checks that the text
format lists the same columns.  Exits 77 (CTest SKIP_RETURN_CODE) when the folder is absent.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402

S = "string"
# The original test's ground truth, in its order ("The order is matter").
EXPECTED = {
    ("Patient", 3): [("ResourceId", S), ("Id", "id"), ("Gender", S), ("NameFamily", S),
                     ("NameGiven", S), ("NamePeriodStart", S), ("NamePeriodEnd", S),
                     ("AddressCity", S), ("AddressDistrict", S), ("AddressCountry", S),
                     ("AddressPeriodStart", S), ("AddressPeriodEnd", S)],
    ("PatientName", 3): [("RowId", S), ("ResourceId", S), ("FhirPath", S), ("ParentPath", S),
                         ("Family", S), ("Given", S), ("PeriodStart", S), ("PeriodEnd", S)],
    ("Patient", 2): [("ResourceId", S), ("Id", "id"), ("Gender", S), ("NameFamily", S),
                     ("NameGiven", S), ("AddressCity", S), ("AddressDistrict", S),
                     ("AddressCountry", S)],
}


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, shared = sys.argv[1:]
    folder = os.path.join(shared, "compat", "generator", "exampleSchemaFolder")
    f2ctest.skip_without_shared(shared, "compat/generator/exampleSchemaFolder")
    if not os.path.isdir(folder):
        f2ctest.skip(f"{folder} is absent; this test did NOT run")
    fails = f2ctest.Failures()
    for (table, depth), want in EXPECTED.items():
        base = [exe, "show-schema", "-d", folder, "-t", table, "--max-depth", str(depth)]
        proc = subprocess.run(base + ["--format", "json"], capture_output=True, timeout=60)
        if not fails.check(proc.returncode == 0, f"{table} depth {depth}: exit "
                           f"{proc.returncode}: {proc.stderr.decode(errors='replace')}"):
            continue
        doc = json.loads(proc.stdout)
        fails.check(doc["maxDepth"] == depth, f"maxDepth {doc['maxDepth']} != {depth}")
        tables = doc["tables"]
        if not fails.check(len(tables) == 1 and tables[0]["name"] == table,
                           f"-t {table} gave tables {[t['name'] for t in tables]}"):
            continue
        got = [(c["name"], c["fhirType"]) for c in tables[0]["columns"]]
        if fails.check(got == want, f"{table} depth {depth}:\n  got      {got}\n  expected {want}"):
            print(f"ok {table} depth {depth}: {len(got)} columns as the original viewer")
        # The text format shows the same columns in the same order.
        proc = subprocess.run(base, capture_output=True, timeout=60)
        lines = proc.stdout.decode().splitlines()
        start = next((i for i, l in enumerate(lines) if l.split()[:2] == ["#", "Column"]), None)
        if not fails.check(proc.returncode == 0 and start is not None,
                           f"{table} depth {depth}: text format has no column list"):
            continue
        text_cols = [(l.split()[1], l.split()[2]) for l in lines[start + 1:] if l.strip()]
        fails.check(text_cols == want, f"{table} depth {depth} text format: {text_cols}")
    return 1 if fails.items else 0


if __name__ == "__main__":
    sys.exit(main())
