#!/usr/bin/env python3
"""test_merge_loaders.py (CTest merge.loaders): a merged CDM folder loaded by the loaders the
product ships (`fhir2cdm synapse-sql --dialect postgres|duckdb`, used as they are) holds one row
set per current resource -- what a `COUNT(*)` user of merge mode relies on.

History (make_rounds.py, fixed seed, 3 rounds over ../shared/data/synthea-10):
  F   fhir2cdm-transform --config samples/config --mode merge --input final/ --output F  (CSV)
  M   fhir2cdm-transform --config samples/config --mode merge --input t0/ --output M, then for
      each round K: --input round-K --deleted round-K-deleted --output M                 (CSV)
  MP  the same history as M with --format parquet (only when this build can read Parquet
      partitions back; otherwise a loud note and the Parquet part is skipped)

Before loading, an UNLISTED copy of a listed partition is planted in every entity folder of M
and MP (partition-data-zz-unlisted-by-merge-loaders.csv / .parquet): a loader that read the
folder instead of the partitions the record lists would count its rows.

Loads and assertions (per entity of F's model.json):
  postgres  `synapse-sql --model M --dialect postgres` run by psql (ON_ERROR_STOP) against a
            throw-away PostgreSQL server started in the temporary folder (test_sql.py's
            ensure_postgres / find_pg_bin: Debian's postgresql, apt-get installed when missing);
  duckdb    `synapse-sql --model M --dialect duckdb` run on DuckDB by tests/sql/run_duckdb.js;
  parquet   `synapse-sql --model MP --dialect duckdb` (reads model.manifest.cdm.json) the same.
  For each: the loaded objects are exactly F's entities; COUNT(*) == the rows of the entity in
  F (counted from the CSV partitions F's model.json lists); for every resource table (columns
  include ResourceId, not RowId) COUNT(*) == COUNT(DISTINCT "ResourceId") == the number of
  distinct current resources (resourceType + id) of its type in final/ (counted from the NDJSON
  here).  The DuckDB distinct counts come from views `SELECT DISTINCT "ResourceId"` appended
  after the (unchanged) generated script.  Every transformer run must exit 0.

--mode-for-selftest append builds M (and MP) in append mode (no --mode merge, no --deleted):
the test must then FAIL, reporting the duplicate counts (used to show it can fail).

Skips: exit 77 (loud banner) when ../shared/data/synthea-10 is absent; a part that cannot run is
skipped with a banner (PostgreSQL missing after the install sql.postgres attempts; node or the
pinned @duckdb/node-api missing: both DuckDB parts), and the test exits 77 only when no part ran.
Exit: 0 pass; 1 a check failed; 77 skipped.
Usage: test_merge_loaders.py --transform BIN --gen BIN --root DIR --shared DIR [--rounds N]
                             [--seed S] [--keep] [--mode-for-selftest merge|append]
Python 3 standard library only (plus test_sql.py's helpers, tests/pylib/f2ctest.py).
"""

import argparse
import glob
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pylib"))
sys.path.insert(0, os.path.join(HERE, os.pardir, "sql"))
import f2ctest  # noqa: E402  (tests/pylib/f2ctest.py)
import test_sql  # noqa: E402  (tests/sql/test_sql.py: ensure_postgres, csv_counts, duck_*)

MANIFEST = "model.manifest.cdm.json"
STRAY = "partition-data-zz-unlisted-by-merge-loaders"
CHECK_PREFIX = "f2c_distinct_"
NO_READ_BACK = "cannot be read back"


class Ctx:
    def __init__(self, a):
        self.a = a
        self.fails = f2ctest.Failures()
        self.times = []          # (what, seconds)
        self.ran, self.skipped = [], []

    def timed(self, what, t0):
        self.times.append((what, time.time() - t0))


# --- transformer runs ------------------------------------------------------------------------

