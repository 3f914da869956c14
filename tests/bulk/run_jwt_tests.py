#!/usr/bin/env python3
"""Checks the SMART Backend Services client assertion signer (lib/net/f2c_jwt.c) with openssl.

Why: a JWS our own code verifies proves nothing if signer and verifier share a mistake (DER vs
raw r||s for ES384, padding, the signing input); `openssl dgst -sha384 -verify` is independent.

What: makes an RSA-2048 key (RS384) and an EC P-384 key (ES384) with `openssl genpkey`, has
`bulk_unit sign` sign a client assertion with each, and checks the header (alg, typ, kid), the
claims (iss = sub = client id, aud, exp within 5 minutes, a 32-hex-digit jti that differs per
assertion) and the signature; the same keys as JWKs (made from `openssl pkey -text`), whose kid
becomes the header's; then checks that unusable keys (RSA 1024, EC P-256, not a key,
a missing file, an encrypted key) are refused with a message that does not contain key
material.  Exit 0 pass, 1 fail, 77 skip (no openssl command).  Python stdlib only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

# The JWS helpers (base64url, ES384 raw r||s -> DER for openssl) are the Bulk Data test server's:
# one copy for both places that check our assertions.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "export"))
from bulk_server import b64url_decode as b64d, ecdsa_raw_to_der as raw_to_der  # noqa: E402
from exporttest import jwk_of  # noqa: E402  (JWKs from openssl's key dump)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402  (expect, report)

CHECKS = f2ctest.Failures()  # this test's own list (tests importing it keep theirs)
failures, expect = CHECKS.items, CHECKS.expect


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    a = ap.parse_args()
    if not shutil.which("openssl"):
        print("SKIP: no openssl command")
        return 77
    tmp = tempfile.mkdtemp(prefix="bulk-jwt-")
    try:
        keys = {}
        for alg, opts in (("RS384", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                          ("ES384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"])):
            priv = os.path.join(tmp, alg + ".pem")
            pub = os.path.join(tmp, alg + ".pub.pem")
            openssl("genpkey", *opts, "-out", priv)
            openssl("pkey", "-in", priv, "-pubout", "-out", pub)
            keys[alg] = (priv, pub)
        aud = "https://auth.example/token?x=1"
        for alg, (priv, pub) in keys.items():
            jtis = set()
            for run in range(2):
                t0 = int(time.time())
                p = subprocess.run([a.tool, "sign", priv, "client-\u00e9\"1", aud] +
                                   (["kid-7"] if run == 0 else []),
                                   capture_output=True, text=True)
                expect(p.returncode == 0, f"{alg} #{run}: signed (exit {p.returncode} {p.stdout})")
                if p.returncode != 0:
                    continue
                jws = p.stdout.strip()
                parts = jws.split(".")
                expect(len(parts) == 3 and all("=" not in x for x in parts),
                       f"{alg} #{run}: three unpadded base64url parts")
                h = json.loads(b64d(parts[0]))
                c = json.loads(b64d(parts[1]))
                want_h = {"alg": alg, "typ": "JWT"}
                if run == 0:
                    want_h["kid"] = "kid-7"
                expect(h == want_h, f"{alg} #{run}: header {h}")
                expect(c.get("iss") == c.get("sub") == "client-\u00e9\"1" and c.get("aud") == aud,
                       f"{alg} #{run}: iss = sub = client id, aud = token URL")
                exp = c.get("exp")
                expect(isinstance(exp, int) and t0 < exp <= int(time.time()) + 300,
                       f"{alg} #{run}: exp within the next 5 minutes ({exp})")
                jti = c.get("jti", "")
                expect(len(jti) == 32 and all(ch in "0123456789abcdef" for ch in jti) and
                       jti not in jtis, f"{alg} #{run}: fresh random jti")
                jtis.add(jti)
                sig = b64d(parts[2])
                if alg == "ES384":
                    expect(len(sig) == 96, "ES384: raw r||s signature of 96 bytes")
                    sig = raw_to_der(sig)
                else:
                    expect(len(sig) == 256, "RS384: 256-byte signature (2048-bit key)")
                data = os.path.join(tmp, "in")
                sigf = os.path.join(tmp, "sig")
                with open(data, "w") as f:
                    f.write(parts[0] + "." + parts[1])
                with open(sigf, "wb") as f:
                    f.write(sig)
                v = subprocess.run(["openssl", "dgst", "-sha384", "-verify", pub, "-signature",
                                    sigf, data], capture_output=True, text=True)
                expect(v.returncode == 0 and "Verified OK" in v.stdout,
                       f"{alg} #{run}: openssl dgst -sha384 -verify accepts the signature")
        # JWK private keys (f2c_jwk.c): the JWK's kid is the header's unless KID is given; the
        # signature verifies with the PEM public key of the same key pair.
        for alg, (priv, pub) in keys.items():
            jwk_path = os.path.join(tmp, alg + ".jwk")
            with open(jwk_path, "w") as f:
                json.dump(jwk_of(priv, "jwk-" + alg.lower()), f)
            for args, kid in (([], "jwk-" + alg.lower()), (["given-9"], "given-9")):
                p = subprocess.run([a.tool, "sign", jwk_path, "c", aud] + args,
                                   capture_output=True, text=True)
                parts = p.stdout.strip().split(".")
                ok = p.returncode == 0 and len(parts) == 3
                h = json.loads(b64d(parts[0])) if ok else {}
                if ok:
                    sig = b64d(parts[2])
                    sig = raw_to_der(sig) if alg == "ES384" else sig
                    with open(os.path.join(tmp, "in"), "w") as f:
                        f.write(parts[0] + "." + parts[1])
                    with open(os.path.join(tmp, "sig"), "wb") as f:
                        f.write(sig)
                    v = subprocess.run(["openssl", "dgst", "-sha384", "-verify", pub,
                                        "-signature", os.path.join(tmp, "sig"),
                                        os.path.join(tmp, "in")], capture_output=True, text=True)
                    ok = v.returncode == 0
                expect(ok and h == {"alg": alg, "typ": "JWT", "kid": kid},
                       f"{alg} JWK key{' with KID' if args else ''}: header {h}, signature "
                       f"verified by openssl with the PEM public key ({p.stdout.strip()[:80]})")
            inline = json.dumps(jwk_of(priv, None))
            p = subprocess.run([a.tool, "sign", inline, "c", aud], capture_output=True, text=True)
            parts = p.stdout.strip().split(".")
            h = json.loads(b64d(parts[0])) if p.returncode == 0 and len(parts) == 3 else None
            expect(h == {"alg": alg, "typ": "JWT"}, f"{alg}: inline JWK text without kid: no "
                   f"kid header ({h})")
        # RSA without the CRT parameters (RFC 7518 §6.3.2: they SHOULD be there) still signs;
        # a d that is not the key's, and CRT parameters given in part, are refused.
        full = jwk_of(keys["RS384"][0], "m")
        variants = {"rsa-min": ({k: full[k] for k in ("kty", "n", "e", "d", "kid")}, True),
                    "rsa-wrong-d": (dict(full, d=full["p"]), False),
                    "rsa-part-crt": ({k: v for k, v in full.items() if k != "dq"}, False)}
        for name, (jwk, good) in variants.items():
            path = os.path.join(tmp, name + ".jwk")
            with open(path, "w") as f:
                json.dump(jwk, f)
            p = subprocess.run([a.tool, "sign", path, "c", aud], capture_output=True, text=True)
            parts = p.stdout.strip().split(".")
            ok = p.returncode == 0 and len(parts) == 3
            if ok:
                with open(os.path.join(tmp, "in"), "w") as f:
                    f.write(parts[0] + "." + parts[1])
                with open(os.path.join(tmp, "sig"), "wb") as f:
                    f.write(b64d(parts[2]))
                ok = subprocess.run(["openssl", "dgst", "-sha384", "-verify", keys["RS384"][1],
                                     "-signature", os.path.join(tmp, "sig"),
                                     os.path.join(tmp, "in")], capture_output=True).returncode == 0
            expect(ok == good and (good or "not a private JWK" in p.stdout),
                   f"JWK {name}: {'signs, verified' if good else 'refused'} ({p.stdout.strip()[:70]})")
        pubjwk = os.path.join(tmp, "public.jwk")
        with open(pubjwk, "w") as f:
            json.dump(jwk_of(keys["RS384"][0], "k", private=False), f)
        p = subprocess.run([a.tool, "sign", pubjwk, "c", aud], capture_output=True, text=True)
        expect(p.returncode == 3 and "EUSAGE" in p.stdout and "not a private JWK" in p.stdout,
               f"a public JWK is refused ({p.stdout.strip()})")

        # Inline PEM text instead of a path.
        pem = open(keys["RS384"][0]).read()
        p = subprocess.run([a.tool, "sign", pem, "c", "https://a/t"], capture_output=True,
                           text=True)
        expect(p.returncode == 0 and p.stdout.count(".") == 2, "inline PEM text accepted")

        bad = {}
        bad["rsa1024"] = os.path.join(tmp, "rsa1024.pem")
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out",
                bad["rsa1024"])
        bad["p256"] = os.path.join(tmp, "p256.pem")
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                bad["p256"])
        bad["encrypted"] = os.path.join(tmp, "enc.pem")
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
                "-aes-128-cbc", "-pass", "pass:pw", "-out", bad["encrypted"])
        bad["garbage"] = os.path.join(tmp, "garbage.pem")
        with open(bad["garbage"], "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        bad["missing"] = os.path.join(tmp, "missing.pem")
        want = {"rsa1024": ("EUSAGE", "2048"), "p256": ("EUSAGE", "P-384"),
                "encrypted": ("EUSAGE", "unencrypted"), "garbage": ("EUSAGE", "PEM"),
                "missing": ("EIO", "No such file")}
        for name, path in bad.items():
            p = subprocess.run([a.tool, "sign", path, "c", "https://a/t"], capture_output=True,
                               text=True, stdin=subprocess.DEVNULL, timeout=30)
            st, frag = want[name]
            body = open(path).read().splitlines()[1] if os.path.exists(path) else "\0"
            expect(p.returncode == 3 and f"error: {st}:" in p.stdout and frag in p.stdout and
                   body not in p.stdout, f"{name} key refused: {p.stdout.strip()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return f2ctest.report(failures, "jwt: all checks passed")


if __name__ == "__main__":
    sys.exit(main())
