#!/usr/bin/env python3
"""A FHIR Bulk Data Access v2 ($export) test server over a folder of NDJSON files.

Why: `fhir2cdm-transform export` is a Bulk Data client; its tests need a server that follows the
protocol exactly, runs offline on loopback, and can be told to misbehave in the ways real servers
do (slow jobs, 429, transient 500, connections dropped mid-file, error files, tokens, failed jobs).
Python 3 standard library only (plus the `openssl` command for JWT signature checks).

What: `bulk_server.py --data DIR --port-file FILE [--port 0] [--log FILE] [switches]` serves the
`*.ndjson` files of DIR at http://127.0.0.1:<port>/fhir (or `--history FILE [--state K]` a
scripted history of states, see below).  Every request is logged to --log as
one JSON line (time, method, path, raw and parsed query, the headers tests care about, status,
and per-endpoint details) so tests can assert on what the client sent.

Protocol (references are to the Bulk Data Access IG v2.0.0, export.html, and SMART App Launch
v2 backend-services.html):
  * Kick-off ("Bulk Data Kick-off Request"): GET or POST (FHIR Parameters body)
    /fhir/$export, /fhir/Patient/$export, /fhir/Group/<id>/$export.  Accept must contain
    application/fhir+json and Prefer must contain respond-async, else 400 with an
    OperationOutcome ("Response - Error").  Parameters: _type (comma list, repeatable),
    _since (FHIR instant), _typeFilter (repeatable and/or comma list; subset below),
    _outputFormat (application/fhir+ndjson, application/ndjson, ndjson; anything else 400).
    Answer ("Response - Success"): 202 with Content-Location: <base>/jobs/<id>.
    Patient and Group level serve the same content as system level (this server has no
    compartments); the level and the group id are recorded in the log.
  * Status ("Bulk Data Status Request"): GET <base>/jobs/<id>: 202 with X-Progress and
    Retry-After while in progress ("Response - In-Progress Status"); 200 with the manifest
    {transactionTime, request, requiresAccessToken, output[{type,url,count}], error[]}
    ("Response - Complete Status"); 4XX/5XX with an OperationOutcome ("Response - Error
    Status"; a retryable failure uses issue.code "transient", a failed job "exception").
    429 + Retry-After when rate limited.
  * Delete ("Bulk Data Delete Request"): DELETE <base>/jobs/<id> -> 202; the job and its
    files are gone afterwards (404).
  * Files ("File Request"): GET <base>/files/<job>/<name>, Content-Type
    application/fhir+ndjson, with ETag, Accept-Ranges, `Range: bytes=N-` / `bytes=N-M` (206,
    Content-Range; 416 past the end) and If-Range (a stale validator gets the whole file).
    Output file names are the source file names (Patient.ndjson, Patient.000.ndjson), so a
    client's partitions are named as a local run over DIR names them.
  * Content of a job, fixed at kick-off: each source file's type is the resourceType of its
    lines (the file name's prefix before the first '.' if no line has one).  _type keeps
    files of those types.  _since keeps resources with meta.lastUpdated >= _since; a resource
    without meta.lastUpdated counts as updated at its file's mtime.  _typeFilter subset:
    `Type?name=v1,v2&name2=v` keeps resources whose top-level element `name` is a primitive
    equal to one of the values (several filters for one type are ORed, as the IG says);
    other parameters (with '_' or ':') are recorded as unsupported and ignored.  A file that
    is not filtered is served byte for byte; a filtered file keeps its lines verbatim; a file
    left without resources is omitted.  transactionTime: --transaction-time if given, else
    the time of the kick-off (UTC, milliseconds, Z).
  * A scripted history instead of --data (--history FILE, --state K; incremental exports with
    deletions, "Response - Complete Status" `deleted`): FILE lists states, each a
    transactionTime and the events since the previous one (a resource put, with its
    meta.lastUpdated as the time of the change, or a "Type/id" deleted at a time; class
    History).  A job serves state K (default: the last), transactionTime = the state's: one
    output file <Type>.ndjson per type (_type, _typeFilter as above; _since keeps resources
    with meta.lastUpdated >= _since); with _since, also `deleted`: one <Type>.deleted.ndjson
    per type of the deletions at or after _since (also of a resource created again since,
    which is then in both), NDJSON of transaction Bundles of --deleted-per-bundle DELETE
    entries (request.url Type/id); without _since the manifest has no `deleted` (the IG lets
    a server omit it).  Deletion files are served like output files (Range, ETag, the file
    switches); the log marks their GETs "deleted": true.
  * Token endpoint (SMART Backend Services, "Obtaining an access token"): POST <origin>/token,
    grant_type=client_credentials, authenticated by client_id + client_secret (form fields or
    HTTP Basic) or by private_key_jwt: client_assertion_type
    urn:ietf:params:oauth:client-assertion-type:jwt-bearer and a JWS client_assertion whose
    header alg is RS384 or ES384 and whose claims have iss = sub = client_id, aud = the token
    URL, exp in the future but at most 5 minutes ahead, and a jti never used before; the
    signature is checked with `openssl dgst -sha384 -verify` against --jwt-public-key (an
    ES384 signature is raw r||s and is converted to DER first).  Tokens live --token-ttl
    seconds; an expired one gets 401.  <base>/.well-known/smart-configuration names the
    token endpoint.  The assertion's header must carry a "kid" (SMART Backend Services,
    "Authentication JWT Header Values": kid is required); with --jwt-kid K it must be K.

  * Capabilities ("Conformance" of FHIR R4 RESTful API, CapabilityStatement): with
    --capability-types T1,T2 GET <base>/metadata answers a CapabilityStatement whose
    rest[0].resource[].type are those types, and a kick-off whose _type names another type is
    refused 400 with an OperationOutcome ('The requested resource type "X" is not available on
    this server', as the SMART reference server words it).  --capability-no-export T lists T
    too, with the IG's operation-not-supported extension (not exportable; refused the same way).
    A rest entry of mode "client" listing Basic precedes the server's.  Without
    --capability-types /metadata is 404.
  * Output format: _outputFormat text/csv is accepted with --allow-csv (the job then serves
    each file as text/csv with one CSV line per resource, as a server that honours it does);
    --content-type T serves the NDJSON files with Content-Type T instead.
  * Compression: a file GET whose Accept-Encoding lists gzip (--gzip) is sent gzip-encoded
    (Content-Encoding: gzip, Vary: Accept-Encoding; Range then counts the gzip bytes, as RFC 9110
    §14.1.2 has it); the log records "encoding" and the bytes sent.
  * Expired files: --expire-files answers every file GET 410 Gone with an OperationOutcome
    (code "expired", "... because the file expired").

Switches: --slow N, --rate-limit N, --transient-500, --drop-mid-file, --error-file,
--bad-deleted-line, --fail-deleted, --slow-deleted S, --bad-deleted-manifest (--history only),
--require-token T, --token-endpoint, --fail-job, --kickoff-post-only, and for clients that must
not read 202 bodies (the Batch mode's bulk-export, tests/batch): --kickoff-body KIND,
--progress-body KIND (empty, text, html, json), --fail-kickoff, --manifest-not-json,
--pad-output N (see --help).
"""
import argparse
import base64
import datetime
import gzip
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NDJSON_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ERROR_ISSUES = ["Resource Observation/123 could not be exported: access denied",
                "Resource Patient/456 could not be exported: resource too large"]
