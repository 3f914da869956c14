#!/usr/bin/env python3
"""Self-test of bulk_server.py (CTest export.server): the Bulk Data test server behaves as its
docstring says, checked with plain HTTP requests, without the client under test.

Why: the client tests (test_export.py) trust this server to be right; a wrong server would make
them prove nothing.  Each server switch and each protocol rule the client tests lean on is
checked here on its own: kick-off header and parameter checks, status/manifest, file download
with Range/If-Range, DELETE, _type, _since (meta.lastUpdated with zone offsets, file mtime for
resources without it), the _typeFilter subset, a scripted --history (states, deleted[] of
transaction Bundles), levels, POST kick-off, the request log, and every
fault switch, the static bearer token, client-secret and private_key_jwt (RS384, ES384) tokens.

Usage: test_server.py --root REPO [--work DIR] [--keep].  Exit 0 pass, 1 fail.
"""
import argparse
import base64
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from exporttest import Server, expect, failures, genkey, make_jws, request  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pylib"))
import f2ctest  # noqa: E402  (report)

KICK = {"Accept": "application/fhir+json", "Prefer": "respond-async"}
T = "2024-05-01T12:00:00Z"
OLD = 1704067200  # 2024-01-01T00:00:00Z: mtime of the copied sample files


def copy_data(src, dst, mtime=OLD):
    os.makedirs(dst, exist_ok=True)
    for n in sorted(os.listdir(src)):
        if n.endswith(".ndjson"):
            shutil.copyfile(os.path.join(src, n), os.path.join(dst, n))
            os.utime(os.path.join(dst, n), (mtime, mtime))
    return dst


def kickoff(srv, query="", headers=KICK, path="/$export", method="GET", body=None):
    url = srv.base + path + ("?" + query if query else "")
    return request(method, url, headers, body)


def run_job(srv, query="", headers=KICK, **kw):
    """Kick-off and poll to completion: (manifest, job status URL)."""
    st, h, b = kickoff(srv, query, headers, **kw)
    ok = st == 202 and "content-location" in h
    if not expect(ok, f"kick-off {query or '(all)'} -> 202 with Content-Location" +
                  ("" if ok else f" (got {st} {b[:300]!r})")):
        return None, None
    loc = h["content-location"]
    auth = {k: v for k, v in headers.items() if k == "Authorization"}
    for _ in range(50):
        st, h, b = request("GET", loc, auth)
        if st == 200:
            return json.loads(b), loc
        if st != 202:
            expect(False, f"status request answered {st}: {b[:300]!r}")
            return None, loc
        time.sleep(float(h.get("retry-after", "0.1")))
    expect(False, "job never completed")
    return None, loc


def lines_of(data):
    return [ln for ln in data.splitlines(keepends=True) if ln.strip()]


