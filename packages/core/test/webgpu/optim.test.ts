/**
 * The fused optimizer kernels of the WebGPU backend against the CPU backend's (which
 * test/optim.test.ts checks against the update rules in float64): three steps of each update on a
 * parameter of a few hundred elements (not a multiple of the workgroup size, at a storage offset)
 * must leave the parameter and every state tensor equal within float32 rounding. A spy dispatch
 * layer checks that the fused primitive itself ran on webgpu, with no fallback ops.
 */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { useWebGPU } from './harness.js';

useWebGPU();

/** The ops dispatched while `record` is on, with the device of their first input. */
let calls: string[] | null = null;
K.installLayer({
  name: 'optim-test-spy',
  handle(op, inputs, attrs, next) {
    calls?.push(`${op}@${inputs[0]?.device}`);
    return next(op, inputs, attrs);
  },
});

function record(fn: () => void): string[] {
  calls = [];
  try {
    fn();
    return calls;
  } finally {
    calls = null;
  }
}

// 333 elements: 256 + 77, so the last workgroup is partial.
const SHAPE = [9, 37];
const STEPS = 3;

/** `values` on webgpu as a contiguous view at a non-zero offset (rows 1.. of a larger tensor). */
function atOffset(values: K.Tensor): K.Tensor {
  const big = K.cat([K.zeros([1, SHAPE[1]]), values, K.zeros([1, SHAPE[1]])], 0).to('webgpu');
  const t = big.narrow(0, 1, SHAPE[0]);
  expect(t.isContiguous() && t.offset > 0).toBe(true);
  return t;
}

function initial(seed: number): { param: K.Tensor; grads: K.Tensor[] } {
  const gen = new K.Generator(seed);
  const param = K.randn(SHAPE, { generator: gen });
  const grads = Array.from({ length: STEPS }, () => K.randn(SHAPE, { generator: gen }).mul(0.5));
  return { param, grads };
}

/** Elementwise |got - want| <= 1e-5 |want| + 1e-6 max|want| (a few float32 roundings per step). */
async function expectClose(name: string, got: K.Tensor, want: K.Tensor): Promise<void> {
  expect(got.device, name).toBe('webgpu');
  const g = await got.data();
  const w = want.dataSync();
  expect(g.length, name).toBe(w.length);
  let scale = 0;
  for (const x of w) scale = Math.max(scale, Math.abs(x));
  expect(scale, `${name} is not all zeros`).toBeGreaterThan(0);
  for (let i = 0; i < w.length; i++) {
    if (!(Math.abs(g[i] - w[i]) <= 1e-5 * Math.abs(w[i]) + 1e-6 * scale))
      expect.fail(`${name}[${i}]: webgpu ${g[i]}, cpu ${w[i]}`);
  }
}

/**
 * Runs `update` for STEPS steps on the CPU and on webgpu (operands at a storage offset), checking
 * each webgpu step is the one fused primitive and bumps the versions of exactly the written
 * tensors, then compares every operand. `update(step, param, grad, state)`.
 */
async function compareWithCpu(
  op: string,
  seed: number,
  stateCount: number,
  update: (step: number, p: K.Tensor, g: K.Tensor, state: K.Tensor[]) => void,
): Promise<void> {
  const { param, grads } = initial(seed);
  const cpu = { p: param.clone(), state: Array.from({ length: stateCount }, () => K.zeros(SHAPE)) };
  const gpu = {
    p: atOffset(param),
    state: cpu.state.map((s) => atOffset(s)),
  };
  for (let s = 0; s < STEPS; s++) {
    update(s + 1, cpu.p, grads[s], cpu.state);
    const g = grads[s].to('webgpu');
    const written = [gpu.p, ...gpu.state];
    const before = written.map((t) => t.storage.version);
    const gradVersion = g.storage.version;
    expect(record(() => update(s + 1, gpu.p, g, gpu.state))).toEqual([`${op}@webgpu`]);
    expect(written.map((t) => t.storage.version)).toEqual(before.map((v) => v + 1));
    expect(g.storage.version).toBe(gradVersion);
  }
  await expectClose('param', gpu.p, cpu.p);
  for (const [k, st] of gpu.state.entries()) await expectClose(`state ${k}`, st, cpu.state[k]);
}

