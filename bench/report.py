#!/usr/bin/env python3
"""Turn bench/run.sh measurements into a table (stdout) and a docs/benchmarks.md section.

Usage: bench/report.py RESULTS.tsv [--doc docs/benchmarks.md]

RESULTS.tsv has one line per timed run:
"label wall_s peak_rss_kib user_s sys_s [self_timed_s bytes lines]" with label baseline,
baseline_configured (optional), transform, transform_tenth, or m.<source>.<format>.t<threads>
for the threads matrix (optional; source full, light or view, format csv or parquet, threads 1
or 2), mem.<source>.<format>.t<threads> for the same cells with the output in memory (tmpfs),
m.pair and mem.pair for two independent 1-thread runs at once (the machine's ceiling).  Everything else (commit, commands, paths) comes from BENCH_* environment variables set by
run.sh (the matrix's exact commands from the file BENCH_COMMANDS, "label<TAB>command" lines);
input sizes come from the gen_data.py stamps.

The issue 18 targets are printed PASS or MISS; a miss never changes the exit status (the
figures are reported, not asserted).

Only the text between <!-- bench:transform --> and <!-- /bench:transform --> is regenerated, so
other benchmark sections of the document are left as they are.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys

BEGIN = "<!-- bench:transform -->"
END = "<!-- /bench:transform -->"
DOC_HEADER = """# Benchmarks

Speed and memory figures of fhir2cdm live here, never in unit tests.  Each section is generated
by a script under `bench/` between `<!-- bench:NAME -->` markers; rerun the script to refresh it,
and edit only the text outside the markers by hand.
"""


# Issue 18 item 4: the targets the report states (PASS/MISS, never an error).
TARGET_SPEEDUP = 1.8     # 2-thread / 1-thread throughput, per source and format
TARGET_PARSE_RATIO = 0.5  # 1-thread samples/config throughput / parse-only throughput
TARGET_RSS_MIB = 64      # peak RSS with 2 threads, CSV runs
SOURCES = ("full", "light", "view")
# Where a matrix cell wrote its output: label prefix -> words for the report.
WHERE = (("m", "output on disk"), ("mem", "output in memory (tmpfs)"))
FORMATS = ("csv", "parquet")
THREADS = (1, 2)


def env(name, default=""):
    return os.environ.get(name, default)


def fmt_name(fmt):
    return {"csv": "CSV", "parquet": "Parquet"}.get(fmt, fmt)


def verdict(ok):
    return "PASS" if ok else "MISS"


def source_name(src):
    if src == "full":
        n = env("BENCH_FULL_TABLES")
        return f"`{env('BENCH_CONFIG', 'samples/config')}`" + (f" ({n} tables)" if n else "")
    if src == "light":
        n = env("BENCH_LIGHT_TABLES")
        return f"`{env('BENCH_CONFIG_LIGHT', 'bench/config-light')}`" + (f" ({n} tables)" if n else "")
    n = env("BENCH_VIEWS")
    return f"`--view {env('BENCH_VIEW', 'samples/views')}`" + (f" ({n} views)" if n else "")


def load_commands(path):
    """label -> exact command, from run.sh's commands file (missing file: no commands)."""
    cmds = {}
    if not path:
        return cmds
    try:
        with open(path) as fh:
            for line in fh:
                label, _, cmd = line.rstrip("\n").partition("\t")
                if label and cmd:
                    cmds[label] = cmd
    except OSError:
        pass
    return cmds


def load_runs(path):
    runs = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            label = parts[0]
            rec = {"wall": float(parts[1]), "rss": int(parts[2]), "user": float(parts[3]),
                   "sys": float(parts[4])}
            if len(parts) > 7:
                rec["self"] = float(parts[5])
                rec["bytes"], rec["lines"] = int(parts[6]), int(parts[7])
            runs.setdefault(label, []).append(rec)
    for label in ("baseline", "transform", "transform_tenth"):
        if not runs.get(label):
            sys.exit(f"report: no '{label}' runs in {path}")
    return runs


