#!/usr/bin/env python3
"""test_hostile: a CDM folder under hostile conditions (issue 12, "How it is tested").

One case per CTest test (--case):
  diskfull    a 2 MiB tmpfs as the output's file system (root only; else skipped loudly, 77):
              a run whose partitions do not fit exits 2 and leaves the folder byte-identical,
              both for a new folder (not even created) and over a committed run; a small run
              afterwards still succeeds.
  symlinks    a symbolic link planted at every fixed name the run writes inside the folder
              (.fhir2cdm, .fhir2cdm/lock, .fhir2cdm/journal, model.json, data, data/<Entity>,
              a target partition name), pointing at a victim file/folder outside: the run is
              refused (exit 2, the message names the entry), the victim and the folder are
              unchanged; links left in .fhir2cdm/ as "leftovers" are removed, never followed;
              --output itself a link works.
  collision   input Patient-2024.ndjson with --operation-id jan, then Patient.ndjson with
              --operation-id 2024-jan into one folder: two partitions, both listed, rows of both.
  tmpname     an input named Patient.tmp-1.ndjson: its partitions are listed.
  signals     SIGINT / SIGTERM / SIGHUP mid-run over a committed folder: exit 130 / 143 / 129,
              folder unchanged, no stage-* left; SIGTERM inside the commit: finished (exit 0)
              or left to the next run, never a mix.
  concurrent  a second run while the first holds the lock: exit 2 naming the first's pid; the
              first completes normally.
  stalelock   a lock file left by a dead process (written by hand, and left by a SIGKILLed run)
              is taken over.
  planted     files planted in data/<Entity>/ named like partitions are never listed, left alone
              and reported ("not listed").
  plantedtarget  such a file at the very name the run publishes under: left alone, reported.
  legacy      a folder as the previous release wrote it (model.json without the fhir2cdm:commit
              annotation): its partitions on disk are the committed set once; later files are
              not adopted.
The byte-identity checks compare every entry of the folder, .fhir2cdm/ included, except the
content of .fhir2cdm/lock (it names the last writer's pid).  Folder verdicts come from
check_folder.py (independent of our C code).
Usage: test_hostile.py --transform BIN --config DIR --samples DIR --work DIR --case CASE
                      [--big-mb 40]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_folder as cf  # noqa: E402
import crashlib as cl  # noqa: E402

LOCK = os.path.join(cf.CONTROL, "lock")


def snap(folder):
    """Everything below folder (control folder included), the lock's content masked."""
    s = cf.tree_snapshot(folder, skip_control=False)
    if LOCK in s and s[LOCK][0] == "file":
        s[LOCK] = ("file", b"<lock content>")
    return s


def exists_snap(path):
    """Snapshot of a path that may be a file, a folder, a link or absent."""
    if os.path.islink(path):
        return {"": ("link", os.readlink(path))}
    if os.path.isdir(path):
        return snap(path)
    if os.path.isfile(path):
        st = os.stat(path)
        with open(path, "rb") as f:
            return {"": ("file", f.read(), st.st_mode, st.st_mtime_ns)}
    return {"": None}


class Ctx:
    def __init__(self, args):
        self.args = args
        self.F = cl.Failures()
        self.tx = cl.Transformer(args.transform, args.config)
        # Absolute: planted links must point at the victims wherever they are resolved from.
        self.work = cl.fresh_dir(os.path.abspath(os.path.join(args.work, "hostile-" + args.case)))
        self.inputs = cl.make_inputs(args.samples, self.work)
        self._refs = {}

    def ref(self, seq):
        """A clean folder after the runs seq = [(input, opid), ...] (cached)."""
        key = tuple(seq)
        if key not in self._refs:
            d = os.path.join(self.work, "ref-%d" % len(self._refs))
            cl.rmtree(d)
            for inp, op in seq:
                r = self.tx.run(inp, d, op)
                if r.rc != 0:
                    raise SystemExit("FAIL: clean reference run: " + r.describe())
            self._refs[key] = d
        return self._refs[key]

    def committed(self, name, seq=None):
        """A fresh copy of a folder with run A (opid a) committed."""
        d = os.path.join(self.work, name)
        cl.copy_folder(self.ref(seq or [(self.inputs["A"], "a")]), d)
        return d

    def big(self, mb):
        return cl.replicate_samples(self.args.samples, os.path.join(self.work, "rep-%dmb" % mb), mb)


