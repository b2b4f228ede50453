/**
 * The page side of the browser smoke test (bundled by smoke.test.ts with vite, from sources via the
 * `@kindling/source` condition). `window.kindlingSmoke()` opens the WebGPU device, runs a handful of
 * ops and a few MLP training steps on both the page's CPU backend and `webgpu`, and returns plain
 * numbers; the Node side compares them. The results are also drawn as a table for the screenshot.
 */
import * as K from '@kindling/core';
import * as nn from '@kindling/nn';

/** One computation run on both devices. */
export interface SmokeCase {
  name: string;
  shape: number[];
  device: string;
  cpu: number[];
  gpu: number[];
}

/** What `kindlingSmoke()` returns to the test. */
export interface SmokeResult {
  ok: true;
  adapter: K.DeviceInfo['adapter'];
  features: string[];
  cases: SmokeCase[];
  ms: number;
}

/** What `kindlingSmoke()` returns when something throws (so the test can print the page's error). */
export interface SmokeFailure {
  ok: false;
  error: string;
}

type Device = 'cpu' | 'webgpu';

declare global {
  interface Window {
    kindlingSmoke: () => Promise<SmokeResult | SmokeFailure>;
  }
}

const gen = (seed: number) => ({ generator: new K.Generator(seed) });

/** The op cases: each builds its inputs on the CPU (seeded), moves them to `device`, and computes. */
const ops: Record<string, (device: Device) => K.Tensor> = {
  elementwise: (d) => {
    const a = K.randn([33, 17], gen(1)).to(d);
    const b = K.randn([17], gen(2)).to(d);
    return a.mul(b).add(a.exp().mul(0.25)).sub(b.tanh()).relu().add(a.sigmoid());
  },
  matmul: (d) => {
    const a = K.randn([37, 53], gen(3)).to(d);
    const b = K.randn([53, 29], gen(4)).to(d);
    return a.matmul(b);
  },
  'sum (dim 1) + mean': (d) => {
    const x = K.randn([19, 300], gen(5)).to(d);
    return K.sum(x, 1).add(x.mean());
  },
  softmax: (d) => K.softmax(K.randn([8, 41], gen(6)).mul(3).to(d), 1),
  conv2d: (d) => {
    const x = K.randn([2, 3, 9, 9], gen(7)).to(d);
    const w = K.randn([4, 3, 3, 3], gen(8)).to(d);
    const b = K.randn([4], gen(9)).to(d);
    return K.conv2d(x, w, b, { padding: 1, stride: 2 });
  },
};

/** A few MLP training steps (Linear/Tanh/ReLU, MSE, Adam): the per-step losses. */
async function trainMlp(device: Device, steps: number): Promise<number[]> {
  K.manualSeed(42);
  const model = new nn.Sequential(
    new nn.Linear(4, 32),
    new nn.Tanh(),
    new nn.Linear(32, 16),
    new nn.ReLU(),
    new nn.Linear(16, 1),
  ).to(device);
  const opt = new nn.Adam(model.parameters(), { lr: 0.01 });
  const xs = K.rand([64, 4], gen(11)).mul(4).sub(2);
  const [a, b, c, e] = xs.unbind(1);
  const ys = a.sin().add(b.mul(c)).sub(e.mul(0.5)).unsqueeze(1);
  const x = xs.to(device);
  const y = ys.to(device);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = nn.mseLoss(model.call(x) as K.Tensor, y);
    loss.backward();
    opt.step();
    losses.push(Number(await loss.item()));
  }
  return losses;
}

async function values(t: K.Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}

function render(status: string, cases: SmokeCase[]): void {
  document.getElementById('status')!.textContent = status;
  const table = document.getElementById('results')!;
  table.innerHTML =
    '<tr><th>case</th><th>shape</th><th>max |webgpu − cpu|</th><th>first values (webgpu)</th></tr>';
  for (const c of cases) {
    let diff = 0;
    for (let i = 0; i < c.cpu.length; i++) diff = Math.max(diff, Math.abs(c.gpu[i] - c.cpu[i]));
    const row = document.createElement('tr');
    for (const text of [
      c.name,
      `[${c.shape.join(', ')}] on ${c.device}`,
      diff.toExponential(2),
      c.gpu
        .slice(0, 4)
        .map((v) => v.toFixed(4))
        .join(', '),
    ]) {
      const td = document.createElement('td');
      td.textContent = text;
      row.appendChild(td);
    }
    table.appendChild(row);
  }
}

window.kindlingSmoke = async () => {
  const t0 = performance.now();
  try {
    const info = await K.initDevice('webgpu');
    const cases: SmokeCase[] = [];
    for (const [name, fn] of Object.entries(ops)) {
      const cpu = fn('cpu');
      const gpu = fn('webgpu');
      cases.push({
        name,
        shape: [...gpu.shape],
        device: gpu.device,
        cpu: await values(cpu),
        gpu: await values(gpu),
      });
    }
    const steps = 5;
    const cpuLosses = await trainMlp('cpu', steps);
    const gpuLosses = await trainMlp('webgpu', steps);
    cases.push({
      name: `MLP training, ${steps} Adam steps (losses)`,
      shape: [steps],
      device: 'webgpu',
      cpu: cpuLosses,
      gpu: gpuLosses,
    });
    const a = info.adapter;
    render(`adapter: ${a ? `${a.vendor} ${a.architecture} ${a.description}`.trim() : '(none)'}`, cases);
    return { ok: true, adapter: a, features: info.features ?? [], cases, ms: performance.now() - t0 };
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
    document.getElementById('status')!.textContent = `FAILED: ${error}`;
    return { ok: false, error };
  }
};
document.getElementById('status')!.textContent = 'ready';
