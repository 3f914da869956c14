#!/usr/bin/env python3
"""Golden end-to-end test of fhir2cdm-transform: one case folder in, exact expected output.

A case folder holds:
  case.json        {"config": path relative to the case (default "config"),
                    "views": ViewDefinition files or folders relative to the case, run with
                             --view instead of --config,
                    "inputs": paths relative to the case's copied input (default ["input"]),
                    "args": extra command-line arguments ("$WORK" = the work folder),
                    "rc": expected exit status (default 0),
                    "setup": special preparations, see setup() below,
                    "nothing_written": true if the output folder must stay empty,
                    "runs": 2 to run twice and require byte-identical output}
  preout/          optional: contents of the output folder before the run
  input/           NDJSON files (or "input_dir": another case's input folder) (copied to a work folder whose files get a fixed mtime, so
                   model.json's modifiedTime is the same on every machine)
  expected/        the whole expected output folder, byte for byte (every file, no extra)
  expected.stderr  expected stderr; "$WORK"/"$CASE" stand for the work and case folders
  expected.stdout  expected stdout (optional); run times are masked as <T>/<R>

Run: run_case.py BINARY CASE_DIR [--update]   (--update rewrites the expected files from the
actual output: review the diff before committing it).
"""
import filecmp
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import gzip

FIXED_MTIME = 1704164645  # 2024-01-02T03:04:05Z
# What "gzip-members-trailing" appends after the last gzip member (not a gzip header): a tar-like
# zero padding with a line of text in it, which must be reported and never read as rows.
TRAILING_GARBAGE = b"\0\0\0\0{\"resourceType\":\"Patient\",\"id\":\"ghost\"}\n\0\0\0\0"


