#!/usr/bin/env python3
"""How the generator writes its outputs (issue 12, part 8; docs/schema-viewer.md "Output files",
docs/config-reference.md "What is written").

Usage: test_outputs.py FHIR2CDM REPO

Output FILEs (show-schema -o, synapse-sql -o):
  - /dev/full: exit 2 with the write error, and /dev/full is still a character device;
  - a FIFO with a reader on the other end: the reader gets exactly the bytes stdout would
    have, and the FIFO stays a FIFO;
  - a symbolic link to a regular file: the file it points to gets the new content (a new inode:
    it was replaced, not rewritten in place), the link stays a link;
  - a symbolic link to nothing: exit 2, nothing created through it;
  - a regular file: replaced by a new inode (rename), read by a concurrent reader that must
    only ever see a whole version; a failed run leaves it as it was;
  - no temporary file is left in the folder after any of this.
Output FOLDERs (generate-config, --emit view-definitions, generate-pipeline both targets):
  - a symbolic link planted at a file name or at PropertiesGroup/ (config) or config/
    (pipeline) is refused with exit 2 and a message naming it; the link's target is unchanged;
    nothing is left beside the target.

Python stdlib only.
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402

BASIC = "tests/transform/configs/basic"
MODEL = ('{"entities": [{"name": "LocalPatient", "attributes": [{"name": "Id", "dataType": '
         '"string"}], "partitions": [{"location": "LocalPatient/partition-data-Patient-x.csv"}]}]}')


def run(args, cwd=None):
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def leftovers(folder, expected):
    """Entries of folder that are not in expected (temporary files, new folders)."""
    return sorted(set(os.listdir(folder)) - set(expected))


def file_outputs(F, exe, repo, tmp):
    model = os.path.join(tmp, "cdm")
    write(os.path.join(model, "model.json"), MODEL)
    # command (without -o) -> what it prints on stdout
    commands = {
        "show-schema html": [exe, "show-schema", "-d", BASIC, "-f", "html"],
        "show-schema json": [exe, "show-schema", "-d", BASIC, "-f", "json"],
        "synapse-sql": [exe, "synapse-sql", "--model", model, "--dialect", "postgres"],
    }
    ref = {}
    for name, cmd in commands.items():
        rc, out, err = run(cmd, cwd=repo)
        F.check(rc == 0 and out, "%s to stdout: exit %d %s" % (name, rc, err))
        ref[name] = out

    for name, cmd in commands.items():
        work = os.path.join(tmp, name.replace(" ", "-"))
        os.mkdir(work)
        present = []

        # /dev/full: a write error, exit 2, and the device stays a device.
        if os.path.exists("/dev/full"):
            rc, _, err = run(cmd + ["-o", "/dev/full"], cwd=repo)
            F.check(rc == 2 and "No space left" in err,
                    "%s -o /dev/full: exit %d, stderr %r (expected 2, ENOSPC)" % (name, rc, err))
            F.check(stat.S_ISCHR(os.stat("/dev/full").st_mode),
                    "%s: /dev/full is no longer a character device" % name)

        # A FIFO with a reader.
        fifo = os.path.join(work, "fifo")
        os.mkfifo(fifo)
        present.append("fifo")
        got = []
        reader = threading.Thread(target=lambda: got.append(read(fifo)))
        reader.start()
        rc, _, err = run(cmd + ["-o", fifo], cwd=repo)
        reader.join(60)
        F.check(rc == 0, "%s -o FIFO: exit %d %s" % (name, rc, err))
        F.check(got == [ref[name]], "%s -o FIFO: the reader got %d bytes, expected %d"
                % (name, len(got[0]) if got else -1, len(ref[name])))
        F.check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "%s: the FIFO was replaced" % name)

        # A link to a regular file: the file it points to is replaced, the link stays.
        real, link = os.path.join(work, "real.out"), os.path.join(work, "link.out")
        write(real, "old\n")
        os.symlink("real.out", link)
        present += ["real.out", "link.out"]
        ino = os.stat(real).st_ino
        rc, _, err = run(cmd + ["-o", link], cwd=repo)
        F.check(rc == 0, "%s -o link: exit %d %s" % (name, rc, err))
        F.check(os.path.islink(link) and os.readlink(link) == "real.out",
                "%s -o link: the link was replaced" % name)
        F.check(read(real) == ref[name], "%s -o link: the link's target lacks the output" % name)
        F.check(os.stat(real).st_ino != ino,
                "%s -o link: the target was rewritten in place, not replaced" % name)

        # A link to nothing: refused, nothing created through it.
        dangling = os.path.join(work, "dangling.out")
        os.symlink("missing.out", dangling)
        present.append("dangling.out")
        rc, _, err = run(cmd + ["-o", dangling], cwd=repo)
        F.check(rc == 2 and "symbolic link" in err,
                "%s -o dangling link: exit %d, stderr %r" % (name, rc, err))
        F.check(not os.path.exists(os.path.join(work, "missing.out")),
                "%s -o dangling link: a file was created through it" % name)

        # A regular file: replaced (new inode) under a concurrent reader, never seen partial.
        target = os.path.join(work, "out.txt")
        write(target, "previous\n")
        present.append("out.txt")
        versions = {b"previous\n", ref[name]}
        seen_bad, stop = [], threading.Event()

        def watch():
            while not stop.is_set():
                data = read(target)
                if data not in versions:
                    seen_bad.append(len(data))

        watcher = threading.Thread(target=watch)
        watcher.start()
        in_place = 0
        for _ in range(15):
            # The new file exists before the old one goes, so a replaced file has a new inode.
            ino = os.stat(target).st_ino
            rc, _, err = run(cmd + ["-o", target], cwd=repo)
            F.check(rc == 0, "%s -o regular file: exit %d %s" % (name, rc, err))
            in_place += os.stat(target).st_ino == ino
        stop.set()
        watcher.join()
        F.check(read(target) == ref[name], "%s -o regular file: wrong content" % name)
        F.check(not seen_bad, "%s -o regular file: a reader saw %d partial version(s) (sizes %s)"
                % (name, len(seen_bad), seen_bad[:5]))
        F.check(in_place == 0, "%s -o regular file: rewritten in place (%d of 15 runs), not "
                "replaced" % (name, in_place))

        F.check(not leftovers(work, present), "%s: left in the folder: %s"
                % (name, leftovers(work, present)))

    # A failed run leaves the regular file alone (and nothing beside it).
    keep = os.path.join(tmp, "keep")
    write(os.path.join(keep, "out.sql"), "mine\n")
    rc, _, _ = run([exe, "synapse-sql", "--model", os.path.join(tmp, "nope"), "--dialect",
                    "postgres", "-o", os.path.join(keep, "out.sql")], cwd=repo)
    F.check(rc == 2 and read(os.path.join(keep, "out.sql")) == b"mine\n",
            "synapse-sql with a missing model: exit %d or the file changed" % rc)
    F.check(not leftovers(keep, ["out.sql"]), "left: %s" % leftovers(keep, ["out.sql"]))


def refused(F, what, cmd, folder, victims, name_in_message, cwd=None):
    """cmd must exit 2 naming name_in_message as a symbolic link; victims (path -> content,
    or a folder's entry list) unchanged, folder unchanged, nothing beside it."""
    before = sorted(os.listdir(folder))
    rc, _, err = run(cmd, cwd=cwd)
    F.check(rc == 2, "%s: exit %d, expected 2 (%s)" % (what, rc, err.strip()))
    F.check(name_in_message in err and "symbolic link" in err,
            "%s: the message does not name %s as a symbolic link: %r"
            % (what, name_in_message, err))
    for path, content in victims.items():
        now = sorted(os.listdir(path)) if os.path.isdir(path) else read(path)
        F.check(now == content, "%s: %s changed" % (what, path))
    F.check(sorted(os.listdir(folder)) == before, "%s: the output folder changed" % what)
    parent = os.path.dirname(folder)
    left = [n for n in os.listdir(parent) if n.startswith(".")]
    F.check(not left, "%s: left beside the folder: %s" % (what, left))


def folder_outputs(F, exe, repo, tmp):
    res, grp = os.path.join(tmp, "r.yml"), os.path.join(tmp, "g.yml")
    write(res, "Patient:\n  propertiesByDefault: [active, name]\n")
    write(grp, "HumanName:\n  propertiesByDefault: [family]\n")
    gen = [exe, "generate-config", "-r", res, "-p", grp]
    victim = os.path.join(tmp, "victim.json")
    write(victim, "victim\n")
    elsewhere = os.path.join(tmp, "elsewhere")
    os.mkdir(elsewhere)
    victims = {victim: b"victim\n", elsewhere: []}

    cases = [
        ("generate-config, link at a table file", gen, "Patient.json", "Patient.json", victim),
        ("generate-config, link at PropertiesGroup/", gen, "PropertiesGroup", "PropertiesGroup",
         elsewhere),
        ("generate-config, link at a group file", gen, "PropertiesGroup/HumanName.json",
         "HumanName.json", victim),
        ("generate-config --emit view-definitions, link at a view file",
         gen + ["--emit", "view-definitions"], "Patient.json", "Patient.json", victim),
    ]
    for i, (what, cmd, at, named, to) in enumerate(cases):
        out = os.path.join(tmp, "cfg%d" % i, "out")
        os.makedirs(os.path.dirname(os.path.join(out, at)), exist_ok=True)
        os.symlink(to, os.path.join(out, at))
        refused(F, what, cmd + ["-o", out], out, victims, named)

    pipe = [exe, "generate-pipeline", "--config", os.path.join(repo, "samples", "config"),
            "--fhir-url", "https://fhir.example.org", "--package-url",
            "https://example.org/fhir2cdm.tar.gz", "--templates", os.path.join(repo, "templates")]
    syn = [exe, "generate-pipeline", "--target", "synapse", "--storage-url",
           "https://acct.dfs.core.windows.net/fs/cdm", "--synapse-workspace", "ws",
           "--sql-pool", "pool", "--templates", os.path.join(repo, "templates")]
    cases = [
        ("generate-pipeline, link at azuredeploy.json", pipe, "azuredeploy.json", victim),
        ("generate-pipeline, link at config/", pipe, "config", elsewhere),
        ("generate-pipeline --target synapse, link at README.md", syn, "README.md", victim),
    ]
    for i, (what, cmd, at, to) in enumerate(cases):
        out = os.path.join(tmp, "pipe%d" % i, "out")
        os.makedirs(out)
        os.symlink(to, os.path.join(out, at))
        refused(F, what, cmd + ["-o", out], out, victims, at)

    # The same commands succeed on a new folder (the refusals above are the links' doing).
    for what, cmd in [("generate-config", gen), ("generate-pipeline", pipe),
                      ("generate-pipeline --target synapse", syn)]:
        out = os.path.join(tmp, "ok-" + what.replace(" ", "-"), "out")
        rc, _, err = run(cmd + ["-o", out])
        F.check(rc == 0, "%s into a new folder: exit %d %s" % (what, rc, err))
        left = [n for n in os.listdir(os.path.dirname(out)) if n != "out"]
        F.check(not left, "%s: left beside the folder: %s" % (what, left))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    exe, repo = (os.path.abspath(a) for a in sys.argv[1:])
    F = f2ctest.Failures()
    tmp = tempfile.mkdtemp(prefix="f2c-gen-outputs-")
    try:
        file_outputs(F, exe, repo, tmp)
        folder_outputs(F, exe, repo, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("outputs: %s" % ("%d failure(s)" % len(F.items) if F.items else "ok"))
    return 1 if F.items else 0


if __name__ == "__main__":
    sys.exit(main())