# ---- cases ---------------------------------------------------------------------------------------

def case_diskfull(c):
    F, tx = c.F, c.tx
    if os.geteuid() != 0:
        cl.skip("diskfull needs root to mount a 2 MiB tmpfs (not root here)")
    mnt = cl.fresh_dir(os.path.join(c.work, "mnt"))
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if m.returncode != 0:
        cl.skip("cannot mount a tmpfs at %s: %s" % (mnt, m.stdout.decode(errors="replace")))
    try:
        big = c.big(6)
        # 1. A new folder on the full file system: exit 2 and nothing left (not even the folder).
        before = snap(mnt)
        out = os.path.join(mnt, "new")
        r = tx.run(big, out, "b")
        F.check(r.rc == 2, "diskfull, new folder: expected exit 2, got %s" % r.describe())
        F.check("space" in r.err.lower() or "enospc" in r.err.lower(),
                "diskfull, new folder: the message does not say the disk is full: %s" % r.err[-800:])
        d = cf.diff_snapshots(snap(mnt), before, "after", "before")
        F.check(not d, "diskfull, new folder: the file system changed: %s" % d)
        # 2. Over a committed run: exit 2, folder byte-identical, then a small run still works.
        out = os.path.join(mnt, "old")
        r = tx.run(c.inputs["A"], out, "a")
        if F.check(r.rc == 0, "diskfull: the small run A does not fit in 2 MiB? %s" % r.describe()):
            before = snap(out)
            for opid in ("b", "a"):     # a new operation id, and a rerun of the committed one
                r = tx.run(big, out, opid)
                F.check(r.rc == 2, "diskfull, over a committed run, opid %s: expected exit 2, "
                        "got %s" % (opid, r.describe()))
                d = cf.diff_snapshots(snap(out), before, "after", "before")
                F.check(not d, "diskfull, over a committed run, opid %s: the folder changed:\n    %s"
                        % (opid, "\n    ".join(d)))
            r = tx.run(c.inputs["B"], out, "c")
            F.check(r.rc == 0, "diskfull: a small run after the failed ones: %s" % r.describe())
            _, prob = cf.check_folder(out)
            F.check(not prob, "diskfull: folder after the small run: %s" % prob)
            F.check(not cf.control_leftovers(out), "diskfull: left in .fhir2cdm: %s"
                    % cf.control_leftovers(out))
            print("diskfull: exit 2 twice, folder byte-identical; later small run OK")
        # 3. A sweep over the space left (a filler file takes the rest), so that the disk fills
        #    at every stage of a small run: a partition, the record, the journal.  Every run must
        #    either succeed with the new state or exit 2 with the folder byte-identical.
        ref_a = c.ref([(c.inputs["A"], "a")])
        ref_ab = c.ref([(c.inputs["A"], "a"), (c.inputs["B"], "b")])
        new_state, _ = cf.check_folder(ref_ab)
        out = os.path.join(mnt, "sweep")
        cl.rmtree(os.path.join(mnt, "old"))
        cl.copy_folder(ref_a, out)
        filler = os.path.join(mnt, "filler")
        outcomes = {0: 0, 2: 0}
        for left in range(0, 320 * 1024, 8192):
            st = os.statvfs(mnt)
            size = st.f_bavail * st.f_frsize - left
            if size > 0:
                with open(filler, "wb") as f:
                    f.truncate(0)
                    f.write(b"\0" * size)
            before = snap(out)
            r = tx.run(c.inputs["B"], out, "b")
            tag = "diskfull sweep, %d KiB left" % (left // 1024)
            if r.rc == 2:
                outcomes[2] += 1
                d = cf.diff_snapshots(snap(out), before, "after", "before")
                F.check(not d, "%s: exit 2 but the folder changed:\n    %s"
                        % (tag, "\n    ".join(d)))
            elif r.rc == 0:
                outcomes[0] += 1
                which, prob = cf.check(out, None, new_state)
                F.check(which == "new" and not prob, "%s: exit 0 but %s" % (tag, prob))
                F.check(not cf.control_leftovers(out), "%s: left in .fhir2cdm: %s"
                        % (tag, cf.control_leftovers(out)))
            else:
                F.fail("%s: expected exit 0 or 2: %s" % (tag, r.describe()))
            cl.rmtree(filler)
            if r.rc != 2:
                cl.copy_folder(ref_a, out)
        F.check(outcomes[0] and outcomes[2], "diskfull sweep: the boundary was not crossed "
                "(exit 0: %d runs, exit 2: %d runs)" % (outcomes[0], outcomes[2]))
        print("diskfull sweep: %d runs exit 2 with the folder unchanged, %d runs exit 0"
              % (outcomes[2], outcomes[0]))
    finally:
        subprocess.run(["umount", mnt])


def case_symlinks(c):
    F, tx = c.F, c.tx
    plants = [".fhir2cdm", ".fhir2cdm@new", LOCK, os.path.join(cf.CONTROL, "journal"),
              "model.json", "data", "data/LocalPatient", "data/LocalPatient@new",
              "data/LocalPatient/partition-data-Patient-b.csv",
              "data/LocalPatient/partition-data-Patient-a.b.csv@same"]
    for plant in plants:
        rel, _, variant = plant.partition("@")
        tag = "symlink at %s%s" % (rel, " (" + variant + ")" if variant else "")
        base = cl.fresh_dir(os.path.join(c.work, "sym-" + plant.replace("/", "_")))
        out = os.path.join(base, "out")
        victim = os.path.join(base, "victim.txt")
        vdir = os.path.join(base, "victimdir")
        if variant == "new":
            os.makedirs(out)
        else:
            cl.copy_folder(c.ref([(c.inputs["A"], "a")]), out)
        target = os.path.join(out, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # The victim looks like what the run expects there, so following the link would work.
        if os.path.isdir(target):
            cl.copy_folder(target, vdir)
            cl.rmtree(target)
            link_to = vdir
        elif rel in (".fhir2cdm", "data", "data/LocalPatient"):
            os.makedirs(vdir)
            link_to = vdir
        else:
            os.makedirs(vdir)
            with open(victim, "wb") as f:
                if os.path.isfile(target):
                    with open(target, "rb") as g:
                        f.write(g.read())
                    os.unlink(target)
                else:
                    f.write(b"victim: must not change\n")
            os.utime(victim, (1600000000, 1600000000))
            link_to = victim
        os.symlink(link_to, target)
        before_out = snap(out)
        before_victims = (exists_snap(victim), exists_snap(vdir))
        opid = "a" if variant == "same" else "b"
        inp = c.inputs["A2"] if variant == "same" else c.inputs["B"]
        r = tx.run(inp, out, opid)
        F.check(r.rc == 2, "%s: expected exit 2 (refused), got %s" % (tag, r.describe()))
        name = os.path.basename(rel)
        F.check(name in r.err or rel in r.err,
                "%s: the message does not name the entry %s: %s" % (tag, rel, r.err[-800:]))
        after_victims = (exists_snap(victim), exists_snap(vdir))
        F.check(after_victims == before_victims,
                "%s: the victim outside the folder changed: %s" % (tag, cf.diff_snapshots(
                    after_victims[1], before_victims[1]) or (after_victims[0] != before_victims[0]
                                                             and "victim.txt")))
        d = cf.diff_snapshots(snap(out), before_out, "after", "before")
        F.check(not d, "%s: the folder changed: %s" % (tag, d))
        stray = sorted(set(os.listdir(base)) - {"out", "victim.txt", "victimdir"})
        F.check(not stray, "%s: new entries next to the folder: %s" % (tag, stray))
        print("%-60s exit %s: %s" % (tag, r.rc, (r.err.strip().splitlines() or [""])[-1][:150]))

    # Links left in the control folder where an interrupted run's files would be (a staging
    # folder, a link inside one, a journal temp file): removed as links, never followed.
    base = cl.fresh_dir(os.path.join(c.work, "sym-leftovers"))
    out = os.path.join(base, "out")
    cl.copy_folder(c.ref([(c.inputs["A"], "a")]), out)
    vdir = os.path.join(base, "victimdir")
    os.makedirs(os.path.join(vdir, "sub"))
    for rel in ("keep.txt", "sub/keep2.txt"):
        with open(os.path.join(vdir, rel), "w") as f:
            f.write("victim\n")
    ctl = os.path.join(out, cf.CONTROL)
    os.symlink(vdir, os.path.join(ctl, "stage-evil"))
    os.makedirs(os.path.join(ctl, "stage-real"))
    os.symlink(vdir, os.path.join(ctl, "stage-real", "data"))
    os.symlink(os.path.join(vdir, "keep.txt"), os.path.join(ctl, ".journal.tmp-evil"))
    before = snap(vdir)
    r = tx.run(c.inputs["B"], out, "b")
    F.check(r.rc in (0, 2), "links in the control folder: %s" % r.describe())
    d = cf.diff_snapshots(snap(vdir), before, "after", "before")
    F.check(not d, "links in the control folder: the victim folder changed: %s" % d)
    print("%-60s exit %s, victim unchanged: %s" % ("links as leftovers in .fhir2cdm", r.rc, not d))

    # The output path itself may be a link (the user's choice): followed, the run works.
    base = cl.fresh_dir(os.path.join(c.work, "sym-output"))
    real = os.path.abspath(os.path.join(base, "real"))
    os.makedirs(real)
    os.symlink(real, os.path.join(base, "out"))
    r = tx.run(c.inputs["A"], os.path.join(base, "out"), "a")
    F.check(r.rc == 0, "--output a symbolic link to a folder: %s" % r.describe())
    d = cf.compare_trees(real, c.ref([(c.inputs["A"], "a")]))
    F.check(not d, "--output a symbolic link: the folder differs from a clean run: %s" % d)
    print("%-60s exit %s" % ("--output is a symbolic link (allowed)", r.rc))


def case_collision(c):
    F, tx = c.F, c.tx
    x = cl.fresh_dir(os.path.join(c.work, "in-x"))
    y = cl.fresh_dir(os.path.join(c.work, "in-y"))
    with open(os.path.join(c.inputs["A"], "Patient.ndjson"), "rb") as f:
        data_a = f.read()
    with open(os.path.join(c.inputs["B"], "Patient.ndjson"), "rb") as f:
        data_b = f.read()
    with open(os.path.join(x, "Patient-2024.ndjson"), "wb") as f:
        f.write(data_a)
    with open(os.path.join(y, "Patient.ndjson"), "wb") as f:
        f.write(data_b)
    out = os.path.join(c.work, "out")
    cl.rmtree(out)
    r1 = tx.run(x, out, "jan")
    r2 = tx.run(y, out, "2024-jan")
    F.check(r1.rc == 0 and r2.rc == 0, "collision: runs failed: %s\n%s"
            % (r1.describe(), r2.describe()))
    locs = [l for l in cl.listed(out) if l.startswith("data/LocalPatient/")]
    F.check(len(locs) == 2 and len(set(locs)) == 2,
            "collision: expected two LocalPatient partitions listed, got %s" % locs)
    want = {"data/LocalPatient/partition-data-Patient%2D2024-jan.csv",
            "data/LocalPatient/partition-data-Patient-2024-jan.csv"}
    F.check(set(locs) == want, "collision: listed %s, expected %s (docs/cdm-folder.md names)"
            % (locs, sorted(want)))
    # Rows: exactly those of the two runs made separately.
    rx = c.ref([(x, "jan")])
    ry = c.ref([(y, "2024-jan")])
    st, prob = cf.check_folder(out, exact=True)
    F.check(not prob, "collision: %s" % prob)
    sx, _ = cf.check_folder(rx, exact=True)
    sy, _ = cf.check_folder(ry, exact=True)
    for e in sorted(st.entities):
        want_ms = cf.Multiset(exact=True)
        for s in (sx, sy):
            if e in s.entities:
                want_ms.merge(s.entities[e])
        F.check(st.entities[e] == want_ms, "collision: %s: %s" % (e, st.entities[e].describe_diff(
            want_ms)))
    F.check(not cf.unlisted_files(out, st), "collision: unlisted files: %s"
            % cf.unlisted_files(out, st))
    print("collision: listed %s" % locs)


def case_tmpname(c):
    F, tx = c.F, c.tx
    x = cl.fresh_dir(os.path.join(c.work, "in-x"))
    with open(os.path.join(c.inputs["A"], "Patient.ndjson"), "rb") as f:
        data = f.read()
    with open(os.path.join(x, "Patient.tmp-1.ndjson"), "wb") as f:
        f.write(data)
    out = os.path.join(c.work, "out")
    cl.rmtree(out)
    r = tx.run(x, out, "x")
    F.check(r.rc == 0, "tmpname: %s" % r.describe())
    locs = cl.listed(out)
    want = "data/LocalPatient/partition-data-Patient.tmp%2D1-x.csv"
    F.check(want in locs, "tmpname: %s not listed; listed: %s" % (want, locs))
    st, prob = cf.check_folder(out, exact=True)
    F.check(not prob, "tmpname: %s" % prob)
    files = cl.data_files(out)
    F.check(files and sorted(locs) == files,
            "tmpname: files on disk %s, listed %s" % (files, sorted(locs)))
    plain = c.ref([(os.path.join(c.inputs["A"], "Patient.ndjson"), "x")])
    sp, _ = cf.check_folder(plain, exact=True)
    which, msg = cf.compare_states(st, sp)
    F.check(which == "old", "tmpname: rows differ from a run of the same file named "
            "Patient.ndjson: %s" % msg)
    print("tmpname: %d partitions listed, e.g. %s" % (len(locs), locs[:1]))


def wait_for_stage(proc, out, timeout=30):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cl.stage_dirs(out):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.001)
    return False


def case_signals(c):
    F, tx = c.F, c.tx
    big = c.big(c.args.big_mb)
    t_clean = tx.run(big, os.path.join(c.work, "timing"), "t").seconds
    print("signals: a clean run of the input takes %.2f s" % t_clean)
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)):
        for frac in (0.0, 0.3):
            tag = "%s at %d%% of the run" % (sig.name, frac * 100)
            out = c.committed("sig-%s-%d" % (sig.name, frac * 100))
            before = snap(out)
            t0 = time.monotonic()
            argv, p = tx.start(big, out, "b")
            staged = wait_for_stage(p, out)
            time.sleep(frac * t_clean)
            alive = p.poll() is None
            if alive:
                p.send_signal(sig)
            r = cl.finish(argv, p, t0)
            if not F.check(alive and staged, "%s: the run was not running with a staging folder "
                           "when signalled (staging seen: %s): %s" % (tag, staged, r.describe())):
                continue
            F.check(r.rc == code, "%s: expected exit %d, got %s" % (tag, code, r.describe()))
            d = cf.diff_snapshots(snap(out), before, "after", "before")
            F.check(not d, "%s: the folder changed:\n    %s" % (tag, "\n    ".join(d)))
            F.check(not cl.stage_dirs(out), "%s: stage-* left: %s" % (tag, cl.stage_dirs(out)))
            print("%-28s exit %s after %.2f s" % (tag, r.rc, r.seconds))
    # A signal inside the commit (right after the journal appears): the commit is either finished
    # (exit 0) or left to the next run (exit 143); the folder is the old or the new state, never
    # a mix, and the next run ends clean.
    old_state, _ = cf.check_folder(c.ref([(c.inputs["A"], "a")]))
    new_state, _ = cf.check_folder(c.ref([(c.inputs["A"], "a"), (big, "b")]))
    for i in range(3):
        tag = "SIGTERM %d ms after the journal" % i
        out = c.committed("sig-commit-%d" % i)
        journal = os.path.join(out, cf.CONTROL, "journal")
        argv, p = tx.start(big, out, "b")
        while not os.path.exists(journal) and p.poll() is None:
            time.sleep(0.0002)
        time.sleep(i / 1000.0)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        r = cl.finish(argv, p)
        F.check(r.rc in (0, 143), "%s: %s" % (tag, r.describe()))
        which, prob = cf.check(out, old_state, new_state)
        F.check(not prob, "%s: %s" % (tag, prob))
        if r.rc == 0:
            F.check(which == "new" and not cf.control_leftovers(out), "%s: exit 0 but state %s, "
                    "leftovers %s" % (tag, which, cf.control_leftovers(out)))
        r2 = tx.run(big, out, "b")
        F.check(r2.rc == 0 and not cf.control_leftovers(out), "%s: the next run: %s"
                % (tag, r2.describe()))
        print("%-28s exit %s, state %s" % (tag, r.rc, which))


