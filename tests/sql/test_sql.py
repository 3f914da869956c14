#!/usr/bin/env python3
"""Tests of `fhir2cdm synapse-sql` (issue 7).

golden:   the scripts for the serverless pool, the dedicated pool and PostgreSQL, generated from a
          CDM folder that fhir2cdm-transform writes at test time from samples/ndjson with
          samples/config, equal the files in tests/sql/golden (--update rewrites them); plus the
          usage errors (exit 2, nothing written) for bad names, locations and URLs.
postgres: the PostgreSQL script run by psql against a real server (Debian's postgresql; installed
          with apt-get when missing, exit 77 when that is impossible): every table's row count
          equals its CSV row count, every column holds as many non-NULL values as the CSV has
          non-empty cells (so every dateTime, decimal, boolean and integer cell parsed), and every
          unroll row joins its parent on ResourceId (and ParentPath = FhirPath for nested ones).
          Uses ${FHIR2CDM_SHARED_DIR}/data/synthea-10, or loudly samples/ndjson when absent.
parse:    the same three scripts parsed statement by statement by node-sql-parser (pinned in
          npm/, installed by install.sh into tools/npm-sqlparser) through parse_sql.js, which
          lists every statement it parses only in part or skips, and why; a parse error fails,
          and a deliberately broken statement per dialect must be rejected.  Exit 77 when
          node/npm are missing or the install fails.
"""
import argparse
import csv
import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
STORAGE = "https://fhiracct.dfs.core.windows.net/cdm/exports/run1"


def run(cmd, **kw):
    return subprocess.run(cmd, check=False, text=True, capture_output=True, **kw)


def transform(tool, root, ndjson, out):
    # A fixed operation id keeps partition file names (listed by the postgres script) stable.
    r = run([tool, "-c", os.path.join(root, "samples", "config"), "-i", ndjson, "-o", out,
             "--operation-id", "sqltest"])
    if r.returncode != 0:
        sys.exit(f"fhir2cdm-transform failed ({r.returncode}):\n{r.stderr}")


def scripts(gen, cdm):
    """name -> (argv tail) of every golden script."""
    return {
        "serverless.sql": ["--pool", "serverless", "--storage-url", STORAGE, "--database", "fhir",
                           "--schema", "cdm"],
        "dedicated.sql": ["--pool", "dedicated", "--storage-url", STORAGE + "/", "--schema",
                          "cdm"],
        "postgres.sql": ["--dialect", "postgres"],
    }


def check_errors(gen, cdm, work):
    failures = []
    model = json.load(open(os.path.join(cdm, "model.json")))

    def expect2(label, argv, bad_model=None):
        out = os.path.join(work, "err.sql")
        if os.path.exists(out):
            os.remove(out)
        m = cdm
        if bad_model is not None:
            m = os.path.join(work, "bad-model.json")
            json.dump(bad_model, open(m, "w"))
        r = run([gen, "synapse-sql", "--model", m, "-o", out] + argv)
        if r.returncode != 2 or os.path.exists(out) or not r.stderr:
            failures.append(f"{label}: want exit 2, message, no output; got {r.returncode}")

    pg = ["--dialect", "postgres"]
    sv = ["--pool", "serverless", "--storage-url", STORAGE]
    for bad in ["Local]Patient", "1Patient", "Local Patient", 'Lo"cal', "A" * 64]:
        m = json.loads(json.dumps(model))
        m["entities"][0]["name"] = bad
        expect2(f"entity name {bad!r}", pg, m)
    m = json.loads(json.dumps(model))
    m["entities"][0]["attributes"][1]["name"] = "x];DROP TABLE y;--"
    expect2("column name", sv, m)
    m = json.loads(json.dumps(model))
    m["entities"][0]["attributes"][1]["name"] = m["entities"][0]["attributes"][0]["name"].lower()
    expect2("duplicate column", sv, m)
    # The loaders' column rule (f2c_table_column_name_check) for every dialect: at most 128
    # characters, a leading letter, and unique ignoring case within the first 63 characters
    # (what PostgreSQL keeps), so PostgreSQL's silent truncation can never merge two columns.
    for bad in ["C" * 129, "_x", "a,b", "a\nb"]:
        m = json.loads(json.dumps(model))
        m["entities"][0]["attributes"][1]["name"] = bad
        expect2(f"column name {bad!r} (serverless)", sv, m)
    m = json.loads(json.dumps(model))
    m["entities"][0]["attributes"][1]["name"] = "C" * 63 + "one"
    m["entities"][0]["attributes"][2]["name"] = "c" * 63 + "two"
    expect2("columns equal in their first 63 characters (serverless)", sv, m)
    m = json.loads(json.dumps(model))
    m["entities"][0]["attributes"][1]["dataType"] = "guid"
    expect2("unknown dataType", pg, m)
    m = json.loads(json.dumps(model))
    m["entities"][1]["partitions"][0]["location"] = "../etc/x.csv"
    expect2("location outside the folder", pg, m)
    m = json.loads(json.dumps(model))
    m["entities"][1]["partitions"][0]["location"] = "data/a'b.csv"
    expect2("quote in location", pg, m)
    expect2("no pool", ["--storage-url", STORAGE])
    expect2("blob url", ["--pool", "dedicated", "--storage-url",
                         "https://a.blob.core.windows.net/c"])
    expect2("quote in url", ["--pool", "dedicated", "--storage-url",
                             "https://a.dfs.core.windows.net/c'x"])
    expect2("no filesystem", ["--pool", "dedicated", "--storage-url",
                              "https://a.dfs.core.windows.net/"])
    expect2("bad schema", sv + ["--schema", "a.b"])
    expect2("bad database", sv + ["--database", "a]b"])
    expect2("postgres with pool", pg + ["--pool", "serverless"])
    expect2("unknown option", pg + ["--frobnicate", "1"])
    return failures


