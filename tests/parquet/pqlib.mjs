// pqlib.mjs: the two independent Parquet readers used as test oracles for fhir2cdm's Parquet
// writer (issue 17 item 6), and the canonical value text both must print.
//
// Why two readers: DuckDB (C++, its own Thrift/page decoder) and hyparquet (pure JavaScript,
// written separately) each decode the file from its bytes -- footer, page headers, definition
// levels, dictionaries, compression -- so a leniency or bug of one cannot hide a writer defect.
// Only the final step, turning a decoded primitive (days, microseconds, an unscaled decimal
// integer) into text, is shared (fmt* below), so both print byte-identical documents and a
// comparison is a string comparison.  Decimals are never passed through a double: hyparquet's own
// DECIMAL conversion yields a JS number, so we read the raw physical values (INT32, INT64 or
// big-endian two's complement FIXED_LEN_BYTE_ARRAY, parquet.thrift LogicalTypes.md "DECIMAL")
// and scale the integer ourselves; DuckDB hands us the unscaled bigint.
//
// Canonical types (parquet.thrift SchemaElement: type=1, converted_type=6, scale=7,
// precision=8, logicalType=10): "BOOLEAN", "INT32", "INT64", "DECIMAL(p,s)", "DATE",
// "TIMESTAMP_MICROS_UTC", "TIME_MICROS", "STRING"; anything else is reported with a descriptive
// non-canonical name (e.g. "TIMESTAMP_MICROS" for a timestamp not adjusted to UTC, "BINARY")
// so that a check against the expected mapping fails visibly.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The npm prefix tests/parquet/install.sh installs into: $F2C_NPM_PARQUET or
// <repo>/tools/npm-parquet.
export function npmPrefix() {
  return process.env.F2C_NPM_PARQUET || path.resolve(here, '..', '..', 'tools', 'npm-parquet');
}

// Loads @duckdb/node-api (CommonJS), hyparquet and hyparquet-compressors (ES modules) from the
// pinned prefix; throws with install advice when they are missing.
export async function loadModules(prefix = npmPrefix()) {
  const req = createRequire(path.join(prefix, 'package.json'));
  try {
    const duckdb = req('@duckdb/node-api');
    const hyparquet = await import(pathToFileURL(req.resolve('hyparquet')).href);
    const hc = await import(pathToFileURL(req.resolve('hyparquet-compressors')).href);
    return { duckdb, hyparquet, compressors: hc.compressors };
  } catch (e) {
    throw new Error(`Parquet reader modules not loadable from ${prefix} ` +
                    `(run tests/parquet/install.sh): ${e.message}`);
  }
}

// ---- canonical value text (shared by both readers) ----

const pad = (n, w) => String(n).padStart(w, '0');

// Proleptic Gregorian civil date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
export function fmtDate(days) {
  const z = BigInt(days) + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  const y = yoe + era * 400n + (m <= 2n ? 1n : 0n);
  const ys = y >= 0n && y <= 9999n ? pad(y, 4) : (y < 0n ? '-' + pad(-y, 4) : '+' + String(y));
  return `${ys}-${pad(m, 2)}-${pad(d, 2)}`;
}

const floorDiv = (a, b) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

