#!/usr/bin/env python3
"""check_folder: an independent checker of a CDM folder written by fhir2cdm (issue 12).

Why it exists: the crash tests must judge a folder left by a killed run without trusting the code
under test, so this is plain Python (json + csv modules) and reads the folder the way a consumer
would: model.json first, then exactly the files it lists.

What a folder must satisfy (check_folder):
  * model.json parses as JSON and has an "entities" array (a folder without model.json is the
    empty state: nothing published yet);
  * every listed "location" is relative, stays inside the folder, lies in data/<entity>/ of its
    own entity, is listed once, and is a regular file (lstat: a symbolic link is an error, also
    for every folder on the way);
  * every listed file is complete: it ends with CRLF, parses (csv module, strict) into records of
    exactly the entity's number of attributes, and its first line is exactly the entity's header
    (the attribute names, quoted only when they contain , " CR or LF, joined with commas, CRLF).
With reference folders (the OLD and the NEW state, each a folder or a precomputed State): the
multiset of data rows of every entity equals the OLD state's for all entities, or the NEW state's
for all entities -- never a mix (compare_states says which, or lists the differences).

Also: tree_snapshot / compare_trees (byte-for-byte comparison of two folders, the control folder
.fhir2cdm/ left out), control_leftovers (stage-*/journal left in .fhir2cdm/), unlisted_files
(files under data/ that model.json does not list).

Large folders: rows are counted per entity as a multiset fingerprint (count and two order-free
sums of 64-bit hashes) so a 100 MB folder needs no per-row memory; exact=True keeps a Counter of
the rows as well, so that a failure can show which rows differ.  Parsed files are cached by
(device, inode, size, mtime), so checking the same folder after every kill re-reads only files
that changed.

Command line:
  check_folder.py FOLDER [--old REF_FOLDER] [--new REF_FOLDER] [--exact]
prints what it found and exits 0 (folder good, and equal to OLD or NEW when given) or 1.
Python 3 standard library only.
"""

import argparse
import collections
import csv
import hashlib
import io
import json
import os
import stat
import sys

MASK = (1 << 64) - 1
CONTROL = ".fhir2cdm"


# ---- CSV helpers ------------------------------------------------------------------------------

def quote_field(name):
    """A field as RFC 4180 writes it when quoting only when needed (our writer's rule)."""
    if any(c in name for c in ',"\r\n'):
        return '"' + name.replace('"', '""') + '"'
    return name


def header_line(attributes):
    """The exact first line of a partition of an entity with these attribute names."""
    return (",".join(quote_field(a) for a in attributes) + "\r\n").encode("utf-8")


def _row_hashes(row):
    """Two independent 64-bit hashes of a record (stable: blake2b, not Python's hash)."""
    d = hashlib.blake2b("\x1f".join(row).encode("utf-8", "surrogateescape") + b"\x1e%d" % len(row),
                        digest_size=16).digest()
    return int.from_bytes(d[:8], "little"), int.from_bytes(d[8:], "little")


class Multiset:
    """The rows of an entity, order-free.  Equality compares count and fingerprints (and the
    exact Counters when both sides have them)."""

    def __init__(self, exact=False):
        self.count = 0
        self.s1 = 0
        self.s2 = 0
        self.rows = collections.Counter() if exact else None

    def add_row(self, row):
        h1, h2 = _row_hashes(row)
        self.count += 1
        self.s1 = (self.s1 + h1) & MASK
        self.s2 = (self.s2 + (h2 * h2 | 1)) & MASK
        if self.rows is not None:
            self.rows[tuple(row)] += 1

    def merge(self, other):
        self.count += other.count
        self.s1 = (self.s1 + other.s1) & MASK
        self.s2 = (self.s2 + other.s2) & MASK
        if self.rows is not None:
            if other.rows is None:
                self.rows = None
            else:
                self.rows.update(other.rows)

    def key(self):
        return (self.count, self.s1, self.s2)

    def __eq__(self, other):
        if self.key() != other.key():
            return False
        if self.rows is not None and other.rows is not None:
            return self.rows == other.rows
        return True

    def describe_diff(self, other, limit=3):
        """What differs between self (found) and other (expected), for messages."""
        s = "%d rows vs %d" % (self.count, other.count)
        if self.rows is not None and other.rows is not None:
            extra = list((self.rows - other.rows).items())[:limit]
            missing = list((other.rows - self.rows).items())[:limit]
            if extra:
                s += "; unexpected e.g. %s" % [(r[:3] + ("...",), n) for r, n in extra]
            if missing:
                s += "; missing e.g. %s" % [(r[:3] + ("...",), n) for r, n in missing]
        return s