def parquet_scripts():
    """name -> argv tail of the golden scripts of a Parquet folder and of --dialect duckdb (run
    on a CSV and a Parquet folder; --data-root fixed so the paths do not depend on the test's
    temporary folder)."""
    csv_ = {"duckdb.sql": ["--dialect", "duckdb", "--data-root", "."]}
    pq = {"serverless-parquet.sql": ["--pool", "serverless", "--storage-url", STORAGE,
                                     "--database", "fhir", "--schema", "cdm"],
          "dedicated-parquet.sql": ["--pool", "dedicated", "--storage-url", STORAGE + "/",
                                    "--schema", "cdm"],
          "duckdb-parquet.sql": ["--dialect", "duckdb", "--data-root", "/data/cdm/",
                                 "--create", "table", "--schema", "cdm"]}
    return csv_, pq


def golden_one(a, work, name, model, record, argv):
    """Generates script `name` from folder `model`; the same from its record file (model.json or
    the manifest) and on stdout; compares with (or, --update, rewrites) the golden file."""
    failures = []
    out = os.path.join(work, name)
    r = run([a.gen, "synapse-sql", "--model", model, "-o", out] + argv)
    if r.returncode != 0:
        return [f"{name}: exit {r.returncode}: {r.stderr}"]
    got = open(out).read()
    # --model also accepts the record file itself, and stdout without -o.
    r2 = run([a.gen, "synapse-sql", "--model", os.path.join(model, record)] + argv)
    if r2.returncode != 0 or r2.stdout != got:
        failures.append(f"{name}: {record} path / stdout output differs")
    want_path = os.path.join(a.golden, name)
    if a.update:
        open(want_path, "w").write(got)
        print(f"updated {want_path}")
    elif not os.path.exists(want_path) or open(want_path).read() != got:
        diff = run(["diff", "-u", want_path, out]).stdout
        failures.append(f"{name}: differs from golden\n{diff[:4000]}")
    return failures


def check_parquet_errors(gen, cdm, pq, work):
    """Usage errors of --dialect duckdb and of Parquet folders: exit 2, a message, no output."""
    failures = []
    out = os.path.join(work, "err.sql")
    duck = ["--dialect", "duckdb"]
    cases = [("duckdb with --pool", cdm, duck + ["--pool", "serverless"]),
             ("--create bogus", cdm, duck + ["--create", "bogus"]),
             ("--data-root with a glob", cdm, duck + ["--data-root", "/data/*"]),
             ("--data-root with a control character", cdm, duck + ["--data-root", "/a\nb"]),
             ("--data-root without duckdb", cdm, ["--dialect", "postgres", "--data-root", "."]),
             ("--create without duckdb", cdm, ["--pool", "serverless", "--storage-url", STORAGE,
                                               "--create", "view"]),
             ("postgres on a Parquet folder", pq, ["--dialect", "postgres"])]
    model = json.load(open(os.path.join(cdm, "model.json")))
    m = json.loads(json.dumps(model))
    m["entities"][0]["partitions"][0]["location"] = "data/LocalX/part-*.csv"
    bad = os.path.join(work, "bad-glob-model.json")
    json.dump(m, open(bad, "w"))
    cases.append(("glob in a location (duckdb)", bad, duck))
    for label, model_arg, argv in cases:
        if os.path.exists(out):
            os.remove(out)
        r = run([gen, "synapse-sql", "--model", model_arg, "-o", out] + argv)
        if r.returncode != 2 or os.path.exists(out) or not r.stderr:
            failures.append(f"{label}: want exit 2, message, no output; got {r.returncode}")
    return failures


