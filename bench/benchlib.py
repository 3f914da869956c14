"""bench/benchlib.py -- what the Python benchmarks share: a Release build of the transformer.

Why one copy: every benchmark must time the same kind of build (Release, no tests), each in its
own folder so that two benchmarks never rebuild under each other.
"""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def build(name):
    """The fhir2cdm-transform to time: $BIN when set, else a Release build in bench/out/<name>."""
    if os.environ.get("BIN"):
        return os.environ["BIN"]
    b = os.path.join(HERE, "out", name)
    subprocess.run(["cmake", "-S", ROOT, "-B", b, "-DCMAKE_BUILD_TYPE=Release",
                    "-DBUILD_TESTING=OFF"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", b, "--parallel", str(os.cpu_count() or 2), "--target",
                    "fhir2cdm-transform"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(b, "transformer", "fhir2cdm-transform")