def transform(c, what, inputs, out, fmt, merge, deleted=None):
    """One fhir2cdm-transform run; returns (exit status, output text)."""
    a = c.a
    cmd = [a.transform, "--config", os.path.join(a.root, "samples", "config"), "--input",
           inputs, "--output", out, "--format", fmt, "--quiet"]
    if merge:
        cmd += ["--mode", "merge"] + (["--deleted", deleted] if deleted else [])
    print("running (%s): %s" % (what, " ".join(cmd)), flush=True)
    t0 = time.time()
    p = test_sql.run(cmd)
    c.timed("transform: " + what, t0)
    text = p.stdout + p.stderr
    for line in text.splitlines()[:12]:
        print("  > " + line)
    return p.returncode, text


def history(c, gen, out, fmt, what):
    """t0 then every round into `out` (merge mode, or append for the self-test).  Returns None
    when done, "no-read-back" when the build cannot read `fmt` partitions back."""
    merge = c.a.mode_for_selftest == "merge"
    with open(os.path.join(gen, "manifest.json"), encoding="utf-8") as f:
        rounds = [r["round"] for r in json.load(f)["round"]]
    steps = [("t0", os.path.join(gen, "t0"), None)] + [
        ("round %d" % k, os.path.join(gen, "round-%d" % k),
         os.path.join(gen, "round-%d-deleted" % k)) for k in rounds]
    for label, inputs, deleted in steps:
        rc, text = transform(c, "%s: %s -> %s" % (what, label, os.path.basename(out)), inputs,
                             out, fmt, merge, deleted)
        if rc != 0 and NO_READ_BACK in text:
            return "no-read-back"
        if not c.fails.check(rc == 0, "%s: %s: fhir2cdm-transform exited %d (expected 0):\n%s"
                             % (what, label, rc, text[-3000:])):
            return "failed"
    return None


# --- what to expect --------------------------------------------------------------------------

def entity_types(root):
    """{entity: resource type} from samples/config."""
    out = {}
    for p in sorted(glob.glob(os.path.join(root, "samples", "config", "*.json"))):
        with open(p, encoding="utf-8") as f:
            t = json.load(f)
        out["Local" + t["name"]] = t["resourceType"]
    return out


def final_resources(final):
    """{resourceType: number of distinct ids} over final/*.ndjson."""
    ids = {}
    for p in sorted(glob.glob(os.path.join(final, "*.ndjson"))):
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    ids.setdefault(r["resourceType"], set()).add(r["id"])
    return {t: len(s) for t, s in ids.items()}


def expectations(c, F, final):
    """{entity: {"rows": n, "resources": n or None (not a resource table), "type": ...}}."""
    with open(os.path.join(F, "model.json"), encoding="utf-8") as f:
        model = json.load(f)
    types = entity_types(c.a.root)
    per_type = final_resources(final)
    want = {}
    for e in model["entities"]:
        cols = [x["name"] for x in e["attributes"]]
        rows, _ = test_sql.csv_counts(F, e)
        resource_table = "ResourceId" in cols and "RowId" not in cols
        t = types.get(e["name"])
        c.fails.check(t is not None, "F lists entity %s, which samples/config does not have"
                      % e["name"])
        want[e["name"]] = {"rows": rows, "type": t,
                           "resources": per_type.get(t, 0) if resource_table else None}
    c.fails.check(sum(w["rows"] for w in want.values()) > 0, "F has no rows at all")
    c.fails.check(any(w["resources"] for w in want.values()), "F has no non-empty resource "
                  "table: the distinct-resource check would be vacuous")
    return want


def listed(folder, fmt):
    """{entity: [listed locations]} from model.json (CSV) or the manifest (Parquet)."""
    if fmt == "csv":
        with open(os.path.join(folder, "model.json"), encoding="utf-8") as f:
            return {e["name"]: [p["location"] for p in e.get("partitions", [])]
                    for e in json.load(f)["entities"]}
    with open(os.path.join(folder, MANIFEST), encoding="utf-8") as f:
        return {e["entityName"]: [p["location"] for p in e.get("dataPartitions", [])]
                for e in json.load(f)["entities"]}


