// WebGPU benchmark (`pnpm bench --device webgpu` from the repository root, or
// `node bench/webgpu.bench.mjs` here after `pnpm build`): prints the adapter, then the same cases on
// the CPU backend and on WebGPU: float32 matmul (256, 512) and conv2d forward (3x3, padding 1) in
// GFLOP/s, and training steps/s of the MLP, LeNet-5 and small GPT workloads of the CPU benchmarks
// (packages/nn/bench/train-workloads.mjs, packages/text/bench/gpt-workload.mjs, built on the device
// with `setup(device)`; they need @kindling/nn and @kindling/text built).
//
// In Node the GPU is reached through the `webgpu` package (Dawn). Without a GPU, Dawn finds
// SwiftShader's Vulkan driver from Debian's `chromium` package: VK_DRIVER_FILES is pointed at
// /usr/lib/chromium/vk_swiftshader_icd.json when it is unset and the file exists. A software
// adapter's figures are a smoke check only. Without an adapter this prints why and exits 0, or 1
// when WebGPU was asked for (KINDLING_BENCH_DEVICE=webgpu, as `pnpm bench --device webgpu` sets).
//
// Timing: wall clock (GPU work is asynchronous). A first call compiles the pipelines (and creates
// optimizer state) and is not timed. Then a batch records calls and waits for the last result (one
// 4-byte read-back); the figure is the median of 3 batches of about BENCH_SECONDS / 4 each (default
// 1 s). When one call alone takes BENCH_SECONDS / 4 or more (a software adapter: seconds per GPT
// step) that single call is the figure, marked 'one call timed', which keeps the run to minutes.
import { existsSync } from 'node:fs';
import * as K from '@kindling/core';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);

/** Opens the WebGPU device, or returns the reason it cannot. */
async function openDevice() {
  if (!process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD))
    process.env.VK_DRIVER_FILES = SWIFTSHADER_ICD;
  let webgpu;
  try {
    webgpu = await import('webgpu');
  } catch (e) {
    return { error: `cannot load the 'webgpu' package (${e.message})` };
  }
  Object.assign(globalThis, webgpu.globals);
  try {
    return { info: await K.initDevice('webgpu', { gpu: webgpu.create([]) }) };
  } catch (e) {
    return { error: e.message };
  }
}

/** Waits until `t` (and all work recorded before it) is computed: reads one element back. */
async function sync(t) {
  if (t.device === 'webgpu') await t.reshape([-1]).index([0]).item();
}

/**
 * Seconds per call of `fn` (which returns a tensor). `first` (default `fn` under `scope`) runs once,
 * untimed: it compiles the pipelines and may create state that must outlive the timed calls (an
 * optimizer's buffers), which is why it runs outside `scope`. The timed calls run under `scope`, so
 * their GPU temporaries are freed. When one timed call takes a quarter of BENCH_SECONDS or more it
 * is the figure (`single`); otherwise the median of 3 batches of about BENCH_SECONDS / 4 each.
 */
async function time(fn, first = () => K.scope(fn)) {
  const warm = first();
  await sync(warm);
  warm.dispose();
  let t0 = performance.now();
  const r = K.scope(fn);
  await sync(r);
  r.dispose();
  const once = (performance.now() - t0) / 1e3;
  if (once >= SECONDS / 4) return { s: once, single: true };
  const reps = Math.max(1, Math.min(1000, Math.ceil(SECONDS / 4 / Math.max(once, 1e-6))));
  const samples = [];
  for (let s = 0; s < 3; s++) {
    t0 = performance.now();
    let last = null;
    for (let i = 0; i < reps; i++) {
      last?.dispose();
      last = K.scope(fn);
    }
    await sync(last);
    last.dispose();
    samples.push((performance.now() - t0) / 1e3 / reps);
  }
  samples.sort((a, b) => a - b);
  return { s: samples[1], single: false };
}

// Deterministic pseudo-random values in [-1, 1) (no dependency on the RNG module).
let seed = 12345;
function randomTensor(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const host = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    host[i] = (seed / 2 ** 32) * 2 - 1;
  }
  return K.tensor(host).reshape(shape);
}