def golden(a):
    work = tempfile.mkdtemp(prefix="f2c-sql-")
    try:
        cdm = os.path.join(work, "cdm")
        transform(a.transform, a.root, os.path.join(a.root, "samples", "ndjson"), cdm)
        pq = os.path.join(work, "cdm-parquet")
        r = run([a.transform, "-c", os.path.join(a.root, "samples", "config"), "-i",
                 os.path.join(a.root, "samples", "ndjson"), "-o", pq, "--operation-id", "sqltest",
                 "--format", "parquet", "--quiet"])
        if r.returncode != 0:
            print(f"FAIL fhir2cdm-transform --format parquet ({r.returncode}):\n{r.stderr}")
            return 1
        failures = []
        for name, argv in scripts(a.gen, cdm).items():
            failures += golden_one(a, work, name, cdm, "model.json", argv)
        csv_, pq_ = parquet_scripts()
        for name, argv in csv_.items():
            failures += golden_one(a, work, name, cdm, "model.json", argv)
        for name, argv in pq_.items():
            failures += golden_one(a, work, name, pq, "model.manifest.cdm.json", argv)
        failures += check_errors(a.gen, cdm, work)
        failures += check_parquet_errors(a.gen, cdm, pq, work)
        for f in failures:
            print("FAIL", f)
        if failures:
            return 1
        n = len(scripts(a.gen, cdm)) + len(csv_) + len(pq_)
        print(f"golden: {n} scripts match (CSV and Parquet folders), usage errors exit 2")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def find_pg_bin():
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(cand, "pg_ctl")):
            return cand
    p = shutil.which("pg_ctl")
    return os.path.dirname(os.path.realpath(p)) if p else None


def ensure_postgres():
    b = find_pg_bin()
    if b or os.geteuid() != 0 or not shutil.which("apt-get"):
        return b
    print("postgres: pg_ctl missing, installing Debian's postgresql with apt-get", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update"], env=env)
    r = run(["apt-get", "install", "-y", "--no-install-recommends", "postgresql"], env=env)
    if r.returncode != 0:
        print(r.stderr[-2000:])
    return find_pg_bin()


def csv_stats(cdm, entity):
    """(rows, {column: non-empty cells}) over every partition model.json lists."""
    rows, filled, header = 0, {}, None
    for p in entity.get("partitions", []):
        with open(os.path.join(cdm, p["location"]), newline="", encoding="utf-8") as f:
            r = csv.reader(f)
            header = next(r)
            for h in header:
                filled.setdefault(h, 0)
            for rec in r:
                rows += 1
                for h, v in zip(header, rec):
                    if v != "":
                        filled[h] += 1
    return rows, filled


def bad_cell_fails(psql, cdm, work, ents, as_user):
    """A copy of the CDM folder with one dateTime cell spoiled must make the same script fail
    (ON_ERROR_STOP): proves a clean load above really means every typed cell parsed."""
    bad = os.path.join(work, "cdm-bad")
    shutil.copytree(cdm, bad)
    for e in ents.values():
        cols = [at["name"] for at in e["attributes"] if at["dataType"] == "dateTime"]
        for p in e.get("partitions", []):
            path = os.path.join(bad, p["location"])
            with open(path, newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f))
            hit = [i for i, h in enumerate(rows[0]) if h in cols and len(rows) > 1 and rows[1][i]]
            if not hit:
                continue
            rows[1][hit[0]] = "not-a-dateTime"
            with open(path, "w", newline="", encoding="utf-8") as f:
                csv.writer(f, quoting=csv.QUOTE_MINIMAL).writerows(rows)
            if as_user:
                pw = pwd.getpwnam(as_user[2])
                for d, _, files in os.walk(bad):
                    os.chown(d, pw.pw_uid, pw.pw_gid)
                    for fn in files:
                        os.chown(os.path.join(d, fn), pw.pw_uid, pw.pw_gid)
            r = run(psql + ["-q", "-f", "load.sql"], cwd=bad)
            if r.returncode == 0 or "not-a-dateTime" not in r.stderr:
                return [f"spoiled dateTime in {p['location']} loaded without error "
                        f"(exit {r.returncode})"]
            return []
    return ["no dateTime cell found to spoil"]