// "HH:MM:SS.ffffff" of microseconds since midnight (bigint, 0 <= v < 86400e6).
export function fmtTime(micros) {
  const v = BigInt(micros);
  const us = v % 1000000n, s = v / 1000000n;
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}.${pad(us, 6)}`;
}

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" of microseconds since 1970-01-01T00:00:00Z (bigint).
export function fmtTimestamp(micros) {
  const v = BigInt(micros);
  const day = floorDiv(v, 86400000000n);
  return `${fmtDate(day)}T${fmtTime(v - day * 86400000000n)}Z`;
}

// Exact decimal text of unscaled / 10^scale with exactly `scale` fractional digits.
export function fmtDecimal(unscaled, scale) {
  const v = BigInt(unscaled);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = scale > 0 ? '.' + digits.slice(digits.length - scale) : '';
  return (neg ? '-' : '') + int + frac;
}

// Signed big-endian two's complement bytes -> bigint (FIXED_LEN_BYTE_ARRAY decimals).
export function beSigned(bytes) {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes.length && bytes[0] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v;
}

const hex = bytes => Buffer.from(bytes).toString('hex');

// Canonical text of one decoded primitive of canonical type `type`; `unit` scales timestamps
// and times to microseconds (1000 for millis).
function canon(type, v, unit = 1n) {
  if (v === null || v === undefined) return null;
  if (type === 'BOOLEAN') return Boolean(v);
  if (type === 'INT32' || type === 'INT64') return BigInt(v).toString();
  if (type.startsWith('DECIMAL(')) return fmtDecimal(v, Number(type.match(/,(\d+)\)/)[1]));
  if (type === 'DATE') return fmtDate(v);
  if (type.startsWith('TIMESTAMP_')) return fmtTimestamp(BigInt(v) * unit);
  if (type.startsWith('TIME_')) return fmtTime(BigInt(v) * unit);
  if (type === 'BINARY' || type.startsWith('FIXED_LEN_BYTE_ARRAY')) return hex(v);
  return typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? v : String(v);
}

// ---- hyparquet ----

// Canonical type of a hyparquet schema element (its own Thrift decoding of the footer).
export function hyparquetType(e) {
  const lt = e.logical_type, ct = e.converted_type;
  const unitOf = u => (typeof u === 'string' ? u : Object.keys(u || {})[0] || '?');
  const utc = l => (l?.isAdjustedToUTC ? '_UTC' : '');
  const bits = e.type === 'INT32' ? 32 : 64;
  const odd = l => l?.type === 'INTEGER' && (l.bitWidth !== bits || !l.isSigned);
  const intName = l => `INT(${l.bitWidth},${l.isSigned ? 'signed' : 'unsigned'})`;
  if (ct === 'DECIMAL' || lt?.type === 'DECIMAL')
    return `DECIMAL(${e.precision ?? lt.precision},${e.scale ?? lt.scale ?? 0})`;
  switch (e.type) {
    case 'BOOLEAN': return 'BOOLEAN';
    case 'INT32':
      if (ct === 'DATE' || lt?.type === 'DATE') return 'DATE';
      if (lt?.type === 'TIME') return `TIME_${unitOf(lt.unit)}${utc(lt)}`;
      if (ct === 'TIME_MILLIS') return 'TIME_MILLIS';
      if (odd(lt)) return intName(lt);
      if (ct && ct !== 'INT_32') return `INT32:${ct}`;
      return 'INT32';
    case 'INT64':
      if (lt?.type === 'TIMESTAMP') return `TIMESTAMP_${unitOf(lt.unit)}${utc(lt)}`;
      if (ct === 'TIMESTAMP_MICROS' || ct === 'TIMESTAMP_MILLIS') return `${ct}_UTC`;
      if (lt?.type === 'TIME') return `TIME_${unitOf(lt.unit)}${utc(lt)}`;
      if (ct === 'TIME_MICROS') return 'TIME_MICROS';
      if (odd(lt)) return intName(lt);
      if (ct && ct !== 'INT_64') return `INT64:${ct}`;
      return 'INT64';
    case 'BYTE_ARRAY':
      if (ct === 'UTF8' || lt?.type === 'STRING') return 'STRING';
      if (ct || lt) return `BYTE_ARRAY:${ct || lt.type}`;
      return 'BINARY';
    case 'FIXED_LEN_BYTE_ARRAY': return `FIXED_LEN_BYTE_ARRAY(${e.type_length})`;
    default: return String(e.type);
  }
}

const unitFactor = type => (/_MILLIS/.test(type) ? 1000n : 1n);

// Reads FILE with hyparquet; returns {schema, rows} in canonical form.
export async function readHyparquet(mods, file) {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead } = mods.hyparquet;
  const buf = await asyncBufferFromFile(file);
  const meta = await parquetMetadataAsync(buf);
  const root = meta.schema[0];
  const leaves = meta.schema.slice(1);
  if (leaves.some(e => e.num_children)) throw new Error(`${file}: nested schema (not flat)`);
  if ((root.num_children ?? leaves.length) !== leaves.length) throw new Error(`${file}: bad root`);
  const schema = leaves.map(e => ({ name: e.name, type: hyparquetType(e) }));
  // Raw physical values for every non-string column: drop the annotations hyparquet would
  // convert lossily (DECIMAL to double, TIMESTAMP to millisecond Date); we convert exactly.
  const raw = {
    ...meta,
    schema: meta.schema.map((e, i) => (i === 0 || e.type === 'BYTE_ARRAY' ? e
      : { ...e, converted_type: undefined, logical_type: undefined })),
  };
  let rows = [];
  await parquetRead({
    file: buf, metadata: raw, compressors: mods.compressors, utf8: false, rowFormat: 'array',
    onComplete: data => { rows = data; },
  });
  if (rows.length !== Number(meta.num_rows))
    throw new Error(`${file}: hyparquet returned ${rows.length} rows, footer: ${meta.num_rows}`);
  // FIXED_LEN_BYTE_ARRAY decimals arrive as bytes; INT32/INT64 decimals as numbers/bigints.
  const prim = v => (v === undefined ? null : v instanceof Uint8Array ? beSigned(v) : v);
  const out = rows.map(r => schema.map((c, j) => {
    const v = c.type.startsWith('DECIMAL(') ? prim(r[j]) : r[j] === undefined ? null : r[j];
    return canon(c.type, v, unitFactor(c.type));
  }));
  return { schema, rows: out };
}

// ---- DuckDB ----

// Canonical type of one parquet_schema() row (DuckDB's own decoding of the footer).
export function duckdbType(s) {
  const dt = s.duckdb_type, lt = s.logical_type || '', ct = s.converted_type;
  const unit = /MICROS=MicroSeconds/.test(lt) ? 'MICROS' : /MILLIS=MilliSeconds/.test(lt) ? 'MILLIS'
    : /NANOS=NanoSeconds/.test(lt) ? 'NANOS' : ct && /MILLIS/.test(ct) ? 'MILLIS' : 'MICROS';
  if (dt === 'BOOLEAN') return 'BOOLEAN';
  if (dt === 'INTEGER') return s.type === 'INT32' ? 'INT32' : `INTEGER:${s.type}`;
  if (dt === 'BIGINT') return s.type === 'INT64' ? 'INT64' : `BIGINT:${s.type}`;
  if (dt && dt.startsWith('DECIMAL')) return `DECIMAL(${s.precision},${s.scale ?? 0})`;
  if (dt === 'DATE') return 'DATE';
  if (dt === 'TIMESTAMP WITH TIME ZONE') return `TIMESTAMP_${unit}_UTC`;
  if (dt && dt.startsWith('TIMESTAMP')) return !lt && ct ? `${ct}_UTC` : `TIMESTAMP_${unit}`;
  if (dt === 'TIME') return `TIME_${unit}`;
  if (dt === 'TIME WITH TIME ZONE') return `TIME_${unit}_UTC`;
  if (dt === 'VARCHAR')
    return s.type === 'BYTE_ARRAY' && (ct === 'UTF8' || /String/i.test(lt)) ? 'STRING'
                                                                         : `VARCHAR:${ct || lt}`;
  if (dt === 'BLOB')
    return s.type === 'FIXED_LEN_BYTE_ARRAY' ? `FIXED_LEN_BYTE_ARRAY(${s.type_length})` : 'BINARY';
  return `${s.type}:${dt}`;
}

const sqlStr = s => `'${String(s).replace(/'/g, "''")}'`;

