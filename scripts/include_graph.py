#!/usr/bin/env python3
"""include_graph: prints the dependency graph of the C sources in lib/, transformer/ and
generator/ as read from their quoted #include lines, and exits 1 on any cycle.

Why it exists: a cycle between source files ("a.c needs b.c needs a.c") means neither can be
read, tested or replaced without the other, and it creeps in silently when one shared header
declares the functions of several files.  So the graph is drawn the way a reader follows it:
a source file depends on the source files that *implement* the functions it calls from the
headers it includes (quoted includes resolved to files, followed through headers), and the
check fails when that graph, or the header include graph itself, has a cycle.  The rule it
enforces (docs/architecture.md): give each layer its own header declaring only what its own
file(s) define, and include headers of lower layers only.

Usage: scripts/include_graph.py [--quiet] [ROOT]   (ROOT: the repository, default: this
script's parent folder).  Exit status: 0 no cycle, 1 cycle(s) found (each printed), 2 usage.
Python 3 standard library only.
"""
import os
import re
import sys

AREAS = ("lib", "transformer", "generator")
INCLUDE_DIRS = ("lib/include", "lib/core", "lib/fhir", "lib/fhirpath", "lib/tables", "lib/cdm",
                "lib/net", "lib/engine", "generator", "transformer")
QUOTED = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
IDENT = re.compile(r"[A-Za-z_]\w*")
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "defined", "__attribute__",
            "typedef", "static", "inline", "extern", "const", "struct", "enum", "union"}


def strip_code(text):
    """The text without comments, string/char literals and preprocessor lines (same length
    of lines is not kept; only the code tokens matter)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            out.append(" 0 ")
        elif c == "#" and (i == 0 or text[i - 1] == "\n" or text[:i].rstrip(" \t").endswith("\n")):
            # preprocessor line, with its continuations
            j = i
            while True:
                k = text.find("\n", j)
                if k < 0:
                    k = n
                    break
                if text[k - 1] != "\\":
                    break
                j = k + 1
            i = k
        else:
            out.append(c)
            i += 1
    return "".join(out)


def top_level_chunks(code):
    """Yields (chunk, terminator) for each piece of code at brace depth 0 ending in ';' or '{'
    (the body of a '{' is skipped)."""
    depth, start = 0, 0
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0:
                yield code[start:i], "{"
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                start = i + 1
        elif c == ";" and depth == 0:
            yield code[start:i], ";"
            start = i + 1


def function_name(chunk):
    """The name of the function a chunk declares or defines, or None."""
    chunk = chunk.strip()
    if not chunk or chunk.startswith("typedef") or "(" not in chunk:
        return None
    head = chunk[: chunk.index("(")].rstrip()
    m = re.search(r"([A-Za-z_]\w*)$", head)
    if not m or m.group(1) in KEYWORDS or "=" in head:
        return None
    return m.group(1), chunk.split()[0] == "static" or " static " in " " + head + " "


def declared_and_defined(code):
    """(functions declared with ';', non-static functions defined with a body)."""
    declared, defined = set(), set()
    for chunk, term in top_level_chunks(code):
        got = function_name(chunk)
        if not got:
            continue
        name, static = got
        if term == ";":
            declared.add(name)
        elif chunk.rstrip().endswith(")") and not static:
            defined.add(name)
    return declared, defined


class Tree:
    def __init__(self, root):
        self.root = root
        self.files = {}  # relative path -> raw text
        for area in AREAS:
            for dirpath, dirs, names in os.walk(os.path.join(root, area)):
                dirs.sort()
                for name in sorted(names):
                    if name.endswith((".c", ".h")):
                        path = os.path.relpath(os.path.join(dirpath, name), root)
                        with open(os.path.join(root, path), encoding="utf-8") as f:
                            self.files[path] = f.read()
        self.code = {p: strip_code(t) for p, t in self.files.items()}
        self.includes = {p: self._resolve_all(p) for p in self.files}
        self.declared, self.defined = {}, {}
        for p, code in self.code.items():
            self.declared[p], self.defined[p] = declared_and_defined(code)

    def _resolve(self, path, name):
        for base in [os.path.dirname(path)] + list(INCLUDE_DIRS):
            cand = os.path.normpath(os.path.join(base, name))
            if cand in self.files:
                return cand
        return None  # outside the three areas (generated, third-party): not part of the graph

    def _resolve_all(self, path):
        found = []
        for name in QUOTED.findall(self.files[path]):
            r = self._resolve(path, name)
            if r and r not in found:
                found.append(r)
        return found

    def reach(self, path):
        """Headers included by path, directly or through other headers."""
        seen, pending = [], list(self.includes[path])
        while pending:
            h = pending.pop(0)
            if h not in seen:
                seen.append(h)
                pending.extend(self.includes[h])
        return seen

    def source_graph(self):
        """{source: {dependency source: sorted names}}: the functions a source file uses from
        the headers it includes, attributed to the source files that define them."""
        implementer = {}
        for p, names in self.defined.items():
            if p.endswith(".c"):
                for name in names:
                    implementer.setdefault(name, set()).add(p)
        graph = {}
        for p in sorted(self.files):
            if not p.endswith(".c"):
                continue
            used = set(IDENT.findall(self.code[p]))
            deps = {}
            for h in self.reach(p):
                for name in self.declared[h] & used:
                    for impl in implementer.get(name, ()):
                        if impl != p:
                            deps.setdefault(impl, set()).add(name)
            graph[p] = {d: sorted(n) for d, n in deps.items()}
        return graph


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def main(argv):
    quiet = "--quiet" in argv
    args = [a for a in argv if a != "--quiet"]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("usage: include_graph.py [--quiet] [ROOT]", file=sys.stderr)
        return 2
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    tree = Tree(os.path.abspath(root))
    headers = {p: tree.includes[p] for p in tree.files if p.endswith(".h")}
    sources = tree.source_graph()
    if not quiet:
        print("# includes (file -> quoted includes)")
        for p in sorted(tree.files):
            if tree.includes[p]:
                print(f"{p} -> {', '.join(tree.includes[p])}")
        print("# sources (file -> files implementing what it uses: functions)")
        for p, deps in sources.items():
            for d in sorted(deps):
                print(f"{p} -> {d}: {' '.join(deps[d])}")
    bad = [("header include cycle", c) for c in cycles(headers)]
    bad += [("source dependency cycle", c) for c in cycles(sources)]
    for kind, comp in bad:
        print(f"include_graph: {kind}: {' <-> '.join(comp)}", file=sys.stderr)
        for a in comp:
            for b in comp:
                names = sources.get(a, {}).get(b)
                if names:
                    print(f"  {a} uses {b}: {' '.join(names)}", file=sys.stderr)
    if bad:
        return 1
    print(f"include_graph: {len(tree.files)} files, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