def pg_as_user():
    """The command prefix that runs initdb, the server and psql as an unprivileged user when we
    are root (initdb refuses root): ["runuser", "-u", user, "--"], else []."""
    if os.geteuid() != 0:
        return []
    user = "postgres"
    try:
        pwd.getpwnam(user)
    except KeyError:
        user = "nobody"
    return ["runuser", "-u", user, "--"]


def pg_start(pg_bin, as_user, work, data, sock, log):
    """Gives work (recursively) to the server's user, then initdb + pg_ctl start of a server with
    no TCP at all (listen_addresses ''), only the socket in sock, UTC sessions (timestamptz values
    print as the CSV's UTC instants).  None, or what failed (with the output)."""
    if as_user:
        pw = pwd.getpwnam(as_user[2])
        for d, _, files in os.walk(work):
            os.chown(d, pw.pw_uid, pw.pw_gid)
            for f in files:
                os.chown(os.path.join(d, f), pw.pw_uid, pw.pw_gid)
    r = run(as_user + [os.path.join(pg_bin, "initdb"), "-D", data, "-U", "f2c", "-E", "UTF8",
                       "--no-locale", "-A", "trust"])
    if r.returncode != 0:
        return f"initdb: {r.stdout}{r.stderr}"
    r = run(as_user + [os.path.join(pg_bin, "pg_ctl"), "-D", data, "-w", "-t", "60", "-l", log,
                       "-o", f"-c listen_addresses='' -k {sock} -c timezone=UTC", "start"])
    if r.returncode != 0:
        tail = open(log).read()[-3000:] if os.path.exists(log) else ""
        return f"pg_ctl start: {r.stdout}{r.stderr}{tail}"
    return None


