#!/usr/bin/env python3
"""Generate lib/fhir/f2c_fhirmodel_data.c, the FHIR R4 type model, from the FHIR R4 JSON Schema.

Why a generator: the FHIRPath engine needs every element's FHIR type (a JSON string may be a
date, a code or a uri; Observation.value may be any of 11 types).  Typing that by hand would be
thousands of lines nobody can check; the official HL7 R4 JSON Schema has all of it.  The schema
(3.4 MB, ../shared/fhir/fhir.schema.json) is not part of the repository, so the output is
committed and the build needs neither the schema nor the network; tests/fhirmodel regenerates
it and requires it byte-identical.

What the schema does not say, and is therefore stated here (FHIR R4 §2.24 "Data Types",
§2.1 "Resources"), checked against the schema wherever it can be:
  - the primitive specialisations (code/id/markdown are string, ...) and each primitive's
    FHIRPath System type (FHIRPath N1 §6, FHIR R4 "FHIRPath" type mapping);
  - the Quantity profiles Age/Count/Distance/Duration (in the schema, with Quantity's elements)
    and SimpleQuantity/MoneyQuantity (absent; added with Quantity's elements);
  - the abstract bases Resource, DomainResource, BackboneElement (absent; added with the
    elements every resource / domain resource / backbone element shares in the schema).

Choice elements (FHIR R4 §2.24.0.3, value[x]): the schema lists one property per variant.
Complex variants carry a $ref, but primitive variants are inlined (`pattern` + JSON `type`)
and their patterns are ambiguous (string = markdown, uri = url = canonical), so the type comes
from the name suffix (effectiveDateTime -> dateTime).  A choice group is two or more sibling,
non-repeating properties that share a base name, end in a datatype name (longest suffix wins:
DateTime before Time) and carry the identical description (the schema repeats the element's
description per variant).  That rejects lookalikes such as Encounter.reasonCode/reasonReference
(arrays) or Task.instantiatesCanonical/instantiatesUri (different descriptions).  Every inlined
property must end up in a group, and its JSON type and pattern must be its suffix type's.

Usage: scripts/gen_fhirmodel.py [--schema PATH] [--out PATH]   (python3, stdlib only)
Prints the schema's sha256; writes the C file ("-" for stdout).
"""
import argparse
import hashlib
import json
import os
import sys

KNOWN_SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"

# FHIR R4 §2.24.0.1 primitive types: name -> (FHIR base type, FHIRPath System type).
PRIMITIVES = {
    "boolean": ("Element", "BOOLEAN"),
    "integer": ("Element", "INTEGER"),
    "positiveInt": ("integer", "INTEGER"),
    "unsignedInt": ("integer", "INTEGER"),
    "decimal": ("Element", "DECIMAL"),
    "string": ("Element", "STRING"),
    "code": ("string", "STRING"),
    "id": ("string", "STRING"),
    "markdown": ("string", "STRING"),
    "uri": ("Element", "STRING"),
    "url": ("uri", "STRING"),
    "canonical": ("uri", "STRING"),
    "oid": ("uri", "STRING"),
    "uuid": ("uri", "STRING"),
    "base64Binary": ("Element", "STRING"),
    "xhtml": ("Element", "STRING"),
    "date": ("Element", "DATE"),
    "dateTime": ("Element", "DATETIME"),
    "instant": ("Element", "DATETIME"),
    "time": ("Element", "TIME"),
}

# FHIR R4 Quantity profiles (datatypes.html#Quantity): all have exactly Quantity's elements.
QUANTITY_PROFILES_IN_SCHEMA = ["Age", "Count", "Distance", "Duration"]
QUANTITY_PROFILES_ADDED = ["MoneyQuantity", "SimpleQuantity"]

# Abstract bases absent from the schema, with the elements the schema must show them to have.
RESOURCE_ELEMENTS = ["id", "meta", "implicitRules", "language"]
DOMAIN_RESOURCE_ELEMENTS = RESOURCE_ELEMENTS + ["text", "contained", "extension", "modifierExtension"]
BACKBONE_ELEMENTS = ["id", "extension", "modifierExtension"]

ARRAY, PRIM_EXT, CHOICE = 1, 2, 4  # element flags, as in lib/fhir/f2c_fhirmodel.c