def case_concurrent(c):
    F, tx = c.F, c.tx
    big = c.big(c.args.big_mb)
    out = c.committed("conc")
    t0 = time.monotonic()
    argv, p = tx.start(big, out, "b")
    staged = wait_for_stage(p, out)
    lock_text = ""
    try:
        with open(os.path.join(out, LOCK)) as f:
            lock_text = f.read()
    except OSError as e:
        lock_text = "(cannot read: %s)" % e
    r2 = tx.run(c.inputs["B"], out, "c")
    alive = p.poll() is None
    r1 = cl.finish(argv, p, t0)
    F.check(staged and alive, "concurrent: the first run was not running while the second ran "
            "(staging seen %s, alive %s): %s" % (staged, alive, r1.describe()))
    F.check(r2.rc == 2, "concurrent: second run: expected exit 2, got %s" % r2.describe())
    F.check(str(p.pid) in r2.err, "concurrent: the second run's message does not name the "
            "holder's pid %d: %s" % (p.pid, r2.err[-600:]))
    F.check(lock_text.strip() == "pid %d" % p.pid, "concurrent: the lock file holds %r, expected "
            "'pid %d'" % (lock_text, p.pid))
    F.check(r1.rc == 0, "concurrent: the first run: %s" % r1.describe())
    d = cf.compare_trees(out, c.ref([(c.inputs["A"], "a"), (big, "b")]))
    F.check(not d, "concurrent: the folder differs from a clean A-then-big: %s" % d)
    print("concurrent: second run exit %s: %s" % (r2.rc, r2.err.strip()[-200:]))