def rate(amount, seconds):
    return amount / seconds if seconds > 0 else float("inf")


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def stamp(folder):
    with open(os.path.join(folder, ".bench-stamp.json")) as f:
        return json.load(f)


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kib = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kib = int(line.split()[1])
                    break
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model,
            "ram": f"{mem_kib / 1024 / 1024:.1f} GiB", "kernel": platform.release()}


def mb(nbytes):
    return nbytes / 1e6


def mib(kib):
    return kib / 1024


def build(results_path):
    runs = load_runs(results_path)
    full, tenth = stamp(env("BENCH_DATA", "bench/data")), stamp(env("BENCH_TENTH", "bench/data-tenth"))
    f = {"bytes": full["bytes"], "lines": full["lines"], "copies": full["copies"],
         "files": len(full["files"]), "tenth_bytes": tenth["bytes"],
         "tenth_lines": tenth["lines"], "tenth_copies": tenth["copies"]}
    rows = []  # (key, description, seconds, bytes, lines, rss)

    def floor(label, desc):
        rs = runs[label]
        secs = med(rs, "self") if all("self" in r for r in rs) else med(rs, "wall")
        return (label, desc, secs, rs[0].get("bytes", f["bytes"]), rs[0].get("lines", f["lines"]),
                med(rs, "rss"))

    rows.append(floor("baseline", "parse_baseline, all files (cJSON parse only)"))
    if runs.get("baseline_configured"):
        rows.append(floor("baseline_configured",
                          "parse_baseline, configured types' files only"))
    rows.append(("transform", "fhir2cdm-transform, full input", med(runs["transform"], "wall"),
                 f["bytes"], f["lines"], med(runs["transform"], "rss")))
    rows.append(("transform_tenth",
                 f"fhir2cdm-transform, 1/10 input ({mb(f['tenth_bytes']):.1f} MB)",
                 med(runs["transform_tenth"], "wall"), f["tenth_bytes"], f["tenth_lines"],
                 med(runs["transform_tenth"], "rss")))
    f["rows"] = rows
    by = {r[0]: r for r in rows}
    f["t_s"], f["t_rss"] = by["transform"][2], by["transform"][5]
    f["tt_rss"] = by["transform_tenth"][5]
    f["t_user"], f["t_sys"] = med(runs["transform"], "user"), med(runs["transform"], "sys")
    f["ratio"] = rate(f["t_s"], by["baseline"][2])
    if "baseline_configured" in by:
        c = by["baseline_configured"]
        f["cfg_bytes"], f["cfg_lines"] = c[3], c[4]
        f["ratio_cfg"] = rate(f["t_s"], c[2])
    f["rss_ratio"] = rate(f["t_rss"], f["tt_rss"])
    f["base_s"] = by["baseline"][2]
    f["matrix"] = matrix(runs, "m")
    f["matrix_mem"] = matrix(runs, "mem")
    f["pairs"] = {k: med(runs[f"{k}.pair"], "wall") for k, _ in WHERE if runs.get(f"{k}.pair")}
    f["targets"] = targets(f)
    return runs, f


def matrix(runs, prefix):
    """(src, fmt, threads) -> medians of the threads matrix cells run with that label prefix."""
    cells = {}
    for src in SOURCES:
        for fmt in FORMATS:
            for t in THREADS:
                rs = runs.get(f"{prefix}.{src}.{fmt}.t{t}")
                if rs:
                    cells[(src, fmt, t)] = {k: med(rs, k) for k in ("wall", "rss", "user", "sys")}
                    cells[(src, fmt, t)]["n"] = len(rs)
    return cells


