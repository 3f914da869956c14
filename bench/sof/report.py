#!/usr/bin/env python3
"""Turn bench/sof/run.sh measurements into a table (stdout) and the <!-- bench:views --> section
of docs/benchmarks.md.

Usage: bench/sof/report.py RESULTS.tsv [--doc docs/benchmarks.md]

RESULTS.tsv: one line per timed run, "label wall_s peak_rss_kib user_s sys_s", label
ours_<workload> or js_<workload>.  Everything else comes from BENCH_* environment variables set
by run.sh, the input stamp (bench/data/.bench-stamp.json), the JavaScript side's summary line
(bench/out/sof/js-<workload>.summary.json: rows per view, lines, resources per type) and the
comparison output (bench/out/sof/compare-<workload>.txt).  Only the text between
<!-- bench:views --> and <!-- /bench:views --> is regenerated.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys

BEGIN = "<!-- bench:views -->"
END = "<!-- /bench:views -->"
DESC = {
    "all_views": "all 10 views, whole folder",
    "single_view": "`encounter` view, whole folder",
    "single_view_one_file": "`encounter` view, Encounter file only",
}


def env(name, default=""):
    return os.environ.get(name, default)


def load_runs(path):
    runs = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if p:
                runs.setdefault(p[0], []).append({"wall": float(p[1]), "rss": int(p[2]),
                                                   "user": float(p[3]), "sys": float(p[4])})
    return runs


def med(rs, key):
    return statistics.median(r[key] for r in rs)


def machine():
    cpu, mem = "unknown", 0
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
        with open("/proc/meminfo") as f:
            mem = next((int(l.split()[1]) for l in f if l.startswith("MemTotal:")), 0)
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu,
            "ram": "%.1f GiB" % (mem / 1024 / 1024), "kernel": platform.release()}


def view_resource_types(arg):
    paths = ([os.path.join(arg, n) for n in sorted(os.listdir(arg)) if n.endswith(".json")]
             if os.path.isdir(arg) else [arg])
    types, names = set(), []
    for p in paths:
        with open(p) as f:
            v = json.load(f)
        types.add(v["resource"])
        names.append(v["name"])
    return types, names


def build(results):
    runs = load_runs(results)
    out = env("BENCH_OUT", "bench/out/sof")
    with open(os.path.join(env("BENCH_DATA", "bench/data"), ".bench-stamp.json")) as f:
        st = json.load(f)
    work = []
    for w in env("BENCH_WORKLOADS", "all_views single_view").split():
        ours, js = runs.get("ours_" + w), runs.get("js_" + w)
        if not ours or not js:
            sys.exit("report: no runs for workload %s in %s" % (w, results))
        with open(os.path.join(out, "js-%s.summary.json" % w)) as f:
            js_sum = json.load(f)
        try:
            with open(os.path.join(out, "compare-%s.txt" % w)) as f:
                cmp_lines = [l.rstrip("\n") for l in f]
        except OSError:
            cmp_lines = []
        same = bool(cmp_lines) and all(l.endswith("equal") for l in cmp_lines
                                       if not l.startswith(" "))
        types, names = view_resource_types(env("BENCH_VIEWS_" + w))
        inp = env("BENCH_INPUT_" + w, env("BENCH_DATA", "bench/data"))
        files = (st["files"] if os.path.isdir(inp)
                 else {os.path.basename(inp): st["files"][os.path.basename(inp)]})
        if sum(files.values()) != js_sum["bytes"]:
            sys.exit("report: %s: the JS side read %d bytes, the stamp says %d for %s"
                     % (w, js_sum["bytes"], sum(files.values()), inp))
        rel = {n: b for n, b in files.items() if n.split(".", 1)[0] in types}
        rel_lines = sum(js_sum["resources"].get(t, 0) for t in types)
        work.append({
            "name": w, "views": env("BENCH_VIEWS_" + w), "view_names": names, "input": inp,
            "in_bytes": js_sum["bytes"], "in_lines": js_sum["lines"], "in_files": len(files),
            "types": sorted(types), "rel_bytes": sum(rel.values()), "rel_lines": rel_lines,
            "ours": ours, "js": js, "rows": js_sum["rows"], "same": same, "cmp": cmp_lines,
            "o_wall": med(ours, "wall"), "j_wall": med(js, "wall"),
            "o_rss": med(ours, "rss"), "j_rss": med(js, "rss"),
            "o_cpu": med(ours, "user") + med(ours, "sys"), "j_cpu": med(js, "user") + med(js, "sys"),
        })
    return runs, {"bytes": st["bytes"], "lines": st["lines"], "copies": st["copies"],
                  "files": len(st["files"])}, work


def fmt_rate(x):
    return "%.1f" % x if x < 1000 else "{:,.0f}".format(x)


def table_rows(inp, work):
    rows = []
    for w in work:
        for side, label in (("o", "fhir2cdm-transform --view"), ("j", "node + fhirpath.js loop")):
            wall = w[side + "_wall"]
            rows.append((DESC.get(w["name"], w["name"]), label, "%.1f" % (w["in_bytes"] / 1e6),
                         "%.2f" % wall,
                         fmt_rate(w["in_bytes"] / 1e6 / wall), fmt_rate(w["rel_bytes"] / 1e6 / wall),
                         "{:,.0f}".format(w["in_lines"] / wall),
                         "{:,.0f}".format(w["rel_lines"] / wall),
                         "%.2f" % w[side + "_cpu"], "%.1f" % (w[side + "_rss"] / 1024)))
    return rows


HEAD = ("workload", "runner", "input MB", "wall s", "MB/s", "MB/s of the views' types",
        "resources/s", "resources/s of the views' types", "CPU s", "peak RSS MiB")


def print_table(inp, work):
    rows = table_rows(inp, work)
    widths = [max(len(r[i]) for r in rows + [HEAD]) for i in range(len(HEAD))]
    for r in [HEAD] + rows:
        print("  ".join(c.ljust(wd) if i < 2 else c.rjust(wd)
                        for i, (c, wd) in enumerate(zip(r, widths))))
    for w in work:
        print("%s: fhirpath.js loop / fhir2cdm wall time = %.1fx; rows %s; outputs %s"
              % (w["name"], w["j_wall"] / w["o_wall"], sum(w["rows"].values()),
                 "equal" if w["same"] else "DIFFERENT"))


def markdown(inp, work):
    m = machine()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    o = []
    w = o.append
    w(BEGIN)
    w("## SQL on FHIR ViewDefinitions: fhir2cdm against fhirpath.js")
    w("")
    w("Generated by `bench/sof/run.sh` (do not edit between the markers; rerun the script).")
    w("")
    w("The same ViewDefinitions over the same NDJSON, measured in one session: "
      "`fhir2cdm-transform --view` (C, single thread) against `bench/sof/sof_flatten.js`, a "
      "flatten loop in Node.js that implements the SQL on FHIR v2 processing model (where, "
      "select, column, forEach, forEachOrNull, unionAll, constants, %rowIndex) and leaves every "
      "FHIRPath evaluation to HL7's fhirpath.js (npm `fhirpath`, the FHIRPath engine of the "
      "JavaScript reference implementation, whose own ViewDefinition runner is not on npm), "
      "each expression compiled once with the FHIR R4 model (the reference runner calls "
      "`fhirpath.evaluate`, which parses the expression again at every call). "
      "Both write the same CSV cells (SQL on FHIR default type mappings: dates as written, instants in UTC; JSON arrays for collections, "
      "RFC 4180); the JS loop skips, unparsed, lines whose leading `resourceType` no view "
      "reads.")
    w("")
    w("- **Date:** %s" % now)
    w("- **Machine:** %d CPUs (%s), %s RAM, Linux %s" % (m["nproc"], m["cpu"], m["ram"], m["kernel"]))
    w("- **Commit:** `%s`; Release build (`build-bench/`), %s, cJSON %s"
      % (env("BENCH_COMMIT", "unknown"), env("BENCH_CC", "?").strip(), env("BENCH_CJSON", "?")))
    w("- **JavaScript:** Node.js %s, fhirpath.js %s (`tools/npm`, installed by "
      "`tests/fhirpath-diff/install.sh`)" % (env("BENCH_NODE", "?"), env("BENCH_FHIRPATH", "?")))
    w("- **Data:** `%s`: %.1f MB (%s bytes), %s resources in %d NDJSON files, %d id-rewritten "
      "copies of `../shared/data/synthea-10` (`bench/gen_data.py`)."
      % (env("BENCH_DATA", "bench/data"), inp["bytes"] / 1e6, "{:,}".format(inp["bytes"]),
         "{:,}".format(inp["lines"]), inp["files"], inp["copies"]))
    for x in work:
        w("- **Workload `%s`:** view%s %s over `%s` (%.1f MB, %s resources); the views read %s: "
          "%.1f MB, %s resources (%.0f%% of the input bytes); %s rows out."
          % (x["name"], "s" if len(x["view_names"]) > 1 else "", ", ".join(x["view_names"]),
             x["input"], x["in_bytes"] / 1e6, "{:,}".format(x["in_lines"]),
             " ".join(x["types"]), x["rel_bytes"] / 1e6, "{:,}".format(x["rel_lines"]),
             100.0 * x["rel_bytes"] / x["in_bytes"], "{:,}".format(sum(x["rows"].values()))))
    w("- **Method:** page cache warm (one untimed read of the input); %s rounds, each running "
      "every workload once on each side, interleaved; medians reported. Wall time, CPU "
      "(user + system) and peak RSS from GNU time. MB = 10^6 bytes; resources/s = NDJSON lines "
      "/ wall s, over the whole input and over the lines of the resource types the views "
      "read. Load average (1, 5, 15 min) before the first timed run: %s; after the last: %s "
      "(on a shared machine other jobs can add noise to the wall times; interleaving keeps the "
      "two sides under the same conditions)."
      % (env("BENCH_REPEAT", "3"), env("BENCH_LOAD_BEFORE", "?"), env("BENCH_LOAD_AFTER", "?")))
    w("- **Same output:** the last round's outputs compared view by view "
      "(`bench/sof/compare.py`: header and multiset of CSV rows; decimal cells by value, since "
      "JSON.parse turns `1.0` into `1`): %s."
      % "; ".join("`%s` %s" % (x["name"], "identical rows" if x["same"] else "**DIFFERENT**")
                  for x in work))
    w("")
    w("| " + " | ".join(HEAD) + " |")
    w("|---|---|" + "|".join(["---:"] * (len(HEAD) - 2)) + "|")
    for r in table_rows(inp, work):
        w("| " + " | ".join(r) + " |")
    w("")
    for x in work:
        w("- `%s`: the fhirpath.js loop takes **%.1fx** the wall time of fhir2cdm-transform "
          "(%.1fx the CPU time, %.1fx the peak memory)."
          % (x["name"], x["j_wall"] / x["o_wall"], x["j_cpu"] / x["o_cpu"] if x["o_cpu"] else 0,
             x["j_rss"] / x["o_rss"]))
    w("")
    w("Rows per view (`all_views`): " + ", ".join(
        "%s %s" % (k, "{:,}".format(v)) for k, v in sorted(work[0]["rows"].items())) + ".")
    w("")
    w("All runs (wall s / peak RSS KiB / user s / sys s):")
    w("")
    for x in work:
        for side in ("ours", "js"):
            w("- `%s_%s`: " % (side, x["name"]) + "; ".join(
                "%.2f / %d / %.2f / %.2f" % (r["wall"], r["rss"], r["user"], r["sys"])
                for r in x[side]))
    w("")
    w("Commands (from the project root; `bench/sof/run.sh` runs them all, compares the outputs, "
      "then writes this section):")
    w("")
    w("```sh")
    w(env("BENCH_CMD_CONFIGURE"))
    w(env("BENCH_CMD_BUILD"))
    w("tests/fhirpath-diff/install.sh")
    w(env("BENCH_CMD_GEN"))
    for x in work:
        w(env("BENCH_CMD_ours_" + x["name"]))
        w(env("BENCH_CMD_js_" + x["name"]))
        w("python3 bench/sof/compare.py --views %s %s/ours-%s %s/js-%s"
          % (x["views"], env("BENCH_OUT", "bench/out/sof"), x["name"],
             env("BENCH_OUT", "bench/out/sof"), x["name"]))
    w("```")
    w(END)
    return "\n".join(o) + "\n"


def write_doc(path, section):
    with open(path) as fh:
        text = fh.read()
    b, e = text.find(BEGIN), text.find(END)
    if b >= 0 and e > b:
        text = text[:b] + section.rstrip("\n") + text[e + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--doc", help="markdown file whose bench:views section to regenerate")
    args = ap.parse_args()
    _, inp, work = build(args.results)
    print_table(inp, work)
    if args.doc:
        write_doc(args.doc, markdown(inp, work))
        print("\nwrote %s" % args.doc)


if __name__ == "__main__":
    main()
