#!/usr/bin/env python3
"""The html schema page in a real browser: Debian's headless Chromium.

usage: browser_test.py <fhir2cdm> <source_dir>

For each configuration below, `fhir2cdm show-schema --format html` writes a page which must:
  1. be self-contained: no element loads anything (no src=, no <link>, no url(), @import or
     http(s):// anywhere in the markup);
  2. load in Chromium without a single console message (an uncaught script error, a failed
     load, a console.error... are all logged as "CONSOLE" lines with --enable-logging);
  3. render to a PNG (kept in the working directory as schema-<name>.png for a human to look
     at; with CTest that is <build>/tests/schema/);
  4. show, in the DOM Chromium built (--dump-dom), a section headed by every table name the
     json format lists, and every column name and fhirExpression as text (so escaping
     round-trips: "a < b & c" is displayed, not parsed as markup);
  5. have a working filter box: with a test script that types into it, exactly the tables
     whose name or column names contain the text stay visible.

Chromium: `chromium` on PATH; if missing, this installs Debian's package with apt-get (when
run as root) and skips, exit 77 with a banner, when that is impossible.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402

PAGES = [  # (name, show-schema arguments)
    ("basic", ["-d", "tests/transform/configs/basic"]),
    ("joins", ["-d", "tests/schema/configs/joins"]),
    ("samples", ["-d", "samples/config"]),
    ("joins-table", ["-d", "tests/schema/configs/joins", "-t", "PatientContact"]),
]
FILTER_TEXT = "telecom"


def find_chromium():
    exe = shutil.which("chromium")
    if exe:
        return exe
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        f2ctest.skip("chromium is not installed and cannot be installed here (not root or no "
                     "apt-get): apt-get install chromium; the html page was NOT tested in a "
                     "browser")
    print("chromium not found: apt-get install -y --no-install-recommends chromium", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    p = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                       capture_output=True, env=env, timeout=600)
    if p.returncode != 0:
        p = subprocess.run("apt-get update && apt-get install -y --no-install-recommends "
                           "chromium", shell=True, capture_output=True, env=env, timeout=900)
    exe = shutil.which("chromium")
    if not exe:
        tail = p.stderr.decode(errors="replace")[-2000:]
        f2ctest.skip("chromium could not be installed (apt-get exit %d):\n%s\nthe html page was "
                     "NOT tested in a browser" % (p.returncode, tail))
    return exe


def chromium(exe, profile, url, *extra):
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", *extra, url]
    return subprocess.run(cmd, capture_output=True, timeout=180)


class Dom(html.parser.HTMLParser):
    """Collects section headings, section data-search/hidden, and all text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.headings, self.sections = [], [], []
        self._in_h2 = False
        self._h2 = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "tbl" in (a.get("class") or "").split():
            self.sections.append({"id": a.get("id"), "search": a.get("data-search", ""),
                                  "hidden": "hidden" in a})
        if tag == "h2" and self.sections:
            self._in_h2, self._h2 = True, []

    def handle_endtag(self, tag):
        if tag == "h2" and self._in_h2:
            self._in_h2 = False
            self.headings.append("".join(self._h2).strip())

    def handle_data(self, data):
        self.text.append(data)
        if self._in_h2:
            self._h2.append(data)


def parse(dom_text):
    d = Dom()
    d.feed(dom_text)
    return d


