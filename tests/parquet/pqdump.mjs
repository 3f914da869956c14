// pqdump.mjs: prints a Parquet file as one canonical JSON document, read by an independent
// reader (DuckDB or hyparquet), so tests can compare a file fhir2cdm wrote with what they expect
// and the two readers with each other (issue 17 item 6).  Interface used by tests/parquet and
// tests/parquet-writer -- keep it stable:
//
//   node pqdump.mjs --reader duckdb|hyparquet|both FILE.parquet
//
// stdout: {"schema":[{"name":...,"type":"<canonical type>"},...],"rows":[[...],...]}
// Canonical value text (see pqlib.mjs): null; BOOLEAN true/false; INT32/INT64 decimal digits as a
// string; DECIMAL(p,s) exact with exactly s fractional digits; DATE "YYYY-MM-DD"; TIMESTAMP
// "YYYY-MM-DDTHH:MM:SS.ffffffZ"; TIME "HH:MM:SS.ffffff"; STRING the string.
// --reader both reads with both and prints the document only if they agree byte for byte;
// otherwise exit 1 with the first difference on stderr.  Exit 1 also when a reader fails to
// read the file (its error on stderr), 2 on bad usage.  Modules come from $F2C_NPM_PARQUET or
// <repo>/tools/npm-parquet (tests/parquet/install.sh).
import {
  duckdbConnect, firstDifference, loadModules, readDuckdb, readHyparquet,
} from './pqlib.mjs';

function usage(msg) {
  process.stderr.write(`pqdump: ${msg}\n` +
                       'usage: node pqdump.mjs --reader duckdb|hyparquet|both FILE.parquet\n');
  process.exit(2);
}

async function main(argv) {
  let reader = null, file = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--reader') reader = argv[++i];
    else if (argv[i].startsWith('--reader=')) reader = argv[i].slice(9);
    else if (file === null && !argv[i].startsWith('--')) file = argv[i];
    else usage(`unexpected argument '${argv[i]}'`);
  }
  if (!['duckdb', 'hyparquet', 'both'].includes(reader))
    usage('--reader must be duckdb, hyparquet or both');
  if (!file) usage('missing FILE.parquet');
  const mods = await loadModules();
  let doc;
  if (reader === 'hyparquet') doc = await readHyparquet(mods, file);
  else {
    const d = await readDuckdb(mods, await duckdbConnect(mods), file);
    if (reader === 'both') {
      const h = await readHyparquet(mods, file);
      const diff = firstDifference(d, h);
      if (diff) {
        process.stderr.write(`pqdump: readers disagree on ${file}: ${diff}\n`);
        return 1;
      }
    }
    doc = d;
  }
  await new Promise(res => process.stdout.write(JSON.stringify(doc) + '\n', res));
  return 0;
}

main(process.argv.slice(2)).then(
  rc => { process.exitCode = rc; },
  e => { process.stderr.write(`pqdump: ${e.stack || e}\n`); process.exitCode = 1; });
