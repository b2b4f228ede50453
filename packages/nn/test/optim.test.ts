import '@kindling/autograd';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type DeviceName,
  type DType,
  KindlingError,
  stack,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@kindling/core';
import {
  expectNoFloat64,
  hasFloat64,
  host,
  TEST_DEVICES,
  useDevice,
} from '../../core/test/helpers/devices.js';
import { expectMatches, fromSpec, type TensorSpec } from '../../core/test/helpers/golden.js';
import * as nn from '../src/index.js';

interface Case {
  inputs: Record<string, TensorSpec>;
  attrs: Record<string, any>;
  out: TensorSpec[];
}
const here = dirname(fileURLToPath(import.meta.url));
const all: Record<string, Case> = JSON.parse(
  readFileSync(join(here, 'fixtures', 'nn_optim.json'), 'utf8'),
).cases;
const cases = Object.entries(all).filter(([k]) => k.startsWith('optim_'));

const OPTIMIZERS: Record<string, new (params: any, options?: any) => nn.Optimizer<any>> = {
  SGD: nn.SGD,
  Adam: nn.Adam,
  AdamW: nn.AdamW,
  RMSprop: nn.RMSprop,
  Adagrad: nn.Adagrad,
};

interface Problem {
  x: Tensor;
  y: Tensor;
  init: Tensor[];
}
function problem(dtype: DType, device: DeviceName = 'cpu'): Problem {
  const c = all[dtype === 'float64' ? 'problem_f64' : 'problem_f32'];
  const t = (k: string) => fromSpec(c.inputs[k]).to(device);
  return { x: t('x'), y: t('y'), init: ['w1', 'b1', 'w2', 'b2'].map(t) };
}

/** The fixture's model: relu(x @ w1.T + b1) @ w2.T + b2 with an MSE loss. */
function lossOf(params: Tensor[], p: Problem): Tensor {
  const [w1, b1, w2, b2] = params;
  const out = p.x.matmul(w1.t()).add(b1).relu().matmul(w2.t()).add(b2);
  return nn.mseLoss(out, p.y);
}

function makeOptimizer(attrs: Record<string, any>, params: Tensor[]): nn.Optimizer<any> {
  const arg = attrs.groups
    ? [
        { params: params.slice(0, 2), ...attrs.groups[0] },
        { params: params.slice(2), ...attrs.groups[1] },
      ]
    : params;
  return new OPTIMIZERS[attrs.optim](arg, attrs.options);
}

/** Runs `steps` steps and returns the losses (read back once at the end: a GPU read waits for the queue). */
async function train(opt: nn.Optimizer<any>, params: Tensor[], p: Problem, steps: number): Promise<number[]> {
  const losses: Tensor[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = lossOf(params, p);
    losses.push(loss.detach());
    loss.backward();
    opt.step();
  }
  return Array.from(await stack(losses).data(), Number);
}

/** A state dict through JSON and back, as a checkpoint file would carry it (no shared tensors). */
function roundTrip(sd: nn.OptimizerStateDict): nn.OptimizerStateDict {
  const json = JSON.stringify(sd, (_k, v) =>
    v && typeof v === 'object' && 'storage' in v
      ? { __tensor: true, shape: v.shape, dtype: v.dtype, data: Array.from((v as Tensor).dataSync()) }
      : v,
  );
  return JSON.parse(json, (_k, v) =>
    v && typeof v === 'object' && v.__tensor ? tensor(v.data, { dtype: v.dtype }).reshape(v.shape) : v,
  );
}

const leaf = (t: Tensor) => new nn.Parameter(t.clone());

for (const device of TEST_DEVICES) {
  describe(`optimizers match PyTorch after 20 steps on a 2-layer MLP on ${device}`, () => {
    useDevice(device);
    for (const [name, c] of cases) {
      it(name, async () => {
        if (c.attrs.dtype === 'float64' && !hasFloat64(device)) {
          expectNoFloat64(device, () => problem('float64', device));
          return;
        }
        const p = problem(c.attrs.dtype, device);
        const params = p.init.map(leaf);
        const opt = makeOptimizer(c.attrs, params);
        const losses = await train(opt, params, p, c.attrs.steps);
        for (const [i, t] of params.entries()) {
          expect(t.device, `param ${i} device`).toBe(device);
          expectMatches(await host(t), c.out[i], {}, `param ${i}`);
        }
        expectMatches(tensor(losses, { dtype: c.attrs.dtype }), c.out[4], {}, 'losses');
        for (const [k, key] of ((c.attrs.state ?? []) as string[]).entries()) {
          const v = opt.stateDict().state[0][key];
          // State sums many terms of both signs (RMSprop's buffer adds g / avg, up to ~10 each), so
          // float32 rounding shows at ~1e-5 of the terms' scale: an absolute tolerance covers it.
          const tol = c.attrs.dtype === 'float32' ? { atol: 5e-5 } : {};
          expectMatches(
            typeof v === 'number' ? tensor(v, { dtype: c.attrs.dtype }) : await host(v as Tensor),
            c.out[5 + k],
            tol,
            key,
          );
        }
      });
    }
  });
}