# --bad-deleted-line: cut short, so not JSON (what a server that dies mid-write leaves).
BAD_DELETED_LINE = b'{"resourceType": "Bundle", "type": "transaction", "entry": [\n'
INSTANT_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                        r"(Z|[+-]\d{2}:\d{2})$")


def parse_instant(text):
    """A FHIR instant (or a dateTime with seconds and zone) as epoch seconds; None if invalid."""
    m = INSTANT_RE.match(text or "")
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        dt = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                               tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    t = dt.timestamp() + (float("0" + frac) if frac else 0.0)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        t -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return t


def format_instant(t):
    dt = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def outcome(code, text, severity="error"):
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": text}]}


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def ecdsa_raw_to_der(raw):
    """JWS ES384 signature (r||s, 48 bytes each) -> DER ECDSA-Sig-Value for openssl."""
    def der_int(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return b"\x02" + bytes([len(b)]) + b
    body = der_int(raw[:48]) + der_int(raw[48:])
    return b"\x30" + bytes([len(body)]) + body


class Job:
    def __init__(self, jid, request, tt, files, errors, info, deleted=None):
        self.id, self.request, self.tt = jid, request, tt
        self.files = files        # [(name, type, bytes, count)] in source-name order
        self.errors = errors      # [(name, bytes, count)]
        self.info = info          # what the kick-off asked for (logged)
        self.deleted = deleted    # --history with _since: [(name, bytes, count)]; else None
        self.polls = 0


class History:
    """A scripted server history (--history FILE): the data of every state the server can be in,
    as events, so an incremental export can say what changed and what was deleted since a time.

    FILE is JSON {"states": [{"transactionTime": INSTANT, "events": [EVENT...]}, ...]}, states in
    time order; state k is reached by applying the events of states 0..k in order.  EVENT is
    {"put": LINE}, a resource created or changed (LINE its NDJSON text, served byte for byte;
    its meta.lastUpdated, required, is the time of the change), or {"delete": "Type/id",
    "time": INSTANT}.  A state's transactionTime should not be earlier than its events."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.states = json.load(f)["states"]
        for st in self.states:
            if parse_instant(st["transactionTime"]) is None:
                raise ValueError(f"{path}: transactionTime {st['transactionTime']!r}")

    def at(self, k):
        """State k: (transactionTime, {ref: (type, line, lastUpdated)} in insertion order,
        [(ref, type, time)] every deletion up to k in order)."""
        k = k % len(self.states)      # -1: the last
        current, deletions = {}, []
        for st in self.states[:k + 1]:
            for ev in st["events"]:
                if "put" in ev:
                    res = json.loads(ev["put"])
                    lu = parse_instant(str((res.get("meta") or {}).get("lastUpdated", "")))
                    if lu is None:
                        raise ValueError(f"put without meta.lastUpdated: {ev['put'][:80]}")
                    ref = f"{res['resourceType']}/{res['id']}"
                    current.pop(ref, None)      # a change moves it to the end, like a new row
                    current[ref] = (res["resourceType"], ev["put"], lu)
                else:
                    ref = ev["delete"]
                    current.pop(ref, None)
                    deletions.append((ref, ref.split("/")[0], parse_instant(ev["time"])))
        return self.states[k]["transactionTime"], current, deletions

    def ndjson(self, k):
        """State k as {type: NDJSON bytes}: what a full export of it serves."""
        out = {}
        for rtype, line, _ in self.at(k)[1].values():
            out[rtype] = out.get(rtype, b"") + line.encode("utf-8") + b"\n"
        return out


def deletion_bundles(refs, per_bundle):
    """NDJSON of transaction Bundles with DELETE entries for refs, per_bundle entries a line
    (Bulk Data IG v2.0.0, export, "Response - Complete Status", deleted)."""
    lines = []
    for i in range(0, len(refs), per_bundle):
        entries = [{"request": {"method": "DELETE", "url": r}} for r in refs[i:i + per_bundle]]
        lines.append(json.dumps({"resourceType": "Bundle", "type": "transaction",
                                 "entry": entries}))
    return "".join(ln + "\n" for ln in lines).encode()


def resource_type_of(lines, name):
    for ln in lines:
        try:
            r = json.loads(ln)
            if isinstance(r, dict) and isinstance(r.get("resourceType"), str):
                return r["resourceType"]
        except ValueError:
            pass
    return name.split(".")[0]


def as_csv(data):
    """An NDJSON file as the CSV a server honouring _outputFormat=text/csv might send: a header
    and one line per resource (resourceType, id)."""
    rows = ["resourceType,id"]
    for ln in data.splitlines():
        if ln.strip():
            r = json.loads(ln)
            rows.append(f"{r.get('resourceType')},{r.get('id')}")
    return ("\n".join(rows) + "\n").encode()


def parse_type_filters(values):
    """{type: [[(name, {values})...], ...]} for the supported subset, plus unsupported params."""
    filters, unsupported = {}, []
    for v in values:
        rtype, _, query = v.partition("?")
        conds = []
        for name, val in urllib.parse.parse_qsl(query, keep_blank_values=True):
            if name.startswith("_") or ":" in name:
                unsupported.append(f"{rtype}?{name}")
                continue
            conds.append((name, set(val.split(","))))
        filters.setdefault(rtype, []).append(conds)
    return filters, unsupported


def matches_filters(res, alternatives):
    def prim(v):
        return ("true" if v else "false") if isinstance(v, bool) else str(v)
    for conds in alternatives:   # ORed; the conditions of one filter are ANDed
        if all(name in res and not isinstance(res[name], (dict, list)) and
               prim(res[name]) in vals for name, vals in conds):
            return True
    return False


class BulkServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, args):
        super().__init__(("127.0.0.1", args.port), Handler)
        self.args = args
        self.origin = f"http://127.0.0.1:{self.server_address[1]}"
        self.base = self.origin + "/fhir"
        self.lock = threading.Lock()
        self.jobs = {}
        self.tokens = {}          # issued access token -> expiry (epoch)
        self.used_jti = set()
        self.counts = {"kickoff": 0, "status": 0}
        self.once = set()         # one-shot faults already fired
        self.file_gets = {}       # (job, name) -> GET count
        self.log_file = open(args.log, "a", encoding="utf-8") if args.log else None
        self.history = History(args.history) if args.history else None

    def log(self, entry):
        if self.log_file:
            with self.lock:
                self.log_file.write(json.dumps(entry, sort_keys=True) + "\n")
                self.log_file.flush()

    def auth_required(self):
        return bool(self.args.require_token or self.args.token_endpoint)

    def fire_once(self, key):
        with self.lock:
            if key in self.once:
                return False
            self.once.add(key)
            return True

    def history_files(self, types, since, filters):
        """--history: (tt, output files, deletion files or None) of state --state.  Output:
        one <Type>.ndjson per type of the state's resources with meta.lastUpdated >= _since.
        Deleted (with _since only, as the IG allows): one <Type>.deleted.ndjson per type of the
        deletions at or after _since, also of resources created again since (they are then in
        both), with the fault switches' changes."""
        a = self.args
        tt, current, deletions = self.history.at(a.state)
        by_type = {}
        for rtype, line, lu in current.values():
            if (types and rtype not in types) or (since is not None and lu < since):
                continue
            if rtype in filters and not matches_filters(json.loads(line), filters[rtype]):
                continue
            by_type.setdefault(rtype, []).append(line.encode("utf-8") + b"\n")
        files = [(f"{t}.ndjson", t, b"".join(v), len(v)) for t, v in sorted(by_type.items())]
        if since is None:
            return tt, files, None
        gone = {}
        for ref, rtype, t in deletions:
            if t >= since and (not types or rtype in types):
                gone.setdefault(rtype, []).append(ref)
        deleted = [[f"{t}.deleted.ndjson", deletion_bundles(refs, a.deleted_per_bundle)]
                   for t, refs in sorted(gone.items())]
        if a.bad_deleted_line and deleted:
            lines = deleted[0][1].splitlines(keepends=True)
            deleted[0][1] = b"".join(lines[:1] + [BAD_DELETED_LINE] + lines[1:])
        return tt, files, [(n, b, len(b.splitlines())) for n, b in deleted]

    def build_job(self, request, types, since, type_filters, info):
        a = self.args
        filters, unsupported = parse_type_filters(type_filters)
        info["typeFilterUnsupported"] = unsupported
        if self.history:
            tt, files, deleted = self.history_files(types, since, filters)
            with self.lock:
                jid = secrets.token_hex(8)
                self.jobs[jid] = Job(jid, request, tt, files, [], info, deleted)
            return self.jobs[jid]
        files = []
        for name in sorted(os.listdir(a.data)):
            path = os.path.join(a.data, name)
            if not name.endswith(".ndjson") or not os.path.isfile(path):
                continue
            raw = open(path, "rb").read()
            lines = raw.splitlines(keepends=True)
            rtype = resource_type_of(lines, name)
            if types and rtype not in types:
                continue
            if since is not None or rtype in filters:
                mtime = os.stat(path).st_mtime
                kept = []
                for ln in lines:
                    if not ln.strip():
                        continue
                    try:
                        res = json.loads(ln)
                    except ValueError:
                        res = None
                    if not isinstance(res, dict):
                        kept.append(ln)       # not a resource: passed on verbatim, so the
                        continue              # client reports it as a local run would
                    lu = parse_instant(str((res.get("meta") or {}).get("lastUpdated", "")))
                    if since is not None and (lu if lu is not None else mtime) < since:
                        continue
                    if rtype in filters and not matches_filters(res, filters[rtype]):
                        continue
                    kept.append(ln)
                raw = b"".join(kept)
            count = sum(1 for ln in raw.splitlines() if ln.strip())
            if count:
                files.append((name, rtype, raw, count))
        errors = []
        if a.error_file:
            lines = [json.dumps(outcome("forbidden" if i == 0 else "too-costly", t))
                     for i, t in enumerate(ERROR_ISSUES)]
            errors.append(("OperationOutcome.error.ndjson", ("\n".join(lines) + "\n").encode(),
                           len(lines)))
        tt = a.transaction_time or format_instant(time.time())
        with self.lock:
            jid = secrets.token_hex(8)
            self.jobs[jid] = Job(jid, request, tt, files, errors, info)
        return self.jobs[jid]

    def manifest(self, job):
        url = f"{self.base}/files/{job.id}/"
        pad = [{"type": "Patient", "url": url + "Patient.pad-%07d.ndjson" % i, "count": 1}
               for i in range(self.args.pad_output)]
        m = {"transactionTime": job.tt, "request": job.request,
             "requiresAccessToken": self.auth_required(),
             "output": pad + [{"type": t, "url": url + n, "count": c}
                              for n, t, _, c in job.files],
             "error": [{"type": "OperationOutcome", "url": url + n, "count": c}
                       for n, _, c in job.errors]}
        if job.deleted is not None:
            m["deleted"] = [{"type": "Bundle", "url": url + n, "count": c}
                            for n, _, c in job.deleted]
            if self.args.bad_deleted_manifest:
                m["deleted"].append({"type": "Bundle"})
        return m

    def check_assertion(self, jws):
        """None if the client_assertion is acceptable, else the reason (SMART Backend
        Services: "Authentication JWT header values", "Authentication JWT Claims")."""
        a = self.args
        parts = jws.split(".")
        if len(parts) != 3:
            return "client_assertion is not a compact JWS"
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except (ValueError, TypeError):
            return "client_assertion is not base64url JSON"
        alg = header.get("alg")
        if alg not in ("RS384", "ES384"):
            return f"alg {alg!r} is not RS384 or ES384"
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            return "Invalid JWT token header. Missing 'kid' property."
        if a.jwt_kid and kid != a.jwt_kid:
            return f"no key {kid!r} registered for this client"
        if claims.get("iss") != a.client_id or claims.get("sub") != a.client_id:
            return "iss and sub must both be the client_id"
        aud = claims.get("aud")
        token_url = self.origin + "/token"
        if aud != token_url and not (isinstance(aud, list) and token_url in aud):
            return f"aud {aud!r} is not the token URL {token_url}"
        exp, now = claims.get("exp"), time.time()
        if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= now:
            return "exp missing or in the past"
        if exp > now + 300 + 5:     # "no more than five minutes in the future" (+5 s skew)
            return "exp more than five minutes in the future"
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            return "jti missing"
        if not a.jwt_public_key:
            return "no public key registered for this client (--jwt-public-key)"
        if alg == "ES384":
            if len(sig) != 96:
                return f"ES384 signature is {len(sig)} bytes, not 96 (r||s)"
            sig = ecdsa_raw_to_der(sig)
        with tempfile.TemporaryDirectory() as tmp:
            data, sigf = os.path.join(tmp, "data"), os.path.join(tmp, "sig")
            open(data, "wb").write((parts[0] + "." + parts[1]).encode())
            open(sigf, "wb").write(sig)
            p = subprocess.run(["openssl", "dgst", "-sha384", "-verify", a.jwt_public_key,
                                "-signature", sigf, data], capture_output=True)
        if p.returncode != 0:
            return "signature does not verify"
        with self.lock:
            if jti in self.used_jti:
                return "jti already used"
            self.used_jti.add(jti)
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bulk-test-server/1"

    def log_message(self, fmt, *args):   # the JSON log replaces the stderr access log
        pass

    # ---- plumbing ----
    def send(self, status, body=b"", ctype="application/fhir+json", headers=None, info=None,
             drop=False):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, indent=1).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body or status not in (202, 204):
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if drop:
            self.send_header("Connection", "close")
        # The request is logged before the body goes out: a client that has the whole answer
        # then always finds its line in the log (tests read the log right after a response).
        self.log_request_entry(status, info, drop)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body[:len(body) // 2] if drop else body)
        if drop:
            self.wfile.flush()
            self.close_connection = True

    def log_request_entry(self, status, info, drop):
        u = urllib.parse.urlsplit(self.path)
        h = {k: self.headers.get(k) for k in ("Authorization", "Prefer", "Accept", "Range",
                                              "If-Range", "Content-Type", "Accept-Encoding")
             if self.headers.get(k)}
        entry = {"time": time.time(), "method": self.command, "path": urllib.parse.unquote(u.path),
                 "rawQuery": u.query, "query": urllib.parse.parse_qs(u.query),
                 "headers": h, "status": status}
        if drop:
            entry["dropped"] = True
        if info:
            entry.update(info)
        self.server.log(entry)

    def error(self, status, code, text, headers=None, info=None):
        self.send(status, outcome(code, text), headers=headers, info=info)

    def send_202(self, kind, headers, info, json_body):
        """A 202 whose body a client must not depend on: none, text/plain, HTML or JSON."""
        bodies = {"empty": (b"", "application/fhir+json"),
                  "text": (b"Accepted", "text/plain"),
                  "html": (b"<html><body><h1>202 Accepted</h1><p>working</p></body></html>",
                           "text/html; charset=utf-8"),
                  "json": (json_body, "application/fhir+json")}
        body, ctype = bodies[kind]
        self.send(202, body, ctype=ctype, headers=headers, info=info)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def authorized(self):
        srv = self.server
        if not srv.auth_required():
            return True
        auth = self.headers.get("Authorization") or ""
        tok = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        if tok and srv.args.require_token and tok == srv.args.require_token:
            return True
        with srv.lock:
            exp = srv.tokens.get(tok) if tok else None
        if exp is not None and exp > time.time():
            return True
        why = "access token expired" if exp is not None else "a valid bearer token is required"
        self.error(401, "login", why,
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return False

    def rate_limited(self, kind):
        srv = self.server
        with srv.lock:
            srv.counts[kind] += 1
            limited = srv.counts[kind] <= srv.args.rate_limit
        if limited:
            self.error(429, "throttled", f"too many {kind} requests; retry later",
                       headers={"Retry-After": "1"})
        return limited

    # ---- dispatch ----
    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def do_DELETE(self):
        self.route()

    def route(self):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).rstrip("/")
        m = re.match(r"^/fhir(?:/(Patient)|/Group/([^/]+))?/\$export$", path)
        try:
            # /token (SMART), or Microsoft Entra's /<tenant>/oauth2/v2.0/token path
            if (path == "/token" or re.fullmatch(r"/[^/]+/oauth2/v2\.0/token", path)) and \
                    self.command == "POST" and self.server.args.token_endpoint:
                return self.token()
            if path == "/fhir/.well-known/smart-configuration" and self.command == "GET":
                return self.send(200, {
                    "token_endpoint": self.server.origin + "/token",
                    "grant_types_supported": ["client_credentials"],
                    "token_endpoint_auth_methods_supported":
                        ["private_key_jwt", "client_secret_basic", "client_secret_post"],
                    "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"]},
                    ctype="application/json")
            if path == "/fhir/metadata" and self.command == "GET" and \
                    self.server.args.capability_types:
                return self.capabilities()
            if m and self.command in ("GET", "POST"):
                level = "patient" if m.group(1) else ("group" if m.group(2) else "system")
                return self.kickoff(level, m.group(2))
            m = re.match(r"^/fhir/jobs/([0-9a-f]+)$", path)
            if m and self.command in ("GET", "DELETE"):
                return self.status(m.group(1))
            m = re.match(r"^/fhir/files/([0-9a-f]+)/([^/]+)$", path)
            if m and self.command == "GET":
                return self.file(m.group(1), m.group(2))
            self.error(404, "not-found", f"no such endpoint: {self.command} {path}")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # ---- endpoints ----
    def capabilities(self):
        a = self.server.args
        types = [t for t in a.capability_types.split(",") if t]
        no_export = [t for t in (a.capability_no_export or "").split(",") if t]
        ext = [{"url": "http://hl7.org/fhir/uv/bulkdata/StructureDefinition/"
                "operation-not-supported",
                "valueCanonical": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}]
        res = [dict({"type": t, "interaction": [{"code": "read"}]},
                    **({"extension": ext} if t in no_export else {})) for t in types + no_export]
        self.send(200, {"resourceType": "CapabilityStatement", "status": "active",
                        "date": "2024-01-01", "kind": "instance", "fhirVersion": "4.0.1",
                        "format": ["json"],
                        "rest": [{"mode": "client", "resource": [{"type": "Basic"}]},
                                 {"mode": "server", "resource": res}]})

    def kickoff(self, level, group):
        srv, a = self.server, self.server.args
        if self.command == "GET" and a.kickoff_post_only:
            return self.error(405, "not-supported", "kick-off by GET is not supported: use POST",
                              headers={"Allow": "POST"})
        body = self.body() if self.command == "POST" else b""
        if not self.authorized() or self.rate_limited("kickoff"):
            return
        if "application/fhir+json" not in (self.headers.get("Accept") or ""):
            return self.error(400, "invalid", "Accept: application/fhir+json is required")
        if "respond-async" not in (self.headers.get("Prefer") or ""):
            return self.error(400, "invalid", "Prefer: respond-async is required")
        u = urllib.parse.urlsplit(self.path)
        params = {}
        for k, v in urllib.parse.parse_qsl(u.query, keep_blank_values=True):
            params.setdefault(k, []).append(v)
        if self.command == "POST":
            try:
                doc = json.loads(body or b"null")
                assert isinstance(doc, dict) and doc.get("resourceType") == "Parameters"
                for p in doc.get("parameter", []):
                    vals = [v for k, v in p.items() if k.startswith("value")]
                    if vals:
                        params.setdefault(p.get("name"), []).append(str(vals[0]))
            except (ValueError, AssertionError, AttributeError):
                return self.error(400, "invalid", "POST kick-off body must be a FHIR Parameters "
                                  "resource")
        types = {t for v in params.get("_type", []) for t in v.split(",") if t}
        since = None
        if params.get("_since"):
            since = parse_instant(params["_since"][-1])
            if since is None:
                return self.error(400, "invalid", f"_since {params['_since'][-1]!r} is not a FHIR "
                                  "instant (a '+' must be sent as %2B)")
        if a.capability_types:
            served = set(a.capability_types.split(","))
            for t in sorted(types - served):
                return self.error(400, "not-supported", f'The requested resource type "{t}" is '
                                  "not available on this server")
        for f in params.get("_outputFormat", []):
            if f == "text/csv" and a.allow_csv:
                continue
            if f not in NDJSON_FORMATS:
                return self.error(400, "not-supported", f"_outputFormat {f!r} is not supported "
                                  f"(supported: {', '.join(NDJSON_FORMATS)}; '+' is %2B)")
        type_filters = [x for v in params.get("_typeFilter", [])
                        for x in re.split(r",(?=[A-Z][A-Za-z]*\?)", v) if x]
        info = {"level": level, "group": group, "params": params,
                "csv": "text/csv" in params.get("_outputFormat", [])}
        request = srv.origin + self.path
        if a.fail_kickoff:
            return self.error(403, "forbidden", "export not permitted for this client",
                              info={"kickoff": info})
        job = srv.build_job(request, types, since, type_filters, info)
        self.send_202(a.kickoff_body, {"Content-Location": f"{srv.base}/jobs/{job.id}"},
                      {"kickoff": info, "job": job.id, "transactionTime": job.tt},
                      outcome("informational", "export job accepted", "information"))

    def status(self, jid):
        srv, a = self.server, self.server.args
        if not self.authorized():
            return
        with srv.lock:
            job = srv.jobs.get(jid)
        if job is None:
            return self.error(404, "not-found", f"no export job {jid}")
        if self.command == "DELETE":
            with srv.lock:
                srv.jobs.pop(jid, None)
            return self.send(202, outcome("informational", f"export job {jid} deleted",
                                          "information"), info={"job": jid})
        if self.rate_limited("status"):
            return
        if a.fail_job:
            return self.error(500, "exception", "export failed: disk full", info={"job": jid})
        if a.transient_500 and srv.fire_once("status500"):
            return self.error(500, "transient", "temporary failure, please retry",
                              info={"job": jid})
        with srv.lock:
            job.polls += 1
            polls = job.polls
        if polls <= a.slow:
            return self.send_202(a.progress_body, {"X-Progress": f"{polls} of {a.slow}",
                                                   "Retry-After": "1"}, {"job": jid},
                                 outcome("informational", "in progress", "information"))
        if a.manifest_not_json:
            return self.send(200, b"<html><body>Export complete</body></html>",
                             ctype="text/html", info={"job": jid})
        self.send(200, srv.manifest(job), ctype="application/json", info={"job": jid})

    def file(self, jid, name):
        srv, a = self.server, self.server.args
        if not self.authorized():
            return
        with srv.lock:
            job = srv.jobs.get(jid)
            key = (jid, name)
            srv.file_gets[key] = srv.file_gets.get(key, 0) + 1
            nth = srv.file_gets[key]
        found = []
        dels = [d[1] for d in (job.deleted or []) if d[0] == name] if job else []
        if job:
            found = [f[2] for f in job.files if f[0] == name] + \
                [e[1] for e in job.errors if e[0] == name] + dels
        if not found:
            return self.error(404, "not-found", f"no file {name} in job {jid}")
        data, info = found[0], {"job": jid, "file": name}
        if dels:
            info["deleted"] = True
            time.sleep(a.slow_deleted)
            if a.fail_deleted:
                return self.error(500, "transient", "deletion file unavailable, please retry",
                                  headers={"Retry-After": "0"}, info=info)
        if a.transient_500 and job.files and name == job.files[0][0] and \
                srv.fire_once("file500"):
            return self.error(500, "transient", "temporary failure, please retry", info=info)
        if a.expire_files:
            return self.error(410, "expired", f"The requested file {name} is no longer available "
                              "because the file expired", info=info)
        ctype = a.content_type or "application/fhir+ndjson"
        if job.info.get("csv") and not dels:
            data, ctype = as_csv(data), "text/csv"
        encoding = None
        if a.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            data, encoding = gzip.compress(data, 6, mtime=0), "gzip"
            info["encoding"] = "gzip"
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:32]
        headers = {"ETag": etag, "Accept-Ranges": "bytes"}
        if a.gzip:
            headers["Vary"] = "Accept-Encoding"
        if encoding:
            headers["Content-Encoding"] = encoding
        status, start, end = 200, 0, len(data)
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        m = re.match(r"^bytes=(\d+)-(\d*)$", rng.strip()) if rng else None
        if m and (if_range is None or if_range == etag):
            start = int(m.group(1))
            end = min(int(m.group(2)) + 1, len(data)) if m.group(2) else len(data)
            if start >= len(data) or end <= start:
                return self.send(416, b"", headers={"Content-Range": f"bytes */{len(data)}"},
                                 info=info)
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
        info["bytes"] = [start, end]
        self.send(status, data[start:end], ctype=ctype, headers=headers,
                  info=info, drop=a.drop_mid_file and nth == 1)

    def token(self):
        srv, a = self.server, self.server.args
        form = dict(urllib.parse.parse_qsl(self.body().decode("utf-8", "replace"),
                                           keep_blank_values=True))
        info = {"token": {k: form.get(k) for k in ("grant_type", "client_id",
                                                   "client_assertion_type", "scope")}}

        def refuse(status, err, why):
            info["token"]["refused"] = why
            self.send(status, {"error": err, "error_description": why},
                      ctype="application/json", info=info)
        if form.get("grant_type") != "client_credentials":
            return refuse(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if "client_assertion_type" in form or "client_assertion" in form:
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                return refuse(400, "invalid_request", "client_assertion_type must be " +
                              ASSERTION_TYPE)
            why = srv.check_assertion(form.get("client_assertion", ""))
            if why:
                return refuse(401, "invalid_client", why)
            info["token"]["method"] = "private_key_jwt"
        else:
            cid, sec = form.get("client_id"), form.get("client_secret")
            auth = self.headers.get("Authorization") or ""
            if auth[:6].lower() == "basic ":
                try:
                    cid, _, sec = base64.b64decode(auth[6:]).decode().partition(":")
                    cid, sec = urllib.parse.unquote_plus(cid), urllib.parse.unquote_plus(sec)
                except ValueError:
                    return refuse(400, "invalid_request", "malformed Basic credentials")
                info["token"]["method"] = "client_secret_basic"
            else:
                info["token"]["method"] = "client_secret_post"
            if not a.client_secret or cid != a.client_id or sec != a.client_secret:
                return refuse(401, "invalid_client", "unknown client or wrong secret")
        tok = secrets.token_urlsafe(24)
        with srv.lock:
            srv.tokens[tok] = time.time() + a.token_ttl
        info["token"]["issued"] = tok
        self.send(200, {"access_token": tok, "token_type": "bearer", "expires_in": a.token_ttl,
                        "scope": form.get("scope") or "system/*.read"},
                  ctype="application/json", headers={"Cache-Control": "no-store"}, info=info)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", help="folder of *.ndjson files to serve (or --history)")
    ap.add_argument("--history", metavar="FILE",
                    help="serve a scripted history instead of --data (see History)")
    ap.add_argument("--state", type=int, default=-1, metavar="K",
                    help="--history: the state served (index; default -1, the last)")
    ap.add_argument("--deleted-per-bundle", type=int, default=2, metavar="N",
                    help="--history: DELETE entries per Bundle line of a deletion file")
    ap.add_argument("--bad-deleted-line", action="store_true",
                    help="--history: line 2 of the first deletion file is not JSON")
    ap.add_argument("--fail-deleted", action="store_true",
                    help="--history: every GET of a deletion file answers 500 (transient, "
                         "Retry-After: 0)")
    ap.add_argument("--slow-deleted", type=float, default=0, metavar="S",
                    help="--history: every GET of a deletion file waits S seconds first")
    ap.add_argument("--bad-deleted-manifest", action="store_true",
                    help="--history: the manifest's deleted[] ends with an item without url")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--port-file", required=True, help="the port is written here when listening")
    ap.add_argument("--log", help="append one JSON line per request here")
    ap.add_argument("--transaction-time", help="manifest transactionTime (default: kick-off time)")
    ap.add_argument("--slow", type=int, default=0, metavar="N",
                    help="a job completes after N status polls (202, X-Progress 'k of N')")
    ap.add_argument("--rate-limit", type=int, default=0, metavar="N",
                    help="the first N kick-off and the first N status requests get 429")
    ap.add_argument("--transient-500", action="store_true",
                    help="the first status request and the first GET of the first output "
                         "file answer 500 (issue code transient) once")
    ap.add_argument("--drop-mid-file", action="store_true",
                    help="the first GET of each file sends half the body, then closes")
    ap.add_argument("--error-file", action="store_true",
                    help="the manifest's error[] lists an OperationOutcome file (two issues)")
    ap.add_argument("--require-token", metavar="TOKEN", help="require Authorization: Bearer TOKEN")
    ap.add_argument("--token-endpoint", action="store_true", help="serve POST /token")
    ap.add_argument("--client-id", default="fhir2cdm-test")
    ap.add_argument("--client-secret")
    ap.add_argument("--jwt-public-key", metavar="PEM", help="public key for private_key_jwt")
    ap.add_argument("--jwt-kid", metavar="KID",
                    help="private_key_jwt: the assertion's kid must be KID (any kid without)")
    ap.add_argument("--capability-types", metavar="T1,T2",
                    help="serve <base>/metadata listing these types; refuse kick-offs for others")
    ap.add_argument("--capability-no-export", metavar="T1,T2",
                    help="also list these types, marked with the Bulk Data IG's extension "
                         "operation-not-supported (and refuse kick-offs for them)")
    ap.add_argument("--allow-csv", action="store_true",
                    help="accept _outputFormat text/csv and serve such a job's files as CSV")
    ap.add_argument("--content-type", metavar="T",
                    help="serve output files with Content-Type T instead of application/fhir+ndjson")
    ap.add_argument("--gzip", action="store_true",
                    help="gzip output files for a GET whose Accept-Encoding lists gzip")
    ap.add_argument("--expire-files", action="store_true",
                    help="every file GET answers 410 Gone with an OperationOutcome")
    ap.add_argument("--token-ttl", type=int, default=300, help="access token lifetime, seconds")
    ap.add_argument("--fail-job", action="store_true",
                    help="status requests answer 500 'export failed: disk full'")
    ap.add_argument("--kickoff-post-only", action="store_true", help="GET kick-off gets 405")
    kinds = ("empty", "text", "html", "json")
    ap.add_argument("--kickoff-body", choices=kinds, default="json",
                    help="body of the kick-off's 202: none, text/plain 'Accepted', an HTML page, "
                         "or an OperationOutcome (default)")
    ap.add_argument("--progress-body", choices=kinds, default="empty",
                    help="body of an in-progress 202 (default: none)")
    ap.add_argument("--fail-kickoff", action="store_true",
                    help="kick-off answers 403 with an OperationOutcome")
    ap.add_argument("--manifest-not-json", action="store_true",
                    help="the complete status is a 200 with an HTML body")
    ap.add_argument("--pad-output", type=int, default=0, metavar="N",
                    help="the manifest's output[] starts with N entries for files that do not "
                         "exist (Patient.pad-NNNNNNN.ndjson): a large manifest")
    args = ap.parse_args()
    if bool(args.data) == bool(args.history):
        ap.error("give --data or --history")
    if args.transaction_time and parse_instant(args.transaction_time) is None:
        ap.error("--transaction-time must be a FHIR instant")
    srv = BulkServer(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, args.port_file)
    print(f"bulk_server: serving {args.data or args.history} at {srv.base}", file=sys.stderr,
          flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