def plant_strays(c, folder, fmt, what):
    """Copies the first listed partition of every entity to an unlisted file beside it."""
    lst = listed(folder, fmt)
    c.fails.check(sorted(lst) == sorted(c.want), "%s lists entities %s, F lists %s"
                  % (what, sorted(lst), sorted(c.want)))
    planted = 0
    for name, locs in sorted(lst.items()):
        if not locs:
            continue
        src = os.path.join(folder, locs[0])
        dst = os.path.join(os.path.dirname(src), STRAY + "." + fmt)
        shutil.copyfile(src, dst)
        planted += 1
    extra = sorted(os.path.relpath(p, folder) for p in glob.glob(
        os.path.join(folder, "data", "*", "*")) if os.path.relpath(p, folder) not in
        {l for v in lst.values() for l in v})
    print("%s: planted %d unlisted partition copies; %d unlisted files under data/ in all"
          % (what, planted, len(extra)))
    c.fails.check(planted > 0, "%s: no partition to copy: the unlisted-file check would be "
                  "vacuous" % what)


# --- comparison ------------------------------------------------------------------------------

def compare(c, label, got):
    """got: {entity: (rows, distinct ResourceId or None)}.  Prints a table, records failures."""
    want = c.want
    ok = True
    if sorted(got) != sorted(want):
        ok = c.fails.check(False, "%s: loaded objects %s != F's entities %s"
                           % (label, sorted(got), sorted(want)))
    print("%s: per entity (F rows = rows of the entity in F; resources = distinct current "
          "resources of its type in final/):" % label)
    print("  %-44s %8s %8s %8s %9s  %s" % ("entity", "F rows", "COUNT(*)", "DISTINCT",
                                           "resources", "ok"))
    for name in sorted(set(got) & set(want)):
        w, (rows, distinct) = want[name], got[name]
        bad = []
        if rows != w["rows"]:
            bad.append("COUNT(*) %d != %d rows in F" % (rows, w["rows"]))
        if w["resources"] is not None:
            if distinct != rows:
                bad.append("COUNT(*) %d != COUNT(DISTINCT \"ResourceId\") %s (%s duplicate "
                           "rows)" % (rows, distinct, rows - distinct if distinct is not None
                                      else "?"))
            if distinct != w["resources"]:
                bad.append("COUNT(DISTINCT \"ResourceId\") %s != %d current %s resources in "
                           "final/" % (distinct, w["resources"], w["type"]))
        print("  %-44s %8d %8d %8s %9s  %s" % (
            name, w["rows"], rows, "-" if w["resources"] is None else distinct,
            "-" if w["resources"] is None else w["resources"], "NO" if bad else "yes"))
        for b in bad:
            ok = c.fails.check(False, "%s: %s: %s" % (label, name, b))
    c.fails.expect(ok, "%s: every entity's COUNT(*) equals F's rows, every resource table holds "
                   "one row per current resource (%d entities)" % (label, len(want)))


# --- PostgreSQL ------------------------------------------------------------------------------