describe('optimizer state round trip', () => {
  for (const [name, c] of cases) {
    it(`${name}: 10 steps, stateDict, new optimizer, loadStateDict, 10 steps = 20 steps`, async () => {
      const p = problem(c.attrs.dtype);
      const params = p.init.map(leaf);
      const first = makeOptimizer(c.attrs, params);
      await train(first, params, p, 10);
      const saved = roundTrip(first.stateDict());
      const resumed = p.init.map((_, i) => leaf(params[i]));
      const second = makeOptimizer(c.attrs, resumed);
      second.loadStateDict(saved);
      await train(second, resumed, p, 10);
      for (const [i, t] of resumed.entries()) expectMatches(t, c.out[i], {}, `param ${i}`);
    });
  }
});

describe('optimizer state dicts use PyTorch layout', () => {
  it('numbers parameters through the groups and uses snake_case names', async () => {
    const p = problem('float32');
    const params = p.init.map(leaf);
    const opt = new nn.Adam(
      [
        { params: params.slice(0, 2), lr: 0.02 },
        { params: params.slice(2), weightDecay: 0.1 },
      ],
      { lr: 0.01 },
    );
    await train(opt, params, p, 2);
    const sd = opt.stateDict();
    expect(sd.param_groups).toEqual([
      {
        lr: 0.02,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        amsgrad: false,
        maximize: false,
        params: [0, 1],
      },
      {
        lr: 0.01,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0.1,
        amsgrad: false,
        maximize: false,
        params: [2, 3],
      },
    ]);
    expect(Object.keys(sd.state)).toEqual(['0', '1', '2', '3']);
    expect(Object.keys(sd.state[3]).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'step']);
    expect(sd.state[3].step).toBe(2);
  });
  it('keeps scheduler keys in groups and restores them camelCased', () => {
    const params = [leaf(zeros([2]))];
    const opt = new nn.SGD(params, { lr: 0.1, momentum: 0.9 });
    new nn.OneCycleLR(opt, 1, { totalSteps: 10 });
    const sd = opt.stateDict();
    expect(sd.param_groups[0]).toMatchObject({
      initial_lr: 0.04,
      max_lr: 1,
      max_momentum: 0.95,
      base_momentum: 0.85,
    });
    const other = new nn.SGD([leaf(zeros([2]))], { lr: 0.5 });
    other.loadStateDict(sd);
    expect(other.paramGroups[0]).toMatchObject({ initialLr: 0.04, maxLr: 1, momentum: 0.95 });
    expect(other.paramGroups[0].lr).toBeCloseTo(0.04, 12);
  });
  it('casts loaded state to the parameter dtype and accepts a tensor step', () => {
    const p = leaf(zeros([2], { dtype: 'float64' }));
    const opt = new nn.Adam([p]);
    opt.loadStateDict({
      state: {
        0: { step: tensor(3), exp_avg: tensor([1, 2], { dtype: 'float32' }), exp_avg_sq: zeros([2]) },
      },
      param_groups: [
        {
          lr: 0.1,
          betas: [0.9, 0.999],
          eps: 1e-8,
          weight_decay: 0,
          amsgrad: false,
          maximize: false,
          params: [0],
        },
      ],
    });
    const s = opt.state.get(p)!;
    expect(s.step).toBe(3);
    expect((s.exp_avg as Tensor).dtype).toBe('float64');
    expect(opt.paramGroups[0].lr).toBe(0.1);
  });
  it('refuses state dicts that do not fit', () => {
    const opt = new nn.SGD([leaf(zeros([2])), leaf(zeros([3]))], { lr: 0.1 });
    const sd = opt.stateDict();
    const one = new nn.SGD([leaf(zeros([2]))], { lr: 0.1 });
    expect(() => one.loadStateDict(sd)).toThrow(/has 2 parameters, the optimizer's has 1/);
    const two = new nn.SGD([{ params: [leaf(zeros([2]))] }, { params: [leaf(zeros([3]))] }], { lr: 0.1 });
    expect(() => two.loadStateDict(sd)).toThrow(/1 parameter groups, the optimizer has 2/);
  });
});