/** Prints one case: `work` units (flops, steps) per call, timings from `time()`. */
const row = (name, work, cpu, gpu, unit, digits = 2) => {
  const c = work / cpu.s;
  const g = work / gpu.s;
  const notes = [
    `webgpu/cpu ${(g / c).toFixed(g / c < 0.1 ? 4 : 2)}x`,
    `webgpu ${(gpu.s * 1e3).toFixed(gpu.s < 0.01 ? 3 : 0)} ms/call`,
  ];
  if (gpu.single) notes.push('one call timed');
  console.log(
    `${name.padEnd(44)}${c.toFixed(digits).padStart(10)}${g.toFixed(digits).padStart(10)}  ${unit}   (${notes.join(', ')})`,
  );
};

const started = performance.now();
const requested = process.env.KINDLING_BENCH_DEVICE === 'webgpu';
const opened = await openDevice();
if (!opened.info) {
  console.log(`webgpu: no adapter, nothing to benchmark (${opened.error})`);
  console.log(
    'Without a GPU: apt-get install -y --no-install-recommends libvulkan1 chromium (SwiftShader) and' +
      ` VK_DRIVER_FILES=${SWIFTSHADER_ICD}.`,
  );
  process.exit(requested ? 1 : 0);
}
const a = opened.info.adapter ?? {};
const adapterName =
  [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ') || '(unnamed)';
const software = /swiftshader|llvmpipe|lavapipe|software|warp/i.test(adapterName);
const cpuInfo = K.getBackendInfo();
console.log(
  `webgpu adapter: ${adapterName}${process.env.VK_DRIVER_FILES ? ` (VK_DRIVER_FILES=${process.env.VK_DRIVER_FILES})` : ''}`,
);
console.log(
  `cpu backend: ${cpuInfo.kernels} kernels${cpuInfo.isa ? ` (${cpuInfo.isa})` : ''}, ${cpuInfo.threads} thread(s)`,
);
if (software)
  console.log('note: a software adapter (CPU emulation): these webgpu figures are a smoke check only.');
console.log(`${'case'.padEnd(44)}${'cpu'.padStart(10)}${'webgpu'.padStart(10)}`);

for (const n of [256, 512]) {
  const ac = randomTensor([n, n]);
  const bc = randomTensor([n, n]);
  const ag = ac.to('webgpu');
  const bg = bc.to('webgpu');
  const flops = 2 * n * n * n;
  const tc = await time(() => K.matmul(ac, bc));
  const tg = await time(() => K.matmul(ag, bg));
  row(`matmul ${n}x${n} f32`, flops / 1e9, tc, tg, 'GFLOP/s');
}

for (const [N, C, H, W, O] of [
  [64, 1, 28, 28, 32],
  [64, 32, 14, 14, 64],
]) {
  const xc = randomTensor([N, C, H, W]);
  const wc = randomTensor([O, C, 3, 3]);
  const xg = xc.to('webgpu');
  const wg = wc.to('webgpu');
  const flops = 2 * N * O * C * 9 * H * W;
  const tc = await time(() => K.conv2d(xc, wc, null, { padding: 1 }));
  const tg = await time(() => K.conv2d(xg, wg, null, { padding: 1 }));
  row(`conv2d ${N}x${C}x${H}x${W} * ${O}x${C}x3x3`, flops / 1e9, tc, tg, 'GFLOP/s');
}

// Training steps: the CPU benchmarks' workloads, built on each device by `setup(device)`.
const workloads = [];
try {
  const { trainingWorkloads } = await import('../../nn/bench/train-workloads.mjs');
  workloads.push(trainingWorkloads.mlp, trainingWorkloads.lenet);
  workloads.push((await import('../../text/bench/gpt-workload.mjs')).gptWorkload);
} catch (e) {
  console.log(
    `training steps: not run (${e.message.split('\n')[0]}); run \`pnpm build\` first (needs @kindling/nn and @kindling/text)`,
  );
}
for (const w of workloads) {
  const steps = {};
  for (const device of ['cpu', 'webgpu']) {
    const step = w.setup(device);
    // The first step runs outside scope(): it creates the optimizer state, which must outlive the others.
    steps[device] = await time(step, step);
  }
  row(w.label, 1, steps.cpu, steps.webgpu, 'steps/s', 2);
}
console.log(`(${((performance.now() - started) / 1e3).toFixed(0)} s)`);
// Dawn keeps the event loop alive while a device exists.
process.exit(0);
