// Kindling's side of the `pnpm bench` table: measures the workloads of workloads.mjs on the built
// packages (dist) with one thread and prints one JSON line
//   { engine: getBackendInfo() + versions, results: { id: { seconds } | { error } } }
// (seconds per call, per op for overhead). The kernel set is core's choice (KINDLING_KERNELS picks
// another where core supports it). Usage, from the repository root after `pnpm build`:
//   node tools/bench/kindling-runner.mjs [--probe] [--filter TEXT] [--seconds 2] [--batches 7]
//     [--min-seconds 0.02]        (BENCH_CLOCK=wall for wall clock; process CPU time otherwise)
// --probe prints the engine only (to learn which kernels an environment variable selects).
import { parseArgs } from 'node:util';
import { getBackendInfo, setNumThreads } from '@kindling/core';
import { benchClock, stepsPerSecond, timeCalls } from './timing.mjs';
import { selectWorkloads } from './workloads.mjs';

const { values: args } = parseArgs({
  options: {
    probe: { type: 'boolean', default: false },
    filter: { type: 'string' },
    seconds: { type: 'string', default: '2' },
    batches: { type: 'string', default: '7' },
    'min-seconds': { type: 'string', default: '0.02' },
  },
});

const clock = benchClock();
setNumThreads(1);
const engine = { ...getBackendInfo(), node: process.version, clock };

let overheadModes = null;

/** Seconds per call (per op for overhead) of one workload. */
async function measure(w) {
  const timing = { batches: Number(args.batches), minSeconds: Number(args['min-seconds']) };
  if (w.group === 'matmul' || w.group === 'conv') {
    const { makeCase } = await import('../../packages/core/bench/case-operands.mjs');
    return timeCalls(makeCase(w.spec), timing)[clock];
  }
  if (w.group === 'overhead') {
    const { overheadUsPerOp } = await import('../../packages/autograd/bench/overhead-workload.mjs');
    overheadModes ??= overheadUsPerOp(clock); // one measurement gives all three modes
    return overheadModes[w.spec.mode] / 1e6;
  }
  const workload =
    w.spec.key === 'gpt'
      ? (await import('../../packages/text/bench/gpt-workload.mjs')).gptWorkload
      : (await import('../../packages/nn/bench/train-workloads.mjs')).trainingWorkloads[w.spec.key];
  return 1 / stepsPerSecond(workload.setup(), Number(args.seconds), clock);
}

const results = {};
if (!args.probe) {
  for (const w of selectWorkloads(args.filter)) {
    try {
      results[w.id] = { seconds: await measure(w) };
    } catch (e) {
      results[w.id] = { error: String(e?.message ?? e).split('\n')[0] };
    }
  }
}
console.log(JSON.stringify({ engine, results }));