def postgres(a):
    pg_bin = ensure_postgres()
    if not pg_bin:
        print("SKIP: PostgreSQL (pg_ctl) not found and could not be installed "
              "(apt-get install postgresql)")
        return SKIP
    synthea = os.path.join(a.shared, "data", "synthea-10") if a.shared else ""
    if synthea and os.path.isdir(synthea):
        ndjson = synthea
    else:
        print(f"NOTE: {synthea or 'FHIR2CDM_SHARED_DIR'} absent: the synthea-10 part is SKIPPED, "
              "loading samples/ndjson instead", flush=True)
        ndjson = os.path.join(a.root, "samples", "ndjson")

    as_user = pg_as_user()
    work = tempfile.mkdtemp(prefix="f2c-pg-")  # short: socket paths are limited to 107 bytes
    data, sock, cdm = (os.path.join(work, d) for d in ("data", "sock", "cdm"))
    started = False
    try:
        os.mkdir(sock)
        transform(a.transform, a.root, ndjson, cdm)
        r = run([a.gen, "synapse-sql", "--model", cdm, "--dialect", "postgres", "-o",
                 os.path.join(cdm, "load.sql")])
        if r.returncode != 0:
            print(f"FAIL synapse-sql: {r.stderr}")
            return 1
        failed = pg_start(pg_bin, as_user, work, data, sock, os.path.join(work, "server.log"))
        if failed:
            print(f"FAIL {failed}")
            return 1
        started = True
        psql = as_user + [os.path.join(pg_bin, "psql") if os.path.exists(
            os.path.join(pg_bin, "psql")) else "psql", "-X", "-h", sock, "-U", "f2c", "-d",
            "postgres", "-v", "ON_ERROR_STOP=1"]
        # Twice: the script is idempotent (drops what it creates), so counts must not double.
        for _ in range(2):
            r = run(psql + ["-q", "-f", "load.sql"], cwd=cdm)
            if r.returncode != 0:
                print(f"FAIL psql -f load.sql (exit {r.returncode}):\n{r.stderr[-4000:]}")
                return 1

        def query(sql):
            q = run(psql + ["-A", "-t", "-F", "\t", "-c", sql])
            if q.returncode != 0:
                raise RuntimeError(f"{sql}: {q.stderr}")
            return q.stdout.strip()

        model = json.load(open(os.path.join(cdm, "model.json")))
        ents = {e["name"]: e for e in model["entities"]}
        failures, total_rows, joins = [], 0, 0
        for name, e in ents.items():
            rows, filled = csv_stats(cdm, e)
            total_rows += rows
            cols = [at["name"] for at in e["attributes"]]
            got = query("SELECT count(*), " + ", ".join(f'count("{c}")' for c in cols) +
                        f' FROM "{name}"').split("\t")
            if int(got[0]) != rows:
                failures.append(f"{name}: {got[0]} rows loaded, CSV has {rows}")
            for c, n in zip(cols, got[1:]):
                if int(n) != filled.get(c, 0):
                    failures.append(f"{name}.{c}: {n} non-NULL values, CSV has {filled.get(c, 0)}")
            # Unroll tables: the parent is the longest other entity name that prefixes ours.
            if "ParentPath" not in cols:
                continue
            parents = [p for p in ents if p != name and name.startswith(p)]
            if not parents:
                failures.append(f"{name}: unroll table without a parent entity")
                continue
            parent = max(parents, key=len)
            pcols = [at["name"] for at in ents[parent]["attributes"]]
            cond = 'p."ResourceId" = c."ResourceId"'
            if "FhirPath" in pcols:  # nested unroll: the parent row is the element we sit in
                cond += ' AND c."ParentPath" = p."FhirPath"'
            missing = query(f'SELECT count(*) FROM "{name}" c WHERE c."ParentPath" IS NULL OR '
                            f'NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE {cond})')
            joined = query(f'SELECT count(*) FROM "{name}" c JOIN (SELECT DISTINCT "ResourceId"'
                           f' FROM "{parent}") p ON p."ResourceId" = c."ResourceId"')
            if missing != "0" or int(joined) != rows:
                failures.append(f"{name} -> {parent}: {missing} child rows without a parent, "
                                f"{joined} of {rows} joined")
            joins += 1
        # Spot-check that typed values are values, not just non-NULL: UTC instants and numbers.
        sample = query('SELECT count(*) FROM "LocalPatient" WHERE "BirthDate" IS NOT NULL') \
            if "LocalPatient" in ents and any(at["name"] == "BirthDate"
                                               for at in ents["LocalPatient"]["attributes"]) \
            else "n/a"
        failures += bad_cell_fails(psql, cdm, work, ents, as_user)
        for f in failures:
            print("FAIL", f)
        if failures:
            return 1
        print(f"postgres: {len(ents)} tables, {total_rows} rows, every column parsed, "
              f"{joins} unroll joins complete (patients with a birth date: {sample}); "
              f"input {ndjson}")
        return 0
    finally:
        if started:
            run(as_user + [os.path.join(pg_bin, "pg_ctl"), "-D", data, "-m", "fast", "-w",
                           "stop"])
        shutil.rmtree(work, ignore_errors=True)