class SchemaError(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise SchemaError(msg)


def ref_name(node, where):
    ref = node.get("$ref", "")
    check(ref.startswith("#/definitions/"), "%s: expected a $ref, got %r" % (where, node))
    return ref[len("#/definitions/"):]


def upper_first(s):
    return s[0].upper() + s[1:]


def load_model(schema):
    defs = schema["definitions"]
    for name in defs:
        check(name.isascii() and name.replace("_", "").isalnum(), "odd definition name %r" % name)

    # Resources: the discriminator mapping, ResourceList and the top-level oneOf must agree, and
    # each resource must pin resourceType to its own name.
    resources = set(schema["discriminator"]["mapping"])
    check(schema["discriminator"]["propertyName"] == "resourceType", "discriminator property")
    for name, ref in schema["discriminator"]["mapping"].items():
        check(ref == "#/definitions/" + name, "discriminator maps %s to %s" % (name, ref))
    listed = {ref_name(x, "ResourceList") for x in defs["ResourceList"]["oneOf"]}
    top = {ref_name(x, "oneOf") for x in schema["oneOf"]}
    check(resources == listed == top, "discriminator, ResourceList and oneOf disagree")
    for name in resources:
        rt = defs[name]["properties"].get("resourceType", {})
        check(rt.get("const") == name, "%s: resourceType const is %r" % (name, rt))

    primitives = {n for n in defs if n[0].islower()}
    check(primitives == set(PRIMITIVES), "primitive set differs: %s" % sorted(primitives ^ set(PRIMITIVES)))
    backbones = {n for n in defs if "_" in n}
    for n in backbones:
        check(n.split("_")[0] in defs, "backbone %s has no owner" % n)
    complexes = set(defs) - resources - primitives - backbones - {"ResourceList"}
    datatypes = primitives | complexes  # candidate choice suffixes
    suffixes = sorted(((upper_first(t), t) for t in datatypes), key=lambda st: (-len(st[0]), st[0]))

    model = {}  # name -> dict(kind, base, sys, elems [(json, type, flags)], choices [(base, [json])])
    for name in sorted(defs):
        if name == "ResourceList":
            continue
        d = defs[name]
        if name in primitives:
            base, sysname = PRIMITIVES[name]
            check("properties" not in d, "primitive %s has properties" % name)
            model[name] = dict(kind="PRIMITIVE", base=base, sys=sysname, elems=[], choices=[])
            continue
        props = d["properties"]
        check(d.get("additionalProperties") is False, "%s allows additional properties" % name)
        # Choice groups.
        cand = {}
        for k, p in props.items():
            if k.startswith("_") or k == "resourceType":
                continue
            for suf, t in suffixes:
                if k.endswith(suf) and len(k) > len(suf):
                    cand.setdefault(k[: -len(suf)], []).append((k, t))
                    break
        variant_of = {}  # json name -> (base, type)
        choices = []
        for base, members in cand.items():
            if len(members) < 2:
                continue
            if any("items" in props[k] for k, _ in members):
                continue
            if len({props[k].get("description") for k, _ in members}) != 1:
                continue
            check(base not in props, "%s: choice base %s is also a property" % (name, base))
            for k, t in members:
                variant_of[k] = (base, t)
            choices.append((base, [k for k, _ in members]))  # schema order
        elems = []
        for k, p in props.items():
            if k == "resourceType":
                continue
            if k.startswith("_"):
                check(k[1:] in props, "%s.%s has no primitive %s" % (name, k, k[1:]))
                target = p["items"] if "items" in p else p
                check(ref_name(target, name + "." + k) == "Element", "%s.%s is not Element" % (name, k))
                check(("items" in p) == ("items" in props[k[1:]]), "%s.%s array-ness" % (name, k))
                continue
            flags = 0
            node = p
            if "items" in p:
                check(p.get("type") == "array", "%s.%s: items without type array" % (name, k))
                flags |= ARRAY
                node = p["items"]
            if k in variant_of:
                flags |= CHOICE
                t = variant_of[k][1]
                if "$ref" in node:
                    check(ref_name(node, name + "." + k) == t, "%s.%s: $ref is not %s" % (name, k, t))
                else:
                    pd = defs[t]
                    # base64Binary's definition has no pattern; its inlined variants do.
                    check(node.get("type") == pd.get("type")
                          and pd.get("pattern", node.get("pattern")) == node.get("pattern"),
                          "%s.%s: inlined pattern/type is not %s's" % (name, k, t))
            elif "$ref" in node:
                t = ref_name(node, name + "." + k)
                if t == "ResourceList":
                    t = "Resource"
                check(t in defs or t == "Resource", "%s.%s: unknown type %s" % (name, k, t))
            elif "enum" in node:
                t = "code"  # required-binding codes are written as enums
            else:
                raise SchemaError("%s.%s: no type and not a choice variant: %r" % (name, k, node))
            # "_name" (FHIR R4 §2.6.2.7): every primitive but the ids (XML attributes in the XML
            # form) and xhtml may carry one.  The schema agrees except for canonical elements,
            # where it omits "_name" (all but two); the rule, not the omission, is recorded.
            if t in primitives and t != "xhtml" and k != "id":
                flags |= PRIM_EXT
                check("_" + k in props or t == "canonical", "%s.%s: schema has no _%s" % (name, k, k))
            else:
                check("_" + k not in props, "%s._%s on a non-primitive or id" % (name, k))
            elems.append((k, t, flags))
        if name in resources:
            kind = "RESOURCE"
            base = "DomainResource" if "contained" in props else "Resource"
        elif name in backbones:
            kind, base = "BACKBONE", "BackboneElement"
        else:
            kind = "COMPLEX"
            if name == "Element":
                base = None
            elif name in QUANTITY_PROFILES_IN_SCHEMA:
                base = "Quantity"
            elif "modifierExtension" in props:
                base = "BackboneElement"  # Timing, Dosage, ElementDefinition, ... (R4)
            else:
                base = "Element"
        model[name] = dict(kind=kind, base=base, sys=None, elems=elems, choices=choices)

    # Quantity profiles share Quantity's elements.
    q = model["Quantity"]["elems"]
    for n in QUANTITY_PROFILES_IN_SCHEMA:
        check(model[n]["elems"] == q, "%s's elements differ from Quantity's" % n)
    for n in QUANTITY_PROFILES_ADDED:
        check(n not in model, "%s is in the schema now" % n)
        model[n] = dict(kind="COMPLEX", base="Quantity", sys=None, elems=list(q), choices=[])

    # Abstract bases: the elements all of their members share.
    def shared(members, expect, what):
        first = model[members[0]]["elems"]
        common = [e for e in first if all(e in model[m]["elems"] for m in members)]
        got = [e[0] for e in common]
        check(got == expect, "%s shares %s, expected %s" % (what, got, expect))
        return common

    res = sorted(resources)
    dom = sorted(n for n in res if model[n]["base"] == "DomainResource")
    bb = sorted(n for n in model if model[n]["base"] == "BackboneElement")
    for n in ("Resource", "DomainResource", "BackboneElement"):
        check(n not in model, "%s is in the schema now" % n)
    model["Resource"] = dict(kind="RESOURCE", base=None, sys=None,
                             elems=shared(res, RESOURCE_ELEMENTS, "every resource"), choices=[])
    model["DomainResource"] = dict(kind="RESOURCE", base="Resource", sys=None,
                                   elems=shared(dom, DOMAIN_RESOURCE_ELEMENTS, "every domain resource"),
                                   choices=[])
    model["BackboneElement"] = dict(kind="COMPLEX", base="Element", sys=None,
                                    elems=shared(bb, BACKBONE_ELEMENTS, "every backbone element"), choices=[])
    for n, m in model.items():
        check(m["base"] is None or m["base"] in model, "%s: base %s unknown" % (n, m["base"]))
        for k, t, f in m["elems"]:
            check(t in model, "%s.%s: type %s unknown" % (n, k, t))
    return model


class Pool:
    """NUL-separated string pool; a string that is a suffix of a longer one shares its bytes."""

    def __init__(self, strings):
        self.text = []
        self.off = {}
        size = 0
        for s in sorted(set(strings), key=lambda x: (-len(x), x)):
            if s in self.off:
                continue
            self.text.append(s)
            for i in range(len(s)):
                self.off.setdefault(s[i:], size + i)
            size += len(s) + 1
        self.size = size


def c_rows(items, sep=",", width=100, indent="    "):
    """items joined by sep, wrapped at width columns."""
    lines, cur = [], indent
    for it in items:
        if len(cur) + len(it) + len(sep) > width and cur.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += it + sep + " "
    if cur.strip():
        lines.append(cur.rstrip())
    return "\n".join(lines)


def emit(model, sha):
    names = sorted(model)
    index = {n: i for i, n in enumerate(names)}
    strings = set(names)
    for m in model.values():
        strings.update(k for k, _, _ in m["elems"])
        strings.update(b for b, _ in m["choices"])
    pool = Pool(strings)
    check(pool.size < 0xFFFF, "string pool too large for uint16 offsets")

    elems, choices, variants, defs = [], [], [], []
    for n in names:
        m = model[n]
        first_e = len(elems)
        local = {}
        for k, t, f in sorted(m["elems"]):
            local[k] = len(elems)
            elems.append((pool.off[k], index[t], f))
        first_c = len(choices)
        for base, members in sorted(m["choices"]):
            choices.append((pool.off[base], len(variants), len(members)))
            variants.extend(local[k] for k in members)
        check(len(m["choices"]) < 256, "%s: too many choice elements" % n)
        defs.append((n, pool.off[n], "FM_NONE" if m["base"] is None else index[m["base"]], first_e,
                     len(elems) - first_e, first_c, len(m["choices"]), "FM_K_" + m["kind"],
                     "FM_S_" + (m["sys"] or "NONE")))
    check(len(elems) < 0xFFFF and len(variants) < 0xFFFF and len(names) < 0xFFFF, "table too large")

    out = []
    w = out.append
    w("/* Generated by scripts/gen_fhirmodel.py from fhir.schema.json sha256 %s -- do not edit. */" % sha)
    w("/*")
    w(" * The FHIR R4 type model as const tables, #included by f2c_fhirmodel.c (which declares the")
    w(" * row types and FM_* constants) so the tables stay static to that translation unit.  The")
    w(" * library build compiles every .c file in lib/fhir, so on its own this file compiles to nothing.")
    w(" * %d definitions, %d elements, %d choice elements (%d variants), %d-byte string pool." %
      (len(defs), len(elems), len(choices), len(variants), pool.size))
    w(" */")
    w("#ifndef F2C_FHIRMODEL_TABLES")
    w("typedef int f2c_fhirmodel_data_is_included_by_f2c_fhirmodel_c;")
    w("#else")
    w("")
    w("/* Every name, NUL-terminated; rows refer to them by byte offset. */")
    w("static const char fm_pool[] =")
    w(c_rows(['"%s\\0"' % s for s in pool.text], sep="") + ";")
    w("")
    w("/* Definitions sorted by name: {name, base, first element, elements, first choice, choices,")
    w(" * kind, System type}. */")
    w("static const fm_def fm_defs[] = {")
    for n, *row in defs:
        w("    {%s}, /* %d %s */" % (", ".join(str(x) for x in row), index[n], n))
    w("};")
    w("")
    w("/* Elements, each definition's sorted by JSON name: {name, type, flags}. */")
    w("static const fm_elem fm_elems[] = {")
    w(c_rows(["{%d,%d,%d}" % e for e in elems]))
    w("};")
    w("")
    w("/* Choice elements, each definition's sorted by base name: {base, first variant, variants}. */")
    w("static const fm_choice fm_choices[] = {")
    w(c_rows(["{%d,%d,%d}" % c for c in choices]))
    w("};")
    w("")
    w("/* Variants of each choice element in schema order, as indices into fm_elems. */")
    w("static const uint16_t fm_variants[] = {")
    w(c_rows([str(v) for v in variants]))
    w("};")
    w("")
    w("#endif")
    return "\n".join(out) + "\n", dict(
        defs=len(defs), elems=len(elems), choices=len(choices), variants=len(variants), pool=pool.size)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schema", default=os.path.join(root, "..", "shared", "fhir", "fhir.schema.json"))
    ap.add_argument("--out", default=os.path.join(root, "lib", "fhir", "f2c_fhirmodel_data.c"))
    args = ap.parse_args()
    try:
        with open(args.schema, "rb") as f:
            raw = f.read()
    except OSError as e:
        print("gen_fhirmodel: cannot read the schema: %s" % e, file=sys.stderr)
        return 2
    sha = hashlib.sha256(raw).hexdigest()
    print("sha256 %s  %s" % (sha, args.schema), file=sys.stderr if args.out == "-" else sys.stdout)
    if sha != KNOWN_SHA256:
        print("gen_fhirmodel: warning: not the FHIR R4 schema this project was built from "
              "(%s)" % KNOWN_SHA256,
              file=sys.stderr)
    try:
        model = load_model(json.loads(raw))
        text, stats = emit(model, sha)
    except (SchemaError, KeyError) as e:
        print("gen_fhirmodel: schema not understood: %s" % e, file=sys.stderr)
        return 1
    if args.out == "-":
        sys.stdout.write(text)
    else:
        tmp = args.out + ".tmp"
        with open(tmp, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
        os.replace(tmp, args.out)
        print("%(defs)d definitions, %(elems)d elements, %(choices)d choice elements, "
              "%(variants)d variants, %(pool)d-byte string pool" % stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
