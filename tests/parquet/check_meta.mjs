// check_meta.mjs: checks the footer of every Parquet partition fhir2cdm wrote -- types, logical
// types, encodings, compression, statistics, key/value metadata -- as DuckDB's
// parquet_schema() / parquet_metadata() / parquet_kv_metadata() decode it (issue 17 item 6).
//
// Why: values can round-trip while the footer is wrong in ways only engines notice: a column
// typed STRING instead of TIMESTAMP, statistics that are not the true min/max (engines then skip
// row groups that hold matching rows -- wrong query results, silently), no dictionary for
// repetitive strings, the wrong codec.  Each check compares the footer with the truth computed
// by a query over the same file's values, never with numbers we expect.
//
//   node check_meta.mjs [--schema SHOW_SCHEMA.json] [--decimal P,S] [--codec zstd|snappy|none]
//                       [--version V] DIR_OR_FILE...
//
// A DIR is a CDM folder: every data/<Entity>/*.parquet in it is checked.  Per file:
//  - every column OPTIONAL, with the physical/logical type of issue 17 item 2
//    (parquet.thrift SchemaElement type=1, type_length=2, repetition_type=3, converted_type=6,
//    scale=7, precision=8, logicalType=10): BOOLEAN; INT32 + INTEGER(32,signed); DECIMAL(p,s)
//    on INT32 (p<=9), INT64 (p<=18) or FIXED_LEN_BYTE_ARRAY of the minimal length; DATE on
//    INT32; TIMESTAMP(isAdjustedToUTC=true, MICROS) and TIME(isAdjustedToUTC=false, MICROS) on
//    INT64; STRING on BYTE_ARRAY; with --schema, the type each column's FHIR type maps to;
//  - ColumnMetaData (field ids: codec=4, num_values=5, encodings=2, statistics=12,
//    dictionary_page_offset=11) of every chunk: codec as asked (ZSTD by default); num_values
//    equal to the row group's rows; RLE_DICTIONARY or PLAIN_DICTIONARY among the encodings of
//    STRING chunks whose values repeat; Statistics null_count=3 equal to the true null count and
//    min_value=6 / max_value=5 present and equal to the true min/max of the chunk (strings
//    bytewise) whenever it holds a non-null value;
//  - key/value metadata (FileMetaData key_value_metadata=5): "fhir2cdm.version" non-empty
//    (equal to --version when given) and "fhir2cdm.entity" equal to the entity folder's name.
// Exit 0 all good; 1 a check failed (each printed with file, row group, column); 2 usage.
import fs from 'node:fs';
import path from 'node:path';
import { duckdbConnect, duckdbType, loadModules, query } from './pqlib.mjs';

const sqlStr = s => `'${String(s).replace(/'/g, "''")}'`;
const ident = s => `"${String(s).replace(/"/g, '""')}"`;
const str = v => {
  if (v === null || v === undefined) return null;
  return typeof v === 'object' && 'items' in v ? v.items.map(String) : String(v);
};

const FHIR = {
  boolean: 'BOOLEAN', integer: 'INT32', positiveInt: 'INT32', unsignedInt: 'INT32',
  integer64: 'INT64', date: 'DATE', dateTime: 'TIMESTAMP_MICROS_UTC',
  instant: 'TIMESTAMP_MICROS_UTC', time: 'TIME_MICROS',
};

// {entity: {column: canonical type}} from `fhir2cdm show-schema --format json`.
function schemaTypes(file, decimal) {
  const out = {};
  for (const t of JSON.parse(fs.readFileSync(file, 'utf8')).tables) {
    out[t.entity] = {};
    for (const c of t.columns) {
      const dec = c.fhirType === 'decimal' ? `DECIMAL(${decimal})` : null;
      out[t.entity][c.name] = c.reserved ? 'STRING' : dec || FHIR[c.fhirType] || 'STRING';
    }
  }
  return out;
}

// Minimal FIXED_LEN_BYTE_ARRAY length holding every unscaled value of precision p.
function decimalBytes(p) {
  let n = 1;
  while (2n ** BigInt(8 * n - 1) <= 10n ** BigInt(p)) n++;
  return n;
}

// What parquet_schema() must show per canonical type: physical type, converted_type (or
// undefined: not checked) and a test of DuckDB's rendering of the LogicalType (or none).
// DuckDB 1.5 prints IntType's i8 bitWidth as a character: 32 shows as ' ' (ASCII 32).
const SPEC = {
  BOOLEAN: { phys: 'BOOLEAN' },
  INT32: { phys: 'INT32', logical: [/IntType/, /bitWidth=(32| )[,)]/, /isSigned=(1|true)/],
           want: 'INTEGER(32,signed)' },
  INT64: { phys: 'INT64' },
  DATE: { phys: 'INT32', conv: 'DATE' },
  TIMESTAMP_MICROS_UTC: { phys: 'INT64', want: 'TIMESTAMP(UTC, MICROS)',
                          logical: [/TimestampType/, /isAdjustedToUTC=(1|true)/, /MICROS=Micro/] },
  // a timestamp not adjusted to UTC (a view column tagged ansi/type TIMESTAMP): no converted
  // type, TIMESTAMP_MICROS meaning adjusted to UTC (parquet-format LogicalTypes.md)
  TIMESTAMP_MICROS: { phys: 'INT64', want: 'TIMESTAMP(not UTC, MICROS)', noConv: true,
                      logical: [/TimestampType/, /isAdjustedToUTC=(0|false)/, /MICROS=Micro/] },
  TIME_MICROS: { phys: 'INT64', want: 'TIME(not UTC, MICROS)',
                 logical: [/TimeType/, /isAdjustedToUTC=(0|false)/, /MICROS=Micro/] },
  STRING: { phys: 'BYTE_ARRAY', conv: 'UTF8' },
};

