#!/usr/bin/env python3
"""make_corpus.py: (re)writes the committed seed corpora tests/fuzz/corpus/<target>/ from the
project's samples and test fixtures, so the seeds stay traceable: each file is named by its
origin (path with '/' -> '-').  Run from anywhere; replaces the generated corpora of the
targets below (the keys of fuzz_pem are made with openssl, fresh throwaway keys each run).

Why a script: the corpora are derived data; re-running this after fixtures change keeps them
in step instead of hand-copied files drifting.  Input formats: see each target's top comment
(bundles: tests/fuzz/fuzz_files.h).
"""
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
MAX = 60000  # scripts/fuzz.sh runs with -max_len=65536
PER_TARGET = 40


def rel(p):
    return os.path.relpath(p, ROOT)


def origin_name(p, ext=""):
    return re.sub(r"[^A-Za-z0-9._-]", "-", rel(p).replace("/", "-")) + ext


class Corpus:
    def __init__(self, target):
        self.dir = os.path.join(OUT, target)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.seen = set()

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode()
        if len(data) > MAX or data in self.seen or len(self.seen) >= PER_TARGET:
            return
        self.seen.add(data)
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)


def read(p):
    with open(p, "rb") as f:
        return f.read()


def bundle(files):
    """files: [(name, bytes)] -> the fuzz_files.h bundle."""
    out = b""
    for name, data in files:
        out += b"=== " + name.encode() + b"\n" + data
        if not data.endswith(b"\n"):
            out += b"\n"
    return out


def folder_files(d):
    files = []
    for sub in ("", "PropertiesGroup"):
        base = os.path.join(d, sub)
        if not os.path.isdir(base):
            continue
        for n in sorted(os.listdir(base)):
            p = os.path.join(base, n)
            if os.path.isfile(p):
                files.append(((sub + "/" if sub else "") + n, read(p)))
    return files


def dirs(pattern_dir):
    return sorted(os.path.join(pattern_dir, d) for d in os.listdir(pattern_dir)) if os.path.isdir(
        pattern_dir) else []


def yaml_corpus():
    c = Corpus("yaml")
    sep = b"#--- propertiesGroupConfig.yml\n"
    cands = [os.path.join(ROOT, "samples", "yaml")]
    cands += dirs(os.path.join(ROOT, "tests", "generator", "golden"))
    cands += dirs(os.path.join(ROOT, "tests", "generator", "bad"))
    for d in cands:
        r = os.path.join(d, "resourcesConfig.yml")
        g = os.path.join(d, "propertiesGroupConfig.yml")
        if os.path.isfile(r):
            rd = read(r)
            gd = read(g) if os.path.isfile(g) else b""
            if not rd.endswith(b"\n"):
                rd += b"\n"
            c.add(origin_name(d, ".yml"), rd + sep + gd)
    s = os.path.join(ROOT, "tests", "generator", "compat", "supplement.yml")
    if os.path.isfile(s):
        c.add(origin_name(s), read(s))


def tablecfg_corpus():
    c = Corpus("tablecfg")
    samples = os.path.join(ROOT, "samples", "config")
    files = folder_files(samples)
    groups = [f for f in files if f[0].startswith("PropertiesGroup/")]
    # samples/config by resource type (each with every group), so each seed stays small.
    by_rt = {}
    for name, data in files:
        if not name.startswith("PropertiesGroup/"):
            rt = json.loads(data).get("resourceType", "x")
            by_rt.setdefault(rt, []).append((name, data))
    for rt, tables in sorted(by_rt.items()):
        c.add("samples-config-" + rt + ".bundle", bundle(tables + groups))
    for d in dirs(os.path.join(ROOT, "tests", "transform", "configs")):
        c.add(origin_name(d, ".bundle"), bundle(folder_files(d)))
    for d in dirs(os.path.join(ROOT, "tests", "tablecfg", "bad")):
        cfg = os.path.join(d, "config")
        if os.path.isdir(cfg):
            c.add(origin_name(cfg, ".bundle"), bundle(folder_files(cfg)))