// A DuckDB connection (in-memory database, UTC session) for the readers and checks.
export async function duckdbConnect(mods) {
  const inst = await mods.duckdb.DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await inst.connect();
  await conn.run(`SET TimeZone='UTC'`);
  return conn;
}

// Rows of a query as objects with bigints turned to strings where exactness matters not.
export async function query(conn, sql) {
  const r = await conn.runAndReadAll(sql);
  return r.getRowObjects();
}

// The primitive DuckDB hands us for a value, for canon().
function duckPrimitive(type, v) {
  if (v === null || v === undefined) return null;
  if (type.startsWith('DECIMAL(')) return v.value;
  if (type === 'DATE') return v.days;
  if (type.startsWith('TIMESTAMP_') || type.startsWith('TIME_')) return v.micros;
  if (type === 'BINARY' || type.startsWith('FIXED_LEN_BYTE_ARRAY')) return v.bytes;
  return v;
}

// Reads FILE with DuckDB's read_parquet(); returns {schema, rows} in canonical form.
export async function readDuckdb(mods, conn, file) {
  const f = sqlStr(file);
  const sch = (await query(conn, `SELECT * FROM parquet_schema(${f})`)).slice(1);
  const schema = sch.map(s => ({ name: s.name, type: duckdbType(s) }));
  const r = await conn.runAndReadAll(`SELECT * FROM read_parquet(${f}, binary_as_string=false)`);
  const names = r.columnNames();
  if (names.length !== schema.length || names.some((n, i) => n !== schema[i].name))
    throw new Error(`${file}: DuckDB columns ${names} differ from parquet_schema`);
  // DuckDB returns TIMESTAMP/TIME in microseconds whatever the file's unit (canon's unit 1).
  const rows = r.getRows().map(row => schema.map((c, j) => canon(c.type,
                                                                 duckPrimitive(c.type, row[j]))));
  return { schema, rows };
}

// ---- comparison ----

// First difference of two canonical documents, as text; null when identical.
export function firstDifference(a, b, la = 'duckdb', lb = 'hyparquet') {
  const sa = JSON.stringify(a.schema), sb = JSON.stringify(b.schema);
  if (sa !== sb) return `schema differs: ${la} ${sa} vs ${lb} ${sb}`;
  if (a.rows.length !== b.rows.length)
    return `row count differs: ${la} ${a.rows.length} vs ${lb} ${b.rows.length}`;
  for (let i = 0; i < a.rows.length; i++) {
    for (let j = 0; j < a.schema.length; j++) {
      const x = JSON.stringify(a.rows[i][j]), y = JSON.stringify(b.rows[i][j]);
      if (x !== y) return `row ${i} column ${a.schema[j].name}: ${la} ${x} vs ${lb} ${y}`;
    }
  }
  return null;
}
