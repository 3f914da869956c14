// readers_cases.mjs: the files test_pq_sink wrote from cases.tsv, read by the two independent
// readers of tests/parquet/pqlib.mjs (DuckDB's node API and hyparquet), must hold exactly the
// values cases.tsv expects -- the conversions' edge cases (ties, 38-digit decimals, years 0001
// and 9999, dates before 1970, leap years, microsecond rounding) checked by readers we did not
// write, which the Synthea and sample runs never reach.
// Usage: node readers_cases.mjs CASES.tsv FOLDER   (FOLDER: <work>/cases-out/data/LocalCases)
// Prints one line per difference; exit 0 when none, 1 otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { loadModules, duckdbConnect, readDuckdb, readHyparquet, fmtDate, fmtTime, fmtTimestamp,
         fmtDecimal } from '../parquet/pqlib.mjs';

const [tsv, dir] = process.argv.slice(2);
const cases = fs.readFileSync(tsv, 'utf8').split('\n')
  .filter(l => l && !l.startsWith('#')).map(l => l.split('\t'));

// The canonical text pqlib prints for a case's expected value.
function want(kind, args, expected) {
  if (expected === 'null') return null;
  switch (kind) {
    case 'bool': return expected === '1';
    case 'int32': return expected;
    case 'decimal': return fmtDecimal(BigInt(expected), Number(args.split(',')[1]));
    case 'date': return fmtDate(BigInt(expected));
    case 'timestamp': return fmtTimestamp(BigInt(expected));
    default: return fmtTime(BigInt(expected));
  }
}

const mods = await loadModules();
const conn = await duckdbConnect(mods);
let values = 0, diffs = 0;
for (const f of fs.readdirSync(dir).filter(n => n.endsWith('.parquet')).sort()) {
  // <kind>-<fhirType>[-<p>-<s>].parquet, as test_pq_sink names them
  const [kind, , p, s] = f.slice(0, -'.parquet'.length).split('-');
  const args = p ? `${p},${s}` : '-';
  const rows = cases.filter(c => c[0] === kind && c[1] === args);
  const file = path.join(dir, f);
  for (const [name, read] of [['duckdb', () => readDuckdb(mods, conn, file)],
                              ['hyparquet', () => readHyparquet(mods, file)]]) {
    const got = await read();
    if (got.rows.length !== rows.length) {
      console.log(`${f} (${name}): ${got.rows.length} rows, ${rows.length} cases`);
      diffs++;
      continue;
    }
    rows.forEach((c, i) => {
      const w = want(c[0], c[1], c[4]), g = got.rows[i][1];
      values++;
      if (g !== w) {
        diffs++;
        console.log(`${f} (${name}) "${c[2]}": read ${g}, expected ${w}`);
      }
    });
  }
}
console.log(`${values} values read by DuckDB and hyparquet, ${diffs} differences`);
process.exit(diffs || !values ? 1 : 0);