def parse(a):
    """Every generated script parsed statement by statement by node-sql-parser (parse_sql.js):
    TransactSQL for both pools, PostgreSQL for --dialect postgres.  Exit 77 when node/npm are
    missing or the pinned parser cannot be installed."""
    here = os.path.dirname(os.path.abspath(__file__))
    if not shutil.which("node") or not shutil.which("npm"):
        print("SKIP: node or npm not on PATH")
        return SKIP
    prefix = os.path.join(a.root, "tools", "npm-sqlparser")
    r = run([os.path.join(here, "install.sh"), prefix])
    print(r.stdout + r.stderr, end="")
    if r.returncode != 0:
        print("SKIP: could not install the pinned node-sql-parser")
        return SKIP
    work = tempfile.mkdtemp(prefix="f2c-sqlparse-")
    try:
        cdm = os.path.join(work, "cdm")
        transform(a.transform, a.root, os.path.join(a.root, "samples", "ndjson"), cdm)
        args = []
        for name, argv in scripts(a.gen, cdm).items():
            out = os.path.join(work, name)
            r = run([a.gen, "synapse-sql", "--model", cdm, "-o", out] + argv)
            if r.returncode != 0:
                print(f"FAIL {name}: exit {r.returncode}: {r.stderr}")
                return 1
            args += ["postgresql" if name == "postgres.sql" else "transactsql", out]
        # The Synapse scripts of a Parquet folder (OPENROWSET views, COPY INTO FILE_TYPE PARQUET).
        pq = os.path.join(work, "cdm-parquet")
        r = run([a.transform, "-c", os.path.join(a.root, "samples", "config"), "-i",
                 os.path.join(a.root, "samples", "ndjson"), "-o", pq, "--operation-id", "sqltest",
                 "--format", "parquet", "--quiet"])
        if r.returncode != 0:
            print(f"FAIL fhir2cdm-transform --format parquet ({r.returncode}):\n{r.stderr}")
            return 1
        for name, argv in parquet_scripts()[1].items():
            if "duckdb" in argv:
                continue  # no DuckDB grammar in node-sql-parser; sql.duckdb runs it on DuckDB
            out = os.path.join(work, name)
            r = run([a.gen, "synapse-sql", "--model", pq, "-o", out] + argv)
            if r.returncode != 0:
                print(f"FAIL {name}: exit {r.returncode}: {r.stderr}")
                return 1
            args += ["transactsql", out]
        # The parser is not vacuous: a broken statement of each dialect must fail.
        for dialect, bad in [("transactsql", "CREATE TABLE [cdm].[X] ([a] bit NULL,, [b] bit NULL);\nGO\n"),
                             ("transactsql", "CREATE VIEW [X] AS\nSELECT * FROM OPENROWSET(\n"
                              "    BULK ('a.parquet'),\n    DATA_SOURCE = 'd', FORMAT = 'PARQUET')\n"
                              "  WITH (\n    [a] bit,, [b] int\n  ) AS [rows];\nGO\n"),
                             ("postgresql", 'CREATE TABLE "X" ("a" boolean NULL,, "b" text NULL);\n')]:
            bad_path = os.path.join(work, f"bad-{dialect}-{len(bad)}.sql")
            open(bad_path, "w").write(bad)
            r = run(["node", os.path.join(here, "parse_sql.js"), prefix, dialect, bad_path])
            if r.returncode != 1 or "FAIL" not in r.stdout:
                print(f"FAIL self-check: broken {dialect} statement not rejected "
                      f"(exit {r.returncode}):\n{r.stdout}{r.stderr}")
                return 1
        r = subprocess.run(["node", os.path.join(here, "parse_sql.js"), prefix] + args,
                           check=False, text=True)
        if r.returncode != 0:
            print(f"FAIL parse_sql.js exit {r.returncode}")
            return 1
        print(f"parse: every statement of the {len(args) // 2} scripts parsed or skipped with its "
              f"reason (above)")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


# DuckDB's name for each CDM dataType, as `synapse-sql --dialect duckdb` maps it (CSV: the five
# model.json types; Parquet: the entity documents' types, decimals DECIMAL(p,s) of their trait).
DUCK_TYPES = {"string": "VARCHAR", "int64": "BIGINT", "bigInteger": "BIGINT",
              "integer": "INTEGER", "boolean": "BOOLEAN", "date": "DATE", "time": "TIME",
              "dateTime": "TIMESTAMP WITH TIME ZONE", "decimal": "DECIMAL(38,18)"}


def csv_counts(cdm, ent):
    """(rows, {column: non-empty cells}) over the partitions model.json lists for ent."""
    rows, cells = 0, {}
    for p in ent.get("partitions", []):
        with open(os.path.join(cdm, p["location"]), newline="", encoding="utf-8") as f:
            rd = csv.reader(f)
            header = next(rd)
            for rec in rd:
                rows += 1
                for h, v in zip(header, rec):
                    cells[h] = cells.get(h, 0) + (v != "")
    return rows, cells


def duck_run(a, npm, script, cwd=None, schema="main"):
    here = os.path.dirname(os.path.abspath(__file__))
    r = run(["node", os.path.join(here, "run_duckdb.js"), npm, script, schema], cwd=cwd)
    if r.returncode != 0:
        return None, f"DuckDB failed on {script} (exit {r.returncode}): {r.stderr.strip()}"
    return json.loads(r.stdout), None


