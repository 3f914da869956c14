#!/usr/bin/env node
'use strict';
/*
 * The reference side of the FHIRPath differential test: evaluates FHIRPath expressions with HL7's
 * fhirpath.js (npm `fhirpath`, FHIR R4 model) and prints the results in the shape
 * `fhir2cdm-transform fhirpath` prints them (docs/fhirpath.md):
 *
 *   [{"type": T, "value": V}, ...]
 *
 * T: the FHIR type when fhirpath.js knows it ("HumanName", "date", "code"), else the System type
 * ("Boolean", "Integer", "Decimal", "String", "Date", "DateTime", "Time", "Quantity") -- the
 * fhirpath.types() name without its "FHIR."/"System." namespace.  V: the JSON value (objects as
 * JSON, dates/times as strings without '@', quantities as {"value": n, "unit": u} with the UCUM
 * unit unquoted).
 *
 * One extra member, "computed": true, marks items that fhirpath.js computed (not read from the
 * resource) as a JS number: fhirpath.js does not keep Integer and Decimal apart there (it
 * infers the type from the value, so 3.0 * 2 is typed Integer) and does its arithmetic in JS
 * doubles; run_diff.py uses the mark to relax exactly those two things.
 *
 * Usage:
 *   eval.js [--modules DIR] [--ndjson] [--] EXPRESSION [FILE]
 *       Same interface as `fhir2cdm-transform fhirpath`: FILE (default stdin) holds one JSON
 *       resource, or one per line with --ndjson (one result line per resource, {"error": M} for a
 *       resource the expression fails on).  A compile error prints "error: MESSAGE" and exits 2.
 *   eval.js [--modules DIR] --batch EXPRESSIONS_FILE NDJSON_FILE
 *       Every line of EXPRESSIONS_FILE is one expression (compiled once); prints one JSON line per
 *       expression, in order: {"compileError": M} or {"results": [R1, R2, ...]} with one entry per
 *       resource line of NDJSON_FILE, each an array as above or {"error": M}, plus
 *       "warnings": [...] when fhirpath.js warned (it reports a wrong number of function
 *       arguments only as a warning and evaluates the call to empty).
 *
 * DIR: the node_modules folder holding fhirpath (default: <repo>/tools/npm/node_modules, where
 * install.sh puts it; also FHIRPATH_NODE_MODULES).
 *
 * Environment given to every evaluation: the resource is the context and $this; %resource and
 * %rootResource are the resource (fhirpath.js defines %context itself; %ucum, %sct, %loinc are
 * built in).
 *
 * getResourceKey() and getReferenceKey([type]) (SQL on FHIR v2) are not part of fhirpath.js; they
 * are added here through its userInvocationTable, with the key being the resource id (see
 * docs/fhirpath.md, "Functions added to fhirpath.js").
 */
const fs = require('fs');
const path = require('path');

function die(msg, code) {
  process.stderr.write(msg + '\n');
  process.exit(code);
}

const args = process.argv.slice(2);
let modules = process.env.FHIRPATH_NODE_MODULES ||
  path.join(__dirname, '..', '..', 'tools', 'npm', 'node_modules');
let ndjson = false;
let batch = false;
const positional = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--') { // end of options: an expression may start with '-' ("-7 div 2")
    positional.push(...args.slice(i + 1));
    break;
  } else if (a === '--modules') {
    if (i + 1 >= args.length) die('eval.js: --modules needs a folder', 2);
    modules = args[++i];
  } else if (a === '--ndjson') ndjson = true;
  else if (a === '--batch') batch = true;
  else if (a === '-h' || a === '--help') {
    process.stdout.write('Usage: eval.js [--modules DIR] [--ndjson] EXPRESSION [FILE]\n' +
      '       eval.js [--modules DIR] --batch EXPRESSIONS_FILE NDJSON_FILE\n');
    process.exit(0);
  } else positional.push(a);
}

let fhirpath, r4model;
try {
  fhirpath = require(path.join(path.resolve(modules), 'fhirpath'));
  r4model = require(path.join(path.resolve(modules), 'fhirpath', 'fhir-context', 'r4'));
} catch (e) {
  die('eval.js: cannot load fhirpath from ' + modules + ' (run tests/fhirpath-diff/install.sh): ' +
      e.message, 3);
}

/* --- getResourceKey() / getReferenceKey([type]) ------------------------------------------- */

// "Patient/123", "Patient/123/_history/2", "http://x/fhir/Patient/123": type and id; anything
// else (contained "#x", "urn:uuid:...", conditional "Patient?identifier=...") has no key.
const REF = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

const userInvocationTable = {
  getResourceKey: {
    fn: (inputs) => {
      const out = [];
      for (const r of inputs) {
        if (r && typeof r === 'object' && typeof r.resourceType === 'string' &&
            typeof r.id === 'string') out.push(r.id);
      }
      return out;
    },
    arity: {0: []}
  },
  getReferenceKey: {
    fn: (inputs, typeInfo) => {
      const out = [];
      for (const ref of inputs) {
        if (!ref || typeof ref !== 'object' || typeof ref.reference !== 'string') continue;
        const m = REF.exec(ref.reference);
        if (!m) continue;
        if (typeInfo && typeInfo.name && typeInfo.name !== m[1]) continue;
        out.push(m[2]);
      }
      return out;
    },
    arity: {0: [], 1: ['TypeSpecifier']}
  }
};

