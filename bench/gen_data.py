#!/usr/bin/env python3
"""Generate the benchmark input: the synthea-10 NDJSON sample replicated to a target size.

The shared sample (../shared/data/synthea-10, 13 resource types, ~10 MB) is copied K times into
one output file per resource type (e.g. bench/data/Patient.000.ndjson holds every copy of every
Patient), so the per-file partition layout stays the one a real bulk export has.  Copy 0 is the
sample verbatim; in copy k >= 1 every identifier that names a resource gets the suffix "-c<k>", so
copies are distinct resources whose references still resolve within their copy:

  * every UUID token: resource ids ("id":"<uuid>"), literal references ("Patient/<uuid>"),
    Synthea's identifier values for Organization/Location (which equal their ids) and the
    conditional references that use them ("Organization?identifier=<system>|<uuid>"), and the
    DocumentReference "urn:uuid:<uuid>" identifiers;
  * every NPI (the us-npi identifier of a Practitioner, the PractitionerRole.practitioner
    identifier, and "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|<npi>" references).

The rewrite is textual (regular expressions on the raw line), so every other byte of a resource is
kept exactly as exported.  Output is deterministic.  Copies are added until the total is at least
--mb megabytes (10^6 bytes).  A stamp file records the parameters and the resulting file sizes;
when it matches, nothing is regenerated.

Usage: bench/gen_data.py [--mb 200 | --copies K] [--src DIR] [--out DIR]
Single-threaded and streaming (one line at a time), so it is gentle on a shared machine.
"""
import argparse
import hashlib
import json
import os
import re
import sys

GEN_VERSION = 1
STAMP = ".bench-stamp.json"

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_SRC = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "synthea-10"))
DEFAULT_OUT = os.path.join(HERE, "data")

UUID_RE = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NPI_RE = re.compile(rb'(us-npi(?:\||","value":"))([0-9]{10})(?=")')


def source_files(src):
    names = sorted(n for n in os.listdir(src) if n.endswith(".ndjson"))
    if not names:
        sys.exit(f"gen_data: no *.ndjson files in {src}")
    return names


def source_digest(src, names):
    h = hashlib.sha256()
    for n in names:
        h.update(n.encode() + b"\0")
        with open(os.path.join(src, n), "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def rewrite(line, suffix):
    if not suffix:
        return line
    line = UUID_RE.sub(lambda m: m.group(0) + suffix, line)
    return NPI_RE.sub(lambda m: m.group(1) + m.group(2) + suffix, line)


def read_stamp(out):
    try:
        with open(os.path.join(out, STAMP)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def stamp_valid(stamp, params, out):
    if not stamp or stamp.get("params") != params:
        return False
    for name, size in stamp.get("files", {}).items():
        try:
            if os.path.getsize(os.path.join(out, name)) != size:
                return False
        except OSError:
            return False
    return bool(stamp.get("files"))


def generate(src, names, out, target_bytes, want_copies):
    # Lines of the sample, grouped per output file; the sample is small (~10 MB), the output is
    # written copy by copy, so memory stays at the sample's size whatever the target.
    sample = {}
    for n in names:
        with open(os.path.join(src, n), "rb") as f:
            lines = [l if l.endswith(b"\n") else l + b"\n" for l in f if l.strip()]
        sample[n] = lines
    for n in os.listdir(out):
        if n.endswith(".ndjson") or n == STAMP:
            os.remove(os.path.join(out, n))
    handles = {n: open(os.path.join(out, n + ".tmp"), "wb") for n in names}
    total = lines_total = copies = 0
    try:
        while (copies < want_copies) if want_copies else (total < target_bytes):
            suffix = b"" if copies == 0 else b"-c%d" % copies
            for n in names:
                fh = handles[n]
                for line in sample[n]:
                    data = rewrite(line, suffix)
                    fh.write(data)
                    total += len(data)
                    lines_total += 1
            copies += 1
    finally:
        for fh in handles.values():
            fh.close()
    files = {}
    for n in names:
        os.replace(os.path.join(out, n + ".tmp"), os.path.join(out, n))
        files[n] = os.path.getsize(os.path.join(out, n))
    return copies, total, lines_total, files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=200, help="target total size in MB (10^6 bytes)")
    ap.add_argument("--copies", type=int, default=0,
                    help="write exactly this many copies instead of reaching --mb")
    ap.add_argument("--src", default=DEFAULT_SRC, help="sample NDJSON folder")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder")
    args = ap.parse_args()

    if not os.path.isdir(args.src):
        sys.exit(f"gen_data: sample folder {args.src} not found (../shared is needed)")
    os.makedirs(args.out, exist_ok=True)
    names = source_files(args.src)
    if args.copies < 0:
        sys.exit("gen_data: --copies must be positive")
    target = 0 if args.copies else int(args.mb * 1_000_000)
    params = {"version": GEN_VERSION, "target_bytes": target, "copies": args.copies,
              "source_sha256": source_digest(args.src, names)}

    stamp = read_stamp(args.out)
    if stamp_valid(stamp, params, args.out):
        print(f"gen_data: {args.out} up to date ({stamp['copies']} copies, "
              f"{stamp['bytes'] / 1e6:.1f} MB, {stamp['lines']} resources)")
        return

    copies, total, lines, files = generate(args.src, names, args.out, target, args.copies)
    with open(os.path.join(args.out, STAMP), "w") as f:
        json.dump({"params": params, "copies": copies, "bytes": total, "lines": lines,
                   "files": files}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"gen_data: wrote {args.out}: {len(names)} files, {copies} copies, "
          f"{total / 1e6:.1f} MB, {lines} resources")


if __name__ == "__main__":
    main()
