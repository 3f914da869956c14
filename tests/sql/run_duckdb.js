#!/usr/bin/env node
// sql.duckdb (issue 17 item 5): runs a `fhir2cdm synapse-sql --dialect duckdb` script on real
// DuckDB (@duckdb/node-api, pinned by tests/parquet/npm, installed by tests/parquet/install.sh
// into tools/npm-parquet) in an in-memory database, then describes what it created.
// Usage: node run_duckdb.js NPM_DIR SCRIPT [SCHEMA]
// Prints one JSON object: {"<view or table>": {"kind": "VIEW"|"BASE TABLE", "rows": N,
// "columns": [[name, DuckDB type], ...], "nonnull": {column: count of non-NULL values}}} for
// every object of SCHEMA (default main).  Exit 1 with DuckDB's message when the script fails.
'use strict';
const fs = require('fs');
const path = require('path');

const [npmDir, script, schema = 'main'] = process.argv.slice(2);
if (!npmDir || !script) {
  console.error('usage: run_duckdb.js NPM_DIR SCRIPT [SCHEMA]');
  process.exit(2);
}
const { DuckDBInstance } = require(path.resolve(npmDir, 'node_modules', '@duckdb', 'node-api'));

const q = s => '"' + s.replace(/"/g, '""') + '"';

(async () => {
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  try {
    await c.run(fs.readFileSync(script, 'utf8'));
  } catch (e) {
    console.error(`DuckDB rejected ${script}: ${e.message}`);
    process.exit(1);
  }
  const out = {};
  const objs = (await c.runAndReadAll(
    `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = '${schema}'
     ORDER BY table_name`)).getRowsJson();
  for (const [name, kind] of objs) {
    const cols = (await c.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_schema = '${schema}' AND table_name = '${name}' ORDER BY ordinal_position`))
      .getRowsJson();
    const counts = cols.map(([n]) => `count(${q(n)})`).join(', ');
    const row = (await c.runAndReadAll(
      `SELECT count(*), ${counts} FROM ${q(schema)}.${q(name)}`)).getRowsJson()[0];
    const nonnull = {};
    cols.forEach(([n], i) => { nonnull[n] = Number(row[i + 1]); });
    out[name] = { kind, rows: Number(row[0]), columns: cols, nonnull };
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e.stack || String(e)); process.exit(1); });