def postgres_part(c, M):
    """psql -f <synapse-sql --dialect postgres> into a throw-away server, as sql.postgres
    starts one (test_sql.postgres: initdb as an unprivileged user when root, socket only)."""
    pg_bin = test_sql.ensure_postgres()
    if not pg_bin:
        f2ctest.banner("SKIP (part): PostgreSQL (pg_ctl) not found and could not be installed "
                       "(apt-get install postgresql): the postgres loader is NOT checked")
        c.skipped.append("postgres")
        return
    t0 = time.time()
    script = os.path.join(M, "load.sql")
    r = test_sql.run([c.a.gen, "synapse-sql", "--model", M, "--dialect", "postgres", "-o",
                      script])
    if not c.fails.check(r.returncode == 0, "synapse-sql --dialect postgres: exit %d: %s"
                         % (r.returncode, r.stderr)):
        return
    as_user = test_sql.pg_as_user()
    work = c.tmp  # short (mkdtemp in /tmp): socket paths are limited to 107 bytes
    data, sock, log = (os.path.join(work, d) for d in ("pgdata", "pgsock", "pg.log"))
    os.mkdir(sock)
    failed = test_sql.pg_start(pg_bin, as_user, work, data, sock, log)
    if not c.fails.check(not failed, failed or ""):
        return
    c.ran.append("postgres")
    try:
        psql_bin = os.path.join(pg_bin, "psql")
        psql = as_user + [psql_bin if os.path.exists(psql_bin) else "psql", "-X", "-h", sock,
                          "-U", "f2c", "-d", "postgres", "-v", "ON_ERROR_STOP=1"]
        r = test_sql.run(psql + ["-q", "-f", "load.sql"], cwd=M)
        if not c.fails.check(r.returncode == 0, "psql -f load.sql (exit %d):\n%s"
                             % (r.returncode, r.stderr[-4000:])):
            return
        tables = test_sql.run(psql + ["-A", "-t", "-c", "SELECT tablename FROM pg_tables WHERE "
                                      "schemaname = 'public' ORDER BY 1"])
        names = tables.stdout.split()
        sql = " UNION ALL ".join(
            "SELECT '%s', count(*), %s FROM \"%s\"" % (
                n, "count(DISTINCT \"ResourceId\")" if n in c.want and
                c.want[n]["resources"] is not None else "NULL::bigint", n) for n in names)
        q = test_sql.run(psql + ["-A", "-t", "-F", "\t", "-c", sql])
        if not c.fails.check(q.returncode == 0 and names, "counting queries failed: %s"
                             % q.stderr):
            return
        got = {}
        for line in q.stdout.splitlines():
            n, rows, distinct = line.split("\t")
            got[n] = (int(rows), int(distinct) if distinct else None)
        compare(c, "postgres (M, CSV, \\copy)", got)
    finally:
        test_sql.run(as_user + [os.path.join(pg_bin, "pg_ctl"), "-D", data, "-m", "fast", "-w",
                                "stop"])
        c.timed("postgres: synapse-sql, server, load, counts", t0)


# --- DuckDB ----------------------------------------------------------------------------------

def duck_available(c):
    if not shutil.which("node"):
        return "node is not on PATH"
    npm = os.path.abspath(os.path.join(c.a.root, "tools", "npm-parquet"))
    r = test_sql.run([os.path.join(c.a.root, "tests", "parquet", "install.sh"), npm])
    if r.returncode != 0:
        print(r.stdout + r.stderr, end="")
        return "the pinned @duckdb/node-api could not be installed (tests/parquet/install.sh)"
    c.npm = npm
    return None


def duck_part(c, folder, label):
    """synapse-sql --dialect duckdb of `folder`, then views SELECT DISTINCT "ResourceId" of
    every resource table appended, run by run_duckdb.js."""
    t0 = time.time()
    script = os.path.join(c.tmp, "load-%s.sql" % label.split()[0])
    err = test_sql.duck_script(c.a, folder, script)
    if not c.fails.check(err is None, "%s: %s" % (label, err)):
        return
    c.ran.append(label)
    with open(script, encoding="utf-8") as f:
        loader = f.read()
    checks = "".join('\nCREATE VIEW "%s%s" AS SELECT DISTINCT "ResourceId" FROM "%s";\n'
                     % (CHECK_PREFIX, n, n) for n in sorted(c.want)
                     if c.want[n]["resources"] is not None)
    full = script[:-len(".sql")] + "-with-counts.sql"
    with open(full, "w", encoding="utf-8") as f:
        f.write(loader + checks)
    out, err = test_sql.duck_run(c.a, c.npm, full)
    c.timed("%s: synapse-sql, DuckDB load, counts" % label, t0)
    if not c.fails.check(err is None, "%s: %s" % (label, err)):
        return
    got = {}
    for n, d in out.items():
        if n.startswith(CHECK_PREFIX):
            continue
        chk = out.get(CHECK_PREFIX + n)
        distinct = None
        if chk is not None:
            # rows of SELECT DISTINCT = distinct values with NULL; count("ResourceId") = without.
            distinct = chk["nonnull"]["ResourceId"]
            c.fails.check(chk["rows"] == distinct, "%s: %s has NULL ResourceId values"
                          % (label, n))
        got[n] = (d["rows"], distinct)
    compare(c, label, got)


