// `pnpm bench`: the CPU comparison table of issue 11. Runs the workloads of workloads.mjs for
// Kindling (kindling-runner.mjs, on the built packages), PyTorch (torch_runner.py with Debian's
// /usr/bin/python3 and python3-torch, the reference set-up of torch_env.py) and TensorFlow.js on its
// WebAssembly backend (tfjs-runner.mjs), each in its own process, one thread each, and prints one
// markdown table of medians and Kindling's speed ratios with the issue's goals. When core honours
// KINDLING_KERNELS=wasm (getBackendInfo().kernels === 'wasm' under it) a "Kindling wasm" column is
// added. The engines run in rounds, in a rotated order each round, and each cell is the median over
// the rounds: on a shared machine load drifts, and alternating spreads it over every engine.
//
//   node tools/bench/table.mjs [--quick] [--rounds 3] [--seconds 1] [--filter TEXT]
//
// --quick: one round, shorter timing windows (a smoke run of about two minutes). Timing is process
// CPU time unless BENCH_CLOCK=wall (see timing.mjs); BENCH_PYTHON sets the Python used.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { combineRounds, describeEngine, parseRunnerOutput, renderTable } from './table-format.mjs';
import { benchClock } from './timing.mjs';
import { flopsOf, selectWorkloads } from './workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    filter: { type: 'string' },
  },
});
const settings = args.quick
  ? { rounds: 1, seconds: 0.5, batches: 3, minSeconds: 0.01 }
  : { rounds: 3, seconds: 1, batches: 5, minSeconds: 0.02 };
if (args.rounds) settings.rounds = Number(args.rounds);
if (args.seconds) settings.seconds = Number(args.seconds);
const clock = benchClock();
const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const workloads = selectWorkloads(args.filter);
if (workloads.length === 0) throw new Error(`no workload matches '${args.filter}'`);

for (const pkg of ['core', 'autograd', 'nn', 'text']) {
  if (!existsSync(join(root, 'packages', pkg, 'dist/index.js'))) {
    console.error(`packages/${pkg}/dist is missing: run \`pnpm build\` first (\`pnpm bench\` does)`);
    process.exit(1);
  }
}

const timingArgs = [
  '--seconds',
  String(settings.seconds),
  '--batches',
  String(settings.batches),
  '--min-seconds',
  String(settings.minSeconds),
];
// A runner takes about a minute per round; one that hangs (seen once when a build replaced the
// kernels mid-run) fails its round instead of stalling the table.
const ENGINE_TIMEOUT_MS = 5 * 60e3;
const filterArgs = args.filter ? ['--filter', args.filter] : [];
const node = (script, extra = []) => [process.execPath, [join(here, script), ...extra]];
const childEnv = (extra = {}) => ({ ...process.env, BENCH_CLOCK: clock, ...extra });

/** Runs a runner to completion; its parsed JSON, or `{ failed }` with the reason. */
function runEngine(engine) {
  const [cmd, argv] = engine.command;
  const r = spawnSync(cmd, argv, {
    cwd: root,
    env: engine.env,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: ENGINE_TIMEOUT_MS,
  });
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.trim().split('\n').pop() || `exit code ${r.status}`);
    return { failed: why };
  }
  try {
    return parseRunnerOutput(r.stdout);
  } catch (e) {
    return { failed: `${e.message}: ${r.stdout.slice(-200)}` };
  }
}

/** The "Kindling wasm" engine when core honours KINDLING_KERNELS=wasm, else the reason it does not. */
function kindlingWasmEngine() {
  const env = childEnv({ KINDLING_KERNELS: 'wasm' });
  const probe = runEngine({ command: node('kindling-runner.mjs', ['--probe']), env });
  const kernels = probe.engine?.kernels;
  if (kernels === 'wasm') {
    return {
      key: 'kindlingWasm',
      title: 'Kindling wasm',
      command: node('kindling-runner.mjs', [...timingArgs, ...filterArgs]),
      env,
    };
  }
  return { skipped: `KINDLING_KERNELS=wasm gives kernels '${kernels ?? probe.failed}'; no wasm column` };
}