def view_corpus():
    c = Corpus("view")
    for p in sorted(os.listdir(os.path.join(ROOT, "samples", "views"))):
        if p.endswith(".json"):
            c.add(origin_name(os.path.join(ROOT, "samples", "views", p)),
                  read(os.path.join(ROOT, "samples", "views", p)))
    for d in dirs(os.path.join(ROOT, "tests", "views", "names")):
        v = os.path.join(d, "views")
        if os.path.isdir(v):
            c.add(origin_name(v, ".bundle"), bundle(folder_files(v)))
    for d in dirs(os.path.join(ROOT, "tests", "transform", "cases")):
        for sub in ("views", "view"):
            v = os.path.join(d, sub)
            if os.path.isdir(v):
                c.add(origin_name(v, ".bundle"), bundle(folder_files(v)))
    cases = os.path.join(ROOT, "tests", "views", "cases")
    for p in sorted(os.listdir(cases)) if os.path.isdir(cases) else []:
        doc = json.loads(read(os.path.join(cases, p)))
        for i, t in enumerate(doc.get("tests", [])):
            if "view" in t:
                c.add(origin_name(os.path.join(cases, p), "-tests-%d.json" % i),
                      json.dumps(t["view"], indent=1))


def sqlmodel_corpus():
    c = Corpus("sqlmodel")
    cands = [os.path.join(ROOT, "tests", "cdm", "expected-model.json")]
    for d in dirs(os.path.join(ROOT, "tests", "transform", "cases")):
        for sub in ("expected", "preout"):
            cands.append(os.path.join(d, sub, "model.json"))
    for p in cands:
        if os.path.isfile(p):
            c.add(origin_name(p), read(p))


def c_strings_from(path):
    """Adjacent C string literals in a file, joined, when the result starts with '{'."""
    text = read(path).decode()
    out = []
    for m in re.finditer(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+', text):
        parts = re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(0))
        s = "".join(ast.literal_eval('"' + p + '"') for p in parts)
        if s.startswith("{"):
            out.append(s)
    return out


def bulk_corpus():
    c = Corpus("bulk")
    src = os.path.join(ROOT, "tests", "bulk", "bulk_unit.c")
    for i, s in enumerate(c_strings_from(src)):
        c.add(origin_name(src, "-%02d.json" % i), s)


def pem_corpus():
    c = Corpus("pem")
    with tempfile.TemporaryDirectory() as t:
        def gen(name, *args):
            p = os.path.join(t, name)
            subprocess.run(["openssl"] + list(args) + ["-out", p], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            c.add("openssl-" + name, read(p))
            return p
        gen("ec-p384.pem", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384")
        gen("ec-p256.pem", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
        rsa = gen("rsa-2048.pem", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        gen("rsa-1024.pem", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
        gen("ed25519.pem", "genpkey", "-algorithm", "ED25519")
        gen("rsa-2048-traditional.pem", "rsa", "-in", rsa, "-traditional")
        gen("rsa-2048-encrypted.pem", "pkey", "-in", rsa, "-aes256", "-passout", "pass:x")
        ec = os.path.join(t, "ec-p384.pem")
        gen("ec-p384-traditional.pem", "ec", "-in", ec)
        gen("rsa-2048-public.pem", "pkey", "-in", rsa, "-pubout")
        # JWKs (RFC 7517) of the same keys, from openssl's key dump (tests/export/exporttest.py)
        sys.path.insert(0, os.path.join(ROOT, "tests", "export"))
        from exporttest import jwk_of
        c.add("openssl-rsa-2048.jwk.json", json.dumps(jwk_of(rsa, "kid-rsa")))
        c.add("openssl-ec-p384.jwk.json", json.dumps(jwk_of(ec, "kid-ec")))
        c.add("openssl-rsa-2048-public.jwk.json", json.dumps(jwk_of(rsa, "k", private=False)))
        c.add("openssl-ec-p256.jwk.json",
              json.dumps(dict(jwk_of(os.path.join(t, "ec-p256.pem"), None), crv="P-256")))
    c.add("handmade-empty-body.pem", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n")
    c.add("handmade-jwk-oct.json", '{"kty":"oct","k":"AAAA","d":"x","kid":"sym"}')
    c.add("handmade-bad-base64.pem", "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n")


def main():
    wanted = sys.argv[1:] or ["yaml", "tablecfg", "view", "sqlmodel", "bulk", "pem"]
    for t in wanted:
        globals()[t + "_corpus"]()
        print("%s: %d seeds" % (t, len(os.listdir(os.path.join(OUT, t)))))


if __name__ == "__main__":
    main()