def case_stalelock(c):
    F, tx = c.F, c.tx
    expect = c.ref([(c.inputs["A"], "a"), (c.inputs["B"], "b")])
    # 1. A lock file by hand naming a pid that does not run (no flock held).
    out = c.committed("stale1")
    os.makedirs(os.path.join(out, cf.CONTROL), exist_ok=True)
    with open(os.path.join(out, LOCK), "w") as f:
        f.write("pid 999999\n")
    r = tx.run(c.inputs["B"], out, "b")
    F.check(r.rc == 0, "stale lock by hand: %s" % r.describe())
    d = cf.compare_trees(out, expect)
    F.check(not d, "stale lock by hand: folder differs from clean A-then-B: %s" % d)
    # 2. Left by a run killed (SIGKILL) while holding it.
    out = c.committed("stale2")
    r = tx.run(c.inputs["B"], out, "b", fault="staged:1")
    F.check(cl.killed_by(r), "stale lock: the faulted run was not SIGKILLed: %s" % r.describe())
    held = ""
    try:
        with open(os.path.join(out, LOCK)) as f:
            held = f.read().strip()
    except OSError as e:
        held = str(e)
    F.check(held.startswith("pid "), "stale lock: the dead run's lock file holds %r" % held)
    r = tx.run(c.inputs["B"], out, "b")
    F.check(r.rc == 0, "stale lock left by a killed run: %s" % r.describe())
    d = cf.compare_trees(out, expect)
    F.check(not d, "stale lock left by a killed run: folder differs from clean A-then-B: %s" % d)
    print("stalelock: taken over twice (lock file of the dead run: %r)" % held)