def test_protocol(tmp, samples):
    data = copy_data(samples, os.path.join(tmp, "data"))
    names = sorted(n for n in os.listdir(data) if n.endswith(".ndjson"))
    with Server(os.path.join(tmp, "srv"), data, "--transaction-time", T) as srv:
        st, h, b = kickoff(srv, headers={"Accept": "application/fhir+json"})
        expect(st == 400 and b"OperationOutcome" in b and b"Prefer" in b,
               "kick-off without Prefer: respond-async -> 400 OperationOutcome")
        st, h, b = kickoff(srv, headers={"Prefer": "respond-async"})
        expect(st == 400 and b"OperationOutcome" in b, "kick-off without Accept -> 400")
        st, _, _ = kickoff(srv, "_outputFormat=text%2Fcsv")
        expect(st == 400, "_outputFormat=text/csv -> 400")
        st, _, _ = kickoff(srv, "_outputFormat=application/fhir+ndjson")
        expect(st == 400, "_outputFormat with an unencoded '+' (a space) -> 400")
        for f in ("application%2Ffhir%2Bndjson", "application%2Fndjson", "ndjson"):
            st, _, _ = kickoff(srv, "_outputFormat=" + f)
            expect(st == 202, f"_outputFormat={urllib.parse.unquote(f)} -> 202")
        st, _, _ = kickoff(srv, "_since=yesterday")
        expect(st == 400, "_since=yesterday -> 400")

        man, loc = run_job(srv)
        if man:
            expect(man["transactionTime"] == T, "manifest transactionTime = --transaction-time")
            expect(man["request"] == srv.base + "/$export", "manifest request = kick-off URL")
            expect(man["requiresAccessToken"] is False, "requiresAccessToken false without auth")
            expect(man["error"] == [], "error[] empty")
            got = [o["url"].rsplit("/", 1)[1] for o in man["output"]]
            expect(got == names, f"output files keep the source names ({got})")
            for o in man["output"]:
                name = o["url"].rsplit("/", 1)[1]
                src = open(os.path.join(data, name), "rb").read()
                expect(o["type"] == name.split(".")[0] and o["count"] == len(lines_of(src)),
                       f"{name}: type {o['type']}, count {o['count']}")
                st, h, b = request("GET", o["url"])
                expect(st == 200 and b == src and h["content-type"] == "application/fhir+ndjson"
                       and "etag" in h, f"{name}: 200, byte for byte, application/fhir+ndjson")
            o = man["output"][0]
            src = open(os.path.join(data, o["url"].rsplit("/", 1)[1]), "rb").read()
            st, h, b = request("GET", o["url"])
            etag = h["etag"]
            st, h, b = request("GET", o["url"], {"Range": "bytes=10-"})
            expect(st == 206 and b == src[10:] and
                   h.get("content-range") == f"bytes 10-{len(src) - 1}/{len(src)}",
                   "Range: bytes=10- -> 206 with the rest and Content-Range")
            st, h, b = request("GET", o["url"], {"Range": "bytes=10-19", "If-Range": etag})
            expect(st == 206 and b == src[10:20],
                   "Range bytes=10-19 with a matching If-Range -> 206")
            st, h, b = request("GET", o["url"], {"Range": "bytes=10-", "If-Range": '"stale"'})
            expect(st == 200 and b == src, "Range with a stale If-Range -> 200, whole file")
            st, h, b = request("GET", o["url"], {"Range": f"bytes={len(src)}-"})
            expect(st == 416, "Range past the end -> 416")
            st, _, _ = request("DELETE", loc)
            expect(st == 202, "DELETE job -> 202")
            st, _, _ = request("GET", loc)
            expect(st == 404, "status after DELETE -> 404")
            st, _, _ = request("GET", o["url"])
            expect(st == 404, "file after DELETE -> 404")

        man, _ = run_job(srv, "_type=Patient,Condition")
        expect(man and sorted(o["type"] for o in man["output"]) == ["Condition", "Patient"],
               "_type=Patient,Condition -> only those types")
        man, _ = run_job(srv, "_type=Patient&_type=Location")
        expect(man and sorted(o["type"] for o in man["output"]) == ["Location", "Patient"],
               "_type repeated -> union")
        for path, level in (("/Patient/$export", "patient"), ("/Group/g1/$export", "group")):
            man, _ = run_job(srv, path=path)
            expect(man and [o["url"].rsplit("/", 1)[1] for o in man["output"]] == names,
                   f"{path}: same content as system level")
        body = {"resourceType": "Parameters", "parameter": [
            {"name": "_type", "valueString": "Patient"},
            {"name": "_outputFormat", "valueString": "application/fhir+ndjson"}]}
        man, _ = run_job(srv, method="POST", body=body,
                         headers=dict(KICK, **{"Content-Type": "application/fhir+json"}))
        expect(man and [o["type"] for o in man["output"]] == ["Patient"],
               "POST kick-off with a Parameters body (_type=Patient)")
        st, _, _ = kickoff(srv, method="POST", body=b"not json")
        expect(st == 400, "POST kick-off with a non-Parameters body -> 400")
        st, _, _ = request("GET", srv.base + "/jobs/0123")
        expect(st == 404, "unknown job -> 404")

        log = srv.log()
        expect(all({"time", "method", "path", "query", "headers", "status"} <= set(e)
                   for e in log), "every log line has time, method, path, query, headers, status")
        ranged = [e for e in log if e["headers"].get("Range") == "bytes=10-19"]
        expect(ranged and ranged[0]["status"] == 206 and ranged[0]["headers"].get("If-Range"),
               "log records Range, If-Range and the status")
        ko = [e for e in log if e.get("kickoff") and e["kickoff"]["level"] == "group"]
        expect(ko and ko[0]["kickoff"]["group"] == "g1" and
               ko[0]["headers"].get("Prefer") == "respond-async" and
               ko[0]["transactionTime"] == T, "log records level, group, Prefer, transactionTime")
    return data


