#!/usr/bin/env python3
"""make_rounds.py: a seeded generator of incremental Bulk Data rounds for the merge-mode oracle
(tests/merge/test_merge_oracle.py; `fhir2cdm-transform --mode merge [--deleted PATH ...]`).

From a folder of FHIR NDJSON (../shared/data/synthea-10) it writes, under --out DIR:

  t0/                     the initial state: <Type>.000.ndjson, every resource once;
  round-K/                (K = 1..N) the incremental input of round K: <Type>.000.ndjson (and,
                          in round 1, <Type>.001.ndjson) holding changed resources (new
                          meta.lastUpdated, scalar changes, CHANGED ARRAY LENGTHS so child-table
                          row counts change) and brand-new resources (copies under new ids);
  round-K-deleted/        del.000.ndjson: Bulk Data deletion lines, each a Bundle of type
                          "transaction" whose entries have request.method "DELETE" and
                          request.url "Type/id";
  final/                  the state after every round as one full input (every current resource
                          once, its final version), <Type>.000.ndjson;
  manifest.json           what each round does (keys changed, new, deleted, deleted although
                          absent, kept although deleted, duplicates and their winners), for the
                          oracle's messages and the generator test.

Merge semantics the rounds are built for (and that this generator applies to get final/):
identity is resourceType + id; a resource present in a round's input replaces its previous
version; a resource listed in the round's deletions and absent from its input is removed; one
present in both is KEPT (the input version); deleting a resource that does not exist is a no-op
(counted, not an error); when a round's input holds a resource several times, the version with
the latest meta.lastUpdated wins, and among equal instants the later one in input order (files
sorted by name, then lines); a version without meta.lastUpdated loses to one with it.

What the rounds contain (every round: 1-5% of each type's resources changed -- at least one per
type, at least three Patients --, about 0.5% new ones of a few types, about 1% of Patients,
Observations and two more types deleted in several Bundles, deletions of resources that do not
exist):
  round 1  duplicates: an Observation twice with different lastUpdated, the LATER instant FIRST
           in the file (it must win); a Patient twice with equal lastUpdated (the later line
           wins); across two files of one type (<Type>.000 / <Type>.001): a Condition with equal
           lastUpdated (the .001 line wins) and an Encounter whose .000 line has the later
           instant (it wins).
  round 2  ONLY Patient resources (changes, new Patients, Patient deletions, a Patient deletion
           of an id that does not exist): the oracle checks that every partition of the other
           entities keeps its inode and bytes.
  round 3  resources changed in the round AND listed as deleted in it (a Patient, an
           Observation, a Condition: KEPT); a resource deleted in round 1 re-created under its
           old id; a deletion of an id deleted in an earlier round.
  round 4+ mixed again (changed-and-deleted, duplicates); the last round lists one deletion
           twice.

Observations: synthea-10 has no Observation file, but the sample configuration has three
Observation tables (Observation, ObservationCodeCoding, ObservationComponent).  When the input
holds no Observation, t0 gets seeded synthetic ones derived from the Encounters (blood pressure
panels with two components and one or two codings, body weights with decimal values, smoking
status), so those tables -- and Observation deletions -- are exercised.

Determinism: one random.Random per purpose, seeded from --seed; every iteration over sets or
dicts is sorted; JSON is written compactly (separators ',' ':', ensure_ascii=False) by our own
encoder, numbers with exactly their original text (parse_float / parse_int keep the text), so an
unchanged resource is written byte for byte as it was read (checked for every input line unless
--no-roundtrip-check).  Two runs with the same arguments write identical bytes.

Usage: make_rounds.py --input DIR --rounds N --seed S --out DIR
Exit: 0 written; 1 the input does not round-trip or cannot support the rounds; 2 usage.
Python 3 standard library only.
"""

import argparse
import datetime
import decimal
import glob
import json
import os
import random
import re
import shutil
import sys

OBSERVATION = "Observation"
PATIENT = "Patient"
PATIENT_ONLY_ROUND = 2
KEPT_ROUND = 3


# --- exact JSON ------------------------------------------------------------------------------

class JNum(decimal.Decimal):
    """A JSON number that remembers its text, so it is written back exactly as read."""

    def __new__(cls, text):
        self = super().__new__(cls, text)
        self.text = text
        return self