def duck_check(label, got, want, types):
    """got: run_duckdb.js output; want: entity -> (rows, {col: non-null}); types: entity ->
    [(column, DuckDB type)].  Returns failure strings."""
    fails = []
    if sorted(got) != sorted(want):
        return [f"{label}: objects {sorted(got)} != entities {sorted(want)}"]
    for name, (rows, nonnull) in want.items():
        g = got[name]
        if g["rows"] != rows:
            fails.append(f"{label}: {name}: {g['rows']} rows, the partitions hold {rows}")
        cols = [tuple(c) for c in g["columns"]]
        if cols != types[name]:
            fails.append(f"{label}: {name}: columns {cols} != {types[name]}")
        for col, n in nonnull.items():
            if g["nonnull"].get(col) != n:
                fails.append(f"{label}: {name}.{col}: {g['nonnull'].get(col)} non-NULL values, "
                             f"want {n}")
    return fails


def duckdb(a):
    """`synapse-sql --dialect duckdb` scripts run on real DuckDB (@duckdb/node-api, pinned by
    tests/parquet/npm): over a CSV folder, every entity's row count equals the rows of the
    partitions model.json lists, every column has the type of its dataType and as many non-NULL
    values as non-empty CSV cells (every typed cell parsed); over a Parquet folder of the same
    input (fhir2cdm-transform --format parquet), the same row and non-NULL counts, each column
    typed from the entity documents (a FHIR date is DATE there).  Also: --create table with
    --data-root . run from inside the folder, a folder path holding a quote, an entity without
    partitions (typed, empty).  Exit 77 when node or the pinned DuckDB is missing."""
    if not shutil.which("node"):
        print("SKIP: node not on PATH")
        return SKIP
    npm = os.path.abspath(os.path.join(a.root, "tools", "npm-parquet"))
    r = run([os.path.join(a.root, "tests", "parquet", "install.sh"), npm])
    if r.returncode != 0:
        print(r.stdout + r.stderr, end="")
        print("SKIP: could not install the pinned @duckdb/node-api (tests/parquet/install.sh)")
        return SKIP
    ndjson = os.path.join(a.shared, "data", "synthea-10") if a.shared else ""
    if not os.path.isdir(ndjson):
        print(f"NOTE: {ndjson or 'FHIR2CDM_SHARED_DIR'} absent: using samples/ndjson only")
        ndjson = os.path.join(a.root, "samples", "ndjson")
    work = tempfile.mkdtemp(prefix="f2c-sqlduck-")
    try:
        return duckdb_in(a, npm, ndjson, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def duck_script(a, model, out, extra=()):
    r = run([a.gen, "synapse-sql", "--model", model, "--dialect", "duckdb", "-o", out] +
            list(extra))
    return None if r.returncode == 0 else f"synapse-sql {model}: exit {r.returncode}: {r.stderr}"


def duck_transform(a, ndjson, out, fmt):
    """Transforms ndjson and a second input with other file stems, so entities get two
    partitions and the scripts list several files: samples/ndjson, or, when ndjson is
    samples/ndjson itself (no ../shared), a copy of it whose files are named <stem>-copy."""
    samples = os.path.join(a.root, "samples", "ndjson")
    second = samples
    if os.path.abspath(ndjson) == os.path.abspath(samples):
        second = os.path.join(os.path.dirname(out), "samples-copy")
        os.makedirs(second, exist_ok=True)
        for fn in os.listdir(samples):
            if fn.endswith(".ndjson"):
                shutil.copyfile(os.path.join(samples, fn),
                                os.path.join(second, fn[:-len(".ndjson")] + "-copy.ndjson"))
    inputs = [ndjson, second]
    cmd = [a.transform, "-c", os.path.join(a.root, "samples", "config"), "-o", out,
           "--operation-id", "sqltest", "--format", fmt, "--quiet"]
    for i in inputs:
        cmd += ["-i", i]
    r = run(cmd)
    return [] if r.returncode == 0 else [
        f"fhir2cdm-transform --format {fmt}: exit {r.returncode}: {r.stderr[-2000:]}"]


def duckdb_in(a, npm, ndjson, work):
    fails = []
    cdm = os.path.join(work, "it's a folder", "cdm")  # a quote in the path: escaped, not broken
    os.makedirs(os.path.dirname(cdm))
    fails += duck_transform(a, ndjson, cdm, "csv")
    if fails:
        print("FAIL", fails[0])
        return 1
    model = json.load(open(os.path.join(cdm, "model.json")))
    if max(len(e["partitions"]) for e in model["entities"]) < 2:
        fails.append("the CSV folder has no entity with two partitions: lists not exercised")
    # A file model.json does not list (a run in progress, a replaced slot) must not be read.
    loc = model["entities"][0]["partitions"][0]["location"]
    shutil.copy(os.path.join(cdm, loc), os.path.join(cdm, os.path.dirname(loc),
                                                     "partition-data-stray-x.csv"))
    want, types = {}, {}
    for ent in model["entities"]:
        want[ent["name"]] = csv_counts(cdm, ent)
        types[ent["name"]] = [(at["name"], DUCK_TYPES[at["dataType"]])
                              for at in ent["attributes"]]
    runs = [("csv views", [], None), ("csv tables, --data-root .", ["--create", "table",
                                                                      "--data-root", "."], cdm)]
    for label, extra, cwd in runs:
        script = os.path.join(work, "csv.sql")
        err = duck_script(a, cdm, script, extra)
        got, err = (None, err) if err else duck_run(a, npm, script, cwd)
        if err:
            fails.append(f"{label}: {err}")
            continue
        kinds = {g["kind"] for g in got.values()}
        if kinds != {"BASE TABLE" if cwd else "VIEW"}:
            fails.append(f"{label}: object kinds {kinds}")
        fails += duck_check(label, got, want, types)
    fails += duck_empty_entity(a, npm, cdm, model, work, types)
    fails += duck_parquet(a, npm, ndjson, work, want)
    for f in fails:
        print("FAIL", f)
    if fails:
        return 1
    print(f"duckdb: {len(want)} entities, {sum(len(e['partitions']) for e in model['entities'])} "
          f"partitions, {sum(w[0] for w in want.values())} rows read from the CSV folder (views, "
          f"tables) and from the Parquet folder (views, tables in a schema), every column typed and every non-NULL cell "
          f"counted; input {ndjson} + samples/ndjson")
    return 0


def duck_empty_entity(a, npm, cdm, model, work, types):
    """An entity whose partitions are not listed yet: an empty view with its typed columns."""
    copy = os.path.join(work, "cdm-empty")
    shutil.copytree(cdm, copy)
    m = json.loads(json.dumps(model))
    name = m["entities"][0]["name"]
    m["entities"][0]["partitions"] = []
    json.dump(m, open(os.path.join(copy, "model.json"), "w"))
    script = os.path.join(work, "empty.sql")
    err = duck_script(a, copy, script)
    got, err = (None, err) if err else duck_run(a, npm, script)
    if err:
        return [f"empty entity: {err}"]
    g = got.get(name, {})
    if g.get("rows") != 0 or [tuple(c) for c in g.get("columns", [])] != types[name]:
        return [f"empty entity {name}: {g}"]
    return []


def duck_parquet(a, npm, ndjson, work, want):
    """The Parquet folder of the same input: the same rows and non-NULL counts per column as
    the CSV folder, columns typed as the entity documents say."""
    pq = os.path.join(work, "cdm-parquet")
    fails = duck_transform(a, ndjson, pq, "parquet")
    if fails:
        return fails
    types = {}
    for name in want:
        doc = json.load(open(os.path.join(pq, name + ".cdm.json")))
        attrs = doc["definitions"][0]["hasAttributes"]
        types[name] = [(at["name"], DUCK_TYPES[at["dataType"]]) for at in attrs]
    fails = []
    for label, extra, schema in [("parquet views", [], "main"),
                                 ("parquet tables in schema cdm",
                                  ["--create", "table", "--schema", "cdm"], "cdm")]:
        script = os.path.join(work, "parquet.sql")
        err = duck_script(a, pq, script, extra)
        got, err = (None, err) if err else duck_run(a, npm, script, schema=schema)
        if err:
            fails.append(f"{label}: {err}")
            continue
        fails += duck_check(label, got, want, types)
    return fails


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["golden", "postgres", "parse", "duckdb"])
    ap.add_argument("--transform", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--golden")
    ap.add_argument("--shared")
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    return {"golden": golden, "postgres": postgres, "parse": parse, "duckdb": duckdb}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