def test_since_and_filters(tmp, samples):
    data = copy_data(samples, os.path.join(tmp, "data-since"))
    pat = open(os.path.join(data, "Patient.ndjson"), "rb").read()
    plines = lines_of(pat)
    ids = [json.loads(ln)["id"] for ln in plines]
    lu = {json.loads(ln)["id"]: (json.loads(ln).get("meta") or {}).get("lastUpdated")
          for ln in plines}
    # sample-pat-1: 2024-02-29T23:30:00.1234+01:00 (= 22:30:00.1234Z), sample-pat-2:
    # 2024-03-01T00:15:00Z; the other two have no meta.lastUpdated (file mtime 2024-01-01).
    expect(lu.get("sample-pat-1") == "2024-02-29T23:30:00.1234+01:00" and
           lu.get("sample-pat-2") == "2024-03-01T00:15:00Z" and len(ids) == 4,
           "samples/ndjson/Patient.ndjson still has the lastUpdated values this test expects")
    recent = time.time() - 60
    newer = os.path.join(data, "Condition.ndjson")
    os.utime(newer, (recent, recent))         # no lastUpdated, recent mtime: always newer
    with Server(os.path.join(tmp, "srv-since"), data) as srv:
        def since(q, what, want_pat, want_others):
            man, loc = run_job(srv, q)
            if not man:
                return
            out = {o["url"].rsplit("/", 1)[1]: o for o in man["output"]}
            got_pat = []
            if "Patient.ndjson" in out:
                _, _, b = request("GET", out["Patient.ndjson"]["url"])
                got_pat = [json.loads(ln)["id"] for ln in lines_of(b)]
                expect(all(ln in plines for ln in lines_of(b)) and
                       out["Patient.ndjson"]["count"] == len(got_pat),
                       f"{what}: kept lines are verbatim, count right")
            expect(got_pat == want_pat and sorted(n for n in out if n != "Patient.ndjson") ==
                   want_others, f"{what}: Patient {got_pat}, others {sorted(out)}")
        since("_since=2024-02-29T22:30:00.1234Z", "_since equal to pat-1 (>= keeps it)",
              ["sample-pat-1", "sample-pat-2"], ["Condition.ndjson"])
        since("_since=2024-02-29T22:30:00.2Z", "_since just after pat-1",
              ["sample-pat-2"], ["Condition.ndjson"])
        since("_since=2024-03-01T01:15:00%2B01:00", "_since with a +01:00 offset (= pat-2)",
              ["sample-pat-2"], ["Condition.ndjson"])
        since("_since=2023-12-31T00:00:00Z", "_since before every mtime: all",
              ids, sorted(n for n in os.listdir(data) if n != "Patient.ndjson"))
        since("_since=" + urllib.parse.quote(time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                           time.gmtime(time.time() + 3600))),
              "_since in the future: no files", [], [])
        genders = {json.loads(ln)["id"]: json.loads(ln).get("gender") for ln in plines}
        fem = [i for i in ids if genders[i] == "female"]
        since("_type=Patient&_typeFilter=" + urllib.parse.quote("Patient?gender=female"),
              "_typeFilter Patient?gender=female", fem, [])
        fm = [i for i in ids if genders[i] in ("female", "male")]
        since("_type=Patient&_typeFilter=" + urllib.parse.quote("Patient?gender=female") +
              "&_typeFilter=" + urllib.parse.quote("Patient?gender=male"),
              "two _typeFilters for one type are ORed", fm, [])
        since("_type=Patient&_typeFilter=" + urllib.parse.quote("Patient?gender=female,male"),
              "_typeFilter with a value list", fm, [])
        man, _ = run_job(srv, "_typeFilter=" + urllib.parse.quote("Patient?_lastUpdated=gt2020"))
        ko = [e for e in srv.log() if e.get("kickoff") and "_typeFilter" in e["kickoff"]["params"]]
        expect(man and ko and ko[-1]["kickoff"]["typeFilterUnsupported"] ==
               ["Patient?_lastUpdated"], "unsupported _typeFilter parameters are logged, ignored")