def _no_constant(name):
    raise ValueError("JSON constant %s is not JSON" % name)


def loads(text):
    return json.loads(text, parse_float=JNum, parse_int=JNum, parse_constant=_no_constant)


def _string(s):
    return json.dumps(s, ensure_ascii=False)


def dumps(v):
    """Compact JSON (separators ',' and ':', ensure_ascii=False); JNum keeps its text."""
    if isinstance(v, dict):
        return "{" + ",".join(_string(k) + ":" + dumps(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(dumps(x) for x in v) + "]"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, JNum):
        return v.text
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, int):
        return str(v)
    raise TypeError("cannot write %r as JSON" % (v,))


# --- helpers ---------------------------------------------------------------------------------

def key_of(res):
    return "%s/%s" % (res["resourceType"], res["id"])


def rtype(key):
    return key.split("/", 1)[0]


def new_id(rng):
    b = rng.getrandbits(128)
    h = "%032x" % b
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def instant(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def round_base(k):
    return datetime.datetime(2024, 3, 1) + datetime.timedelta(days=k)


def set_meta(res, lu, version):
    meta = res.setdefault("meta", {})
    meta["versionId"] = str(version)
    meta["lastUpdated"] = lu


PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def nudge(num, rng):
    """A different number with the same number of fractional digits as `num` (a JNum)."""
    text = getattr(num, "text", None) or str(num)
    if not PLAIN_NUMBER.match(text):
        return JNum("%d.%d" % (rng.randint(1, 200), rng.randint(0, 9)))
    digits = len(text.split(".")[1]) if "." in text else 0
    delta = decimal.Decimal(rng.randint(1, 40)).scaleb(-digits)
    if rng.random() < 0.5 and decimal.Decimal(text) > delta:
        delta = -delta
    return JNum(format(decimal.Decimal(text) + delta, "f"))


def shift_date(text, rng):
    d = datetime.date.fromisoformat(text[:10]) + datetime.timedelta(days=rng.choice(
        [-1, 1]) * rng.randint(1, 400))
    return d.isoformat() + text[10:]


def pick_other(rng, values, current):
    return rng.choice([v for v in values if v != current])


# --- modifications (each changes at least one value; most change an array's length) --------

def mod_patient(res, rng, tag):
    ops = ["birthDate", "gender", "nameText", "addName", "removeName", "addAddress",
           "removeAddress", "addIdentifier", "removeIdentifier"]
    chosen = rng.sample(ops, 3)
    if not any(o.startswith(("add", "remove")) for o in chosen):
        chosen.append(rng.choice([o for o in ops if o.startswith(("add", "remove"))]))
    for op in chosen:
        names = res.setdefault("name", [])
        addrs = res.setdefault("address", [])
        idents = res.setdefault("identifier", [])
        if op == "birthDate":
            res["birthDate"] = shift_date(res.get("birthDate", "1970-01-01"), rng)
        elif op == "gender":
            res["gender"] = pick_other(rng, ["male", "female", "other", "unknown"],
                                       res.get("gender"))
        elif op == "nameText":
            if not names:
                names.append({"use": "official", "family": "Merge%s" % tag})
            n = names[0]
            n["text"] = "%s %s (%s)" % (" ".join(n.get("given", [])), n.get("family", ""), tag)
        elif op == "removeName" and len(names) > 1:
            names.pop(rng.randrange(len(names)))
        elif op in ("addName", "removeName"):
            names.append({"use": rng.choice(["nickname", "old", "usual"]),
                          "family": "Merge%s" % tag,
                          "given": ["Given%d" % rng.randint(1, 999)]})
        elif op == "removeAddress" and len(addrs) > 1:
            addrs.pop(rng.randrange(len(addrs)))
        elif op in ("addAddress", "removeAddress"):
            a = json_copy(addrs[0]) if addrs else {"country": "US"}
            a["use"] = rng.choice(["home", "old", "temp"])
            a["line"] = ["%d Merge Street" % rng.randint(1, 9999)]
            a["city"] = rng.choice(["Wichita", "Topeka", "Lawrence", "Salina", "Émporia"])
            addrs.append(a)
        elif op == "removeIdentifier" and len(idents) > 1:
            idents.pop(rng.randrange(len(idents)))
        elif op in ("addIdentifier", "removeIdentifier"):
            idents.append({"system": "urn:oid:2.16.840.1.113883.3.4242",
                           "value": "MRG-%s-%06d" % (tag, rng.randint(0, 999999))})
        for field in ("name", "address", "identifier"):
            if not res.get(field):
                res.pop(field, None)


def json_copy(v):
    return loads(dumps(v))


def mod_observation(res, rng, tag):
    ops = ["value", "addComponent", "removeComponent", "addCoding", "removeCoding", "status"]
    for op in rng.sample(ops, 3):
        comps = res.get("component", [])
        codings = res.setdefault("code", {}).setdefault("coding", [])
        if op == "value":
            if "valueQuantity" in res:
                q = res["valueQuantity"]
                q["value"] = nudge(q.get("value", JNum("1")), rng)
            elif comps and "valueQuantity" in comps[0]:
                q = comps[0]["valueQuantity"]
                q["value"] = nudge(q.get("value", JNum("1")), rng)
            else:
                res["valueString"] = "changed %s" % tag
        elif op == "removeComponent" and comps:
            comps.pop(rng.randrange(len(comps)))
            if not comps:
                del res["component"]
        elif op in ("addComponent", "removeComponent"):
            c = json_copy(comps[0]) if comps else {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4",
                                     "display": "Heart rate"}]},
                "valueQuantity": {"value": JNum("72"), "unit": "/min",
                                  "system": "http://unitsofmeasure.org", "code": "/min"}}
            c.setdefault("code", {})["text"] = "component %s" % tag
            if "valueQuantity" in c:
                c["valueQuantity"]["value"] = nudge(c["valueQuantity"].get("value", JNum("1")),
                                                    rng)
            res.setdefault("component", []).append(c)
        elif op == "removeCoding" and len(codings) > 1:
            codings.pop(rng.randrange(len(codings)))
        elif op in ("addCoding", "removeCoding"):
            codings.append({"system": "http://example.org/merge-codes",
                            "code": "M%04d" % rng.randint(0, 9999), "display": "merge %s" % tag})
        elif op == "status":
            res["status"] = pick_other(rng, ["final", "amended", "corrected", "preliminary"],
                                       res.get("status"))


