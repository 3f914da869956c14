"""The rows of our SQL on FHIR ViewDefinitions (samples/views/*.json), computed directly in Python.

This is NOT a FHIRPath engine nor a ViewDefinition runner: every view of samples/views has one
hand-written function below that does what that view's FHIRPath says, on the parsed JSON, for
the Synthea data in ../shared/data/synthea-10.  That independence is the point: the test
(test_views_synthea.py) compares the transformer's CSV with these rows, so an error in the
engine's FHIRPath, forEach / forEachOrNull / unionAll / where / constant / %rowIndex /
getResourceKey() / getReferenceKey() handling shows up as a row difference.

Where a view's FHIRPath would have a case the Synthea data does not exercise and whose exact
FHIRPath answer is subtle (e.g. join() over an empty collection), the function raises
Unhandled rather than guess: a new input that hits it needs a decision here, not a silent pass.

Each function takes one resource (json.loads with parse_float=DecimalText, so decimals keep
their exact text) and returns a list of rows, each a dict column name -> raw value (None for
empty; a Python list for collection=true columns).  render(value, column) gives the CSV cell.

Python stdlib only.
"""

import json
import re


class Unhandled(Exception):
    """The resource has a shape this hand-written view logic deliberately does not decide."""


class DecimalText(str):
    """A JSON number with a fraction or exponent, kept as its exact source text."""


def load_json(line):
    return json.loads(line, parse_float=DecimalText)


# --- FHIRPath-ish helpers (only what the views need) ---------------------------------------

def arr(v):
    """FHIRPath navigation: an absent/null element is empty, a single value a one-item list."""
    if v is None:
        return []
    if isinstance(v, list):
        return [x for x in v if x is not None]
    return [v]


def nav(items, name):
    """items.name over a list of JSON objects, arrays flattened."""
    out = []
    for it in items:
        if isinstance(it, dict):
            out.extend(arr(it.get(name)))
    return out


def path(obj, dotted):
    items = arr(obj)
    for step in dotted.split("."):
        items = nav(items, step)
    return items


def first(items):
    return items[0] if items else None


def single(items, what):
    """A column without collection=true: more than one value is an error in the spec."""
    if len(items) > 1:
        raise Unhandled("%s has %d values (column is not a collection)" % (what, len(items)))
    return first(items)


def join(items, sep, what):
    if not items:
        raise Unhandled("%s: join() over an empty collection" % what)
    return sep.join(items)


def extension(items, url):
    return [e for e in nav(items, "extension") if isinstance(e, dict) and e.get("url") == url]


# getResourceKey() / getReferenceKey([type]): the key is the resource id (docs/fhirpath.md,
# "Functions added to fhirpath.js"); a reference has a key only in the literal form
# [base/]Type/id[/_history/v], and with a type argument only when Type matches.
REF_RE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")


def resource_key(res):
    return res.get("id")


def reference_key(ref, rtype):
    if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
        return None
    m = REF_RE.search(ref["reference"])
    if not m or m.group(1) != rtype:
        return None
    return m.group(2)


def reference_keys(refs, rtype):
    return [k for k in (reference_key(r, rtype) for r in refs) if k is not None]


# --- the views -------------------------------------------------------------------------------

def patient_demographics(p):
    official = [n for n in arr(p.get("name")) if n.get("use") == "official"]
    name = first(official)
    given = arr(name.get("given")) if name else []
    if name is None:
        raise Unhandled("Patient without an official name (given.join over empty)")
    ssn = [i.get("value") for i in arr(p.get("identifier"))
           if i.get("system") == "http://hl7.org/fhir/sid/us-ssn" and i.get("value") is not None]
    race = extension(extension([p], "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"),
                     "text")
    eth = extension(extension([p], "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity"),
                    "ombCategory")
    sex = extension([p], "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex")
    comm = first(arr(p.get("communication")))
    return [{
        "patient_key": resource_key(p),
        "id": p.get("id"),
        "gender": p.get("gender"),
        "birth_date": p.get("birthDate"),
        "deceased_datetime": p.get("deceasedDateTime"),
        "deceased_boolean": p.get("deceasedBoolean"),
        "multiple_birth": p.get("multipleBirthBoolean"),
        "marital_status": first(path(first(path(p, "maritalStatus.coding")), "code")),
        "language": first(path(first(path(comm, "language.coding")), "code")) if comm else None,
        "ssn": first(ssn),
        "race": single(nav(race, "valueString"), "race"),
        "ethnicity": single(path(eth, "valueCoding.code"), "ethnicity"),
        "birth_sex": single(nav(sex, "valueCode"), "birth_sex"),
        "family": single(arr(name.get("family")), "family"),
        "given": join(given, " ", "given"),
        "given_names": given,
        "name_count": len(arr(p.get("name"))),
    }]