def test_history(tmp):
    """--history: states, _since output, deleted[] of transaction Bundles, its switches."""
    def res(rtype, rid, lu, **kw):
        return json.dumps(dict({"resourceType": rtype, "id": rid, "meta": {"lastUpdated": lu}},
                               **kw))
    t0, t1 = "2024-05-01T12:00:00Z", "2024-05-02T12:00:00Z"
    p1b = res("Patient", "p1", "2024-05-02T01:00:00Z", gender="female")
    obs = res("Observation", "o1", "2024-05-02T03:00:00Z", status="final")
    hist = {"states": [
        {"transactionTime": t0, "events": [
            {"put": res("Patient", "p1", "2024-04-30T00:00:00Z")},
            {"put": res("Patient", "p2", "2024-04-30T00:00:00Z")},
            {"put": res("Observation", "o1", "2024-04-30T00:00:00Z")}]},
        {"transactionTime": t1, "events": [
            {"put": p1b}, {"delete": "Patient/p2", "time": "2024-05-02T02:00:00Z"},
            {"delete": "Observation/o1", "time": "2024-05-02T02:00:00Z"}, {"put": obs},
            {"delete": "Patient/x9", "time": "2024-05-02T04:00:00Z"}]}]}
    path = os.path.join(tmp, "history.json")
    with open(path, "w") as f:
        json.dump(hist, f)

    def files(man, key):
        out = {}
        for o in man.get(key, []):
            st, _, b = request("GET", o["url"])
            out[o["url"].rsplit("/", 1)[1]] = (o, st, b)
        return out

    def refs(b):
        return [[(e["request"]["method"], e["request"]["url"]) for e in json.loads(ln)["entry"]]
                for ln in lines_of(b)]
    with Server(os.path.join(tmp, "srv-hist"), None, "--history", path) as srv:
        man, _ = run_job(srv)
        out = files(man or {}, "output")
        expect(man and man["transactionTime"] == t1 and "deleted" not in man and
               sorted(out) == ["Observation.ndjson", "Patient.ndjson"] and
               out["Patient.ndjson"][2] == (p1b + "\n").encode(),
               "history, last state, no _since: its transactionTime, the current resources "
               "verbatim, no deleted[]")
        man, _ = run_job(srv, "_since=" + t0)
        out, dels = files(man or {}, "output"), files(man or {}, "deleted")
        expect(man and sorted(out) == ["Observation.ndjson", "Patient.ndjson"] and
               out["Observation.ndjson"][2] == (obs + "\n").encode(),
               "history _since: the resources changed since (also one deleted and put again)")
        expect(sorted(dels) == ["Observation.deleted.ndjson", "Patient.deleted.ndjson"] and
               all(o["type"] == "Bundle" and st == 200 for o, st, _ in dels.values()),
               f"history _since: deleted[] has one Bundle file per type ({sorted(dels)})")
        bundles = [json.loads(ln) for _, _, b in dels.values() for ln in lines_of(b)]
        expect(bundles and all(b["resourceType"] == "Bundle" and b["type"] == "transaction"
                               for b in bundles) and
               refs(dels["Patient.deleted.ndjson"][2]) ==
               [[("DELETE", "Patient/p2"), ("DELETE", "Patient/x9")]] and
               refs(dels["Observation.deleted.ndjson"][2]) == [[("DELETE", "Observation/o1")]],
               "deletion files: transaction Bundles of DELETE entries, two entries a Bundle")
        gets = [e for e in srv.log() if e.get("deleted")]
        expect(len(gets) == 2, "deletion file GETs are marked in the log")
        man, _ = run_job(srv, "_type=Observation&_since=" + t0)
        expect(man and [d["url"].rsplit("/", 1)[1] for d in man.get("deleted", [])] ==
               ["Observation.deleted.ndjson"], "history: _type applies to deleted[] too")
        man, _ = run_job(srv, "_since=2024-05-02T03:00:00Z")
        expect(man and [d["url"].rsplit("/", 1)[1] for d in man.get("deleted", [])] ==
               ["Patient.deleted.ndjson"], "history: deletions before _since are left out")
    with Server(os.path.join(tmp, "srv-hist0"), None, "--history", path, "--state", "0") as srv:
        man, _ = run_job(srv, "_since=2024-04-01T00:00:00Z")
        expect(man and man["transactionTime"] == t0 and man.get("deleted") == [] and
               len(man["output"]) == 2, "history --state 0: its time, everything, deleted []")
    with Server(os.path.join(tmp, "srv-hist-sw"), None, "--history", path,
                "--deleted-per-bundle", "1", "--bad-deleted-line") as srv:
        man, _ = run_job(srv, "_since=" + t0)
        dels = files(man or {}, "deleted")
        lines = lines_of(dels.get("Observation.deleted.ndjson", (0, 0, b""))[2])
        pl = lines_of(dels.get("Patient.deleted.ndjson", (0, 0, b""))[2])
        expect(len(pl) == 2 and len(lines) == 2 and lines[1].startswith(b"{") and
               not lines[1].rstrip().endswith(b"}"),
               "--deleted-per-bundle 1: a line per entry; --bad-deleted-line: line 2 of the "
               "first deletion file is cut short")
    with Server(os.path.join(tmp, "srv-hist-fail"), None, "--history", path, "--fail-deleted",
                "--bad-deleted-manifest") as srv:
        man, _ = run_job(srv, "_since=" + t0)
        d = (man or {}).get("deleted", [])
        st, h, _ = request("GET", d[0]["url"]) if d else (0, {}, b"")
        expect(st == 500 and h.get("retry-after") == "0" and "url" not in d[-1],
               "--fail-deleted: 500 with Retry-After 0; --bad-deleted-manifest: the last "
               "deleted[] item has no url")