def _header_and_row(out, entity, cell="planted"):
    with open(os.path.join(out, "model.json"), "rb") as f:
        doc = json.load(f)
    attrs = [a["name"] for e in doc["entities"] if e["name"] == entity for a in e["attributes"]]
    return cf.header_line(attrs) + (",".join([cell] * len(attrs)) + "\r\n").encode()


def case_planted(c):
    F, tx = c.F, c.tx
    out = c.committed("planted")
    names = ["partition-data-Patient-zz.csv", "partition-data-Evil-a.csv",
             "partition-data-Patient-b.b.csv"]
    content = _header_and_row(out, "LocalPatient")
    for n in names:
        with open(os.path.join(out, "data", "LocalPatient", n), "wb") as f:
            f.write(content)
    r = tx.run(c.inputs["B"], out, "b", quiet=False)
    F.check(r.rc == 0, "planted: %s" % r.describe())
    locs = cl.listed(out)
    for n in names:
        p = os.path.join(out, "data", "LocalPatient", n)
        F.check("data/LocalPatient/" + n not in locs, "planted: %s was adopted (listed)" % n)
        try:
            with open(p, "rb") as f:
                F.check(f.read() == content, "planted: %s was changed" % n)
        except OSError as e:
            F.fail("planted: %s was not left alone: %s" % (n, e))
        said = [ln for ln in r.text().splitlines() if n in ln]
        F.check(said and any("not listed" in ln for ln in said),
                "planted: %s not reported as 'not listed': %s" % (n, said or r.text()[-800:]))
    expect = c.ref([(c.inputs["A"], "a"), (c.inputs["B"], "b")])
    which, prob = cf.check(out, new=expect, exact=True)
    F.check(which == "new" and not prob, "planted: rows: %s" % prob)
    print("planted: %d files not adopted, reported" % len(names))


