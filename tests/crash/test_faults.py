#!/usr/bin/env python3
"""test_faults: the named fault points of the commit protocol (issue 12, "How it is tested").

For every fault point (FHIR2CDM_FAULT=<point>[:<k>] makes fhir2cdm-transform SIGKILL itself
there, f2c_commit.h) and two scenarios:
  new-opid   the old state is run A (samples, --operation-id a); run B (other resources,
             --operation-id b) crashes;
  same-opid  the old state is run A; run A2 (changed input, the same --operation-id a) crashes;
  same-opid-back  the old state is A then A2 (the pair listed in slot 1); run A (the same
             --operation-id) crashes on its way back to slot 0;
  first-run  the old state is an empty folder; run A crashes (every data/<Entity> folder is
             new, so the commit publishes each by one rename of its staged folder);
  merge      every run with --mode merge and a deletion file: the old state is run A; run A2
             (changed Patients, the first resource of every file deleted) crashes: its commit
             holds rewritten partitions, new partitions, new resource indexes and removals of
             the replaced ones (docs/cdm-folder.md, "Merge mode");
the test checks:
  1. the run died by SIGKILL (the fault point was reached);
  2. check_folder.py (independent of our C code): model.json lists exactly existing, complete
     partitions with their entity's header, and the published rows are the OLD state's (fault
     before the record's rename: staged, journal, rename, before-record) or the NEW state's
     (after-record, cleanup) -- never a mix;
  3. the same run again without the fault exits 0 and reports the recovery ("note: ..." naming
     the journal / staging folder);
  4. the final folder equals a clean run's byte for byte (every file outside .fhir2cdm/), and
     .fhir2cdm/ holds no stage-* or journal.  The clean run to compare with: a crash before the
     journal is rolled back, so the result is clean A-then-B; from the journal on, the next run
     finishes the commit (roll forward) and then runs B again with the same operation id, which
     writes the other slot, so the result is clean A-then-B-then-B.
Chains "p1+p2": the run after the first crash crashes again at p2 (inside its recovery, which
counts renames afresh, or in its own staging), then the checks above apply.
Usage: test_faults.py --transform BIN --config DIR --samples DIR --work DIR [--scenario S]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_folder as cf  # noqa: E402
import crashlib as cl  # noqa: E402

OLD_POINTS = ("staged", "journal", "rename", "before-record")


def expected_state(chain):
    """The state after the crashes of chain "p1+p2+...": each later run first recovers (rolls
    the journaled commit forward, renames counted again), so once a crash point past the record
    was reached, or a recovery finished before the next crash (a staged point in a later run),
    it is the new state."""
    pts = [p.split(":")[0] for p in chain.split("+")]
    if any(p not in OLD_POINTS for p in pts):
        return "new"
    if any(p == "staged" for p in pts[1:]) and pts[0] != "staged":
        return "new"
    return "old"


def rolled_forward(chain):
    return any(p.split(":")[0] != "staged" for p in chain.split("+"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--scenario",
                    choices=("new-opid", "same-opid", "same-opid-back", "first-run", "merge",
                             "all"),
                    default="all")
    ap.add_argument("--only", help="run only this fault point (debugging)")
    args = ap.parse_args()

    if not os.access(args.transform, os.X_OK):
        print("FAIL: %s is not an executable file" % args.transform)
        return 1
    F = cl.Failures()
    tx = cl.Transformer(args.transform, args.config)
    work = cl.fresh_dir(os.path.join(args.work, "faults-" + args.scenario))
    inputs = cl.make_inputs(args.samples, work)
    scenarios = (("new-opid", "same-opid", "same-opid-back", "first-run", "merge")
                 if args.scenario == "all" else (args.scenario,))
    deleted = cl.deletion_file(args.samples, os.path.join(work, "deleted.ndjson"))
    tx_append = tx
    t_start = time.monotonic()

    for scen in scenarios:
        a = (inputs["A"], "a")
        tx = tx_append
        if scen == "merge":
            tx = cl.Transformer(args.transform, args.config,
                                extra=["--mode", "merge", "--deleted", deleted])
            old_seq, (b_in, b_op) = [a], (inputs["A2"], "b")
        elif scen == "new-opid":
            old_seq, (b_in, b_op) = [a], (inputs["B"], "b")
        elif scen == "same-opid":
            old_seq, (b_in, b_op) = [a], (inputs["A2"], "a")
        elif scen == "first-run":
            old_seq, (b_in, b_op) = [], a
        else:   # same-opid-back: the committed pair is in slot 1; the rerun goes back to slot 0
            old_seq, (b_in, b_op) = [a, (inputs["A2"], "a")], a
        # Clean references: old; old then B; old then B then B.
        refs = {}
        for label, seq in (("old", old_seq), ("new", old_seq + [(b_in, b_op)]),
                           ("new2", old_seq + [(b_in, b_op), (b_in, b_op)])):
            d = cl.fresh_dir(os.path.join(work, scen, "ref-" + label))
            if seq:
                os.rmdir(d)  # (no run at all: the old state is the empty folder itself)
            for inp, op in seq:
                r = tx.run(inp, d, op)
                if r.rc != 0:
                    F.fail("%s: clean reference run failed: %s" % (scen, r.describe()))
                    return F.report("")
            refs[label] = d
        ref_states = {}
        for label, d in refs.items():
            st, prob = cf.check_folder(d, exact=True)
            F.check(not prob, "%s: clean reference %s is not a good folder: %s" % (scen, d, prob))
            ref_states[label] = st
        which, msg = cf.compare_states(ref_states["new"], ref_states["old"])
        if not F.check(which is None, "%s: the B run does not change the rows; the test would "
                       "prove nothing (%s)" % (scen, msg)):
            continue
        # (A rerun whose partitions have the same bytes keeps the committed files, so new2 may
        # equal new; a changed one goes to the other slot.)
        print("== %s: a rerun of B %s" % (scen, "changes nothing" if not cf.compare_trees(
            refs["new"], refs["new2"]) else "changes the folder"))
        nstaged = len(set(cl.listed(refs["new"])) - set(cl.listed(refs["old"])))
        if scen == "same-opid":
            nstaged = len([l for l in cl.listed(refs["new"]) if l.endswith(".b.csv")])
        elif scen == "same-opid-back":
            nstaged = len(set(cl.listed(refs["new"])) - set(cl.listed(refs["old"])))
        if not F.check(nstaged >= 4, "%s: B stages only %d partitions" % (scen, nstaged)):
            continue
        mid = nstaged // 2
        points = ["staged:1", "staged:%d" % mid, "journal", "rename:1", "rename:%d" % mid,
                  "before-record", "after-record", "cleanup",
                  # crashes inside the recovery of an earlier crash
                  "rename:%d+rename:1" % mid, "before-record+after-record",
                  "after-record+cleanup", "journal+staged:1"]
        if args.only:
            points = [args.only]
        print("== %s: B stages %d partitions; fault points %s" % (scen, nstaged, points),
              flush=True)
        for point in points:
            tag = "%s %s" % (scen, point)
            d = os.path.join(work, scen, "f-" + point.replace(":", "-").replace("+", "_"))
            cl.copy_folder(refs["old"], d)
            chain = point.split("+")
            died = True
            for k, fault in enumerate(chain):
                r = tx.run(b_in, d, b_op, fault=fault)
                if not F.check(cl.killed_by(r), "%s: run %d: expected death by SIGKILL at the "
                               "fault point %s, got %s" % (tag, k + 1, fault, r.describe())):
                    died = False
                    break
                which, problems = cf.check(d, ref_states["old"], ref_states["new"], exact=True)
                for p in problems:
                    F.fail("%s: after crash %d: %s" % (tag, k + 1, p))
                want = expected_state("+".join(chain[:k + 1]))
                F.check(which == want or problems,
                        "%s: after crash %d the folder publishes the %s state, expected the %s "
                        "state" % (tag, k + 1, which, want))
            if not died:
                continue
            stages = cl.stage_dirs(d)
            if chain[-1].startswith("staged"):
                F.check(stages, "%s: no staging folder left by the crash (was the fault point "
                        "reached before staging?)" % tag)
            # Recovery + rerun.
            r2 = tx.run(b_in, d, b_op, quiet=False)
            if not F.check(r2.rc == 0, "%s: the run after the crash: %s" % (tag, r2.describe())):
                continue
            notes = cl.recovery_reported(r2)
            F.check(notes, "%s: the run after the crash did not report the recovery (no 'note:' "
                    "line naming the journal/staging folder): %s" % (tag, r2.describe()))
            expect_ref = refs["new2"] if rolled_forward(point) else refs["new"]
            other_ref = refs["new"] if rolled_forward(point) else refs["new2"]
            diffs = cf.compare_trees(d, expect_ref)
            if diffs:
                also = "" if cf.compare_trees(d, other_ref) else (
                    " (it equals %s instead: roll %s where roll %s was expected)"
                    % (other_ref, "back" if rolled_forward(point) else "forward",
                       "forward" if rolled_forward(point) else "back"))
                F.fail("%s: the final folder differs from the clean run %s%s: %s"
                       % (tag, expect_ref, also, "\n    ".join(diffs)))
            left = cf.control_leftovers(d)
            F.check(not left, "%s: left in .fhir2cdm/ after recovery: %s" % (tag, left))
            _, prob = cf.check_folder(d)
            F.check(not prob, "%s: final folder: %s" % (tag, prob))
            print("  %-26s crash -> %s state%s; recovery: %s" % (
                tag, which, "" if not problems else " (BAD)",
                notes[0].strip() if notes else "(not reported)"), flush=True)
    print("time: %.1f s" % (time.monotonic() - t_start))
    return F.report("test_faults: every fault point leaves the old or the new state and "
                    "recovers to a clean run's bytes")


if __name__ == "__main__":
    sys.exit(main())