def mod_condition(res, rng, tag):
    cs = res.setdefault("clinicalStatus", {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical"}]})
    cs["coding"][0]["code"] = pick_other(rng, ["active", "recurrence", "relapse", "inactive",
                                               "remission", "resolved"],
                                         cs["coding"][0].get("code"))
    codings = res.setdefault("code", {}).setdefault("coding", [])
    if len(codings) > 1 and rng.random() < 0.5:
        codings.pop()
    else:
        codings.append({"system": "http://hl7.org/fhir/sid/icd-10-cm",
                        "code": "Z%02d.%d" % (rng.randint(0, 99), rng.randint(0, 9)),
                        "display": "merge %s" % tag})
    if "onsetDateTime" in res and rng.random() < 0.5:
        res["onsetDateTime"] = shift_date(res["onsetDateTime"], rng)


def mod_encounter(res, rng, tag):
    res["status"] = pick_other(rng, ["planned", "arrived", "in-progress", "finished",
                                     "cancelled"], res.get("status"))
    types = res.setdefault("type", [])
    if len(types) > 1 and rng.random() < 0.5:
        types.pop()
    else:
        types.append({"coding": [{"system": "http://snomed.info/sct",
                                  "code": str(rng.randint(100000, 999999)),
                                  "display": "merge type %s" % tag}], "text": "merge %s" % tag})
    parts = res.get("participant", [])
    if parts and rng.random() < 0.4:
        if len(parts) > 1:
            parts.pop()
        else:
            parts.append(json_copy(parts[0]))


def mod_medication_request(res, rng, tag):
    res["status"] = pick_other(rng, ["active", "on-hold", "cancelled", "completed", "stopped"],
                               res.get("status"))
    dis = res.setdefault("dosageInstruction", [])
    if dis and rng.random() < 0.5:
        dis.pop(rng.randrange(len(dis)))
        if not dis:
            del res["dosageInstruction"]
    else:
        dis.append({"sequence": JNum(str(len(dis) + 1)), "text": "merge dose %s" % tag,
                    "asNeededBoolean": rng.random() < 0.5})


def mod_procedure(res, rng, tag):
    res["status"] = pick_other(rng, ["preparation", "in-progress", "not-done", "on-hold",
                                     "stopped", "completed"], res.get("status"))
    codings = res.setdefault("code", {}).setdefault("coding", [])
    if len(codings) > 1 and rng.random() < 0.5:
        codings.pop()
    else:
        codings.append({"system": "http://snomed.info/sct",
                        "code": str(rng.randint(100000, 999999)), "display": "merge %s" % tag})


def mod_immunization(res, rng, tag):
    res["status"] = pick_other(rng, ["completed", "entered-in-error", "not-done"],
                               res.get("status"))
    res["lotNumber"] = "LOT-%s-%d" % (tag, rng.randint(0, 9999))
    if "occurrenceDateTime" in res:
        res["occurrenceDateTime"] = shift_date(res["occurrenceDateTime"], rng)


def mod_allergy(res, rng, tag):
    res["criticality"] = pick_other(rng, ["low", "high", "unable-to-assess"],
                                    res.get("criticality"))
    rs = res.setdefault("reaction", [])
    if rs and len(rs[0].get("manifestation", [])) > 1 and rng.random() < 0.5:
        rs[0]["manifestation"].pop()
    else:
        if not rs:
            rs.append({"manifestation": []})
        rs[0].setdefault("manifestation", []).append({"coding": [{
            "system": "http://snomed.info/sct", "code": str(rng.randint(100000, 999999)),
            "display": "merge %s" % tag}]})


def mod_location(res, rng, tag):
    res["name"] = "%s (%s)" % (res.get("name", "Location"), tag)
    if "position" in res and "latitude" in res["position"]:
        res["position"]["latitude"] = nudge(res["position"]["latitude"], rng)


def mod_generic(res, rng, tag):
    res["language"] = pick_other(rng, ["en-US", "en-GB", "de-DE", "es-MX"], res.get("language"))


MODIFIERS = {
    "Patient": mod_patient, "Observation": mod_observation, "Condition": mod_condition,
    "Encounter": mod_encounter, "MedicationRequest": mod_medication_request,
    "Procedure": mod_procedure, "Immunization": mod_immunization,
    "AllergyIntolerance": mod_allergy, "Location": mod_location,
}


# --- synthetic Observations (synthea-10 has none) -------------------------------------------

def synth_observations(encounters, rng):
    out = []
    for enc in encounters:
        if rng.random() >= 0.3:
            continue
        subject = enc.get("subject", {}).get("reference")
        when = enc.get("period", {}).get("start", "2020-01-01T00:00:00Z")
        for kind in rng.sample(["bp", "weight", "smoking"], rng.randint(1, 2)):
            o = {"resourceType": OBSERVATION, "id": new_id(rng),
                 "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"]},
                 "status": "final",
                 "category": [{"coding": [{
                     "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                     "code": "social-history" if kind == "smoking" else "vital-signs"}]}]}
            if kind == "bp":
                codings = [{"system": "http://loinc.org", "code": "85354-9",
                            "display": "Blood pressure panel with all children optional"}]
                if rng.random() < 0.5:
                    codings.append({"system": "http://loinc.org", "code": "55284-4",
                                    "display": "Blood pressure systolic and diastolic"})
                o["code"] = {"coding": codings, "text": "Blood pressure"}
            elif kind == "weight":
                o["code"] = {"coding": [{"system": "http://loinc.org", "code": "29463-7",
                                         "display": "Body Weight"}], "text": "Body Weight"}
            else:
                o["code"] = {"coding": [{"system": "http://loinc.org", "code": "72166-2",
                                         "display": "Tobacco smoking status"}],
                             "text": "Tobacco smoking status"}
            o["subject"] = {"reference": subject}
            o["encounter"] = {"reference": "Encounter/" + enc["id"]}
            o["effectiveDateTime"] = when
            o["issued"] = when
            if kind == "bp":
                o["component"] = [
                    {"code": {"coding": [{"system": "http://loinc.org", "code": c,
                                          "display": d}], "text": d},
                     "valueQuantity": {"value": JNum(v), "unit": "mm[Hg]",
                                       "system": "http://unitsofmeasure.org",
                                       "code": "mm[Hg]"}}
                    for c, d, v in (("8480-6", "Systolic blood pressure",
                                     "%d" % rng.randint(95, 170)),
                                    ("8462-4", "Diastolic blood pressure",
                                     "%d.0" % rng.randint(55, 105)))]
            elif kind == "weight":
                o["valueQuantity"] = {"value": JNum("%d.%d" % (rng.randint(3, 140),
                                                               rng.randint(0, 9))),
                                      "unit": "kg", "system": "http://unitsofmeasure.org",
                                      "code": "kg"}
            else:
                code, disp = rng.choice([("266919005", "Never smoked tobacco"),
                                         ("8517006", "Ex-smoker"),
                                         ("449868002", "Smokes tobacco daily")])
                o["valueCodeableConcept"] = {"coding": [{"system": "http://snomed.info/sct",
                                                         "code": code, "display": disp}],
                                             "text": disp}
            out.append(o)
    return out


# --- input and state -------------------------------------------------------------------------

def read_input(folder, roundtrip_check=True):
    """[(key, text)] in sorted file order, then line order."""
    files = sorted(glob.glob(os.path.join(folder, "*.ndjson")))
    if not files:
        raise SystemExit("make_rounds: no *.ndjson in %s" % folder)
    out, seen, bad = [], set(), []
    for path in files:
        with open(path, encoding="utf-8", newline="") as f:
            for lineno, line in enumerate(f, 1):
                text = line.rstrip("\r\n")
                if not text.strip():
                    continue
                res = loads(text)
                if roundtrip_check and dumps(res) != text:
                    bad.append("%s:%d" % (path, lineno))
                key = key_of(res)
                if key in seen:
                    raise SystemExit("make_rounds: %s twice in the input (%s:%d)"
                                     % (key, path, lineno))
                seen.add(key)
                out.append((key, text))
    if bad:
        print("make_rounds: %d input line(s) do not round-trip byte for byte through "
              "loads/dumps, e.g. %s" % (len(bad), bad[:3]), file=sys.stderr)
        sys.exit(1)
    return out


def write_ndjson(path, texts):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for t in texts:
            f.write(t + "\n")


def write_state(folder, state):
    by_type = {}
    for key, text in state.items():
        by_type.setdefault(rtype(key), []).append(text)
    for t in sorted(by_type):
        write_ndjson(os.path.join(folder, "%s.000.ndjson" % t), by_type[t])


def lu_of(text):
    meta = json.loads(text).get("meta", {})
    lu = meta.get("lastUpdated")
    return datetime.datetime.fromisoformat(lu.replace("Z", "+00:00")) if lu else None


def newer_or_same(a, b):
    """Does a version of lastUpdated `a`, read after one of `b`, win?  The later instant wins;
    equal instants, or both absent: the later line; an absent lastUpdated loses to a present
    one.  (Every round line here has one; the rule is written out for completeness.)"""
    if a is None or b is None:
        return b is None
    return a >= b


def apply_round(state, files, deleted_urls):
    """The merge semantics (see the module doc); returns the new state (dict key -> text)."""
    winners = {}
    for name in sorted(files):
        for text in files[name]:
            key = key_of(json.loads(text))
            lu = lu_of(text)
            prev = winners.get(key)
            if prev is None or newer_or_same(lu, prev[0]):
                winners[key] = (lu, text)
    new = dict(state)
    for url in deleted_urls:
        if url not in winners:
            new.pop(url, None)
    for key in winners:
        new[key] = winners[key][1]
    return new


# --- one round -------------------------------------------------------------------------------

class Round:
    def __init__(self, k, rng):
        self.k = k
        self.rng = rng
        self.tag = "r%d" % k
        self.files = {}          # file name -> [text]
        self.deleted = []        # "Type/id" in the order they are listed
        self.info = {"round": k, "changed": [], "new": [], "deleted": [], "deleted_absent": [],
                     "kept_although_deleted": [], "duplicates": [], "resurrected": []}
        self.taken = set()       # keys already in the input of this round
        self.base = round_base(k)

    def lu(self, seconds=None):
        if seconds is None:
            seconds = self.rng.randint(0, 20 * 3600)
        return instant(self.base + datetime.timedelta(seconds=seconds,
                                                      milliseconds=self.rng.randint(0, 999)))

    def version(self, key, state, lu=None, mark=None):
        """A changed version of `key` (text), from its current state version; `mark(res)`
        then sets values that tell two versions of one duplicate apart in every table."""
        res = loads(state[key])
        MODIFIERS.get(rtype(key), mod_generic)(res, self.rng, self.tag)
        if mark:
            mark(res)
        set_meta(res, lu or self.lu(), self.k + 1)
        return dumps(res)

    def add(self, text, fname=None):
        key = key_of(json.loads(text))
        fname = fname or "%s.000.ndjson" % rtype(key)
        self.files.setdefault(fname, []).append(text)
        self.taken.add(key)

    def change(self, key, state, what="changed"):
        self.add(self.version(key, state))
        self.info[what].append(key)

    def create(self, src_key, state):
        res = loads(state[src_key])
        res["id"] = new_id(self.rng)
        MODIFIERS.get(rtype(src_key), mod_generic)(res, self.rng, self.tag)
        set_meta(res, self.lu(), 1)
        self.add(dumps(res))
        self.info["new"].append(key_of(res))
        return key_of(res)

    def delete(self, key, state):
        self.deleted.append(key)
        if key in self.taken:
            self.info["kept_although_deleted"].append(key)
        elif key in state:
            self.info["deleted"].append(key)
        else:
            self.info["deleted_absent"].append(key)

    def free(self, keys):
        return [k for k in keys if k not in self.taken and k not in self.deleted]

    def bundles(self):
        """Deletion lines: several Bundles of 1-4 entries each, entries in a seeded order."""
        urls = list(self.deleted)
        self.rng.shuffle(urls)
        lines, i = [], 0
        while i < len(urls):
            n = self.rng.randint(1, 4)
            entries = [{"request": {"method": "DELETE", "url": u}} for u in urls[i:i + n]]
            lines.append(dumps({"resourceType": "Bundle", "id": new_id(self.rng),
                                "type": "transaction", "entry": entries}))
            i += n
        return lines


def by_type(state):
    out = {}
    for key in state:
        out.setdefault(rtype(key), []).append(key)
    for t in out:
        out[t].sort()
    return out


def mixed(r, state, types_only=None):
    """Changes (~1-5% of each type), new resources, deletions of several types."""
    rng = r.rng
    groups = by_type(state)
    types = sorted(groups) if types_only is None else [t for t in sorted(groups)
                                                        if t in types_only]
    for t in types:
        keys = r.free(groups[t])
        n = max(1, int(round(len(groups[t]) * rng.uniform(0.01, 0.05))))
        if t == PATIENT:
            n = max(n, 3)
        for key in rng.sample(keys, min(n, len(keys))):
            r.change(key, state)
    new_types = [t for t in (PATIENT, OBSERVATION, "Condition", "Encounter") if t in types]
    others = [t for t in types if t not in new_types]
    new_types += rng.sample(others, min(1, len(others)))
    for t in new_types:
        for _ in range(max(1, int(round(len(groups[t]) * 0.005)))):
            r.create(rng.choice(groups[t]), state)
    del_types = [t for t in (PATIENT, OBSERVATION) if t in types]
    others = [t for t in types if t not in del_types]
    del_types += rng.sample(others, min(2, len(others)))
    for t in del_types:
        keys = r.free(groups[t])
        n = max(1, int(round(len(groups[t]) * 0.01)))
        for key in rng.sample(keys, min(n, len(keys))):
            r.delete(key, state)
    # Deletions of resources that never existed.
    for t in ([PATIENT] if types_only else [PATIENT, OBSERVATION, "Condition"]):
        r.delete("%s/%s" % (t, new_id(rng)), state)


def set_status(value):
    def mark(res):
        res["status"] = value
    return mark


def set_patient(gender, extra_name):
    def mark(res):
        res["gender"] = gender
        if extra_name:
            res.setdefault("name", []).append({"use": "nickname", "family": "Duplicate",
                                               "given": ["Second"]})
    return mark


def set_clinical(code):
    def mark(res):
        res["clinicalStatus"]["coding"][0]["code"] = code
    return mark


def duplicates(r, state, groups):
    rng = r.rng
    # An Observation twice, different lastUpdated: the later instant first in the file.
    obs = rng.choice(r.free(groups[OBSERVATION]))
    first = r.version(obs, state, instant(r.base + datetime.timedelta(hours=22, seconds=7)),
                      set_status("amended"))
    second = r.version(obs, state, instant(r.base + datetime.timedelta(hours=21, seconds=59)),
                       set_status("corrected"))
    r.add(first)
    r.add(second)
    r.info["duplicates"].append({"key": obs, "winner": "first line (later lastUpdated)"})
    r.info["changed"].append(obs)
    # A Patient twice, equal lastUpdated: the later line wins.
    pat = rng.choice(r.free(groups[PATIENT]))
    same = instant(r.base + datetime.timedelta(hours=23, minutes=30))
    r.add(r.version(pat, state, same, set_patient("other", False)))
    r.add(r.version(pat, state, same, set_patient("unknown", True)))
    r.info["duplicates"].append({"key": pat, "winner": "second line (equal lastUpdated)"})
    r.info["changed"].append(pat)
    return obs, pat


def cross_file_duplicates(r, state, groups):
    rng = r.rng
    if "Condition" in groups:
        c = rng.choice(r.free(groups["Condition"]))
        same = instant(r.base + datetime.timedelta(hours=23, minutes=45))
        r.add(r.version(c, state, same, set_clinical("remission")), "Condition.000.ndjson")
        r.add(r.version(c, state, same, set_clinical("relapse")), "Condition.001.ndjson")
        r.info["duplicates"].append({"key": c, "winner": "Condition.001 line (equal "
                                                         "lastUpdated, later file)"})
        r.info["changed"].append(c)
    if "Encounter" in groups:
        e = rng.choice(r.free(groups["Encounter"]))
        r.add(r.version(e, state, instant(r.base + datetime.timedelta(hours=23, minutes=50)),
                        set_status("cancelled")), "Encounter.000.ndjson")
        r.add(r.version(e, state, instant(r.base + datetime.timedelta(hours=23, minutes=10)),
                        set_status("arrived")), "Encounter.001.ndjson")
        r.info["duplicates"].append({"key": e, "winner": "Encounter.000 line (later "
                                                         "lastUpdated, earlier file)"})
        r.info["changed"].append(e)


def changed_and_deleted(r, state, groups, types):
    for t in types:
        if t not in groups:
            continue
        key = r.rng.choice(r.free(groups[t]))
        r.change(key, state)
        r.delete(key, state)


def make_round(k, n_rounds, state, history, seed):
    r = Round(k, random.Random("%s/round-%d" % (seed, k)))
    groups = by_type(state)
    if k == PATIENT_ONLY_ROUND:
        r.info["patient_only"] = True
        # A Patient twice (different lastUpdated, the later first) then the ordinary mix.
        pat = r.rng.choice(groups[PATIENT])
        r.add(r.version(pat, state, instant(r.base + datetime.timedelta(hours=22)),
                        set_patient("other", True)))
        r.add(r.version(pat, state, instant(r.base + datetime.timedelta(hours=21)),
                        set_patient("unknown", False)))
        r.info["duplicates"].append({"key": pat, "winner": "first line (later lastUpdated)"})
        r.info["changed"].append(pat)
        mixed(r, state, types_only={PATIENT})
    else:
        r.info["patient_only"] = False
        if k == 1 or k >= 4:
            duplicates(r, state, groups)
        if k == 1:
            cross_file_duplicates(r, state, groups)
        if k >= KEPT_ROUND:
            changed_and_deleted(r, state, groups,
                                [PATIENT, OBSERVATION, "Condition"] if k == KEPT_ROUND
                                else [r.rng.choice([PATIENT, OBSERVATION, "Condition"])])
        if k == KEPT_ROUND:
            gone = sorted(key for key in history["deleted"] if key not in state)
            back = [key for key in gone if rtype(key) == OBSERVATION] or gone
            if back:
                key = r.rng.choice(back)
                res = loads(history["deleted"][key])
                MODIFIERS.get(rtype(key), mod_generic)(res, r.rng, r.tag)
                set_meta(res, r.lu(), k + 1)
                r.add(dumps(res))
                r.info["resurrected"].append(key)
                again = sorted(x for x in gone if x != key)
                if again:
                    r.delete(r.rng.choice(again), state)
        mixed(r, state)
        if k == n_rounds and r.info["deleted"]:
            twice = r.info["deleted"][0]
            r.deleted.append(twice)   # one deletion listed twice (in two Bundles, likely)
            r.info["deleted_twice"] = [twice]
    return r


# --- main ------------------------------------------------------------------------------------

def generate(a):
    records = read_input(a.input, not a.no_roundtrip_check)
    state = dict(records)
    n_synth = 0
    if not any(rtype(k) == OBSERVATION for k in state):
        encs = [loads(t) for k, t in records if rtype(k) == "Encounter"]
        for o in synth_observations(encs, random.Random("%s/observations" % a.seed)):
            state[key_of(o)] = dumps(o)
            n_synth += 1
    groups = by_type(state)
    for t in (PATIENT, OBSERVATION):
        if len(groups.get(t, [])) < 8:
            raise SystemExit("make_rounds: the input needs at least 8 %s resources (has %d)"
                             % (t, len(groups.get(t, []))))
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    write_state(os.path.join(a.out, "t0"), state)
    manifest = {"seed": a.seed, "rounds": a.rounds, "input_resources": len(records),
                "synthetic_observations": n_synth, "t0_resources": len(state),
                "patient_only_round": PATIENT_ONLY_ROUND, "round": []}
    history = {"deleted": {}}
    for k in range(1, a.rounds + 1):
        r = make_round(k, a.rounds, state, history, a.seed)
        for name, texts in sorted(r.files.items()):
            write_ndjson(os.path.join(a.out, "round-%d" % k, name), texts)
        write_ndjson(os.path.join(a.out, "round-%d-deleted" % k, "del.000.ndjson"), r.bundles())
        for key in r.info["deleted"]:
            history["deleted"][key] = state[key]
        before = len(state)
        state = apply_round(state, r.files, r.deleted)
        info = r.info
        info["files"] = sorted(r.files)
        info["input_lines"] = sum(len(v) for v in r.files.values())
        info["deletion_entries"] = len(r.deleted)
        info["state_before"] = before
        info["state_after"] = len(state)
        info["changed_fraction"] = round(len(info["changed"]) / before, 4)
        manifest["round"].append(info)
        print("round %d: %d input lines in %d files (%d changed = %.1f%%, %d new, %d "
              "resurrected), %d deletion entries (%d deleted, %d absent, %d kept), %d "
              "duplicates%s; state %d -> %d"
              % (k, info["input_lines"], len(r.files), len(info["changed"]),
                 100.0 * info["changed_fraction"], len(info["new"]), len(info["resurrected"]),
                 len(r.deleted), len(info["deleted"]), len(info["deleted_absent"]),
                 len(info["kept_although_deleted"]), len(info["duplicates"]),
                 " (Patient only)" if info["patient_only"] else "", before, len(state)))
    write_state(os.path.join(a.out, "final"), state)
    manifest["final_resources"] = len(state)
    with open(os.path.join(a.out, "manifest.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print("t0: %d resources (%d synthetic Observations); final: %d resources -> %s"
          % (manifest["t0_resources"], n_synth, len(state), a.out))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True, help="folder of FHIR NDJSON (synthea-10)")
    ap.add_argument("--rounds", type=int, default=4, help="number of rounds, at least 3")
    ap.add_argument("--seed", type=int, default=1, help="seed (same seed, same bytes)")
    ap.add_argument("--out", required=True, help="output folder (replaced)")
    ap.add_argument("--no-roundtrip-check", action="store_true",
                    help="do not check that every input line round-trips byte for byte")
    a = ap.parse_args()
    if a.rounds < 3:
        ap.error("--rounds must be at least 3")
    return generate(a)


if __name__ == "__main__":
    sys.exit(main())