# --- main ------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transform", required=True, help="fhir2cdm-transform")
    ap.add_argument("--gen", required=True, help="fhir2cdm (synapse-sql)")
    ap.add_argument("--root", required=True, help="the source tree")
    ap.add_argument("--shared", required=True, help="the shared reference folder (../shared)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20240301)
    ap.add_argument("--mode-for-selftest", choices=["merge", "append"], default="merge",
                    help="append: build M / MP in append mode; the test must then fail")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = ap.parse_args()
    started = time.time()
    c = Ctx(a)

    data = os.path.join(a.shared, "data", "synthea-10")
    if not os.path.isdir(data):
        f2ctest.skip("%s is absent: merge.loaders needs ../shared/data/synthea-10 (set "
                     "-DFHIR2CDM_SHARED_DIR=...); NOTHING was checked" % data)
    if not f2ctest.transformer_ok(a.transform):
        return 1
    if a.mode_for_selftest == "append":
        f2ctest.banner("SELF-TEST: M and MP are built in APPEND mode; this run must FAIL with "
                       "duplicate counts")

    c.tmp = tmp = tempfile.mkdtemp(prefix="f2c-ml-")
    gen = os.path.join(tmp, "rounds")
    cmd = [sys.executable, "-B", os.path.join(HERE, "make_rounds.py"), "--input", data,
           "--rounds", str(a.rounds), "--seed", str(a.seed), "--out", gen]
    print("running: " + " ".join(cmd), flush=True)
    t0 = time.time()
    p = test_sql.run(cmd)
    c.timed("make_rounds.py", t0)
    sys.stdout.write(p.stdout)
    f2ctest.require(p.returncode == 0, "make_rounds.py exited %d" % p.returncode, p.stdout,
                    p.stderr)

    # F: the final state in one merge run; M: the history merged round by round.
    F, M, MP = (os.path.join(tmp, d) for d in ("F", "M", "MP"))
    rc, text = transform(c, "F: final/ -> F, merge", os.path.join(gen, "final"), F, "csv", True)
    f2ctest.require(rc == 0, "F: fhir2cdm-transform exited %d" % rc, text)
    c.want = expectations(c, F, os.path.join(gen, "final"))
    history(c, gen, M, "csv", "M")

    m_ok = not c.fails.items
    if m_ok:
        plant_strays(c, M, "csv", "M")
        postgres_part(c, M)
    why_no_duck = duck_available(c)
    if why_no_duck:
        f2ctest.banner("SKIP (part): %s: the DuckDB loader (CSV and Parquet folders) is NOT "
                       "checked" % why_no_duck)
        c.skipped += ["duckdb (M, CSV)", "duckdb (MP, Parquet)"]
    elif m_ok:
        duck_part(c, M, "duckdb (M, CSV)")

    # MP: the same history in Parquet, when this build reads Parquet partitions back.
    if not why_no_duck:
        state = history(c, gen, MP, "parquet", "MP")
        if state == "no-read-back":
            f2ctest.banner("NOTE: THE PARQUET PART IS SKIPPED: this fhir2cdm-transform reports "
                           "that Parquet partitions cannot be read back, so --format parquet "
                           "--mode merge cannot rewrite them; the DuckDB load of a merged "
                           "Parquet folder is NOT checked")
            c.skipped.append("duckdb (MP, Parquet): no Parquet read-back in this build")
        elif state is None:
            plant_strays(c, MP, "parquet", "MP")
            duck_part(c, MP, "duckdb (MP, Parquet)")

    print("timings:")
    for what, s in c.times:
        print("  %7.1f s  %s" % (s, what))
    print("  %7.1f s  in all" % (time.time() - started))
    print("parts run: %s; skipped: %s" % (", ".join(c.ran) or "none",
                                          ", ".join(c.skipped) or "none"))
    if not c.fails.items and not c.ran:
        f2ctest.remove_tmp(tmp, a.keep)
        f2ctest.skip("no loader could run (%s)" % "; ".join(c.skipped))
    rc = c.fails.report("merge.loaders (%s): ok -- %s%s" % (
        a.mode_for_selftest, ", ".join(c.ran),
        "; SKIPPED (not checked): " + ", ".join(c.skipped) if c.skipped else ""))
    f2ctest.remove_tmp(tmp, a.keep or rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