def patient_addresses(p):
    rows = []
    geo_url = "http://hl7.org/fhir/StructureDefinition/geolocation"
    for i, a in enumerate(arr(p.get("address"))):
        geo = extension([a], geo_url)
        rows.append({
            "patient_key": resource_key(p),
            "address_index": i,
            "use": a.get("use"),
            "line": join(arr(a.get("line")), ", ", "address.line"),
            "city": a.get("city"),
            "state": a.get("state"),
            "postal_code": a.get("postalCode"),
            "country": a.get("country"),
            "latitude": single(nav(extension(geo, "latitude"), "valueDecimal"), "latitude"),
            "longitude": single(nav(extension(geo, "longitude"), "valueDecimal"), "longitude"),
        })
    return rows


def encounter(e):
    type_coding = first(path(e, "type.coding"))
    return [{
        "encounter_key": resource_key(e),
        "id": e.get("id"),
        "status": e.get("status"),
        "class_code": single(path(e, "class.code"), "class.code"),
        "type_code": type_coding.get("code") if type_coding else None,
        "type_system": type_coding.get("system") if type_coding else None,
        "type_text": first(arr(e.get("type"))).get("text") if arr(e.get("type")) else None,
        "period_start": single(path(e, "period.start"), "period.start"),
        "period_end": single(path(e, "period.end"), "period.end"),
        "patient_key": reference_key(e.get("subject"), "Patient"),
        "service_provider": single(path(e, "serviceProvider.display"), "serviceProvider.display"),
        "reason_code": first(path(e, "reasonCode.coding.code")),
        "discharge_disposition": (first(path(e, "hospitalization.dischargeDisposition.coding"))
                                  or {}).get("code"),
    }]


NPI_PREFIX = "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|"


def encounter_participants(e):
    rows = []
    base = {"encounter_key": resource_key(e),
            "patient_key": reference_key(e.get("subject"), "Patient")}
    for i, part in enumerate(arr(e.get("participant"))):
        ref = single(path(part, "individual.reference"), "individual.reference")
        prow = dict(base)
        prow.update({
            "participant_index": i,
            "individual_reference": ref,
            "individual_display": single(path(part, "individual.display"), "individual.display"),
            "practitioner_npi": ref[len(NPI_PREFIX):] if ref and ref.startswith(NPI_PREFIX) else None,
            "period_start": single(path(part, "period.start"), "participant.period.start"),
            "period_end": single(path(part, "period.end"), "participant.period.end"),
        })
        codings = path(part, "type.coding")
        if not codings:  # forEachOrNull: one row with the nested columns null
            codings = [None]
        for c in codings:
            row = dict(prow)
            row.update({
                "role_system": c.get("system") if c else None,
                "role_code": c.get("code") if c else None,
                "role_display": c.get("display") if c else None,
            })
            rows.append(row)
    return rows


def condition(c):
    if any(x == "entered-in-error" for x in path(c, "verificationStatus.coding.code")):
        return []
    base = {
        "condition_key": resource_key(c),
        "patient_key": reference_key(c.get("subject"), "Patient"),
        "encounter_key": reference_key(c.get("encounter"), "Encounter"),
        "clinical_status": single(path(c, "clinicalStatus.coding.code"), "clinicalStatus"),
        "verification_status": single(path(c, "verificationStatus.coding.code"),
                                      "verificationStatus"),
        "categories": path(c, "category.coding.code"),
        "onset": c.get("onsetDateTime"),
        "abatement": c.get("abatementDateTime"),
        "recorded_date": c.get("recordedDate"),
        "code_text": single(path(c, "code.text"), "code.text"),
    }
    rows = []
    for coding in path(c, "code.coding"):  # forEach: no coding, no row
        row = dict(base)
        row.update({"code_system": coding.get("system"), "code": coding.get("code"),
                    "code_display": coding.get("display")})
        rows.append(row)
    return rows


