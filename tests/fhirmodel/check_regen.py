#!/usr/bin/env python3
"""Regenerates the FHIR type model from the schema and requires the committed file unchanged.

usage: check_regen.py <gen_fhirmodel.py> <fhir.schema.json> <committed f2c_fhirmodel_data.c>

Why: lib/fhir/f2c_fhirmodel_data.c is generated but committed (the build must not need the
schema); this catches a hand edit, a generator change without regeneration, or a different
schema.  Exits 77 (CTest SKIP_RETURN_CODE) when the schema is absent.
"""
import difflib
import os
import subprocess
import sys
import tempfile

SKIP = 77


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    gen, schema, committed = sys.argv[1:]
    if not os.path.isfile(schema):
        print(f"SKIP: FHIR R4 schema not found: {schema} (set FHIR2CDM_SHARED_DIR to the shared "
              "folder; the generated model was NOT checked against it)")
        return SKIP
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "f2c_fhirmodel_data.c")
        proc = subprocess.run([sys.executable, gen, "--schema", schema, "--out", out],
                              capture_output=True, text=True, timeout=300)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            print(f"FAIL: gen_fhirmodel.py exited {proc.returncode}")
            return 1
        with open(out, "rb") as f:
            fresh = f.read()
    with open(committed, "rb") as f:
        old = f.read()
    if fresh == old:
        print(f"OK: {committed} is byte-identical to a fresh generation ({len(old)} bytes)")
        return 0
    diff = difflib.unified_diff(old.decode(errors="replace").splitlines(),
                                fresh.decode(errors="replace").splitlines(),
                                "committed", "regenerated", lineterm="", n=1)
    lines = list(diff)
    print("\n".join(lines[:60]) + ("\n..." if len(lines) > 60 else ""))
    print(f"FAIL: {committed} differs from what scripts/gen_fhirmodel.py generates; run "
          "python3 scripts/gen_fhirmodel.py and commit the result")
    return 1


if __name__ == "__main__":
    sys.exit(main())