_file_cache = {}


def read_partition(path, attributes, exact=False):
    """Parses one listed partition.  Returns (Multiset of its data rows, problems)."""
    problems = []
    st = os.lstat(path)
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, tuple(attributes), exact)
    if key in _file_cache:
        return _file_cache[key]
    with open(path, "rb") as f:
        raw = f.read()
    ms = Multiset(exact)
    want = header_line(attributes)
    if not raw.startswith(want):
        first = raw.split(b"\n", 1)[0][:200]
        problems.append("%s: first line is %r, expected the header %r" % (path, first, want[:200]))
    if not raw.endswith(b"\r\n"):
        problems.append("%s: incomplete: does not end with CRLF (%d bytes, ends %r)"
                        % (path, len(raw), raw[-40:]))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append("%s: not UTF-8: %s" % (path, e))
        text = raw.decode("utf-8", "surrogateescape")
    width = len(attributes)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        for i, row in enumerate(reader):
            if len(row) != width:
                problems.append("%s: record %d has %d fields, the entity has %d attributes: %r"
                                % (path, i + 1, len(row), width, row[:4]))
                if len(problems) > 20:
                    break
                continue
            if i > 0:
                ms.add_row(row)
    except csv.Error as e:
        problems.append("%s: CSV does not parse: %s" % (path, e))
    result = (ms, problems)
    _file_cache[key] = result
    if len(_file_cache) > 20000:
        _file_cache.clear()
    return result


# ---- the folder ---------------------------------------------------------------------------------

class State:
    """What a folder publishes: entity -> Multiset of rows, and the listed locations."""

    def __init__(self):
        self.entities = {}      # name -> Multiset
        self.attributes = {}    # name -> [attribute names]
        self.locations = []     # listed locations in document order
        self.has_model = False
        self.committed = None   # root annotation fhir2cdm:commit present?

    def rows(self, entity):
        return self.entities.get(entity)


def _is_safe_location(loc):
    if not isinstance(loc, str) or not loc or loc.startswith("/") or "\\" in loc:
        return False
    parts = loc.split("/")
    return all(p not in ("", ".", "..") for p in parts)


def _lstat_chain(root, rel):
    """lstat of every component of rel below root; returns a problem string or None."""
    cur = root
    parts = rel.split("/")
    for i, p in enumerate(parts):
        cur = os.path.join(cur, p)
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            return "does not exist"
        except OSError as e:
            return "cannot lstat %s: %s" % (cur, e)
        if stat.S_ISLNK(st.st_mode):
            return "%s is a symbolic link" % cur
        if i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
            return "%s is not a folder" % cur
        if i == len(parts) - 1 and not stat.S_ISREG(st.st_mode):
            return "is not a regular file (mode %o)" % st.st_mode
    return None


