#!/usr/bin/env python3
"""`fhir2cdm show-schema -o FILE`: the file holds exactly what stdout would, it replaces FILE
only when complete, and a failed run leaves FILE and its folder untouched.

usage: test_output_file.py <fhir2cdm> <source_dir>
"""
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402

BASIC = "tests/transform/configs/basic"


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, src = sys.argv[1:]
    fails = f2ctest.Failures()
    tmp = tempfile.mkdtemp(prefix="f2c-schema-")
    os.umask(0o022)

    def run(*args):
        return subprocess.run([exe, "show-schema", *args], cwd=src, capture_output=True,
                              timeout=60)

    try:
        for fmt in ("text", "json", "markdown", "html"):
            out = os.path.join(tmp, "schema." + fmt)
            ref = run("-d", BASIC, "--format", fmt)
            got = run("-d", BASIC, "--format", fmt, "-o", out)
            fails.check(ref.returncode == 0 and got.returncode == 0,
                        f"{fmt}: exit {ref.returncode}/{got.returncode}: {got.stderr!r}")
            fails.check(got.stdout == b"" and got.stderr == b"", f"{fmt}: -o printed {got!r}")
            fails.check(os.path.exists(out) and open(out, "rb").read() == ref.stdout,
                        f"{fmt}: {out} differs from the stdout output")
            mode = stat.S_IMODE(os.stat(out).st_mode) if os.path.exists(out) else None
            fails.check(mode == 0o644, f"{fmt}: mode {mode and oct(mode)}, expected 0o644 "
                        "(umask 022, as a plain fopen would give)")

        # Replacing an existing file; a failing run must not touch it.
        out = os.path.join(tmp, "keep.txt")
        open(out, "w").write("previous content\n")
        bad_runs = {
            "configuration error": ("-d", "tests/schema/bad/several_errors", "-o", out),
            "unknown table": ("-d", BASIC, "-t", "NoSuchTable", "-o", out),
            "usage error": ("-d", BASIC, "--format", "pdf", "-o", out),
        }
        for what, args in bad_runs.items():
            p = run(*args)
            fails.check(p.returncode == 2, f"{what}: exit {p.returncode}, expected 2")
            fails.check(open(out).read() == "previous content\n", f"{what}: {out} was modified")
        p = run("-d", BASIC, "-o", out)
        fails.check(p.returncode == 0 and open(out).read().startswith("Table configuration"),
                    f"a good run did not replace {out}: {p!r}")

        # A folder that does not exist: a clear error, exit 2.
        missing = os.path.join(tmp, "no-such-dir", "schema.html")
        p = run("-d", BASIC, "-f", "html", "-o", missing)
        fails.check(p.returncode == 2 and b"cannot create" in p.stderr,
                    f"-o into a missing folder: exit {p.returncode}, stderr {p.stderr!r}")

        left = sorted(n for n in os.listdir(tmp) if ".tmp." in n)
        fails.check(not left, f"temporary files left behind: {left}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not fails.items:
        print("ok")
    return 1 if fails.items else 0


if __name__ == "__main__":
    sys.exit(main())
