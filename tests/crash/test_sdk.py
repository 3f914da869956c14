#!/usr/bin/env python3
"""test_sdk: Microsoft's CDM object model (../shared/cdm-sdk/check.js, the reader Synapse, Data
Factory and Power BI tooling use) reads every kind of folder the commit protocol leaves:

  fresh     one run (A, operation id a) into an empty folder;
  appended  then run B (operation id b): two operations listed;
  slot-b    then A2 (changed input, operation id a again): a's partitions in the replacement
            slot (partition-data-<stem>-a.b.csv), Procedure's dropped;
  recovered then a run killed after its journal (FHIR2CDM_FAULT=journal) and the next run, which
            finishes that commit;
  migrated  a folder of the previous release (model.json without the commit annotation) after
            one run of ours.

Each must load with 0 problems (check.js exit 0), and check.js must name exactly the
partitions model.json lists.  Skips (77) loudly when ../shared/cdm-sdk or node is absent.
Usage: test_sdk.py --transform BIN --config DIR --samples DIR --work DIR --sdk DIR
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crashlib as cl  # noqa: E402


def listed(folder):
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
        m = json.load(f)
    return sorted(p["location"] for e in m["entities"] for p in e.get("partitions", []))


def sdk_check(f, sdk, folder, what):
    p = subprocess.run(["node", os.path.join(sdk, "check.js"), folder], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    last = p.stdout.strip().splitlines()[-1:] or [""]
    named = sorted(re.findall(r"^\s+partition (\S+) \[", p.stdout, re.M))
    print(f"{what}: check.js exit {p.returncode}: {last[0]}", flush=True)
    f.check(p.returncode == 0, f"{what}: the CDM SDK reports problems:\n{p.stdout[-3000:]}")
    f.check(named == listed(folder),
            f"{what}: the SDK's partitions differ from model.json's ({len(named)} vs "
            f"{len(listed(folder))})")


def main():
    ap = argparse.ArgumentParser()
    for a in ("--transform", "--config", "--samples", "--work", "--sdk"):
        ap.add_argument(a, required=True)
    o = ap.parse_args()
    if not os.path.isfile(os.path.join(o.sdk, "check.js")):
        cl.skip(f"{o.sdk}/check.js not found (../shared absent): the CDM SDK oracle is not run")
    if not shutil.which("node"):
        cl.skip("node not found: the CDM SDK oracle is not run")
    f = cl.Failures()
    work = cl.fresh_dir(os.path.join(o.work, "sdk"))
    sets = cl.make_inputs(o.samples, work)
    tx = cl.Transformer(o.transform, o.config)
    out = os.path.join(work, "out")

    def run(inputs, opid, what, fault=None, want=0):
        r = tx.run(inputs, out, opid, fault=fault)
        f.check(r.rc == want, f"{what}: exit {r.rc}, expected {want}\n{r.err[-2000:]}")
        return r

    run(sets["A"], "a", "fresh")
    sdk_check(f, o.sdk, out, "fresh")
    run(sets["B"], "b", "appended")
    sdk_check(f, o.sdk, out, "appended")
    run(sets["A2"], "a", "slot-b")
    f.check(any(loc.endswith("-a.b.csv") for loc in listed(out)),
            "slot-b: no partition in the replacement slot")
    sdk_check(f, o.sdk, out, "slot-b")
    run(sets["A"], "c", "killed after the journal", fault="journal", want=-9)
    run(sets["B"], "d", "recovered")
    f.check(any("-c.csv" in loc for loc in listed(out)), "recovered: run c's commit not finished")
    sdk_check(f, o.sdk, out, "recovered")

    # The previous release's folder: the same partitions, a model.json without the annotation.
    legacy = os.path.join(work, "legacy")
    cl.rmtree(legacy)
    r = tx.run(sets["A"], legacy, "a")
    f.check(r.rc == 0, f"legacy setup: exit {r.rc}")
    mj = os.path.join(legacy, "model.json")
    with open(mj, encoding="utf-8") as fh:
        m = json.load(fh)
    m.pop("annotations", None)
    with open(mj, "w", encoding="utf-8") as fh:
        json.dump(m, fh, indent="\t")
    shutil.rmtree(os.path.join(legacy, ".fhir2cdm"))
    out = legacy
    run(sets["B"], "b", "migrated")
    sdk_check(f, o.sdk, legacy, "migrated")
    return f.report("the CDM SDK reads every folder the commit protocol leaves, with 0 problems")


if __name__ == "__main__":
    sys.exit(main())