def condition_codings(c):
    rows = []
    for element in ("code", "category", "clinicalStatus", "verificationStatus"):
        for coding in path(c, element + ".coding"):
            rows.append({"condition_key": resource_key(c), "element": element,
                         "system": coding.get("system"), "code": coding.get("code"),
                         "display": coding.get("display")})
    return rows


def medication_request(m):
    med = m.get("medicationCodeableConcept")
    if m.get("intent") != "order" or med is None:
        return []
    codings = path(med, "coding")
    base = {
        "medication_request_key": resource_key(m),
        "status": m.get("status"),
        "intent": m.get("intent"),
        "medication_code": codings[0].get("code") if codings else None,
        "medication_rxnorm": first([x.get("code") for x in codings
                                    if x.get("system") == "http://www.nlm.nih.gov/research/umls/rxnorm"
                                    and x.get("code") is not None]),
        "medication_text": med.get("text"),
        "patient_key": reference_key(m.get("subject"), "Patient"),
        "encounter_key": reference_key(m.get("encounter"), "Encounter"),
        "authored_on": m.get("authoredOn"),
        "requester_display": single(path(m, "requester.display"), "requester.display"),
        "reason_condition_keys": reference_keys(arr(m.get("reasonReference")), "Condition"),
    }
    dosages = arr(m.get("dosageInstruction")) or [None]  # forEachOrNull
    rows = []
    for d in dosages:
        row = dict(base)
        if d is None:
            row.update(dict.fromkeys(("dosage_sequence", "dosage_text", "as_needed", "frequency",
                                      "period", "period_unit", "dose_value")))
        else:
            dr = first(arr(d.get("doseAndRate")))
            row.update({
                "dosage_sequence": d.get("sequence"),
                "dosage_text": d.get("text"),
                "as_needed": d.get("asNeededBoolean"),
                "frequency": single(path(d, "timing.repeat.frequency"), "frequency"),
                "period": single(path(d, "timing.repeat.period"), "period"),
                "period_unit": single(path(d, "timing.repeat.periodUnit"), "periodUnit"),
                "dose_value": single(path(dr, "doseQuantity.value"), "dose") if dr else None,
            })
        rows.append(row)
    return rows


def immunization(i):
    if i.get("status") != "completed":
        return []
    return [{
        "immunization_key": resource_key(i),
        "status": i.get("status"),
        "vaccine_cvx": first([x.get("code") for x in path(i, "vaccineCode.coding")
                              if x.get("system") == "http://hl7.org/fhir/sid/cvx"
                              and x.get("code") is not None]),
        "vaccine_text": single(path(i, "vaccineCode.text"), "vaccineCode.text"),
        "patient_key": reference_key(i.get("patient"), "Patient"),
        "encounter_key": reference_key(i.get("encounter"), "Encounter"),
        "occurrence": i.get("occurrenceDateTime"),
        "primary_source": i.get("primarySource"),
        "location": single(path(i, "location.display"), "location.display"),
    }]


def procedure(p):
    coding = first(path(p, "code.coding"))
    return [{
        "procedure_key": resource_key(p),
        "status": p.get("status"),
        "code": coding.get("code") if coding else None,
        "code_system": coding.get("system") if coding else None,
        "code_text": single(path(p, "code.text"), "code.text"),
        "patient_key": reference_key(p.get("subject"), "Patient"),
        "encounter_key": reference_key(p.get("encounter"), "Encounter"),
        "performed_start": single(path(p, "performedPeriod.start"), "performed.start"),
        "performed_end": single(path(p, "performedPeriod.end"), "performed.end"),
        "location": single(path(p, "location.display"), "location.display"),
        "reason_condition_keys": reference_keys(arr(p.get("reasonReference")), "Condition"),
    }]