def case_plantedtarget(c):
    """A regular file nobody lists, planted at the very name the run will publish a partition
    under: it is not from a committed run, so it must be reported and left alone (the run may
    use the other slot or refuse), never silently replaced."""
    F, tx = c.F, c.tx
    out = c.committed("planted-target")
    name = "partition-data-Patient-b.csv"      # run B's slot-0 name for Patient.ndjson
    content = b"planted by someone else\r\n"
    p = os.path.join(out, "data", "LocalPatient", name)
    with open(p, "wb") as f:
        f.write(content)
    r = tx.run(c.inputs["B"], out, "b", quiet=False)
    F.check(r.rc in (0, 2), "planted target: %s" % r.describe())
    try:
        with open(p, "rb") as f:
            got = f.read()
    except OSError as e:
        got = str(e).encode()
    F.check(got == content, "planted target: the unlisted file %s was replaced (now starts %r)"
            % (name, got[:60]))
    said = [ln for ln in r.text().splitlines() if name in ln]
    F.check(said, "planted target: %s not reported: %s" % (name, r.text()[-600:]))
    _, prob = cf.check_folder(out)
    F.check(not prob, "planted target: %s" % prob)
    print("planted target: exit %s, file %s" % (r.rc, "kept" if got == content else "REPLACED"))


