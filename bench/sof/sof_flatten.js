#!/usr/bin/env node
'use strict';
/*
 * bench/sof/sof_flatten.js -- the JavaScript side of the SQL on FHIR benchmark (bench/sof/run.sh):
 * runs SQL on FHIR v2 ViewDefinitions over NDJSON with HL7's FHIRPath engine fhirpath.js (npm
 * `fhirpath`, installed by tests/fhirpath-diff/install.sh into tools/npm) doing every FHIRPath
 * evaluation, and writes one CSV per view per input file, laid out like our CDM folder:
 *
 *   OUT/data/<view name>/partition-data-<input stem>-js.csv
 *
 * The flatten loop is the specification's processing model ("Processing Algorithm", SQL on FHIR
 * v2): resource type filter, `where` (every path must give exactly true), `select` with `column`
 * (empty -> null, one item -> the item, several -> error unless collection=true), nested
 * `select` (cross join), `forEach` / `forEachOrNull` (one focus per item; forEachOrNull: one row
 * of nulls when there is none), `unionAll` (concatenation), `constant` (%name, as FHIRPath
 * environment variables), `%rowIndex` (index of the focus in its forEach collection, 0 outside).
 * getResourceKey() / getReferenceKey([type]) are added to fhirpath.js through its
 * userInvocationTable with the key forms of our engine (docs/fhirpath.md): a resource's key is
 * its id; a reference's key is the id of a literal [base/]Type/id[/_history/v] reference (and
 * nothing when a type argument differs, or for conditional / contained / urn: references).
 *
 * Cells are rendered as fhir2cdm-transform renders view columns (docs/views.md, "Output": SQL on
 * FHIR's default type mappings) so that the two outputs can be compared row for row: date,
 * dateTime and time as written (CHARACTER VARYING), instant as a UTC instant
 * YYYY-MM-DDThh:mm:ss[.fraction]Z (offsets applied), booleans true/false,
 * collection columns as compact JSON arrays, RFC 4180 minimal quoting, CRLF.  One difference
 * cannot be removed: JSON.parse turns the decimal 1.0 into the JS number 1, so decimal cells
 * print JavaScript's shortest form ("1" where the input said "1.0"); bench/sof/compare.py
 * compares decimal columns by numeric value for that reason.
 *
 * Usage: sof_flatten.js [--modules DIR] --view FILE_OR_DIR [--view ...] --output DIR INPUT...
 *   INPUT: NDJSON files or folders (every *.ndjson in them, sorted by name).
 *   Prints one summary line (JSON) to stdout: files, bytes, lines, lines skipped unparsed
 *   (resource types no view reads, recognised by a leading "resourceType" member), resources
 *   per type, rows per view, errors.  Exit status 0, or 1 when any line failed to parse or any evaluation
 *   failed (each reported on stderr, the first 20).
 */
const fs = require('fs');
const path = require('path');

function die(msg) { process.stderr.write('sof_flatten.js: ' + msg + '\n'); process.exit(2); }

// --- command line ---------------------------------------------------------------------------
let modules = process.env.FHIRPATH_NODE_MODULES ||
  path.join(__dirname, '..', '..', 'tools', 'npm', 'node_modules');
const viewArgs = [];
let outDir = null;
const inputs = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--modules') modules = argv[++i];
  else if (a === '--view') viewArgs.push(argv[++i]);
  else if (a === '--output') outDir = argv[++i];
  else if (a === '-h' || a === '--help') {
    process.stdout.write('Usage: sof_flatten.js [--modules DIR] --view FILE_OR_DIR... --output DIR INPUT...\n');
    process.exit(0);
  } else inputs.push(a);
}
if (!viewArgs.length || !outDir || !inputs.length) die('need --view, --output and at least one INPUT');

let fhirpath, r4model;
try {
  fhirpath = require(path.join(path.resolve(modules), 'fhirpath'));
  r4model = require(path.join(path.resolve(modules), 'fhirpath', 'fhir-context', 'r4'));
} catch (e) {
  die('cannot load fhirpath from ' + modules + ' (run tests/fhirpath-diff/install.sh): ' + e.message);
}

function listJson(p, ext) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return [p];
  return fs.readdirSync(p).filter(n => n.endsWith(ext)).sort().map(n => path.join(p, n));
}