def check_folder(folder, exact=False):
    """Checks one folder.  Returns (State, problems: list of strings; empty = good)."""
    state = State()
    problems = []
    mpath = os.path.join(folder, "model.json")
    try:
        mst = os.lstat(mpath)
    except FileNotFoundError:
        return state, problems          # nothing published yet: the empty state
    if not stat.S_ISREG(mst.st_mode):
        return state, ["%s is not a regular file (mode %o)" % (mpath, mst.st_mode)]
    state.has_model = True
    try:
        with open(mpath, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return state, ["%s does not parse: %s" % (mpath, e)]
    if not isinstance(doc, dict) or not isinstance(doc.get("entities"), list):
        return state, ["%s: no \"entities\" array" % mpath]
    ann = doc.get("annotations")
    state.committed = isinstance(ann, list) and any(
        isinstance(a, dict) and a.get("name") == "fhir2cdm:commit" and a.get("value") == "1"
        for a in ann)
    seen = set()
    for ent in doc["entities"]:
        if not isinstance(ent, dict) or not isinstance(ent.get("name"), str):
            problems.append("%s: an entity without a name: %r" % (mpath, str(ent)[:100]))
            continue
        name = ent["name"]
        if name in state.entities:
            problems.append("%s: entity %s appears twice" % (mpath, name))
            continue
        attrs = [a.get("name") for a in ent.get("attributes", []) if isinstance(a, dict)]
        if not attrs or not all(isinstance(a, str) for a in attrs):
            problems.append("%s: entity %s has no usable attributes" % (mpath, name))
            continue
        state.attributes[name] = attrs
        ms = Multiset(exact)
        state.entities[name] = ms
        parts = ent.get("partitions", [])
        if not isinstance(parts, list):
            problems.append("%s: entity %s: partitions is not an array" % (mpath, name))
            continue
        for p in parts:
            loc = p.get("location") if isinstance(p, dict) else None
            if not _is_safe_location(loc):
                problems.append("%s: entity %s lists a bad location %r" % (mpath, name, loc))
                continue
            state.locations.append(loc)
            if loc in seen:
                problems.append("%s: %s is listed twice" % (mpath, loc))
                continue
            seen.add(loc)
            if not loc.startswith("data/%s/" % name) or loc.count("/") != 2:
                problems.append("%s: entity %s lists %s outside data/%s/" % (mpath, name, loc, name))
            pname = p.get("name")
            if pname is not None and loc.endswith(".csv") and pname != loc.rsplit("/", 1)[1][:-4]:
                problems.append("%s: partition name %r does not match location %s"
                                % (mpath, pname, loc))
            why = _lstat_chain(folder, loc)
            if why:
                problems.append("%s: listed partition %s %s" % (mpath, loc, why))
                continue
            fms, fprob = read_partition(os.path.join(folder, loc), attrs, exact)
            problems.extend(fprob)
            ms.merge(fms)
    return state, problems


def compare_states(found, old=None, new=None):
    """Which reference state `found` equals: returns ("old" | "new" | None, message).  With both
    references equal to each other "old" is returned.  Entities missing on one side count as
    empty."""
    def diff(ref):
        out = []
        for e in sorted(set(found.entities) | set(ref.entities)):
            a = found.entities.get(e) or Multiset()
            b = ref.entities.get(e) or Multiset()
            if not a == b:
                out.append("%s: %s" % (e, a.describe_diff(b)))
        return out
    msgs = []
    for label, ref in (("old", old), ("new", new)):
        if ref is None:
            continue
        d = diff(ref)
        if not d:
            return label, "rows of every entity equal the %s state's" % label
        msgs.append("differs from the %s state in %d entities: %s"
                    % (label, len(d), "; ".join(d[:6]) + (" ..." if len(d) > 6 else "")))
    return None, "; ".join(msgs)


def load_reference(folder_or_state, exact=False):
    if isinstance(folder_or_state, State):
        return folder_or_state
    st, prob = check_folder(folder_or_state, exact)
    if prob:
        raise ValueError("reference folder %s is itself bad: %s" % (folder_or_state, prob[:5]))
    return st


def check(folder, old=None, new=None, exact=False):
    """The full check: the folder is good and, when references are given, equals OLD or NEW.
    Returns (which: "old"/"new"/None, problems).  which is None when no reference matched (then
    problems says why) or when no references were given."""
    st, problems = check_folder(folder, exact)
    if old is None and new is None:
        return None, problems
    o = load_reference(old, exact) if old is not None else None
    n = load_reference(new, exact) if new is not None else None
    which, msg = compare_states(st, o, n)
    if which is None:
        problems.append("%s: the published rows are neither the old nor the new state (a mix?): %s"
                        % (folder, msg))
    return which, problems


# ---- byte-for-byte comparison ------------------------------------------------------------------

def tree_snapshot(folder, skip_control=True, ignore=()):
    """{relative path: ("dir",) | ("file", bytes) | ("link", target) | ("other", mode)} of
    everything below folder (the control folder left out when skip_control)."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        rel_dir = os.path.relpath(dirpath, folder)
        if skip_control and rel_dir == ".":
            if CONTROL in dirnames:
                dirnames.remove(CONTROL)
        for d in list(dirnames):
            rel = os.path.normpath(os.path.join(rel_dir, d))
            p = os.path.join(dirpath, d)
            if os.path.islink(p):
                snap[rel] = ("link", os.readlink(p))
                dirnames.remove(d)
            else:
                snap[rel] = ("dir",)
        for fn in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, fn))
            if rel in ignore:
                continue
            p = os.path.join(dirpath, fn)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                snap[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    snap[rel] = ("file", f.read())
            else:
                snap[rel] = ("other", st.st_mode)
    return snap


def diff_snapshots(a, b, label_a="actual", label_b="expected", limit=12):
    """Differences between two snapshots as messages (empty: identical)."""
    out = []
    for rel in sorted(set(a) | set(b)):
        x, y = a.get(rel), b.get(rel)
        if x == y:
            continue
        if x is None:
            out.append("%s only in %s" % (rel, label_b))
        elif y is None:
            out.append("%s only in %s" % (rel, label_a))
        elif x[0] != y[0]:
            out.append("%s is a %s in %s, a %s in %s" % (rel, x[0], label_a, y[0], label_b))
        elif x[0] == "file":
            i = 0
            n = min(len(x[1]), len(y[1]))
            while i < n and x[1][i] == y[1][i]:
                i += 1
            out.append("%s differs at byte %d (sizes %d vs %d): %r vs %r"
                       % (rel, i, len(x[1]), len(y[1]), x[1][max(0, i - 20):i + 40],
                          y[1][max(0, i - 20):i + 40]))
        else:
            out.append("%s differs: %r vs %r" % (rel, x, y))
        if len(out) >= limit:
            out.append("...")
            break
    return out


def compare_trees(actual, expected, skip_control=True):
    return diff_snapshots(tree_snapshot(actual, skip_control), tree_snapshot(expected, skip_control),
                          actual, expected)


def control_leftovers(folder):
    """Entries of the control folder that must not outlive a finished run: stage-* and journal
    (and anything that is not a regular file, the lock, or those)."""
    c = os.path.join(folder, CONTROL)
    try:
        names = os.listdir(c)
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        return ["%s is not a folder" % c]
    return [os.path.join(c, n) for n in sorted(names) if n != "lock"]


def unlisted_files(folder, state):
    """Files under data/ that model.json does not list (relative paths, sorted)."""
    listed = set(state.locations)
    out = []
    data = os.path.join(folder, "data")
    for dirpath, dirnames, filenames in os.walk(data):
        for fn in filenames:
            rel = os.path.relpath(os.path.join(dirpath, fn), folder)
            if rel not in listed:
                out.append(rel)
    return sorted(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--old", help="reference folder of the old state")
    ap.add_argument("--new", help="reference folder of the new state")
    ap.add_argument("--exact", action="store_true", help="keep every row (exact diffs)")
    args = ap.parse_args(argv)
    try:
        which, problems = check(args.folder, args.old, args.new, args.exact)
    except ValueError as e:
        print("FAIL: %s" % e)
        return 1
    st, _ = check_folder(args.folder)
    for p in problems:
        print("FAIL: %s" % p)
    unl = unlisted_files(args.folder, st)
    if unl:
        print("note: %d file(s) under data/ not listed in model.json: %s"
              % (len(unl), ", ".join(unl[:10])))
    if problems:
        return 1
    rows = sum(m.count for m in st.entities.values())
    print("OK: %s: %d entities, %d partitions, %d rows%s%s"
          % (args.folder, len(st.entities), len(st.locations), rows,
             "" if st.has_model else " (no model.json: empty state)",
             "; equals the %s state" % which if which else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