// The SPEC of DECIMAL(p,s): INT32 (p<=9), INT64 (p<=18), else minimal FIXED_LEN_BYTE_ARRAY.
function decimalSpec(p) {
  const phys = p <= 9 ? 'INT32' : p <= 18 ? 'INT64' : 'FIXED_LEN_BYTE_ARRAY';
  return { phys, conv: 'DECIMAL', logical: [/Decimal/], want: 'DECIMAL',
           len: phys === 'FIXED_LEN_BYTE_ARRAY' ? decimalBytes(p) : undefined };
}

// Problems (strings) of one parquet_schema() row whose canonical type is `t`.
function physicalProblems(s, t) {
  const m = t.match(/^DECIMAL\((\d+),(\d+)\)$/);
  const spec = m ? decimalSpec(Number(m[1])) : SPEC[t];
  if (!spec) return [`type ${t} is none of the mapping's types`];
  const p = [];
  const lt = s.logical_type || '';
  if (s.repetition_type !== 'OPTIONAL') p.push(`repetition ${s.repetition_type}, want OPTIONAL`);
  if (s.type !== spec.phys) p.push(`physical ${s.type}, want ${spec.phys}`);
  if (spec.conv && s.converted_type !== spec.conv)
    p.push(`converted_type ${s.converted_type}, want ${spec.conv}`);
  if (spec.noConv && s.converted_type) p.push(`converted_type ${s.converted_type}, want none`);
  if (spec.len && Number(s.type_length) !== spec.len)
    p.push(`type_length ${s.type_length}, want ${spec.len}`);
  if (spec.logical && !spec.logical.every(re => re.test(lt)))
    p.push(`logical type ${lt || 'missing'}, want ${spec.want}`);
  return p;
}

class Checker {
  constructor(conn, opts) {
    this.conn = conn;
    this.o = opts;
    this.failures = [];
    this.files = this.chunks = 0;
  }

  fail(msg) {
    this.failures.push(msg);
    if (this.failures.length <= 200) process.stdout.write(`FAIL: ${msg}\n`);
  }

  async checkSchema(file, entity) {
    const sql = `SELECT * FROM parquet_schema(${sqlStr(file)})`;
    const rows = (await query(this.conn, sql)).slice(1); // [0] is the root group
    const want = this.o.types ? this.o.types[entity] : null;
    if (this.o.types && !want) this.fail(`${file}: entity ${entity} not in --schema`);
    const cols = [];
    for (const s of rows) {
      const t = duckdbType(s);
      cols.push({ name: s.name, type: t });
      for (const p of physicalProblems(s, t)) this.fail(`${file} column ${s.name} (${t}): ${p}`);
      if (want && want[s.name] !== t)
        this.fail(`${file} column ${s.name}: type ${t}, FHIR type maps to ${want[s.name]}`);
    }
    return cols;
  }

  async checkKv(file, entity) {
    const kv = {};
    const sql = `SELECT decode(key) AS k, decode(value) AS v ` +
                `FROM parquet_kv_metadata(${sqlStr(file)})`;
    for (const r of await query(this.conn, sql)) kv[r.k] = r.v;
    const v = kv['fhir2cdm.version'], e = kv['fhir2cdm.entity'];
    if (!v || (this.o.version && v !== this.o.version))
      this.fail(`${file}: key/value fhir2cdm.version is ${JSON.stringify(v)}` +
                (this.o.version ? `, want ${this.o.version}` : ''));
    if (e !== entity)
      this.fail(`${file}: key/value fhir2cdm.entity is ${JSON.stringify(e)}, want ${entity}`);
  }

  // The true count, distinct count, min and max (as DuckDB text) of every column per row group
  // (rows are assigned to row groups by file_row_number and the groups' row counts).
  async truth(file, cols, groups) {
    let start = 0n;
    const when = groups.map(g => {
      start += BigInt(g.rows);
      return `WHEN file_row_number < ${start} THEN ${g.id}`;
    });
    const aggs = cols.map((c, i) => {
      const q = ident(c.name);
      return `count(${q}) AS n${i}, count(DISTINCT ${q}) AS d${i}, ` +
             `min(${q})::VARCHAR AS lo${i}, max(${q})::VARCHAR AS hi${i}`;
    });
    const sql = `SELECT rg, count(*) AS rows, ${aggs.join(', ')} FROM (SELECT *, ` +
                `CASE ${when.join(' ')} END AS rg ` +
                `FROM read_parquet(${sqlStr(file)}, file_row_number=true)) GROUP BY rg`;
    const out = new Map();
    for (const r of await query(this.conn, sql)) out.set(String(r.rg), r);
    return out;
  }