def hospital_encounter(e):
    cls = single(path(e, "class.code"), "class.code")
    start = single(path(e, "period.start"), "period.start")
    if cls not in ("IMP", "EMER") or start is None:
        return []
    dd = e.get("hospitalization", {}).get("dischargeDisposition") if isinstance(
        e.get("hospitalization"), dict) else None
    return [{
        "encounter_key": resource_key(e),
        "patient_key": reference_key(e.get("subject"), "Patient"),
        "class_code": cls,
        "admitted": start,
        "discharged": single(path(e, "period.end"), "period.end"),
        "discharge_disposition": (first(path(dd, "coding")) or {}).get("code"),
        "discharge_disposition_text": single(path(dd, "text"), "dischargeDisposition.text"),
        "reason_codes": path(e, "reasonCode.coding.code"),
    }]


# view name -> (resource type, function).  Every view in samples/views must be here.
VIEWS = {
    "patient_demographics": ("Patient", patient_demographics),
    "patient_addresses": ("Patient", patient_addresses),
    "encounter": ("Encounter", encounter),
    "encounter_participants": ("Encounter", encounter_participants),
    "hospital_encounter": ("Encounter", hospital_encounter),
    "condition": ("Condition", condition),
    "condition_codings": ("Condition", condition_codings),
    "medication_request": ("MedicationRequest", medication_request),
    "immunization": ("Immunization", immunization),
    "procedure": ("Procedure", procedure),
}


# --- columns of a ViewDefinition (the spec's ordering rule) ----------------------------------

def view_columns(view):
    """[(name, type, collection)] in output order: a select's own columns, then its nested
    selects' columns, then its first unionAll branch's columns (SQL on FHIR v2, "Column
    Ordering")."""
    def sel_cols(s):
        out = [(c["name"], c.get("type"), bool(c.get("collection"))) for c in s.get("column", [])]
        for sub in s.get("select", []):
            out += sel_cols(sub)
        if s.get("unionAll"):
            out += sel_cols(s["unionAll"][0])
        return out
    cols = []
    for s in view["select"]:
        cols += sel_cols(s)
    return cols


# --- cells -----------------------------------------------------------------------------------

DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DATETIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
                         r"(Z|[+-]\d{2}:\d{2})?$")


def utc_instant(text):
    """docs/transform.md, date/dateTime/instant cells: ISO 8601 in UTC
    YYYY-MM-DDThh:mm:ss[.fraction]Z, offsets applied, no zone taken as UTC, partial dates padded
    to their first instant, fractional seconds kept digit for digit."""
    import datetime
    m = DATE_RE.match(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
        return "%04d-%02d-%02dT00:00:00Z" % (y, mo, d)
    m = DATETIME_RE.match(text)
    if not m:
        raise Unhandled("not a FHIR date/dateTime: %r" % text)
    y, mo, d, hh, mi = (int(m.group(i)) for i in range(1, 6))
    ss = int(m.group(6) or 0)
    frac = m.group(7) or ""
    dt = datetime.datetime(y, mo, d, hh, mi, ss)
    z = m.group(8)
    if z and z != "Z":
        sign = 1 if z[0] == "+" else -1
        dt -= sign * datetime.timedelta(hours=int(z[1:3]), minutes=int(z[4:6]))
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def scalar_text(v, ftype):
    if v is None:
        return ""
    if ftype == "instant":
        return utc_instant(v)
    if ftype in ("date", "dateTime", "time"):
        # SQL on FHIR "Default Type Mappings": CHARACTER VARYING, the FHIR string as written
        # (docs/views.md, "Column types"); checked to be a FHIR value all the same.
        if not (DATE_RE.match(v) or DATETIME_RE.match(v) or ftype == "time"):
            raise Unhandled("not a FHIR %s: %r" % (ftype, v))
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, DecimalText)):
        return str(v)
    if isinstance(v, str):
        return v
    raise Unhandled("no rendering for %r as %s" % (v, ftype))


def json_item(v):
    if isinstance(v, DecimalText):
        return json.loads(v)  # only for re-serialising; collection columns here hold strings
    return v


def render(value, ftype, collection):
    """The CSV cell of one value.  A collection column: the JSON array text of its items
    (compact, UTF-8), '[]' when empty -- the SQL on FHIR suite's expectation for an empty
    collection (fhirpath.json, "collection")."""
    if collection:
        return json.dumps([json_item(x) for x in value], ensure_ascii=False,
                          separators=(",", ":"))
    return scalar_text(value, ftype)