describe('optimizer behaviour', () => {
  it('validates arguments', () => {
    const w = leaf(zeros([2]));
    expect(() => new nn.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new nn.SGD([w], { lr: -1 })).toThrow(ValueError);
    expect(() => new nn.SGD([w], {} as nn.SGDOptions)).toThrow(/required optimization parameter lr/);
    expect(() => new nn.SGD([w], { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new nn.Adam([w], { betas: [1, 0.9] })).toThrow(/beta parameter at index 0/);
    expect(() => new nn.RMSprop([w], { alpha: -0.1 })).toThrow(ValueError);
    expect(() => new nn.Adagrad([w], { lrDecay: -1 })).toThrow(ValueError);
    expect(() => new nn.SGD([{ params: [w] }, { params: [w] }], { lr: 0.1 })).toThrow(
      /more than one parameter group/,
    );
    const nonLeaf = w.mul(2);
    expect(() => new nn.SGD([nonLeaf], { lr: 0.1 })).toThrow(/non-leaf/);
    expect(() => new nn.SGD([w], { lr: 0.1 })).not.toThrow();
  });
  it('skips parameters without gradients and creates no state for them', () => {
    const a = leaf(tensor([1, 2], { dtype: 'float32' }));
    const b = leaf(tensor([3, 4], { dtype: 'float32' }));
    const opt = new nn.Adam([a, b], { lr: 0.1 });
    a.mul(a).sum().backward();
    opt.step();
    expect(opt.state.has(a)).toBe(true);
    expect(opt.state.has(b)).toBe(false);
    expect(b.dataSync()).toEqual(new Float32Array([3, 4]));
    expect(Array.from(a.dataSync())).not.toEqual([1, 2]);
  });
  it('zeroGrad clears to null or to zeros', () => {
    const a = leaf(tensor([1, 2], { dtype: 'float32' }));
    const opt = new nn.SGD([a], { lr: 0.1 });
    a.mul(a).sum().backward();
    opt.zeroGrad({ setToNone: false });
    expect(a.grad?.dataSync()).toEqual(new Float32Array([0, 0]));
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });
  it('step(closure) evaluates the closure with gradients and returns its loss', () => {
    const a = leaf(tensor([1, 2], { dtype: 'float32' }));
    const opt = new nn.SGD([a], { lr: 0.5 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = a.mul(a).sum();
      l.backward();
      return l;
    });
    expect(Number(loss?.itemSync())).toBe(5);
    expect(Array.from(a.dataSync())).toEqual([0, 0]); // a - 0.5 * 2a
  });
  it('addParamGroup fills options from the defaults and trains the new group', () => {
    const a = leaf(tensor([1], { dtype: 'float32' }));
    const b = leaf(tensor([1], { dtype: 'float32' }));
    const opt = new nn.SGD([a], { lr: 0.1, momentum: 0.5 });
    opt.addParamGroup({ params: [b], lr: 1 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 1, momentum: 0.5, dampening: 0, nesterov: false });
    a.add(b).sum().backward();
    opt.step();
    expect(a.itemSync()).toBeCloseTo(0.9, 6);
    expect(b.itemSync()).toBeCloseTo(0, 6);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(KindlingError);
  });
  it('creates Adagrad state up front for every parameter, as PyTorch', () => {
    const a = leaf(tensor([1, 2], { dtype: 'float32' }));
    const opt = new nn.Adagrad([a], { initialAccumulatorValue: 0.5 });
    expect(opt.stateDict().state[0].step).toBe(0);
    expect((opt.state.get(a)!.sum as Tensor).dataSync()).toEqual(new Float32Array([0.5, 0.5]));
  });
  it('trains a Module through parameters()', () => {
    const model = new nn.Linear(3, 1);
    const opt = new nn.SGD(model.parameters(), { lr: 0.1 });
    const x = tensor(
      [
        [1, 2, 3],
        [0, 1, 0],
      ],
      { dtype: 'float32' },
    );
    const y = tensor([[1], [0]], { dtype: 'float32' });
    const before = Number(nn.mseLoss(model.call(x), y).itemSync());
    for (let i = 0; i < 20; i++) {
      opt.zeroGrad();
      nn.mseLoss(model.call(x), y).backward();
      opt.step();
    }
    expect(Number(nn.mseLoss(model.call(x), y).itemSync())).toBeLessThan(before / 10);
  });
});
