#!/usr/bin/env python3
"""Checks the layering of libfhir2cdm from the #include lines (docs/architecture.md, "Layers").

Every lib/<module>/ folder is one layer (one CMake library target); a file may include only
headers of its own module and of the modules ALLOWED lists for it.  A public header
lib/include/fhir2cdm/f2c_<x>.h belongs to the module whose folder holds f2c_<x>.c (or, for a
header-only interface, the one named in HEADER_ONLY).  The binaries are checked too: the
generator (fhir2cdm) must not use the network layer.  Exits 1 listing every violation, 0 when
there is none; usage: check_layers.py REPO_ROOT.
"""
import os
import re
import sys

ALLOWED = {
    "core": set(),
    "fhir": {"core"},
    "fhirpath": {"core", "fhir"},
    "tables": {"core", "fhir", "fhirpath"},
    "cdm": {"core", "fhir", "tables"},
    "net": {"core", "fhir"},
    "engine": {"core", "fhir", "fhirpath", "tables", "cdm"},
    # the binaries
    "generator": {"core", "fhir", "fhirpath", "tables", "cdm"},
    "transformer": {"core", "fhir", "fhirpath", "tables", "cdm", "net", "engine"},
}
HEADER_ONLY = {"f2c_fhirpath": "fhirpath"}  # public headers without a namesake .c
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def modules_of_stems(root):
    """f2c_<x> -> module, from where each lib source or internal header lives."""
    where = {}
    lib = os.path.join(root, "lib")
    for m in os.listdir(lib):
        d = os.path.join(lib, m)
        if m == "include" or not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            if f.endswith((".c", ".h")):
                where.setdefault(f.rsplit(".", 1)[0], m)
    where.update(HEADER_ONLY)
    return where


def files_of(root, unit):
    d = os.path.join(root, unit) if unit in ("generator", "transformer") else \
        os.path.join(root, "lib", unit)
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if f.endswith((".c", ".h")):
            yield os.path.join(d, f)


def main():
    root = sys.argv[1]
    where = modules_of_stems(root)
    units = [m for m in ALLOWED]
    problems, checked = [], 0
    for unit in units:
        for path in files_of(root, unit):
            checked += 1
            text = open(path, encoding="utf-8", errors="replace").read()
            for inc in INCLUDE.findall(text):
                stem = os.path.basename(inc).rsplit(".", 1)[0]
                m = where.get(stem)
                if m is None or m == unit:
                    continue  # the unit's own files, or not a library header
                if m not in ALLOWED[unit]:
                    problems.append("%s includes %s: %s may not use %s" % (
                        os.path.relpath(path, root), inc, unit, m))
    # every public header belongs to a module
    pub = os.path.join(root, "lib", "include", "fhir2cdm")
    for f in sorted(os.listdir(pub)):
        if f.endswith(".h") and f[:-2] not in where:
            problems.append("lib/include/fhir2cdm/%s belongs to no module (no %s.c in a "
                            "lib/<module>/ folder, not in HEADER_ONLY)" % (f, f[:-2]))
    for p in problems:
        print("FAIL " + p)
    print("%d files checked, %d layering violation(s)" % (checked, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