def test_switches(tmp, data):
    def srv(name, *sw):
        return Server(os.path.join(tmp, name), data, *sw)

    with srv("slow", "--slow", "3") as s:
        st, h, _ = kickoff(s)
        loc = h["content-location"]
        seen = []
        for _ in range(4):
            st, h, _ = request("GET", loc)
            seen.append((st, h.get("x-progress"), h.get("retry-after")))
        expect(seen == [(202, "1 of 3", "1"), (202, "2 of 3", "1"), (202, "3 of 3", "1"),
                        (200, None, None)], f"--slow 3: 202 x3 with X-Progress k of 3, "
               f"Retry-After 1, then 200 ({seen})")

    with srv("caps", "--capability-types", "Patient,Condition", "--allow-csv", "--gzip") as s:
        st, _, b = request("GET", s.base + "/metadata", {"Accept": "application/fhir+json"})
        cs = json.loads(b) if st == 200 else {}
        types = [r.get("type") for rest in cs.get("rest") or [] if rest.get("mode") == "server"
                 for r in rest.get("resource", [])]
        expect(cs.get("resourceType") == "CapabilityStatement" and types == ["Patient",
               "Condition"], f"--capability-types: /metadata lists Patient, Condition ({types})")
        st, _, b = kickoff(s, "_type=Patient,Location")
        expect(st == 400 and b'The requested resource type \\"Location\\" is not available' in b,
               f"--capability-types: a kick-off for Location -> 400 OperationOutcome ({st} {b[:160]})")
        m, _ = run_job(s, "_type=Patient&_outputFormat=text/csv")
        url = m["output"][0]["url"] if m and m.get("output") else s.base
        st, h, b = request("GET", url)
        expect(st == 200 and h.get("content-type") == "text/csv" and
               b.startswith(b"resourceType,id\n"), f"--allow-csv: a text/csv job serves CSV "
               f"({st} {h.get('content-type')})")
        m, _ = run_job(s, "_type=Patient")
        url = m["output"][0]["url"] if m and m.get("output") else s.base
        st, h, plain = request("GET", url)
        st2, h2, z = request("GET", url, {"Accept-Encoding": "gzip, deflate"})
        expect(st == 200 and "content-encoding" not in h and st2 == 200 and
               h2.get("content-encoding") == "gzip" and gzip.decompress(z) == plain and
               len(z) < len(plain), f"--gzip: gzip only when asked, same bytes inflated "
               f"({len(z)} of {len(plain)} bytes)")
    with srv("ctype", "--content-type", "text/plain", "--expire-files") as s:
        m, _ = run_job(s, "_type=Patient")
        url = m["output"][0]["url"] if m and m.get("output") else s.base
        st, _, b = request("GET", url)
        expect(st == 410 and b'"expired"' in b and b"because the file expired" in b,
               f"--expire-files: 410 with an OperationOutcome ({st})")
    with srv("ctype2", "--content-type", "text/csv") as s:
        m, _ = run_job(s, "_type=Patient")
        url = m["output"][0]["url"] if m and m.get("output") else s.base
        st, h, _ = request("GET", url)
        expect(st == 200 and h.get("content-type") == "text/csv",
               f"--content-type text/csv: NDJSON served as text/csv ({h.get('content-type')})")

    with srv("rate", "--rate-limit", "2") as s:
        seq = [kickoff(s) for _ in range(3)]
        expect([x[0] for x in seq] == [429, 429, 202] and
               all(x[1].get("retry-after") == "1" for x in seq[:2]),
               "--rate-limit 2: kick-off 429, 429 (Retry-After: 1), then 202")
        loc = seq[2][1]["content-location"]
        seq = [request("GET", loc) for _ in range(3)]
        expect([x[0] for x in seq] == [429, 429, 200], "--rate-limit 2: status 429, 429, then 200")

    with srv("t500", "--transient-500") as s:
        _, h, _ = kickoff(s)
        loc = h["content-location"]
        a, b = request("GET", loc), request("GET", loc)
        expect(a[0] == 500 and b'"transient"' in a[2] and b[0] == 200,
               "--transient-500: first status 500 (issue code transient), then 200")
        out = json.loads(b[2])["output"]
        r1, r2 = request("GET", out[0]["url"]), request("GET", out[0]["url"])
        r3 = request("GET", out[1]["url"])
        expect(r1[0] == 500 and r2[0] == 200 and r3[0] == 200,
               "--transient-500: first GET of the first file 500 once, other files fine")

    with srv("drop", "--drop-mid-file") as s:
        man, _ = run_job(s)
        for o in man["output"][:2]:
            src = open(os.path.join(data, o["url"].rsplit("/", 1)[1]), "rb").read()
            st, h, part = request("GET", o["url"])
            expect(st == 200 and int(h["content-length"]) == len(src) and
                   len(part) == len(src) // 2, f"--drop-mid-file: first GET of {o['type']} sends "
                   f"Content-Length {len(src)} but {len(part)} bytes")
            st, h2, rest = request("GET", o["url"], {"Range": f"bytes={len(part)}-",
                                                     "If-Range": h["etag"]})
            expect(st == 206 and part + rest == src, "  resumed with Range -> the whole file")
        dropped = [e for e in s.log() if e.get("dropped")]
        expect(len(dropped) == 2, "log marks the dropped responses")

    with srv("errfile", "--error-file") as s:
        man, _ = run_job(s)
        err = man["error"] if man else []
        expect(len(err) == 1 and err[0]["type"] == "OperationOutcome",
               "--error-file: error[] lists one OperationOutcome file")
        if err:
            _, _, b = request("GET", err[0]["url"])
            texts = [i["diagnostics"] for ln in lines_of(b) for i in json.loads(ln)["issue"]]
            expect(len(texts) == 2 and "access denied" in texts[0], f"  two issues: {texts}")
            expect(len(man["output"]) == 10, "  the output files are still all there")

    with srv("failjob", "--fail-job") as s:
        _, h, _ = kickoff(s)
        st, _, b = request("GET", h["content-location"])
        expect(st == 500 and b"export failed: disk full" in b and b'"exception"' in b,
               "--fail-job: status 500 OperationOutcome 'export failed: disk full'")

    with srv("postonly", "--kickoff-post-only") as s:
        st, h, _ = kickoff(s)
        expect(st == 405 and h.get("allow") == "POST",
               "--kickoff-post-only: GET -> 405, Allow POST")
        st, _, _ = kickoff(s, method="POST", body={"resourceType": "Parameters"})
        expect(st == 202, "--kickoff-post-only: POST -> 202")

    with srv("token", "--require-token", "s3cr3t-token") as s:
        st, h, b = kickoff(s)
        expect(st == 401 and "www-authenticate" in h, "--require-token: no token -> 401")
        st, _, _ = kickoff(s, headers=dict(KICK, Authorization="Bearer wrong"))
        expect(st == 401, "--require-token: wrong token -> 401")
        auth = {"Authorization": "Bearer s3cr3t-token"}
        man, loc = run_job(s, headers=dict(KICK, **auth))
        expect(man and man["requiresAccessToken"] is True, "  requiresAccessToken true")
        if man:
            expect(request("GET", loc)[0] == 401, "  status without token -> 401")
            u = man["output"][0]["url"]
            expect(request("GET", u)[0] == 401 and request("GET", u, auth)[0] == 200,
                   "  file without token -> 401, with -> 200")
            expect(request("DELETE", loc)[0] == 401 and request("DELETE", loc, auth)[0] == 202,
                   "  DELETE without token -> 401, with -> 202")
        logged = [e["headers"].get("Authorization") for e in s.log() if e["status"] == 200]
        expect(logged and all(x == "Bearer s3cr3t-token" for x in logged),
               "  the log records the Authorization header")


