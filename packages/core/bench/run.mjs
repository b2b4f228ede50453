/**
 * Runs every `*.bench.mjs` in this folder, in name order, each in its own Node process (so one
 * benchmark's JIT state and garbage do not skew the next). Build first: `npx tsup` (the benchmarks
 * import the built `@kindling/core`). Usage: `node bench/run.mjs [filter]` (`pnpm bench`).
 * Other packages reuse this runner for their own folder: `node ../core/bench/run.mjs --dir bench`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const dirAt = args.indexOf('--dir');
const here = dirAt >= 0 ? resolve(args.splice(dirAt, 2)[1]) : dirname(fileURLToPath(import.meta.url));
const filter = args[0];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs') && (!filter || f.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmarks found in ${here}${filter ? ` matching '${filter}'` : ''}`);
  process.exit(1);
}

let failed = 0;
for (const file of files) {
  console.log(`\n# ${file}`);
  const r = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`${file} failed (${r.signal ?? `exit code ${r.status}`})`);
  }
}
console.log(`\n${files.length - failed} of ${files.length} benchmark files ran`);
process.exit(failed ? 1 : 0);
