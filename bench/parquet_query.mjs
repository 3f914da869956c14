// bench/parquet_query.mjs: DuckDB query time over a Parquet CDM folder vs the CSV CDM folder of
// the same run (issue 17 item 7), for bench/parquet.sh.
//
// Why: the point of typed, columnar output is cheaper reads; this measures what an analyst's
// first query costs in DuckDB, the embedded engine a user reaches for first.  One aggregate per
// table: count(*), count(DISTINCT ResourceId) and max() of the table's first dateTime/instant/date
// column when it has one.  CSV is read the way a typed loader reads it: read_csv with every
// column's type given (strings VARCHAR, instants TIMESTAMPTZ, decimals DECIMAL(38,18), ...).
// Both answers must be equal (else exit 1), so the two folders are known to hold the same rows.
//
//   node bench/parquet_query.mjs --schema SHOW_SCHEMA.json --csv DIR --parquet DIR [--repeat N]
//
// stdout: JSON {"tables":[{"entity","csv_s","parquet_s"}...],"csv_s","parquet_s","repeat",
// "duckdb"}: medians of N runs (runs alternate CSV and Parquet; page cache warm after an untimed
// first pass), per table and of the per-run sums.
import path from 'node:path';
import fs from 'node:fs';
import { duckdbConnect, loadModules, query } from '../tests/parquet/pqlib.mjs';

const sqlStr = s => `'${String(s).replace(/'/g, "''")}'`;
const ident = s => `"${String(s).replace(/"/g, '""')}"`;
const CSV_TYPE = {
  boolean: 'BOOLEAN', integer: 'INTEGER', positiveInt: 'INTEGER', unsignedInt: 'INTEGER',
  integer64: 'BIGINT', decimal: 'DECIMAL(38,18)', date: 'TIMESTAMPTZ', dateTime: 'TIMESTAMPTZ',
  instant: 'TIMESTAMPTZ', time: 'TIME',
};
const TEMPORAL = new Set(['dateTime', 'instant', 'date']);

function args(argv) {
  const a = { repeat: 3 };
  for (let i = 0; i < argv.length; i += 2) a[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!a.schema || !a.csv || !a.parquet)
    throw new Error('usage: --schema F --csv DIR --parquet DIR [--repeat N]');
  a.repeat = Number(a.repeat);
  return a;
}

// The two SELECTs of one table, or null when a folder lacks it.
function queries(t, a) {
  const cdir = path.join(a.csv, 'data', t.entity), pdir = path.join(a.parquet, 'data', t.entity);
  if (!fs.existsSync(cdir) || !fs.existsSync(pdir)) return null;
  const temporal = t.columns.find(c => !c.reserved && TEMPORAL.has(c.fhirType));
  const agg = `count(*) AS n, count(DISTINCT "ResourceId") AS ids` +
    (temporal ? `, max(${ident(temporal.name)})::TIMESTAMPTZ::VARCHAR AS latest` : '');
  const type = c => (c.reserved ? 'VARCHAR' : CSV_TYPE[c.fhirType] || 'VARCHAR');
  const types = '{' + t.columns.map(c => `${sqlStr(c.name)}: '${type(c)}'`).join(', ') + '}';
  return {
    entity: t.entity,
    csv: `SELECT ${agg} FROM read_csv(${sqlStr(path.join(cdir, '*.csv'))}, header=true, ` +
         `columns=${types}, quote='"', escape='"', delim=',', strict_mode=true)`,
    parquet: `SELECT ${agg} FROM read_parquet(${sqlStr(path.join(pdir, '*.parquet'))})`,
  };
}

const median = xs => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

async function timed(conn, sql) {
  const t0 = process.hrtime.bigint();
  const rows = await query(conn, sql);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { s, rows: JSON.stringify(rows, (k, v) => (typeof v === 'bigint' ? String(v) : v)) };
}

async function main() {
  const a = args(process.argv.slice(2));
  const mods = await loadModules();
  const conn = await duckdbConnect(mods);
  await conn.run(`RESET threads`);
  const tables = JSON.parse(fs.readFileSync(a.schema, 'utf8')).tables;
  const qs = tables.map(t => queries(t, a)).filter(Boolean);
  const times = new Map(qs.map(q => [q.entity, { csv: [], parquet: [] }]));
  for (let run = 0; run <= a.repeat; run++) {
    for (const q of qs) {
      const c = await timed(conn, q.csv), p = await timed(conn, q.parquet);
      if (c.rows !== p.rows)
        throw new Error(`${q.entity}: CSV answers ${c.rows}, Parquet ${p.rows}`);
      if (run === 0) continue; // the untimed warm-up pass
      times.get(q.entity).csv.push(c.s);
      times.get(q.entity).parquet.push(p.s);
    }
  }
  const runSum = (f, i) => qs.reduce((s, q) => s + times.get(q.entity)[f][i], 0);
  const sums = f => median([...Array(a.repeat).keys()].map(i => runSum(f, i)));
  const tableMedians = q => ({
    entity: q.entity, csv_s: median(times.get(q.entity).csv),
    parquet_s: median(times.get(q.entity).parquet),
  });
  const out = {
    repeat: a.repeat, duckdb: mods.duckdb.version(),
    tables: qs.map(tableMedians),
    csv_s: sums('csv'), parquet_s: sums('parquet'),
    query: 'count(*), count(DISTINCT ResourceId), max(first dateTime/instant/date column)',
  };
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
}

main().catch(e => {
  process.stderr.write(`parquet_query: ${e.stack || e}\n`);
  process.exitCode = 1;
});