def targets(f):
    """The issue 18 targets as (group, text, ok) rows; ok None when only stated."""
    m, out = f["matrix"], []
    for key, where in WHERE:
        cells = f["matrix_mem"] if key == "mem" else m
        for src in SOURCES:
            for fmt in FORMATS:
                one, two = cells.get((src, fmt, 1)), cells.get((src, fmt, 2))
                if one and two:
                    r = rate(one["wall"], two["wall"])
                    out.append(("speedup", f"2 threads / 1 thread throughput, {where}, "
                                f"{source_name(src)}, {fmt_name(fmt)}: {r:.2f}x "
                                f"({one['wall']:.3f} s -> {two['wall']:.3f} s; "
                                f"target >= {TARGET_SPEEDUP}x)", r >= TARGET_SPEEDUP))
        pair, one = f["pairs"].get(key), cells.get(("full", "csv", 1))
        if pair and one:
            out.append(("speedup", f"the machine's ceiling, {where}: two independent "
                        f"`--threads 1` runs of {source_name('full')}, CSV at once took "
                        f"{pair:.3f} s, one alone {one['wall']:.3f} s: 2 x {one['wall']:.3f} / "
                        f"{pair:.3f} = {2 * one['wall'] / pair:.2f}x (what two cores give work "
                        f"that shares nothing, measured in the same rounds; stated)", None))
    one = m.get(("full", "csv", 1))
    if one:
        r = rate(f["base_s"], one["wall"])
        out.append(("parse", f"1 thread, {source_name('full')}, CSV / parse-only throughput "
                    f"(parse_baseline, all files): {r:.2f}x ({f['base_s']:.2f} s parse-only vs "
                    f"{one['wall']:.2f} s; target >= {TARGET_PARSE_RATIO}x)",
                    r >= TARGET_PARSE_RATIO))
    for src, fmt in (("full", "parquet"), ("light", "csv"), ("light", "parquet"),
                     ("view", "csv"), ("view", "parquet")):
        c = m.get((src, fmt, 1))
        if c:
            out.append(("parse", f"1 thread, {source_name(src)}, {fmt_name(fmt)} / parse-only "
                        f"throughput: {rate(f['base_s'], c['wall']):.2f}x (stated, no target)", None))
    for fmt in FORMATS:
        for src in SOURCES:
            c = m.get((src, fmt, 2))
            if not c:
                continue
            if fmt == "csv":
                out.append(("rss", f"peak RSS, 2 threads, {source_name(src)}, CSV: "
                            f"{mib(c['rss']):.1f} MiB (target <= {TARGET_RSS_MIB} MiB)",
                            mib(c["rss"]) <= TARGET_RSS_MIB))
            else:
                out.append(("rss", f"peak RSS, 2 threads, {source_name(src)}, Parquet: "
                            f"{mib(c['rss']):.1f} MiB (stated, no target)", None))
    return out


def target_lines(f):
    return [(f"{verdict(ok)}: " if ok is not None else "") + text for _, text, ok in f["targets"]]


def matrix_table(f, key="matrix"):
    head = ("source", "format", "threads", "wall s", "MB/s", "resources/s", "CPU s (user+sys)",
            "peak RSS MiB")
    rows = []
    for (src, fmt, t), c in f[key].items():
        rows.append((source_name(src), fmt, str(t), f"{c['wall']:.3f}",
                     f"{rate(mb(f['bytes']), c['wall']):.1f}",
                     f"{rate(f['lines'], c['wall']):,.0f}", f"{c['user'] + c['sys']:.2f}",
                     f"{mib(c['rss']):.1f}"))
    return head, rows


def table(f):
    head = ("run (median)", "input MB", "wall s", "MB/s", "resources/s", "peak RSS MiB")
    rows = [(desc, f"{mb(nb):.1f}", f"{secs:.2f}", f"{rate(mb(nb), secs):.1f}",
             f"{rate(nl, secs):,.0f}", f"{mib(rss):.1f}")
            for _, desc, secs, nb, nl, rss in f["rows"]]
    return head, rows


def summary(f):
    out = [f"transform / baseline (all files): {f['ratio']:.2f}x the parse-only wall time "
           f"(the transformer reaches {100 / f['ratio']:.0f}% of the parse-only throughput)"]
    if "ratio_cfg" in f:
        out.append(f"transform / baseline (configured types only, {mb(f['cfg_bytes']):.1f} MB = "
                   f"{100 * f['cfg_bytes'] / f['bytes']:.0f}% of the input): {f['ratio_cfg']:.2f}x")
    out.append(f"peak RSS full / tenth: {f['rss_ratio']:.2f}x the memory for "
               f"{f['bytes'] / f['tenth_bytes']:.1f}x the input")
    return out


