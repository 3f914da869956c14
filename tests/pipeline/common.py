"""Shared by the pipeline tests: running the generator and reading what it wrote."""
import glob
import json
import os
import subprocess
import tempfile

FHIR_URL = "https://example-fhir.azurehealthcareapis.com"
PACKAGE_URL = ("https://github.com/example/fhir2cdm/releases/download/v0.1.0/"
               "fhir2cdm-0.1.0-linux-x86_64.tar.gz")

# (name, extra arguments, options the checker expects).  Without --package-url the pool reads
# the tarball from the deployment's own storage with its managed identity.
VARIANTS = [
    ("samples-config", ["--config", "samples/config", "--since", "2024-01-01T00:00:00Z"],
     {"kind": "tables", "since": "2024-01-01T00:00:00Z", "group": "", "client_id": None,
      "concurrency": 8, "batch_nodes": 2, "max_depth": 3, "pipeline_name": "fhir2cdm"}),
    ("client-secret-group",
     ["--config", "samples/config", "--group", "cohort-7", "--client-id",
      "11111111-2222-3333-4444-555555555555", "--tenant-id", "contoso.onmicrosoft.com",
      "--pipeline-name", "synthea_cdm", "--concurrency", "16", "--batch-nodes", "4",
      "--max-depth", "4", "--batch-vm-size", "Standard_E8s_v5", "--package-url", PACKAGE_URL],
     {"kind": "tables", "since": "", "group": "cohort-7", "package_url": PACKAGE_URL,
      "client_id": "11111111-2222-3333-4444-555555555555", "concurrency": 16, "batch_nodes": 4,
      "max_depth": 4, "pipeline_name": "synthea_cdm"}),
    ("samples-views", ["--view", "samples/views", "--since", "last"],
     {"kind": "views", "since": "last", "group": "", "client_id": None, "concurrency": 8,
      "batch_nodes": 2, "max_depth": 3, "pipeline_name": "fhir2cdm"}),
    # --format parquet: transform-data and finalize write (and commit) a Parquet CDM folder.
    ("samples-config-parquet", ["--config", "samples/config", "--format", "parquet"],
     {"kind": "tables", "since": "", "group": "", "client_id": None, "concurrency": 8,
      "batch_nodes": 2, "max_depth": 3, "pipeline_name": "fhir2cdm", "format": "parquet"}),
    # --mode merge: the same three tasks get "--mode merge" (finalize merges, docs/azure.md).
    ("samples-views-merge", ["--view", "samples/views", "--since", "last", "--mode", "merge"],
     {"kind": "views", "since": "last", "group": "", "client_id": None, "concurrency": 8,
      "batch_nodes": 2, "max_depth": 3, "pipeline_name": "fhir2cdm", "mode": "merge"}),
]


def run(gen, root, args, out):
    cmd = [gen, "generate-pipeline", "--templates", os.path.join(root, "templates"),
           "--fhir-url", FHIR_URL + "/", "-o", out] + args
    return subprocess.run(cmd, cwd=root, capture_output=True, text=True)


def generate(gen, root, args):
    """Runs the generator into a new temporary folder; returns (folder, completed process)."""
    tmp = tempfile.mkdtemp(prefix="f2c-pipeline-")
    out = os.path.join(tmp, "out")
    return out, run(gen, root, args, out)


def expected_types(root, args):
    """Resource types read straight from the configuration files (not from the generator)."""
    if "--config" in args:
        d = os.path.join(root, args[args.index("--config") + 1])
        return sorted({json.load(open(f))["resourceType"]
                       for f in glob.glob(os.path.join(d, "*.json"))})
    d = os.path.join(root, args[args.index("--view") + 1])
    return sorted({json.load(open(f))["resource"] for f in glob.glob(os.path.join(d, "*.json"))})


def load(out):
    with open(os.path.join(out, "azuredeploy.json")) as f:
        tpl = json.load(f)
    with open(os.path.join(out, "azuredeploy.parameters.json")) as f:
        params = json.load(f)
    return tpl, params
