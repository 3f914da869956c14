#!/usr/bin/env python3
"""fake_merge.py: a stand-in for `fhir2cdm-transform --mode merge`, to test the merge oracle
itself (test_merge_oracle.py) before the real merge mode exists.  Not a CTest; run by hand:

  FAKE_MERGE_REAL=build/transformer/fhir2cdm-transform \\
      tests/merge/test_merge_oracle.py --transform tests/merge/fake_merge.py \\
      --shared ../shared --format csv --config samples/config          # must pass
  FAKE_MERGE_BUG=first-wins ...       # must fail: equal lastUpdated, the first line wins
  FAKE_MERGE_BUG=last-wins ...        # must fail: the last line wins whatever its lastUpdated
  FAKE_MERGE_BUG=ignore-deleted ...   # must fail: deletions not applied
  FAKE_MERGE_BUG=delete-kept ...      # must fail: a resource in the input and deleted is removed

How: it keeps the current NDJSON state of the folder in OUTPUT/fake-merge-state/<Type>.000.ndjson
(one line per resource), applies the run's input and --deleted files to it with the merge rules,
rewrites the state files of the resource types the run touched, and has the real transformer
(append mode) re-run exactly those files with --operation-id merge: the commit protocol then
replaces those types' partitions (same stem and operation id) and leaves every other partition
alone.  Only the arguments the oracle passes are understood.
"""

import datetime
import glob
import json
import os
import subprocess
import sys

HELP = """fake_merge.py: --config DIR | --view PATH, --input PATH, --output DIR, --format F,
  --mode merge, --deleted PATH (repeatable)  (a stand-in for fhir2cdm-transform's merge mode)
"""


def ndjson_files(path):
    if os.path.isdir(path):
        return sorted(glob.glob(os.path.join(path, "*.ndjson")))
    return [path]


def when(res):
    lu = (res.get("meta") or {}).get("lastUpdated")
    return datetime.datetime.fromisoformat(lu.replace("Z", "+00:00")) if lu else None


def main(argv):
    if "--help" in argv or "-h" in argv:
        sys.stdout.write(HELP)
        return 0
    real = os.environ.get("FAKE_MERGE_REAL")
    bug = os.environ.get("FAKE_MERGE_BUG", "")
    if not real:
        print("fake_merge.py: set FAKE_MERGE_REAL to the real fhir2cdm-transform",
              file=sys.stderr)
        return 2
    passthru, inputs, deleted, out, mode = [], [], [], None, None
    i = 0
    while i < len(argv):
        opt = argv[i]
        val = argv[i + 1] if i + 1 < len(argv) else None
        if opt in ("--config", "--view", "--format"):
            passthru += [opt, val]
        elif opt == "--input":
            inputs.append(val)
        elif opt == "--deleted":
            deleted.append(val)
        elif opt == "--output":
            out = val
        elif opt == "--mode":
            mode = val
        else:
            print("fake_merge.py: unexpected argument %s" % opt, file=sys.stderr)
            return 2
        i += 2
    if mode != "merge" or out is None or not inputs:
        print("fake_merge.py: needs --mode merge, --input and --output", file=sys.stderr)
        return 2
    state_dir = os.path.join(out, "fake-merge-state")
    os.makedirs(state_dir, exist_ok=True)
    state = {}
    for p in sorted(glob.glob(os.path.join(state_dir, "*.ndjson"))):
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    state["%s/%s" % (r["resourceType"], r["id"])] = line.rstrip("\n")
    winners, dups = {}, 0
    for path in inputs:
        for p in ndjson_files(path):
            with open(p, encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    r = json.loads(line)
                    k = "%s/%s" % (r["resourceType"], r["id"])
                    t = when(r)
                    prev = winners.get(k)
                    dups += prev is not None
                    if bug == "first-wins":
                        take = prev is None
                    elif bug == "last-wins":
                        take = True
                    else:
                        take = prev is None or (t >= prev[0] if t and prev[0] else
                                                prev[0] is None)
                    if take:
                        winners[k] = (t, line.rstrip("\n"))
    urls = []
    for path in deleted:
        for p in ndjson_files(path):
            with open(p, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        urls += [e["request"]["url"] for e in json.loads(line).get("entry", [])]
    touched = {k.split("/")[0] for k in winners}
    applied = absent = kept = 0
    if bug != "ignore-deleted":
        for u in urls:
            if u in winners and bug != "delete-kept":
                kept += 1
            elif u in state:
                del state[u]
                applied += 1
                touched.add(u.split("/")[0])
            else:
                absent += 1
    for k, (_, line) in winners.items():
        state[k] = line
    if bug == "delete-kept":
        for u in urls:
            if u in state and u in winners:
                del state[u]
    files = []
    for t in sorted(touched):
        p = os.path.join(state_dir, "%s.000.ndjson" % t)
        with open(p, "w", encoding="utf-8") as f:
            for k, line in state.items():
                if k.split("/")[0] == t:
                    f.write(line + "\n")
        files.append(p)
    print("fake merge: %d resources in the input (%d duplicate lines), %d deletion entries: %d "
          "applied, %d absent, %d kept; types rewritten: %s"
          % (len(winners), dups, len(urls), applied, absent, kept, ", ".join(sorted(touched))),
          file=sys.stderr)
    if not files:
        return 0
    cmd = [real] + passthru + ["--input"] + files + ["--output", out, "--operation-id", "merge"]
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