def setup(action, work):
    kind, _, arg = action.partition(":")
    if kind == "dangling-symlink":  # a listed input that cannot be opened
        os.symlink(os.path.join(work, "does-not-exist"), os.path.join(work, "input", arg))
    elif kind == "truncated-gz":  # gzip of input/<src>, cut in the middle of the stream
        src, dst = arg.split(":")
        with open(os.path.join(work, "input", src), "rb") as f:
            data = gzip.compress(f.read(), mtime=0)
        os.remove(os.path.join(work, "input", src))
        with open(os.path.join(work, "input", dst), "wb") as f:
            f.write(data[: len(data) * 2 // 3])
    elif kind == "gzip":  # input/<src> replaced by input/<src>.gz
        p = os.path.join(work, "input", arg)
        with open(p, "rb") as f:
            data = gzip.compress(f.read(), mtime=0)
        os.remove(p)
        with open(p + ".gz", "wb") as f:
            f.write(data)
    elif kind == "gzip-members-trailing":
        # input/<src> replaced by input/<src>.gz: its first half of lines as one gzip member,
        # the rest as a second member (data, RFC 1952 2.2), then bytes that are not gzip
        p = os.path.join(work, "input", arg)
        with open(p, "rb") as f:
            lines = f.read().splitlines(keepends=True)
        half = len(lines) // 2
        data = (gzip.compress(b"".join(lines[:half]), mtime=0)
                + gzip.compress(b"".join(lines[half:]), mtime=0) + TRAILING_GARBAGE)
        os.remove(p)
        with open(p + ".gz", "wb") as f:
            f.write(data)
    elif kind == "dense-line":  # input/<name>: one Patient whose name[0].given has N strings
        name, n = arg.split(":")
        with open(os.path.join(work, "input", name), "a") as f:
            f.write('{"resourceType":"Patient","id":"dense","name":[{"given":[' +
                    ",".join('"g%d"' % (i % 10) for i in range(int(n))) + ']}]}\n')
    elif kind == "file":  # a plain file where a folder is expected
        with open(os.path.join(work, arg), "w") as f:
            f.write("not a folder\n")
    else:
        raise SystemExit(f"unknown setup action {action}")


def tree(root):
    out = {}
    if not os.path.isdir(root):
        return out
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def run(binary, case, work, spec):
    config = os.path.join(case, spec.get("config", "config"))
    args = [a.replace("$WORK", work) for a in spec.get("args", [])]
    inputs = [os.path.join(work, "input", i) if i != "input" else os.path.join(work, "input")
              for i in spec.get("inputs", ["input"])]
    out = spec.get("output", os.path.join(work, "out")).replace("$WORK", work)
    if "views" in spec:
        source = [a for v in spec["views"] for a in ("--view", os.path.join(case, v))]
    else:
        source = ["--config", config]
    cmd = [binary] + source + ["--output", out] + args + ["--input"] + inputs
    p = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=300)
    norm = lambda s: s.replace(work, "$WORK").replace(case, "$CASE")
    stdout = re.sub(r"in [0-9.]+ s \([0-9.]+ MB/s\)", "in <T> s (<R> MB/s)", norm(p.stdout))
    return p.returncode, stdout, norm(p.stderr), tree(os.path.join(work, "out"))


def main():
    binary, case = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    update = "--update" in sys.argv[3:]
    with open(os.path.join(case, "case.json")) as f:
        spec = json.load(f)
    work = tempfile.mkdtemp(prefix="f2c-case-")
    try:
        src = os.path.join(case, spec.get("input_dir", "input"))
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(work, "input"))
        else:
            os.makedirs(os.path.join(work, "input"))
        if os.path.isdir(os.path.join(case, "preout")):
            shutil.copytree(os.path.join(case, "preout"), os.path.join(work, "out"))
        for action in spec.get("setup", []):
            setup(action, work)
        for d, _, files in os.walk(os.path.join(work, "input")):
            for f in files:
                p = os.path.join(d, f)
                if os.path.exists(p):
                    os.utime(p, (FIXED_MTIME, FIXED_MTIME))
        rc, stdout, stderr, out = run(binary, case, work, spec)
        if update:
            exp = os.path.join(case, "expected")
            shutil.rmtree(exp, ignore_errors=True)
            for rel, data in out.items():
                os.makedirs(os.path.dirname(os.path.join(exp, rel)), exist_ok=True)
                with open(os.path.join(exp, rel), "wb") as f:
                    f.write(data)
            with open(os.path.join(case, "expected.stderr"), "w") as f:
                f.write(stderr)
            if os.path.exists(os.path.join(case, "expected.stdout")) or spec.get("stdout"):
                with open(os.path.join(case, "expected.stdout"), "w") as f:
                    f.write(stdout)
            spec_rc = spec.get("rc", 0)
            print(f"updated {case} (rc {rc}, case.json expects {spec_rc})")
            return 0
        failures = []
        if rc != spec.get("rc", 0):
            failures.append(f"exit status {rc}, expected {spec.get('rc', 0)}")
        with open(os.path.join(case, "expected.stderr")) as f:
            if stderr != f.read():
                failures.append("stderr differs:\n--- actual ---\n" + stderr)
        if os.path.exists(os.path.join(case, "expected.stdout")):
            with open(os.path.join(case, "expected.stdout")) as f:
                if stdout != f.read():
                    failures.append("stdout differs:\n--- actual ---\n" + stdout)
        if spec.get("nothing_written"):
            if out:
                failures.append(f"output written although nothing should be: {sorted(out)}")
        else:
            expected = tree(os.path.join(case, "expected"))
            for rel in sorted(set(expected) | set(out)):
                if rel not in out:
                    failures.append(f"missing output file {rel}")
                elif rel not in expected:
                    failures.append(f"unexpected output file {rel}")
                elif out[rel] != expected[rel]:
                    failures.append(f"output file {rel} differs:\n--- actual ---\n"
                                    + out[rel].decode("utf-8", "replace")[:4000])
        if spec.get("runs", 1) == 2 and not failures:
            rc2, _, _, out2 = run(binary, case, work, spec)
            if rc2 != rc or out2 != out:
                failures.append("second run over the same input is not byte-identical: "
                                f"{sorted(set(out2) ^ set(out))}")
        if failures:
            print(f"FAIL {os.path.basename(case)}")
            for f in failures:
                print("  " + f)
            return 1
        print(f"ok {os.path.basename(case)}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