  // One column chunk's ColumnMetaData m against the truth t of its row group.
  checkChunk(where, c, i, m, t) {
    const rows = BigInt(t.rows), nn = BigInt(t[`n${i}`]), nulls = rows - nn;
    const show = v => JSON.stringify(str(v));
    if (str(m.compression) !== this.o.codec)
      this.fail(`${where}: compression ${m.compression}, want ${this.o.codec}`);
    if (BigInt(m.num_values) !== rows)
      this.fail(`${where}: num_values ${m.num_values}, row group has ${rows} rows`);
    if (m.stats_null_count === null || BigInt(m.stats_null_count) !== nulls)
      this.fail(`${where}: statistics null_count ${m.stats_null_count}, true ${nulls}`);
    if (nn > 0n && str(m.stats_min_value) !== t[`lo${i}`])
      this.fail(`${where}: statistics min_value ${show(m.stats_min_value)}, ` +
                `true min ${show(t[`lo${i}`])}`);
    if (nn > 0n && str(m.stats_max_value) !== t[`hi${i}`])
      this.fail(`${where}: statistics max_value ${show(m.stats_max_value)}, ` +
                `true max ${show(t[`hi${i}`])}`);
    const enc = str(m.encodings);
    const encs = Array.isArray(enc) ? enc : String(enc).split(/[,\s]+/);
    const dict = encs.some(e => /^(RLE|PLAIN)_DICTIONARY$/.test(e));
    if (c.type === 'STRING' && BigInt(t[`d${i}`]) < nn && !dict)
      this.fail(`${where}: repeated strings (${nn} values, ${t[`d${i}`]} distinct) but ` +
                `encodings ${encs.join(',')} have no dictionary`);
  }

  async checkFile(file, entity) {
    const cols = await this.checkSchema(file, entity);
    await this.checkKv(file, entity);
    const meta = await query(this.conn, `SELECT * FROM parquet_metadata(${sqlStr(file)}) ` +
                                        `ORDER BY row_group_id, column_id`);
    const groups = [];
    for (const m of meta)
      if (!groups.length || groups.at(-1).id !== String(m.row_group_id))
        groups.push({ id: String(m.row_group_id), rows: m.row_group_num_rows });
    const truth = groups.length ? await this.truth(file, cols, groups) : new Map();
    for (const m of meta) {
      const i = Number(m.column_id);
      const where = `${file} row group ${m.row_group_id} column ${cols[i].name} (${cols[i].type})`;
      const t = truth.get(String(m.row_group_id));
      if (!t) {
        this.fail(`${where}: row group has no rows`);
        continue;
      }
      this.checkChunk(where, cols[i], i, m, t);
      this.chunks++;
    }
    this.files++;
  }
}

// The files to check: a file itself, or every data/<Entity>/*.parquet of a CDM folder.
function partitions(target) {
  if (fs.statSync(target).isFile()) return [target];
  const data = path.join(target, 'data');
  const out = [];
  for (const e of fs.readdirSync(data).sort())
    for (const f of fs.readdirSync(path.join(data, e)).sort())
      if (f.endsWith('.parquet')) out.push(path.join(data, e, f));
  return out;
}

const CODECS = { zstd: 'ZSTD', snappy: 'SNAPPY', none: 'UNCOMPRESSED' };
const USAGE = 'usage: check_meta.mjs [--schema F] [--decimal P,S] [--codec zstd|snappy|none] ' +
              '[--version V] DIR_OR_FILE...\n';

async function main(argv) {
  const o = { codec: 'ZSTD', decimal: '38,18', types: null, version: null };
  const targets = [];
  let schema = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--schema') schema = argv[++i];
    else if (a === '--decimal') o.decimal = argv[++i];
    else if (a === '--codec') o.codec = CODECS[argv[++i]];
    else if (a === '--version') o.version = argv[++i];
    else if (a.startsWith('--') || !a) o.codec = null;
    else targets.push(a);
  }
  if (!o.codec || !/^\d+,\d+$/.test(o.decimal) || !targets.length) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (schema) o.types = schemaTypes(schema, o.decimal);
  const ck = new Checker(await duckdbConnect(await loadModules()), o);
  for (const f of targets.flatMap(partitions))
    await ck.checkFile(f, path.basename(path.dirname(f)));
  if (!ck.files) ck.fail('no Parquet file found');
  if (ck.failures.length) {
    process.stdout.write(`FAILED ${ck.failures.length} check(s) over ${ck.files} file(s)\n`);
    return 1;
  }
  process.stdout.write(`ok: ${ck.files} Parquet files, ${ck.chunks} column chunks: types, ` +
                       `codec ${o.codec}, statistics, dictionaries and key/value metadata ` +
                       `as required\n`);
  return 0;
}

main(process.argv.slice(2)).then(rc => { process.exitCode = rc; },
  e => { process.stderr.write(`check_meta: ${e.stack || e}\n`); process.exitCode = 1; });