def token_req(s, form, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    st, _, b = request("POST", s.token_url, h, urllib.parse.urlencode(form))
    try:
        return st, json.loads(b)
    except ValueError:
        return st, {}


def test_tokens(tmp, data):
    with Server(os.path.join(tmp, "tok-secret"), data, "--token-endpoint", "--client-id", "cid",
                "--client-secret", "shh", "--token-ttl", "2") as s:
        cc = {"grant_type": "client_credentials", "scope": "system/*.read"}
        st, j = token_req(s, dict(cc, client_id="cid", client_secret="nope"))
        expect(st == 401 and j.get("error") == "invalid_client", "client secret wrong -> 401")
        st, j = token_req(s, dict(cc, client_id="cid", client_secret="shh", grant_type="password"))
        expect(st == 400 and j.get("error") == "unsupported_grant_type",
               "grant_type password -> 400")
        st, j = token_req(s, dict(cc, client_id="cid", client_secret="shh"))
        expect(st == 200 and j.get("token_type") == "bearer" and j.get("expires_in") == 2 and
               j.get("access_token"), "client_secret_post -> token (expires_in = --token-ttl)")
        basic = "Basic " + base64.b64encode(b"cid:shh").decode()
        st2, j2 = token_req(s, cc, {"Authorization": basic})
        expect(st2 == 200 and j2.get("access_token"), "client_secret_basic -> token")
        tok = j.get("access_token", "")
        st, _, _ = kickoff(s)
        expect(st == 401, "--token-endpoint: kick-off without token -> 401")
        st, _, _ = kickoff(s, headers=dict(KICK, Authorization="Bearer " + tok))
        expect(st == 202, "  with an issued token -> 202")
        time.sleep(2.5)
        st, h, b = kickoff(s, headers=dict(KICK, Authorization="Bearer " + tok))
        expect(st == 401 and b"expired" in b, "  the token after --token-ttl -> 401 expired")
        expect(not any("shh" in json.dumps(e) for e in s.log()), "  the secret is never logged")

    for alg in ("RS384", "ES384"):
        priv, pub = genkey(tmp, alg)
        other, _ = genkey(tmp, alg, alg.lower() + "-other")
        with Server(os.path.join(tmp, "tok-" + alg), data, "--token-endpoint", "--client-id",
                    "cid", "--jwt-public-key", pub) as s:
            n = [0]

            def claims(**kw):
                n[0] += 1
                c = {"iss": "cid", "sub": "cid", "aud": s.token_url, "exp": int(time.time()) + 240,
                     "jti": f"jti-{alg}-{n[0]}"}
                c.update(kw)
                return c

            def assertion(jws):
                return {"grant_type": "client_credentials", "scope": "system/*.read",
                        "client_assertion_type":
                            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                        "client_assertion": jws}
            good = make_jws(priv, alg, claims(), {"kid": "k1"})
            st, j = token_req(s, assertion(good))
            expect(st == 200 and j.get("access_token"), f"{alg} private_key_jwt -> token ({j})")
            st, _, _ = kickoff(s, headers=dict(KICK, Authorization="Bearer " +
                                               j.get("access_token", "")))
            expect(st == 202, f"  {alg}: kick-off with that token -> 202")
            bad = [("jti reused", good),
                   ("wrong aud", make_jws(priv, alg, claims(aud=s.base))),
                   ("iss != client_id", make_jws(priv, alg, claims(iss="x"))),
                   ("exp 10 minutes ahead", make_jws(priv, alg,
                                                     claims(exp=int(time.time()) + 600))),
                   ("exp in the past", make_jws(priv, alg, claims(exp=int(time.time()) - 1))),
                   ("no jti", make_jws(priv, alg, {k: v for k, v in claims().items()
                                                   if k != "jti"})),
                   ("signed by another key", make_jws(other, alg, claims())),
                   ("alg RS256 header", make_jws(priv, alg, claims(), {"alg": "RS256"})),
                   ("no kid in the header", make_jws(priv, alg, claims(), {"kid": None}))]
            for what, jws in bad:
                st, j = token_req(s, assertion(jws))
                expect(st == 401 and j.get("error") == "invalid_client",
                       f"  {alg}: {what} -> 401 invalid_client ({j.get('error_description')})")
            st, j = token_req(s, dict(assertion(make_jws(priv, alg, claims())),
                                      client_assertion_type="urn:other"))
            expect(st == 400, f"  {alg}: wrong client_assertion_type -> 400")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--work", help="temporary folder parent (default: system temp)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = ap.parse_args()
    if a.work:
        os.makedirs(a.work, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="export-server-", dir=a.work)
    samples = os.path.join(a.root, "samples", "ndjson")
    try:
        data = test_protocol(tmp, samples)
        test_since_and_filters(tmp, samples)
        test_history(tmp)
        test_switches(tmp, data)
        test_tokens(tmp, data)
    except Exception:
        import traceback
        traceback.print_exc()
        failures.append("exception (above)")
    if a.keep or failures:
        print("work folder kept: " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return f2ctest.report(failures, "export.server: all checks passed")


if __name__ == "__main__":
    sys.exit(main())