def case_legacy(c):
    F, tx = c.F, c.tx
    out = c.committed("legacy")
    mpath = os.path.join(out, "model.json")
    with open(mpath, "rb") as f:
        doc = json.load(f)
    F.check(any(a.get("name") == "fhir2cdm:commit" for a in doc.get("annotations", [])),
            "legacy: a run's model.json lacks the fhir2cdm:commit annotation: %s"
            % doc.get("annotations"))
    doc.pop("annotations", None)
    with open(mpath, "w") as f:
        json.dump(doc, f, indent="\t")
    # A partition on disk the previous release would have listed at its next run.
    extra = "data/LocalPatient/partition-data-Patient.000-old.csv"
    with open(os.path.join(out, extra), "wb") as f:
        f.write(_header_and_row(out, "LocalPatient", "legacy"))
    cl.rmtree(os.path.join(out, cf.CONTROL))
    r = tx.run(c.inputs["B"], out, "b", quiet=False)
    F.check(r.rc == 0, "legacy: %s" % r.describe())
    locs = cl.listed(out)
    F.check(extra in locs, "legacy: the previous release's partition on disk %s is not listed "
            "after migration: %s" % (extra, locs))
    _, prob = cf.check_folder(out)
    F.check(not prob, "legacy: %s" % prob)
    # Once migrated, new files are not adopted.
    later = "data/LocalPatient/partition-data-Patient.001-old.csv"
    with open(os.path.join(out, later), "wb") as f:
        f.write(_header_and_row(out, "LocalPatient", "later"))
    r = tx.run(c.inputs["B"], out, "c", quiet=False)
    F.check(r.rc == 0, "legacy, second run: %s" % r.describe())
    locs2 = cl.listed(out)
    F.check(later not in locs2, "legacy: a file planted after the migration was adopted")
    F.check(extra in locs2, "legacy: the migrated partition was dropped by the next run")
    print("legacy: migrated partition kept, later file not adopted")


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--big-mb", type=int, default=40,
                    help="size of the input that must still be running when signalled")
    args = ap.parse_args()
    if not os.access(args.transform, os.X_OK):
        print("FAIL: %s is not an executable file" % args.transform)
        return 1
    t0 = time.monotonic()
    c = Ctx(args)
    CASES[args.case](c)
    print("time: %.1f s" % (time.monotonic() - t0))
    return c.F.report("test_hostile %s: passed" % args.case)


if __name__ == "__main__":
    sys.exit(main())