def print_rows(head, rows, left=1):
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) if i < left else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    print(line(head))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def print_table(runs, f):
    print_rows(*table(f))
    print(f"\ninput: {mb(f['bytes']):.1f} MB, {f['lines']:,} resources, {f['files']} files "
          f"({f['copies']} copies of synthea-10)")
    for s in summary(f):
        print(s)
    if f["matrix"]:
        for key, where in (("matrix", WHERE[0][1]), ("matrix_mem", WHERE[1][1])):
            if not f[key]:
                continue
            print(f"\nthreads matrix, {where} (same input, median of "
                  f"{env('BENCH_REPEAT', '3')}):")
            head, rows = matrix_table(f, key)
            print_rows(head, [tuple(c.replace("`", "") for c in r) for r in rows], left=2)
        print("\nissue 18 targets (reported, not asserted):")
        for t in target_lines(f):
            print("  " + t.replace("`", ""))


def markdown(runs, f):
    m = machine()
    head, rows = table(f)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rep = env("BENCH_REPEAT", "3")
    out = []
    w = out.append
    w(BEGIN)
    w("## Transform throughput and memory")
    w("")
    w("Generated by `bench/run.sh` (do not edit between the markers; rerun the script).")
    w("")
    w(f"- **Date:** {now}")
    w(f"- **Machine:** {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, Linux {m['kernel']}")
    w(f"- **Build:** Release (`build-bench/`), {env('BENCH_CC', '?').strip()}, "
      f"cJSON {env('BENCH_CJSON', '?')}")
    w(f"- **Commit:** `{env('BENCH_COMMIT', 'unknown')}`")
    w(f"- **Table configuration:** `{env('BENCH_CONFIG', 'samples/config')}`")
    w(f"- **Input:** `{env('BENCH_DATA', 'bench/data')}`: {mb(f['bytes']):.1f} MB "
      f"({f['bytes']:,} bytes), {f['lines']:,} resources in {f['files']} NDJSON files, "
      f"{f['copies']} id-rewritten copies of `../shared/data/synthea-10`; the 1/10 input "
      f"`{env('BENCH_TENTH', 'bench/data-tenth')}` is the first {f['tenth_copies']} of those "
      f"copies ({mb(f['tenth_bytes']):.1f} MB, {f['tenth_lines']:,} resources).")
    if "cfg_bytes" in f:
        names = " ".join(os.path.basename(p).split(".", 1)[0]
                         for p in env("BENCH_CONFIGURED_FILES").split())
        w(f"- **Configured resource types** (those with a table in the configuration): {names} "
          f"-- {mb(f['cfg_bytes']):.1f} MB, {f['cfg_lines']:,} resources "
          f"({100 * f['cfg_bytes'] / f['bytes']:.0f}% of the input bytes).")
    w(f"- **Output:** {mb(int(env('BENCH_OUT_BYTES', '0'))):.1f} MB in "
      f"{env('BENCH_OUT_CSV', '?')} CSV partitions (+ model.json).")
    w(f"- **Method:** page cache warm (one untimed parse_baseline pass first); every run "
      f"repeated {rep} times in one session, median reported; runs are sequential (one process "
      f"at a time). The transformer rows of this table run with the default `--threads` (the "
      f"online CPUs: {m['nproc']} here). Wall time and peak RSS from GNU time (`%e`, `%M`); parse_baseline's "
      f"time is its own monotonic-clock measurement of its read+parse loop. MB = 10^6 bytes of "
      f"input; resources/s = input NDJSON lines / wall s.")
    w("")
    w("| " + " | ".join(head) + " |")
    w("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for r in rows:
        w("| " + " | ".join(r) + " |")
    w("")
    for s in summary(f):
        w("- " + s[0].upper() + s[1:] + ".")
    w(f"- Transform CPU split: {f['t_user']:.2f} s user, {f['t_sys']:.2f} s system (medians); "
      f"peak RSS {mib(f['t_rss']):.1f} MiB on the full input vs {mib(f['tt_rss']):.1f} MiB on "
      f"1/10 of it.")
    w("")
    if f["matrix"]:
        w("### Threads, configurations and formats (issue 18)")
        w("")
        w(f"Same input (`{env('BENCH_DATA', 'bench/data')}`, {mb(f['bytes']):.1f} MB), every "
          f"cell `--threads 1` and `--threads 2`, `--format csv` and `--format parquet`; each "
          f"round runs every cell once in table order, median of {rep} rounds.  Wall times are "
          f"the shell's clock around each run.  Each round runs the cells twice: with the output "
          f"on the disk of `bench/out` (every partition fsynced before the commit, as a user "
          f"runs it: the targets are judged on these), then, when a tmpfs is available, with the "
          f"output in memory (the same CPU work without the device, to show how the computation "
          f"itself scales).")
        w("")
        for key, where in (("matrix", WHERE[0][1]), ("matrix_mem", WHERE[1][1])):
            if not f[key]:
                continue
            w(f"{where[0].upper() + where[1:]}:")
            w("")
            head, rows = matrix_table(f, key)
            w("| " + " | ".join(head) + " |")
            w("|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|")
            for r in rows:
                w("| " + " | ".join(r) + " |")
            w("")
        w("Targets (PASS/MISS are reported, not asserted; throughput = input MB / wall s, the "
          "parse-only side is parse_baseline's self-timed read+parse loop over all files):")
        w("")
        for t in target_lines(f):
            w("- " + t)
        w("")
    w("All runs (wall s / peak RSS KiB / user s / sys s):")
    w("")
    labels = ["baseline", "baseline_configured", "transform", "transform_tenth"]
    labels += [f"{k}.{s}.{fm}.t{t}" for k, _ in WHERE for s in SOURCES for fm in FORMATS
               for t in THREADS]
    labels += [f"{k}.pair" for k, _ in WHERE]
    for label in labels:
        if not runs.get(label):
            continue
        cells = []
        for r in runs[label]:
            s = f"{r['wall']:.3f} / {r['rss']} / {r['user']:.2f} / {r['sys']:.2f}"
            if "self" in r:
                s += f" (self-timed {r['self']:.3f} s)"
            cells.append(s)
        w(f"- `{label}`: " + "; ".join(cells))
    w("")
    w("Commands (from the project root; `bench/run.sh` runs them all, then writes this section):")
    w("")
    w("```sh")
    w(env("BENCH_CMD_CONFIGURE"))
    w(env("BENCH_CMD_BUILD"))
    for c in env("BENCH_CMD_GEN").split("; "):
        w(c)
    w(env("BENCH_CMD_BASELINE"))
    if runs.get("baseline_configured"):
        w(env("BENCH_CMD_BASELINE_CONFIGURED"))
    w(env("BENCH_CMD_TRANSFORM"))
    w(env("BENCH_CMD_TENTH"))
    cmds = load_commands(env("BENCH_COMMANDS"))
    if any(runs.get(label) and label in cmds for label in labels[4:]):
        w("# threads matrix: each run into a freshly removed output folder (mem.*: inside a "
          "folder that mktemp -d made in the tmpfs for this benchmark run)")
    for label in labels[4:]:
        if runs.get(label) and label in cmds:
            w(cmds[label])
    w("```")
    w(END)
    return "\n".join(out) + "\n"


def write_doc(path, section, begin=BEGIN, end=END):
    """Replaces the text between the begin and end markers of path (appends the section when
    they are missing); other sections are left as they are.  Also used by bench/export.py."""
    try:
        with open(path) as fh:
            text = fh.read()
    except FileNotFoundError:
        text = DOC_HEADER
    b, e = text.find(begin), text.find(end)
    if b >= 0 and e > b:
        text = text[:b] + section.rstrip("\n") + text[e + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--doc", help="markdown file whose bench:transform section to regenerate")
    args = ap.parse_args()
    runs, f = build(args.results)
    print_table(runs, f)
    if args.doc:
        write_doc(args.doc, markdown(runs, f))
        print(f"\nwrote {args.doc}")


if __name__ == "__main__":
    main()