// --- getResourceKey() / getReferenceKey([type]) ----------------------------------------------
const REF = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const userInvocationTable = {
  getResourceKey: {
    fn: (inputs) => inputs.filter(r => r && typeof r === 'object' && typeof r.resourceType === 'string' &&
                                       typeof r.id === 'string').map(r => r.id),
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

function compile(expr) {
  return fhirpath.compile(expr, r4model, {userInvocationTable});
}

// --- views: compile once ---------------------------------------------------------------------
function constantValue(c) {
  for (const k of Object.keys(c)) if (/^value[A-Z]/.test(k)) return c[k];
  throw new Error('constant ' + c.name + ' has no value[x]');
}

function compileSelect(s) {
  const cs = {
    columns: (s.column || []).map(c => ({
      name: c.name, type: c.type, collection: c.collection === true, fn: compile(c.path), path: c.path
    })),
    forEach: s.forEach !== undefined ? compile(s.forEach) : null,
    forEachOrNull: s.forEachOrNull !== undefined ? compile(s.forEachOrNull) : null,
    selects: (s.select || []).map(compileSelect),
    unionAll: (s.unionAll || []).map(compileSelect)
  };
  cs.allColumns = columnsOf(cs);
  return cs;
}

// Output column order (spec, "Column Ordering"): own columns, nested selects, first unionAll.
function columnsOf(cs) {
  let out = cs.columns.map(c => c);
  for (const s of cs.selects) out = out.concat(columnsOf(s));
  if (cs.unionAll.length) out = out.concat(columnsOf(cs.unionAll[0]));
  return out;
}

function loadView(file) {
  const v = JSON.parse(fs.readFileSync(file, 'utf8'));
  const env = {};
  for (const c of v.constant || []) env[c.name] = constantValue(c);
  const root = compileSelect({select: v.select});
  return {
    name: v.name, resource: v.resource, env,
    where: (v.where || []).map(w => compile(w.path)),
    root, columns: root.allColumns
  };
}

// --- the processing model --------------------------------------------------------------------
let evalErrors = 0;
function report(msg) {
  evalErrors++;
  if (evalErrors <= 20) process.stderr.write('error: ' + msg + '\n');
}

// Process(S, N): rows (objects column name -> value) for selection S on node N.
function processSelect(S, node, env, ctx) {
  let foci;
  if (S.forEach) foci = S.forEach(node, env);
  else if (S.forEachOrNull) foci = S.forEachOrNull(node, env);
  else foci = [node];
  const rows = [];
  for (let i = 0; i < foci.length; i++) {
    const f = foci[i];
    const fenv = (S.forEach || S.forEachOrNull) ? Object.assign({}, env, {rowIndex: i}) : env;
    let parts = [];
    const own = {};
    for (const col of S.columns) {
      const val = col.fn(f, fenv);
      if (val.length === 0) own[col.name] = col.collection ? [] : null;
      else if (col.collection) own[col.name] = val;
      else if (val.length === 1) own[col.name] = val[0];
      else {
        report(ctx + ': column ' + col.name + ' (' + col.path + ') gave ' + val.length + ' values');
        own[col.name] = null;
      }
    }
    parts.push([own]);
    for (const sub of S.selects) parts.push(processSelect(sub, f, fenv, ctx));
    if (S.unionAll.length) {
      let urows = [];
      for (const u of S.unionAll) urows = urows.concat(processSelect(u, f, fenv, ctx));
      parts.push(urows);
    }
    // Cartesian product of the parts.
    let acc = [{}];
    for (const p of parts) {
      const next = [];
      for (const a of acc) for (const b of p) next.push(Object.assign({}, a, b));
      acc = next;
      if (!acc.length) break;
    }
    for (const r of acc) rows.push(r);
  }
  if (foci.length === 0 && S.forEachOrNull) {
    const r = {};
    for (const c of S.allColumns) r[c.name] = c.collection ? [] : null;
    rows.push(r);
  }
  return rows;
}

// --- cells and CSV ---------------------------------------------------------------------------
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;
function pad(n, w) { return String(n).padStart(w, '0'); }
function utcInstant(s) {
  let m = DATE.exec(s);
  if (m) return m[1] + '-' + (m[2] || '01') + '-' + (m[3] || '01') + 'T00:00:00Z';
  m = DATETIME.exec(s);
  if (!m) return null;
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  const z = m[8];
  if (z && z !== 'Z') {
    const sign = z[0] === '+' ? 1 : -1;
    ms -= sign * ((+z.slice(1, 3)) * 60 + (+z.slice(4, 6))) * 60000;
  }
  const d = new Date(ms);
  return pad(d.getUTCFullYear(), 4) + '-' + pad(d.getUTCMonth() + 1, 2) + '-' + pad(d.getUTCDate(), 2) +
    'T' + pad(d.getUTCHours(), 2) + ':' + pad(d.getUTCMinutes(), 2) + ':' + pad(d.getUTCSeconds(), 2) +
    (m[7] || '') + 'Z';
}

function cell(v, col) {
  if (col.collection) return JSON.stringify(v);
  if (v === null || v === undefined) return '';
  if (col.type === 'instant') {
    const u = utcInstant(String(v));
    return u === null ? '' : u;
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const NEEDS_QUOTE = /[",\r\n]/;
function csvField(s) {
  return NEEDS_QUOTE.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

class CsvFile {
  constructor(file, header) {
    this.file = file; this.fd = null; this.buf = []; this.len = 0; this.rows = 0;
    this.header = header.map(csvField).join(',') + '\r\n';
  }
  write(line) {
    if (this.fd === null) {
      fs.mkdirSync(path.dirname(this.file), {recursive: true});
      this.fd = fs.openSync(this.file, 'w');
      this.buf.push(this.header); this.len += this.header.length;
    }
    this.buf.push(line); this.len += line.length; this.rows++;
    if (this.len > (1 << 20)) this.flush();
  }
  flush() {
    if (this.fd !== null && this.buf.length) { fs.writeSync(this.fd, this.buf.join('')); }
    this.buf = []; this.len = 0;
  }
  close() { this.flush(); if (this.fd !== null) fs.closeSync(this.fd); this.fd = null; }
}

// --- main loop ---------------------------------------------------------------------------
const views = [];
for (const v of viewArgs) for (const f of listJson(v, '.json')) views.push(loadView(f));
const byType = new Map();
for (const v of views) {
  if (!byType.has(v.resource)) byType.set(v.resource, []);
  byType.get(v.resource).push(v);
}
const files = [];
for (const p of inputs) for (const f of listJson(p, '.ndjson')) files.push(f);

const stats = {files: files.length, bytes: 0, lines: 0, skipped: 0, resources: {}, rows: {}, errors: 0};
const RT_PREFIX = /^\s*\{\s*"resourceType"\s*:\s*"([A-Za-z]+)"/;
for (const v of views) stats.rows[v.name] = 0;
let parseErrors = 0;

function stemOf(f) { return path.basename(f).replace(/\.ndjson$/, ''); }

for (const file of files) {
  const stem = stemOf(file);
  const outs = new Map(); // view name -> CsvFile, opened on the first row
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(1 << 22);
  let carry = Buffer.alloc(0);
  let lineno = 0;
  const handle = (text) => {
    lineno++;
    stats.lines++;
    if (!text.trim()) return;
    // Lines of resource types no view reads are counted, not parsed: resourceType is the first
    // member of every line of a Bulk Data export (a plain JSON.parse of every line would only
    // make this side slower).
    const pre = RT_PREFIX.exec(text.length > 256 ? text.slice(0, 256) : text);
    if (pre && !byType.has(pre[1])) {
      stats.resources[pre[1]] = (stats.resources[pre[1]] || 0) + 1;
      stats.skipped++;
      return;
    }
    let res;
    try { res = JSON.parse(text); } catch (e) {
      parseErrors++;
      if (parseErrors <= 20) process.stderr.write('error: ' + file + ':' + lineno + ': ' + e.message + '\n');
      return;
    }
    const rt = res.resourceType;
    stats.resources[rt] = (stats.resources[rt] || 0) + 1;
    const vs = byType.get(rt);
    if (!vs) return;
    for (const v of vs) {
      const ctx = v.name + ' ' + file + ':' + lineno;
      let rows;
      try {
        let keep = true;
        for (const w of v.where) {
          const r = w(res, v.env);
          if (!(r.length === 1 && r[0] === true)) { keep = false; break; }
        }
        if (!keep) continue;
        rows = processSelect(v.root, res, v.env, ctx);
      } catch (e) {
        report(ctx + ': ' + String(e && e.message ? e.message : e).split('\n')[0]);
        continue;
      }
      if (!rows.length) continue;
      let out = outs.get(v.name);
      if (!out) {
        out = new CsvFile(path.join(outDir, 'data', v.name,
                                    'partition-data-' + stem + '-js.csv'), v.columns.map(c => c.name));
        outs.set(v.name, out);
      }
      for (const r of rows) {
        out.write(v.columns.map(c => csvField(cell(r[c.name], c))).join(',') + '\r\n');
      }
      stats.rows[v.name] += rows.length;
    }
  };
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    stats.bytes += n;
    let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
    const last = data.lastIndexOf(10);
    if (last < 0) { carry = Buffer.from(data); continue; }
    const text = data.toString('utf8', 0, last);
    carry = Buffer.from(data.subarray(last + 1));
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) { handle(text.slice(start)); break; }
      handle(text.slice(start, nl));
      start = nl + 1;
    }
  }
  if (carry.length) handle(carry.toString('utf8'));
  fs.closeSync(fd);
  for (const o of outs.values()) o.close();
}
stats.errors = evalErrors + parseErrors;
process.stdout.write(JSON.stringify(stats) + '\n');
process.exitCode = stats.errors ? 1 : 0;
