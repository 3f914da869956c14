#!/usr/bin/env python3
"""test_kill9: kill -9 at random instants of a big run (issue 12: "at least 50 kill -9 at random
instants of a ~100 MB run (randomised but seeded, seed printed), same invariant").

The old state is run A (samples/ndjson, --operation-id a).  The big input is
bench/gen_data.py's replication of ../shared/data/synthea-10 (--mb, generated once into --work).
Then, over one folder, again and again: start the big run (--operation-id k9), wait a random
delay (a third in [0, 1.1 T], a third in [0.75 T, T] where T is the run's wall time, estimated
from a clean run and the runs that finished before their kill; a third in [0, 4 ms] after the
journal appears, i.e. inside the commit), SIGKILL it (only kills of a live process count),
and check the folder with check_folder.py: good partitions, rows equal to the old state (A) or
the new state (A + big) -- never a mix.  Each run starts by recovering from the previous kill, so
kills also land inside a recovery.  Once the big run is committed (and no journal is left
to finish) the folder is reset to the old state, so that every kill can catch the old -> new
transition (rerunning the same rows would hide a mix).  Finally a run without kill must exit 0 and the folder must
equal a clean A-then-big folder byte for byte (or clean A-then-big-then-big: a rerun with the
same operation id alternates the partition slot, so the parity of the committed runs decides),
with no stage-*/journal left in .fhir2cdm/.

Seed: --seed, else env FHIR2CDM_CRASH_SEED, else time-based; always printed.
Usage: test_kill9.py --transform BIN --config DIR --samples DIR --shared DIR --gen PY --work DIR
                     [--mb 100] [--kills 50]
Exit 77 (skipped, loudly) when the shared folder is absent.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_folder as cf  # noqa: E402
import crashlib as cl  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--gen", required=True, help="bench/gen_data.py")
    ap.add_argument("--work", required=True)
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int)
    args = ap.parse_args()

    src = os.path.join(args.shared, "data", "synthea-10")
    if not os.path.isdir(src):
        cl.skip("%s is absent: test_kill9 needs ../shared/data/synthea-10 to generate its %d MB "
                "input (set -DFHIR2CDM_SHARED_DIR=...)" % (src, args.mb))
    if not os.access(args.transform, os.X_OK):
        print("FAIL: %s is not an executable file" % args.transform)
        return 1
    seed = args.seed
    if seed is None and os.environ.get("FHIR2CDM_CRASH_SEED"):
        seed = int(os.environ["FHIR2CDM_CRASH_SEED"])
    if seed is None:
        seed = int(time.time() * 1000) % 1000000007
    print("seed: %d (rerun with FHIR2CDM_CRASH_SEED=%d)" % (seed, seed), flush=True)
    rng = random.Random(seed)
    F = cl.Failures()
    t_start = time.monotonic()

    big = os.path.join(args.work, "bench-%dmb" % args.mb)
    g = subprocess.run([sys.executable, args.gen, "--mb", str(args.mb), "--src", src, "--out", big])
    if g.returncode != 0:
        F.fail("gen_data.py failed (exit %d)" % g.returncode)
        return F.report("")
    tx = cl.Transformer(args.transform, args.config)
    work = cl.fresh_dir(os.path.join(args.work, "kill9"))
    inputs = cl.make_inputs(args.samples, work)
    a_in = inputs["A"]

    refs = {}
    t_clean = None
    for label, seq in (("old", [(a_in, "a")]), ("new", [(a_in, "a"), (big, "k9")]),
                       ("new2", [(a_in, "a"), (big, "k9"), (big, "k9")])):
        d = os.path.join(work, "ref-" + label)
        for i, (inp, op) in enumerate(seq):
            r = tx.run(inp, d, op)
            if r.rc != 0:
                F.fail("clean reference run failed: %s" % r.describe())
                return F.report("")
            if i == 1:      # a run of the big input over the old state, as the runs killed below
                t_clean = r.seconds if t_clean is None else min(t_clean, r.seconds)
        refs[label] = d
    old_state, p1 = cf.check_folder(refs["old"])
    new_state, p2 = cf.check_folder(refs["new"])
    if not F.check(not p1 and not p2, "clean references are not good folders: %s" % (p1 + p2)):
        return F.report("")
    print("clean big run: %.2f s; new state: %d rows" % (
        t_clean, sum(m.count for m in new_state.entities.values())), flush=True)

    d = os.path.join(work, "victim")
    cl.copy_folder(refs["old"], d)
    kills = finished = attempts = resets = 0
    seen = {"old": 0, "new": 0}
    t_est = t_clean
    journal = os.path.join(d, cf.CONTROL, "journal")
    modes = {"any": 0, "end": 0, "commit": 0}
    while kills < args.kills and attempts < args.kills * 4:
        attempts += 1
        # A third of the instants anywhere in the run, a third near its end, a third inside the
        # commit (a few ms after the journal appears: the commit is short, uniform instants would
        # rarely land in it).  t_est follows the durations of runs that finished (the machine is
        # shared: run times drift).
        mode = rng.choice(("any", "end", "commit"))
        if mode == "any":
            delay = rng.uniform(0, 1.1 * t_est)
        elif mode == "end":
            delay = rng.uniform(0.75 * t_est, 1.0 * t_est)
        else:
            delay = rng.uniform(0, 0.004)
        t0 = time.monotonic()
        argv, p = tx.start(big, d, "k9")
        if mode == "commit":
            while not os.path.exists(journal) and p.poll() is None \
                    and time.monotonic() - t0 < 10 * t_est:
                time.sleep(0.0003)
            t0 = time.monotonic()
        while time.monotonic() - t0 < delay and p.poll() is None:
            time.sleep(min(0.005, max(0.0, delay - (time.monotonic() - t0))))
        alive = p.poll() is None
        if alive:
            p.send_signal(signal.SIGKILL)
        r = cl.finish(argv, p, t0)
        if alive and r.rc == -signal.SIGKILL:
            kills += 1
            modes[mode] += 1
        elif r.rc == 0:
            finished += 1
            t_est = 0.6 * t_est + 0.4 * r.seconds
        else:
            F.fail("kill %d (delay %.3f s): the run ended with %s" % (kills, delay, r.describe()))
        which, problems = cf.check(d, old_state, new_state)
        if which:
            seen[which] += 1
        if problems:
            F.fail("after kill %d (attempt %d, delay %.3f s, seed %d): %s"
                   % (kills, attempts, delay, seed, "\n    ".join(problems[:10])))
            break
        # Once the big run is committed, further runs republish the same rows, so a mix would be
        # invisible: go back to the old state (unless a journaled commit is still to be finished
        # there, which the next run must do first).
        if which == "new" and not os.path.exists(journal):
            cl.copy_folder(refs["old"], d)
            resets += 1
    print("%d kills, %d runs finished before their kill, %d attempts; states seen after a kill "
          "or run: old %d, new %d; folder reset to the old state %d times"
          % (kills, finished, attempts, seen["old"], seen["new"], resets), flush=True)
    print("kills anywhere %(any)d, near the end %(end)d, in the commit %(commit)d" % modes)
    F.check(kills >= args.kills, "only %d kills of a live process in %d attempts (wanted %d)"
            % (kills, attempts, args.kills))

    r = tx.run(big, d, "k9", quiet=False)
    if F.check(r.rc == 0, "the final recovery run: %s" % r.describe()):
        d1 = cf.compare_trees(d, refs["new"])
        d2 = cf.compare_trees(d, refs["new2"])
        if d1 and d2:
            F.fail("the final folder equals neither clean run (A, big) nor (A, big, big):\n"
                   "  vs %s:\n    %s\n  vs %s:\n    %s" % (refs["new"], "\n    ".join(d1),
                                                         refs["new2"], "\n    ".join(d2)))
        else:
            print("final folder equals the clean run %s byte for byte"
                  % (refs["new"] if not d1 else refs["new2"]))
        left = cf.control_leftovers(d)
        F.check(not left, "left in .fhir2cdm/ after the final run: %s" % left)
    print("time: %.1f s" % (time.monotonic() - t_start))
    return F.report("test_kill9: %d kills (seed %d), every state old or new, recovery equals a "
                    "clean run" % (kills, seed))


if __name__ == "__main__":
    sys.exit(main())