const wasm = kindlingWasmEngine();
const engines = [
  {
    key: 'kindling',
    title: 'Kindling',
    command: node('kindling-runner.mjs', [...timingArgs, ...filterArgs]),
    env: childEnv(),
  },
  ...(wasm.skipped ? [] : [wasm]),
  {
    key: 'pytorch',
    title: 'PyTorch',
    command: [
      python,
      [
        join(here, 'torch_runner.py'),
        '--workloads',
        JSON.stringify(workloads.map(({ id, group, spec }) => ({ id, group, spec }))),
        '--clock',
        clock,
        ...timingArgs,
      ],
    ],
    env: childEnv(),
  },
  {
    key: 'tfjs',
    title: 'tfjs-wasm',
    command: node('tfjs-runner.mjs', [...timingArgs, ...filterArgs]),
    env: childEnv(),
  },
];

const started = new Date();
const loadBefore = loadavg();
const rounds = Object.fromEntries(engines.map((e) => [e.key, []]));
const infos = Object.fromEntries(engines.map((e) => [e.key, []])); // what each round ran on
const failures = Object.fromEntries(engines.map((e) => [e.key, []]));
for (let r = 0; r < settings.rounds; r++) {
  const order = engines.map((_, i) => engines[(i + r) % engines.length]);
  for (const e of order) {
    const t0 = performance.now();
    const out = runEngine(e);
    const took = ((performance.now() - t0) / 1e3).toFixed(0);
    console.error(
      `round ${r + 1}/${settings.rounds}: ${e.title} ${out.failed ? `failed (${out.failed})` : 'done'} in ${took} s`,
    );
    if (out.failed) failures[e.key].push(out.failed);
    else {
      infos[e.key].push(describeEngine(e.key, out.engine));
      rounds[e.key].push(out.results);
    }
  }
}
const loadAfter = loadavg();
const ids = workloads.map((w) => w.id);
const cells = Object.fromEntries(engines.map((e) => [e.key, combineRounds(rounds[e.key], ids)]));

/** One header line per engine: what it ran on, and whether that changed or failed in some rounds. */
function describe(key) {
  const seen = [...new Set(infos[key])];
  const failed = failures[key];
  if (seen.length === 0) return `did not run (${failed[0] ?? 'no result'})`;
  let line = seen.join(' / then: ');
  if (seen.length > 1) line += ' (**changed between rounds**: something was rebuilt during the run; rerun)';
  if (failed.length > 0) line += ` (${failed.length} of ${settings.rounds} round(s) failed: ${failed[0]})`;
  return line;
}

/** The widest x86 vector extension the CPU reports ("AVX-512", "AVX2"), or "" elsewhere. */
function vectorExtension() {
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    if (/\bavx512f\b/.test(flags)) return 'AVX-512';
    if (/\bavx2\b/.test(flags)) return 'AVX2';
  } catch {}
  return '';
}

const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' ');
const cpu = cpus();
const argv = process.argv.slice(2).join(' ');
console.log(`## pnpm bench table (${started.toISOString().slice(0, 10)})\n`);
console.log(`- command: \`pnpm bench${argv ? ` ${argv}` : ''}\` (node tools/bench/table.mjs)`);
console.log(
  `- machine: ${cpu[0]?.model ?? 'unknown CPU'}${vectorExtension() ? ` (${vectorExtension()})` : ''}, ${cpu.length} CPU(s), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${fmtLoad(loadBefore)} at the start, ${fmtLoad(loadAfter)} at the end`,
);
console.log(
  `- timing: ${clock === 'cpu' ? 'process CPU time' : 'wall clock'}; median over ${settings.rounds} round(s) of each engine in its own process (order rotated per round), each a median over batches of calls; training windows ${settings.seconds} s`,
);
for (const e of engines) console.log(`- ${e.title}: ${describe(e.key)}`);
if (wasm.skipped) console.log(`- ${wasm.skipped}`);
console.log('- ratios: speed of Kindling over the other engine (their time / ours): above 1 is faster\n');
const { table, notes } = renderTable(workloads, engines, cells, flopsOf);
console.log(table);
if (notes.length > 0) console.log(`\n${notes.map((n, i) => `[${i + 1}] ${n}`).join('\n')}`);
