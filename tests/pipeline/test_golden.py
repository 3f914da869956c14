"""Golden outputs: each variant's azuredeploy.json, azuredeploy.parameters.json and README.md
byte for byte, and config/ an exact copy of the configuration files (same names, same bytes).
F2C_UPDATE_GOLDEN=1 rewrites the golden files instead (review the diff before committing).
Usage: test_golden.py FHIR2CDM_BINARY PROJECT_ROOT"""
import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

import filecmp
import glob
import os
import sys

import common

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = ["azuredeploy.json", "azuredeploy.parameters.json", "README.md"]


def source_files(root, args):
    if "--config" in args:
        d = os.path.join(root, args[args.index("--config") + 1])
        files = {os.path.basename(f): f for f in glob.glob(os.path.join(d, "*.json"))}
        files.update({"PropertiesGroup/" + os.path.basename(f): f
                      for f in glob.glob(os.path.join(d, "PropertiesGroup", "*.json"))})
        return files
    d = os.path.join(root, args[args.index("--view") + 1])
    return {os.path.basename(f): f for f in glob.glob(os.path.join(d, "*.json"))}


def copied_files(out):
    base = os.path.join(out, "config")
    return sorted(os.path.relpath(os.path.join(dp, f), base)
                  for dp, _, fs in os.walk(base) for f in fs)


def main():
    gen, root = sys.argv[1], sys.argv[2]
    update = os.environ.get("F2C_UPDATE_GOLDEN") == "1"
    failures = 0
    for name, args, _ in common.VARIANTS:
        out, proc = common.generate(gen, root, args)
        if proc.returncode != 0:
            print("FAIL %s: exit %d\n%s" % (name, proc.returncode, proc.stderr))
            failures += 1
            continue
        gold = os.path.join(HERE, "golden", name)
        for f in FILES:
            with open(os.path.join(out, f), "rb") as fh:
                got = fh.read()
            path = os.path.join(gold, f)
            if update:
                os.makedirs(gold, exist_ok=True)
                with open(path, "wb") as fh:
                    fh.write(got)
                continue
            want = open(path, "rb").read() if os.path.exists(path) else None
            if got != want:
                print("FAIL %s/%s differs from %s (diff -u %s %s)"
                      % (name, f, path, path, os.path.join(out, f)))
                failures += 1
        src = source_files(root, args)
        if sorted(src) != copied_files(out):
            print("FAIL %s: config/ holds %s, expected %s" % (name, copied_files(out), sorted(src)))
            failures += 1
        for rel, s in src.items():
            if not filecmp.cmp(s, os.path.join(out, "config", rel), shallow=False):
                print("FAIL %s: config/%s is not a byte copy of %s" % (name, rel, s))
                failures += 1
        print("%s %s" % ("updated" if update else "checked", name))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