/* --- result normalisation --------------------------------------------------------------- */

function shortType(t) {
  if (typeof t !== 'string') return null;
  const dot = t.indexOf('.');
  return dot >= 0 ? t.slice(dot + 1) : t;
}

function quantityUnit(u) {
  if (typeof u !== 'string') return u === undefined ? null : u;
  // fhirpath.js keeps UCUM units in their literal quotes ('mg'); calendar words (days) bare.
  return u.length >= 2 && u[0] === "'" && u[u.length - 1] === "'" ? u.slice(1, -1) : u;
}

function toNumber(v) {
  if (typeof v === 'number') return v;
  if (v && typeof v.toNumber === 'function') return v.toNumber();
  return Number(v);
}

// One raw fhirpath.js result item -> {type, value[, computed]}, or null for a metadata-only node
// (a primitive with only _element metadata and no value), which fhirpath.js's own resolved
// output drops too.
function normaliseItem(raw) {
  const type = shortType(fhirpath.types([raw])[0]);
  const isNode = raw !== null && typeof raw === 'object' && raw.constructor &&
    raw.constructor.name === 'ResourceNode';
  const ctor = raw !== null && typeof raw === 'object' && raw.constructor ? raw.constructor.name : '';
  if (ctor === 'FP_Quantity') {
    return {type: 'Quantity', value: {value: toNumber(raw.value), unit: quantityUnit(raw.unit)}};
  }
  const resolved = fhirpath.resolveInternalTypes([raw]);
  if (resolved.length === 0) return null;
  let value = resolved[0];
  if (value !== null && typeof value === 'object' && typeof value.toNumber === 'function') {
    value = value.toNumber();
  }
  const item = {type: type, value: value};
  if (!isNode && typeof value === 'number') item.computed = true;
  return item;
}

function run(compiled, resource) {
  try {
    const raw = compiled(resource, {resource: resource, rootResource: resource});
    const out = [];
    for (const r of raw) {
      const it = normaliseItem(r);
      if (it) out.push(it);
    }
    return out;
  } catch (e) {
    return {error: String(e && e.message ? e.message : e).split('\n')[0]};
  }
}

// fhirpath.js reports some problems only through console.warn (a function called with the wrong
// number of arguments evaluates to empty after "where wrong arity: got 0"); collect them so the
// batch output can show them next to the result.
let warnings = [];
console.warn = (...a) => { warnings.push(a.map(String).join(' ')); };

function compile(expr) {
  return fhirpath.compile(expr, r4model, {
    resolveInternalTypes: false,
    userInvocationTable: userInvocationTable,
    traceFn: () => {} // trace() returns its input; keep its log off stdout
  });
}

function readLines(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(l => l.trim() !== '');
}

/* --- main --------------------------------------------------------------------------------- */

// Never process.exit() after writing: stdout to a pipe is asynchronous in node and exit() would
// cut the output short.  Set process.exitCode and let the writes drain.
function main() {
  if (batch) {
    if (positional.length !== 2) return usageError('eval.js: --batch needs EXPRESSIONS_FILE NDJSON_FILE');
    const exprs = fs.readFileSync(positional[0], 'utf8').split('\n');
    if (exprs.length && exprs[exprs.length - 1] === '') exprs.pop();
    const lines = readLines(positional[1]);
    for (const expr of exprs) {
      let compiled;
      try {
        compiled = compile(expr);
      } catch (e) {
        process.stdout.write(JSON.stringify({compileError: String(e.message).split('\n')[0]}) + '\n');
        continue;
      }
      // fhirpath.js annotates the resource object it is given; parse every line afresh so no
      // expression sees another's leftovers.
      warnings = [];
      const results = lines.map(l => run(compiled, JSON.parse(l)));
      const rec = {results: results};
      if (warnings.length) rec.warnings = [...new Set(warnings)];
      process.stdout.write(JSON.stringify(rec) + '\n');
    }
    return 0;
  }

  if (positional.length < 1 || positional.length > 2) {
    return usageError('Usage: eval.js [--modules DIR] [--ndjson] EXPRESSION [FILE]');
  }
  let compiled;
  try {
    compiled = compile(positional[0]);
  } catch (e) {
    process.stderr.write('error: ' + String(e.message).split('\n')[0] + '\n');
    return 2;
  }
  const text = fs.readFileSync(positional.length === 2 ? positional[1] : 0, 'utf8');
  let rc = 0;
  if (ndjson) {
    for (const l of text.split('\n')) {
      if (l.trim() === '') continue;
      const r = run(compiled, JSON.parse(l));
      if (!Array.isArray(r)) rc = 1;
      process.stdout.write(JSON.stringify(r) + '\n');
    }
  } else {
    const r = run(compiled, JSON.parse(text));
    if (Array.isArray(r)) process.stdout.write(JSON.stringify(r) + '\n');
    else {
      process.stderr.write('error: ' + r.error + '\n');
      rc = 1;
    }
  }
  for (const w of new Set(warnings)) process.stderr.write('warning: ' + w + '\n');
  return rc;
}

function usageError(msg) {
  process.stderr.write(msg + '\n');
  return 2;
}

process.exitCode = main();
