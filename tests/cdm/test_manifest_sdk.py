#!/usr/bin/env python3
"""test_manifest_sdk: Microsoft's CDM object model (../shared/cdm-sdk, the reader behind the CDM
SDK, Data Factory / Synapse mapping data flows and the Spark CDM connector) reads Parquet folders
through their manifest.

  folder mode (cdm.manifest.sdk): the folder test_cdm_manifest leaves (fixture
  cdm_manifest_folder; a column of every FHIR type);
  transform mode (cdm.manifest.sdk.transform): a folder written by fhir2cdm-transform --format
  parquet over samples/ndjson with samples/config (the job's commit, f2c_job.c), which must also
  be byte-identical after a rerun, and refuse a CSV run (exit 2, nothing changed).

For each folder:
  - check.js FOLDER model.manifest.cdm.json exits 0: the manifest loads, every entity document
    resolves, every attribute has a known data format, every partition file exists, and the SDK
    reports no warning or error;
  - the SDK names exactly the partitions the manifest lists, each with the trait
    is.partition.format.parquet;
  - manifest_shape.js: the SDK sees the commit marker (fhir2cdm:commit in
    is.modelConversion.otherAnnotations) and every decimal attribute with the precision and scale
    its entity document gives.

Skips (77) loudly when ../shared/cdm-sdk or node is absent.
Usage: test_manifest_sdk.py SDK_DIR FOLDER
       test_manifest_sdk.py SDK_DIR WORK --transform BIN --config DIR --input DIR
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
import f2ctest  # noqa: E402

MANIFEST = "model.manifest.cdm.json"


def decimals_in_documents(folder, manifest):
    want = {}
    for e in manifest["entities"]:
        with open(os.path.join(folder, e["entityPath"].split("/")[0]), encoding="utf-8") as f:
            doc = json.load(f)
        for a in doc["definitions"][0]["hasAttributes"]:
            for t in a.get("appliedTraits", []):
                if t["traitReference"] == "is.dataFormat.numeric.shaped":
                    want[e["entityName"] + "." + a["name"]] = {
                        x["name"]: x["value"] for x in t["arguments"]}
    return want


def check_folder(f, sdk, folder, need_decimals):
    with open(os.path.join(folder, MANIFEST), encoding="utf-8") as fp:
        manifest = json.load(fp)
    listed = sorted(p["location"] for e in manifest["entities"] for p in e["dataPartitions"])
    p = subprocess.run(["node", os.path.join(sdk, "check.js"), folder, MANIFEST],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
    print(p.stdout[-4000:], flush=True)
    f.expect(p.returncode == 0, f"check.js loads {MANIFEST} with 0 problems (exit {p.returncode})")
    named = re.findall(r"^\s+partition (\S+) \[([^\]]*)\]", p.stdout, re.M)
    f.expect(sorted(n for n, _ in named) == listed and len(listed) > 0,
             f"the SDK names exactly the {len(listed)} partitions the manifest lists")
    f.expect(all(t == "is.partition.format.parquet" for _, t in named),
             "every partition exhibits is.partition.format.parquet")
    s = subprocess.run(["node", os.path.join(HERE, "manifest_shape.js"), sdk, folder],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=240)
    shape = json.loads(s.stdout) if s.returncode == 0 else {}
    if s.returncode != 0:
        print(s.stderr)
    marker = shape.get("traits", {}).get("is.modelConversion.otherAnnotations")
    f.expect(marker == [["annotations", [{"name": "fhir2cdm:commit", "value": "1"}]]],
             f"the SDK reads the commit marker (got {marker})")
    want = decimals_in_documents(folder, manifest)
    f.expect((len(want) > 0 or not need_decimals) and shape.get("decimals") == want,
             f"the SDK resolves every decimal's precision/scale ({shape.get('decimals')} vs {want})")
    f.expect(shape.get("problems") == [], f"no SDK messages ({shape.get('problems')})")


def transform_mode(f, sdk, work, o):
    out = os.path.join(work, "parquet")
    shutil.rmtree(out, ignore_errors=True)
    cmd = [o.transform, "--config", o.config, "--input", o.input, "--output", out]
    r = subprocess.run(cmd + ["--format", "parquet"], capture_output=True, text=True, timeout=300)
    f2ctest.require(r.returncode == 0, "fhir2cdm-transform --format parquet", r.stdout, r.stderr)
    check_folder(f, sdk, out, need_decimals=False)
    first = f2ctest.folder_digest(out)
    r = subprocess.run(cmd + ["--format", "parquet"], capture_output=True, text=True, timeout=300)
    f.expect(r.returncode == 0 and f2ctest.folder_digest(out) == first,
             "a rerun leaves the Parquet folder byte-identical (partitions, documents, manifest)")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    f.expect(r.returncode == 2 and "holds Parquet partitions (model.manifest.cdm.json); write CSV "
             "into another folder" in r.stderr and f2ctest.folder_digest(out) == first,
             f"a CSV run into the Parquet folder is refused, nothing changed (exit {r.returncode})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sdk")
    ap.add_argument("folder")
    ap.add_argument("--transform")
    ap.add_argument("--config")
    ap.add_argument("--input")
    o = ap.parse_args()
    if not os.path.isfile(os.path.join(o.sdk, "check.js")):
        f2ctest.skip(f"{o.sdk}/check.js not found (../shared absent): the CDM SDK oracle is not run")
    if not shutil.which("node"):
        f2ctest.skip("node not found: the CDM SDK oracle is not run")
    f = f2ctest.Failures()
    if o.transform:
        os.makedirs(o.folder, exist_ok=True)
        transform_mode(f, o.sdk, o.folder, o)
    else:
        check_folder(f, o.sdk, o.folder, need_decimals=True)
    sys.exit(f.report("test_manifest_sdk: all checks passed"))


if __name__ == "__main__":
    main()
