// Runs every `*.bench.mjs` in this folder with core's benchmark runner (packages/core/bench/run.mjs),
// each in its own Node process. Build first (`pnpm build`). Usage: `node bench/run.mjs [filter]`.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

process.argv.splice(2, 0, '--dir', dirname(fileURLToPath(import.meta.url)));
await import('../../core/bench/run.mjs');