def console_lines(stderr):
    return [l for l in stderr.decode("utf-8", "replace").splitlines()
            if ":CONSOLE" in l or "Uncaught" in l]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, src = sys.argv[1:]
    browser = find_chromium()
    fails = f2ctest.Failures()
    tmp = tempfile.mkdtemp(prefix="f2c-schema-html-")
    try:
        for name, args in PAGES:
            page = os.path.join(tmp, name + ".html")
            p = subprocess.run([exe, "show-schema", *args, "--format", "html", "-o", page],
                               cwd=src, capture_output=True, timeout=60)
            j = subprocess.run([exe, "show-schema", *args, "--format", "json"], cwd=src,
                               capture_output=True, timeout=60)
            if not fails.check(p.returncode == 0 and j.returncode == 0,
                               f"{name}: show-schema failed: {p.stderr!r} {j.stderr!r}"):
                continue
            tables = json.loads(j.stdout)["tables"]
            markup = open(page, encoding="utf-8").read()

            # 1. self-contained
            for pat in (r"\bsrc\s*=", r"<link\b", r"url\(", r"@import", r"https?://"):
                fails.check(not re.search(pat, markup, re.I), f"{name}: page contains {pat!r}")

            # 2 + 3. loads without console messages, renders to a PNG
            png = os.path.abspath(f"schema-{name}.png")
            if os.path.exists(png):
                os.remove(png)
            r = chromium(browser, os.path.join(tmp, "profile-shot-" + name), "file://" + page,
                         "--screenshot=" + png, "--window-size=1400,2000")
            fails.check(r.returncode == 0, f"{name}: chromium --screenshot exit {r.returncode}")
            fails.check(not console_lines(r.stderr),
                        f"{name}: console messages: {console_lines(r.stderr)}")
            ok_png = os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
            if fails.check(ok_png and os.path.getsize(png) > 20000,
                           f"{name}: no (or an empty-looking) PNG at {png}"):
                print(f"{name}: rendered to {png} ({os.path.getsize(png)} bytes)")

            # 4. every table, column and expression is shown as text
            r = chromium(browser, os.path.join(tmp, "profile-dom-" + name), "file://" + page,
                         "--dump-dom")
            fails.check(r.returncode == 0, f"{name}: chromium --dump-dom exit {r.returncode}")
            fails.check(not console_lines(r.stderr),
                        f"{name}: console messages: {console_lines(r.stderr)}")
            dom = parse(r.stdout.decode("utf-8", "replace"))
            text = "".join(dom.text)
            shown = [h.split()[0] if h else "" for h in dom.headings]
            want = [t["name"] for t in tables]
            fails.check(sorted(shown) == sorted(want),
                        f"{name}: section headings {shown}, expected one per table {want}")
            for t in tables:
                for c in t["columns"]:
                    fails.check(c["name"] in text, f"{name}: column {t['name']}.{c['name']} "
                                "is not shown")
                    expr = c.get("fhirExpression")
                    if expr:
                        fails.check(expr in text, f"{name}: fhirExpression {expr!r} is not "
                                    "shown as text")
            print(f"{name}: {len(want)} tables shown: {', '.join(want)}")

            # 5. the filter box
            if "-t" in args:
                continue
            probe = os.path.join(tmp, name + "-filter.html")
            script = ("<script>var b = document.getElementById('filter'); b.value = '%s'; "
                      "b.dispatchEvent(new Event('input'));</script>\n</body>" % FILTER_TEXT)
            open(probe, "w", encoding="utf-8").write(markup.replace("</body>", script))
            r = chromium(browser, os.path.join(tmp, "profile-filter-" + name), "file://" + probe,
                         "--dump-dom")
            fails.check(not console_lines(r.stderr),
                        f"{name}: filter: console messages: {console_lines(r.stderr)}")
            dom = parse(r.stdout.decode("utf-8", "replace"))
            visible = sorted(s["id"][2:] for s in dom.sections if not s["hidden"])
            expect = sorted(t["name"] for t in tables
                            if FILTER_TEXT in (t["name"] + " " + " ".join(
                                c["name"] for c in t["columns"])).lower())
            fails.check(visible == expect and len(dom.sections) == len(tables),
                        f"{name}: filter '{FILTER_TEXT}' left {visible} visible, expected "
                        f"{expect}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not fails.items:
        print("ok")
    return 1 if fails.items else 0


if __name__ == "__main__":
    sys.exit(main())