const ADAM = { lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6 };

describe('adamUpdate_ on webgpu matches the CPU kernel over three steps', () => {
  const cases = [
    { name: 'Adam', weightDecay: 0, decoupled: false, maximize: false, amsgrad: false },
    { name: 'Adam + L2 + maximize', weightDecay: 0.1, decoupled: false, maximize: true, amsgrad: false },
    { name: 'AdamW + AMSGrad', weightDecay: 0.05, decoupled: true, maximize: false, amsgrad: true },
  ];
  for (const [n, c] of cases.entries()) {
    it(c.name, async () => {
      const { weightDecay, decoupled, maximize } = c;
      await compareWithCpu('adamUpdate_', 10 + n, c.amsgrad ? 3 : 2, (step, p, g, [m, v, vmax]) =>
        K.adamUpdate_(p, g, m, v, vmax ?? null, { ...ADAM, weightDecay, decoupled, maximize, step }),
      );
    });
  }
});

describe('sgdUpdate_ on webgpu matches the CPU kernel over three steps', () => {
  const cases = [
    { name: 'plain', lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
    {
      name: 'momentum + dampening + weight decay + maximize',
      ...{ lr: 0.1, momentum: 0.9, dampening: 0.2, weightDecay: 0.01, nesterov: false, maximize: true },
    },
    {
      name: 'Nesterov + weight decay',
      ...{ lr: 0.05, momentum: 0.8, dampening: 0, weightDecay: 0.1, nesterov: true, maximize: false },
    },
  ];
  for (const [n, { name, ...o }] of cases.entries()) {
    it(name, async () => {
      await compareWithCpu('sgdUpdate_', 20 + n, o.momentum !== 0 ? 1 : 0, (step, p, g, [buf]) =>
        K.sgdUpdate_(p, g, buf ?? null, { ...o, initBuffer: step === 1 }),
      );
    });
  }
});

describe('fused optimizer updates on webgpu: operand layouts', () => {
  it('operands sharing one storage are bound once and give the CPU result', async () => {
    // The gradient is the parameter itself; expAvg and expAvgSq are two halves of one buffer.
    const { param } = initial(30);
    const run = (device: 'cpu' | 'webgpu') => {
      const p = param.to(device).clone();
      const state = K.zeros([2, ...SHAPE], { device });
      const [m, v] = state.unbind(0);
      for (let step = 1; step <= STEPS; step++) {
        K.adamUpdate_(p, p, m, v, null, {
          ...ADAM,
          weightDecay: 0.1,
          decoupled: false,
          maximize: false,
          step,
        });
      }
      return [p, m, v];
    };
    const want = run('cpu');
    let got: K.Tensor[] = [];
    expect(record(() => void (got = run('webgpu')))).toContain('adamUpdate_@webgpu');
    for (const [k, t] of got.entries()) await expectClose(`operand ${k}`, t, want[k]);
  });

  it('a non-contiguous parameter falls back to tensor ops with the same result', async () => {
    const { param, grads } = initial(31);
    const o = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    const p = param.t().to('webgpu').contiguous().t();
    const buf = K.zeros(SHAPE, { device: 'webgpu' });
    const want = param.clone();
    const wantBuf = K.zeros(SHAPE);
    K.sgdUpdate_(want, grads[0], wantBuf, { ...o, initBuffer: true });
    const ops = record(() => K.sgdUpdate_(p, grads[0].to('webgpu'), buf, { ...o, initBuffer: true }));
    expect(ops).not.toContain('sgdUpdate_@webgpu');
    await expectClose('param', p, want);
    await expectClose('buffer', buf, wantBuf);
  });
});
