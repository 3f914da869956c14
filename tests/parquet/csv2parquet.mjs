// csv2parquet.mjs: copies a CSV CDM folder into a Parquet folder with DuckDB's own Parquet
// writer, typing each column as issue 17 item 2 maps its FHIR type.
//
// Why: two uses.  (1) The benchmark's reference point "DuckDB's own writer on the same rows"
// (issue 17 item 7: output size of fhir2cdm's writer vs DuckDB's, both ZSTD).  (2) A Parquet
// folder made by someone else's writer to develop and self-test compare_csv.py and
// check_meta.mjs against while fhir2cdm's writer is being written (and to show the checks are
// not tailored to one writer).  It is a test tool, not an output path of the product.
//
//   node csv2parquet.mjs --schema SHOW_SCHEMA.json CSV_DIR OUT_DIR
//                        [--codec zstd|snappy|uncompressed]
//
// SHOW_SCHEMA.json is `fhir2cdm show-schema -d CONFIG --format json`.  Writes
// OUT_DIR/data/<Entity>/<partition>.parquet for every CSV_DIR/data/<Entity>/<partition>.csv,
// with key/value metadata fhir2cdm.entity.  Exit 0, or 1 with the error.
import fs from 'node:fs';
import path from 'node:path';
import { duckdbConnect, loadModules } from './pqlib.mjs';

const sqlStr = s => `'${String(s).replace(/'/g, "''")}'`;
const ident = s => `"${String(s).replace(/"/g, '""')}"`;

const MAP = {
  boolean: 'BOOLEAN', integer: 'INTEGER', positiveInt: 'INTEGER', unsignedInt: 'INTEGER',
  integer64: 'BIGINT', decimal: 'DECIMAL(38,18)', date: 'DATE',
  dateTime: 'TIMESTAMPTZ', instant: 'TIMESTAMPTZ', time: 'TIME',
};

// The SELECT expression typing CSV text column `name` of FHIR type `t`.
function typed(name, t, reserved) {
  const sqlType = reserved ? 'VARCHAR' : MAP[t] || 'VARCHAR';
  const c = ident(name);
  if (sqlType === 'VARCHAR') return c;
  if (sqlType === 'DATE') return `CAST(CAST(NULLIF(${c}, '') AS TIMESTAMPTZ) AS DATE) AS ${c}`;
  return `CAST(NULLIF(${c}, '') AS ${sqlType}) AS ${c}`;
}

async function main(argv) {
  let schema = null, codec = 'zstd';
  const pos = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--schema') schema = argv[++i];
    else if (argv[i] === '--codec') codec = argv[++i];
    else pos.push(argv[i]);
  }
  if (!schema || pos.length !== 2)
    throw new Error('usage: csv2parquet.mjs --schema FILE CSV_DIR OUT_DIR [--codec C]');
  const [csvDir, outDir] = pos;
  const tables = JSON.parse(fs.readFileSync(schema, 'utf8')).tables;
  const conn = await duckdbConnect(await loadModules());
  for (const t of tables) {
    const dir = path.join(csvDir, 'data', t.entity);
    if (!fs.existsSync(dir)) continue;
    fs.mkdirSync(path.join(outDir, 'data', t.entity), { recursive: true });
    const cols = t.columns.map(c => typed(c.name, c.fhirType, c.reserved)).join(', ');
    const types = '{' + t.columns.map(c => `${sqlStr(c.name)}: 'VARCHAR'`).join(', ') + '}';
    for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.csv')).sort()) {
      const out = path.join(outDir, 'data', t.entity, f.replace(/\.csv$/, '.parquet'));
      const src = `read_csv(${sqlStr(path.join(dir, f))}, header=true, columns=${types}, ` +
                  `quote='"', escape='"', delim=',', strict_mode=true)`;
      const kv = `KV_METADATA {'fhir2cdm.entity': ${sqlStr(t.entity)}}`;
      await conn.run(`COPY (SELECT ${cols} FROM ${src}) TO ${sqlStr(out)} ` +
                     `(FORMAT parquet, COMPRESSION ${codec}, ${kv})`);
    }
  }
}

main(process.argv.slice(2)).catch(e => {
  process.stderr.write(`csv2parquet: ${e.message}\n`);
  process.exitCode = 1;
});
