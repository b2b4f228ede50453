/**
 * Layer parity with PyTorch 1.13 (fixtures from tools/golden/nn_layers.py): every case loads
 * PyTorch's state dict into our layer by key, runs the same input, and compares the repr, the
 * output, the gradients of `(out * r).sum()` with respect to the input and every parameter, and the
 * state after the forward pass (running statistics, renormalised embeddings). The parity cases run
 * on every test device (WebGPU too), against the same PyTorch values and tolerances.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type DeviceName,
  KindlingError,
  manualSeed,
  ones,
  randn,
  type Tensor,
  tensor,
  zeros,
} from '@kindling/core';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Bilinear,
  Conv1d,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  Dropout2d,
  ELU,
  Embedding,
  Flatten,
  GELU,
  GroupNorm,
  Hardtanh,
  Identity,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool2d,
  Mish,
  type Module,
  ReLU,
  ReLU6,
  RMSNorm,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
  Unflatten,
} from '../src/index.js';
import { expectMatches, fromSpec, type TensorSpec } from '../../core/test/helpers/golden.js';
import {
  expectNoFloat64,
  hasFloat64,
  host,
  TEST_DEVICES,
  useDevice,
} from '../../core/test/helpers/devices.js';

interface LayerCase {
  repr: string;
  train: boolean;
  state: Record<string, TensorSpec>;
  inputs: TensorSpec[];
  r: TensorSpec;
  out: TensorSpec;
  grads: Record<string, TensorSpec>;
  stateAfter: Record<string, TensorSpec>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** A CPU tensor as a fixture spec, to compare another device's result with it. */
const specOf = (t: Tensor): TensorSpec => ({
  shape: [...t.shape],
  dtype: t.dtype,
  data: Array.from(t.dataSync() as ArrayLike<number>),
});
const cases: Record<string, LayerCase> = JSON.parse(
  readFileSync(join(here, 'fixtures', 'nn_layers.json'), 'utf8'),
).cases;

/** How to build each fixture case's layer (the same arguments as the Python generator). */
const factories: Record<string, () => Module> = {
  Linear: () => new Linear(4, 3),
  Linear_nobias: () => new Linear(4, 3, { bias: false }),
  Linear_3d: () => new Linear(4, 6),
  Linear_1d: () => new Linear(4, 2),
  Linear_f64: () => new Linear(3, 2).to('float64'),
  Bilinear: () => new Bilinear(3, 4, 5),
  Bilinear_nobias: () => new Bilinear(2, 3, 4, { bias: false }),
  Identity: () => new Identity(),
  Flatten: () => new Flatten(),
  Flatten_range: () => new Flatten(0, 2),
  Unflatten: () => new Unflatten(1, [2, 3]),
  Unflatten_neg: () => new Unflatten(-1, [2, -1]),
  Conv1d: () => new Conv1d(3, 4, 3),
  Conv1d_full: () => new Conv1d(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2, bias: false }),
  Conv1d_same: () => new Conv1d(2, 3, 4, { padding: 'same' }),
  Conv1d_unbatched: () => new Conv1d(3, 2, 3, { padding: 1 }),
  Conv1d_circular: () => new Conv1d(2, 3, 3, { padding: 2, paddingMode: 'circular' }),
  Conv2d: () => new Conv2d(3, 4, 3),
  Conv2d_full: () =>
    new Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 }),
  Conv2d_same_nobias: () => new Conv2d(2, 3, 3, { padding: 'same', bias: false }),
  Conv2d_depthwise: () => new Conv2d(3, 6, 3, { stride: 2, groups: 3 }),
  Conv2d_unbatched: () => new Conv2d(2, 3, 2, { padding: 1 }),
  Conv2d_reflect: () => new Conv2d(2, 3, 3, { padding: [1, 2], paddingMode: 'reflect' }),
  Conv2d_replicate_same: () => new Conv2d(2, 2, [2, 3], { padding: 'same', paddingMode: 'replicate' }),
  ConvTranspose2d: () => new ConvTranspose2d(3, 2, 3),
  ConvTranspose2d_full: () =>
    new ConvTranspose2d(4, 6, [3, 2], { stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: false }),
  ConvTranspose2d_dilation: () =>
    new ConvTranspose2d(2, 3, 2, { stride: [1, 2], dilation: [2, 1], padding: [1, 0] }),
  MaxPool2d: () => new MaxPool2d(2),
  MaxPool2d_full: () => new MaxPool2d([3, 2], { stride: [2, 1], padding: 1, dilation: [1, 2] }),
  MaxPool2d_ceil: () => new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
  AvgPool2d: () => new AvgPool2d(2),
  AvgPool2d_full: () => new AvgPool2d([3, 2], { stride: [2, 1], padding: 1, countIncludePad: false }),
  AvgPool2d_ceil: () => new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
  AvgPool2d_divisor: () => new AvgPool2d(2, { padding: 1, divisorOverride: 3 }),
  AdaptiveAvgPool2d: () => new AdaptiveAvgPool2d([3, 4]),
  AdaptiveAvgPool2d_global: () => new AdaptiveAvgPool2d(1),
  AdaptiveAvgPool2d_none: () => new AdaptiveAvgPool2d([null, 3]),
  BatchNorm1d_train: () => new BatchNorm1d(4),
  BatchNorm1d_train_3d: () => new BatchNorm1d(3, { momentum: 0.3 }),
  BatchNorm1d_eval: () => new BatchNorm1d(4),
  BatchNorm1d_eval_3d: () => new BatchNorm1d(3, { eps: 1e-3 }),
  BatchNorm1d_no_affine: () => new BatchNorm1d(4, { affine: false }),
  BatchNorm2d_train: () => new BatchNorm2d(3),
  BatchNorm2d_eval: () => new BatchNorm2d(3),
  BatchNorm2d_cumulative: () => new BatchNorm2d(3, { momentum: null }),
  BatchNorm2d_no_tracking_train: () => new BatchNorm2d(3, { trackRunningStats: false }),
  BatchNorm2d_no_tracking_eval: () => new BatchNorm2d(3, { trackRunningStats: false }),
  BatchNorm2d_no_affine_eval: () => new BatchNorm2d(3, { affine: false }),
  BatchNorm2d_f64: () => new BatchNorm2d(2, { dtype: 'float64' }),
  LayerNorm: () => new LayerNorm(5),
  LayerNorm_2d_shape: () => new LayerNorm([4, 5], { eps: 1e-3 }),
  LayerNorm_no_affine: () => new LayerNorm(6, { elementwiseAffine: false }),
  GroupNorm: () => new GroupNorm(2, 6),
  GroupNorm_3d: () => new GroupNorm(3, 6, { eps: 1e-3 }),
  GroupNorm_no_affine: () => new GroupNorm(1, 4, { affine: false }),
  RMSNorm: () => new RMSNorm(5),
  RMSNorm_2d_shape: () => new RMSNorm([4, 5], { eps: 1e-5 }),
  RMSNorm_no_affine: () => new RMSNorm(6, { elementwiseAffine: false }),
  Dropout_eval: () => new Dropout(0.5),
  Dropout_p0: () => new Dropout(0),
  Dropout2d_eval: () => new Dropout2d(0.3),
  Embedding: () => new Embedding(10, 4),
  Embedding_padding: () => new Embedding(6, 3, { paddingIdx: 2 }),
  Embedding_max_norm: () => new Embedding(8, 4, { maxNorm: 1 }),
  ReLU: () => new ReLU(),
  LeakyReLU: () => new LeakyReLU(),
  LeakyReLU_slope: () => new LeakyReLU(0.2),
  ELU: () => new ELU(),
  ELU_alpha: () => new ELU(0.5),
  GELU: () => new GELU(),
  GELU_tanh: () => new GELU('tanh'),
  SiLU: () => new SiLU(),
  Tanh: () => new Tanh(),
  Sigmoid: () => new Sigmoid(),
  Softplus: () => new Softplus(),
  Softplus_beta: () => new Softplus(2, 3),
  Softmax: () => new Softmax(1),
  Softmax_neg: () => new Softmax(-2),
  LogSoftmax: () => new LogSoftmax(-1),
  Hardtanh: () => new Hardtanh(),
  Hardtanh_range: () => new Hardtanh(-0.5, 0.8),
  ReLU6: () => new ReLU6(),
  Mish: () => new Mish(),
};

/** Accumulation order differs from PyTorch's kernels for these (matmul/conv sums, reductions). */
function tolerance(name: string, dtype: string): { rtol: number; atol: number } | undefined {
  if (dtype === 'float64') return { rtol: 1e-9, atol: 1e-10 };
  if (
    /^(Linear|Bilinear|Conv|ConvTranspose|BatchNorm|LayerNorm|GroupNorm|RMSNorm|AvgPool|Adaptive|Embedding_max|Softmax|LogSoftmax|Mish)/.test(
      name,
    )
  )
    return { rtol: 1e-4, atol: 1e-5 };
  return undefined;
}

describe('layer parity with PyTorch', () => {
  it('every fixture case has a layer factory and vice versa', () => {
    expect(Object.keys(factories).sort()).toEqual(Object.keys(cases).sort());
  });
});

for (const device of TEST_DEVICES) {
  describe(`layer parity with PyTorch on ${device}`, () => {
    useDevice(device);
    for (const [name, c] of Object.entries(cases)) {
      const build = factories[name];
      if (!build) continue;
      it(name, async () => {
        const m = build();
        expect(String(m), 'repr').toBe(c.repr);
        const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromSpec(v)]));
        expect(Object.keys(m.stateDict()), 'state dict keys').toEqual(Object.keys(c.state));
        m.loadStateDict(state);
        m.train(c.train);
        if (c.out.dtype === 'float64' && !hasFloat64(device)) {
          expectNoFloat64(device, () => m.to(device));
          return;
        }
        m.to(device);
        const inputs = c.inputs.map((spec) => {
          const t = fromSpec(spec).to(device);
          if (t.isFloatingPoint()) t.requiresGrad = true;
          return t;
        });
        const out = m.call(...inputs) as Tensor;
        expect(out.device, 'output device').toBe(device);
        const tol = tolerance(name, c.out.dtype);
        expectMatches(await host(out), c.out, tol, 'out');
        out.mul(fromSpec(c.r).to(device)).sum().backward();
        const params = Object.fromEntries(m.namedParameters());
        for (const [k, spec] of Object.entries(c.grads)) {
          if (k.startsWith('input')) {
            const x = inputs[Number(k.slice(5))];
            expect(x.grad, `${k} grad`).not.toBeNull();
            expectMatches(await host(x.grad as Tensor), spec, tol, `grad of ${k}`);
          } else {
            expect(params[k], `parameter ${k}`).toBeDefined();
            expect(params[k].grad, `${k} grad`).not.toBeNull();
            expectMatches(await host(params[k].grad as Tensor), spec, tol, `grad of ${k}`);
          }
        }
        expect(
          Object.keys(c.grads)
            .filter((k) => !k.startsWith('input'))
            .sort(),
        ).toEqual(Object.keys(params).sort());
        const after = m.stateDict();
        for (const [k, spec] of Object.entries(c.stateAfter))
          expectMatches(await host(after[k]), spec, tol, `state after: ${k}`);
        // Entries PyTorch did not change must not change here either.
        for (const [k, spec] of Object.entries(c.state))
          if (!(k in c.stateAfter))
            expectMatches(await host(after[k]), spec, { rtol: 0, atol: 0 }, `unchanged state: ${k}`);
      });
    }
  });
}

for (const device of TEST_DEVICES.filter((d) => d !== 'cpu')) {
  describe(`random layers on ${device}`, () => {
    useDevice(device);
    it('Dropout and Dropout2d in training draw the masks of the CPU (same seed) and backpropagate through them', async () => {
      const run = (dev: DeviceName) => {
        manualSeed(5);
        const x = randn([4, 6, 3, 3]).to(dev).requiresGrad_();
        const y = new Dropout2d(0.5).call(new Dropout(0.3).call(x));
        y.mul(randn([4, 6, 3, 3]).to(dev))
          .sum()
          .backward();
        return [y, x.grad as Tensor];
      };
      const cpu = run('cpu');
      const dev = run(device);
      for (const [i, what] of ['output', 'input grad'].entries()) {
        expect(dev[i].device).toBe(device);
        expectMatches(await host(dev[i]), specOf(cpu[i]), { rtol: 1e-6, atol: 1e-7 }, what);
      }
    });
  });
}

describe('layer errors name the layer and the shapes', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['Linear wrong features', () => new Linear(4, 3).call(zeros([2, 5])), /Linear.*\[\*, 4\].*\[2, 5\]/],
    ['Bilinear mismatched batch', () => new Bilinear(2, 3, 4).call(zeros([5, 2]), zeros([4, 3])), /Bilinear/],
    [
      'Conv2d wrong channels',
      () => new Conv2d(3, 4, 3).call(zeros([1, 2, 5, 5])),
      /Conv2d.*\[N, 3, H, W\].*\[1, 2, 5, 5\]/,
    ],
    ['Conv1d wrong rank', () => new Conv1d(3, 4, 3).call(zeros([1, 3, 5, 5])), /Conv1d/],
    ['Conv2d same with stride', () => new Conv2d(3, 4, 3, { stride: 2, padding: 'same' }), /same/],
    ['Conv2d groups', () => new Conv2d(3, 4, 3, { groups: 2 }), /divisible by groups/],
    [
      'ConvTranspose2d paddingMode',
      () => new ConvTranspose2d(3, 4, 3, { paddingMode: 'reflect' as 'zeros' }),
      /zeros/,
    ],
    ['BatchNorm1d 4-D', () => new BatchNorm1d(3).call(zeros([2, 3, 4, 4])), /BatchNorm1d.*2D or 3D/],
    [
      'BatchNorm2d channels',
      () => new BatchNorm2d(3).call(zeros([2, 4, 4, 4])),
      /BatchNorm2d.*3 channels.*\[2, 4, 4, 4\]/,
    ],
    [
      'BatchNorm1d one value per channel',
      () => new BatchNorm1d(3).call(zeros([1, 3])),
      /more than 1 value per channel/,
    ],
    [
      'LayerNorm shape',
      () => new LayerNorm([4, 5]).call(zeros([2, 5, 4])),
      /normalizedShape=\[4, 5\].*\[2, 5, 4\]/,
    ],
    ['GroupNorm divisibility', () => new GroupNorm(4, 6), /divisible/],
    ['GroupNorm channels', () => new GroupNorm(2, 6).call(zeros([2, 4, 3])), /groupNorm/],
    ['RMSNorm shape', () => new RMSNorm(5).call(zeros([2, 4])), /rmsNorm/],
    ['Dropout p', () => new Dropout(1.5), /between 0 and 1/],
    ['Embedding float indices', () => new Embedding(4, 2).call(zeros([3])), /int32/],
    ['Embedding out of range', () => new Embedding(4, 2).call(tensor([0, 4], { dtype: 'int32' })), /range/],
    ['Embedding paddingIdx', () => new Embedding(4, 2, { paddingIdx: 4 }), /paddingIdx/],
    ['Hardtanh bounds', () => new Hardtanh(1, -1), /Hardtanh/],
    ['MaxPool2d too small', () => new MaxPool2d(3).call(zeros([1, 1, 2, 2])), /maxPool2d/],
  ];
  for (const [what, fn, message] of cases) {
    it(what, () => {
      expect(fn).toThrow(KindlingError);
      expect(fn).toThrow(message);
    });
  }
});

describe('layers beyond the fixtures', () => {
  it('default initialisation follows PyTorch (bounds from fan-in)', () => {
    manualSeed(0);
    const lin = new Linear(50, 40);
    const bound = 1 / Math.sqrt(50);
    for (const p of [lin.weight, lin.bias as Tensor]) {
      expect(p.abs().max().itemSync()).toBeLessThanOrEqual(bound);
      expect(p.abs().max().itemSync()).toBeGreaterThan(bound * 0.9);
    }
    const conv = new Conv2d(4, 8, 3);
    const cb = 1 / Math.sqrt(4 * 9);
    expect(conv.weight.abs().max().itemSync()).toBeLessThanOrEqual(cb);
    expect(conv.weight.abs().max().itemSync()).toBeGreaterThan(cb * 0.9);
    const tconv = new ConvTranspose2d(4, 6, 3);
    // PyTorch computes a transposed conv's fan-in from weight.size(1) = outChannels / groups.
    expect(tconv.weight.shape).toEqual([4, 6, 3, 3]);
    expect((tconv.bias as Tensor).abs().max().itemSync()).toBeLessThanOrEqual(1 / Math.sqrt(6 * 9));
    const bn = new BatchNorm2d(3);
    expectMatches(bn.weight as Tensor, { shape: [3], dtype: 'float32', data: [1, 1, 1] });
    expectMatches(bn.runningVar as Tensor, { shape: [3], dtype: 'float32', data: [1, 1, 1] });
    expect(bn.numBatchesTracked?.dtype).toBe('int32');
    const emb = new Embedding(1000, 8, { paddingIdx: 3 });
    expect(emb.weight.std().itemSync()).toBeCloseTo(1, 1);
    expect(emb.weight.select(0, 3).abs().sum().itemSync()).toBe(0);
  });

  it('Embedding padding row gets no gradient and fromPretrained freezes', () => {
    const emb = new Embedding(5, 2, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(4);
    const out = emb.call(
      tensor(
        [
          [4, 1],
          [4, 4],
        ],
        { dtype: 'int32' },
      ),
    );
    out.sum().backward();
    expect((emb.weight.grad as Tensor).tolistSync()).toEqual([
      [0, 0],
      [1, 1],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    const pre = Embedding.fromPretrained(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float32' },
      ),
    );
    expect(pre.weight.requiresGrad).toBe(false);
    expect(pre.call(tensor([1], { dtype: 'int32' })).tolistSync()).toEqual([[3, 4]]);
    expect(
      Embedding.fromPretrained(tensor([[1, 2]], { dtype: 'float32' }), { freeze: false }).weight.requiresGrad,
    ).toBe(true);
  });

  it('Dropout zeroes about p of the elements and rescales the rest; identity in eval', () => {
    manualSeed(1);
    const d = new Dropout(0.3);
    const x = ones([200, 100]);
    const y = d.call(x).dataSync();
    let zerosCount = 0;
    for (const v of y) {
      if (v === 0) zerosCount++;
      else expect(v).toBeCloseTo(1 / 0.7, 5);
    }
    expect(zerosCount / y.length).toBeGreaterThan(0.28);
    expect(zerosCount / y.length).toBeLessThan(0.32);
    d.eval();
    expect(d.call(x)).toBe(x);
  });

  it('Dropout2d drops whole channels', () => {
    manualSeed(2);
    const d = new Dropout2d(0.5);
    const x = randn([8, 16, 3, 3]).abs().add(0.1);
    const y = d.call(x);
    const perChannel = y.reshape([8 * 16, 9]).tolistSync() as number[][];
    const xs = x.reshape([8 * 16, 9]).tolistSync() as number[][];
    let dropped = 0;
    perChannel.forEach((row, i) => {
      if (row.every((v) => v === 0)) dropped++;
      else for (let j = 0; j < row.length; j++) expect(row[j]).toBeCloseTo(xs[i][j] * 2, 5);
    });
    expect(dropped).toBeGreaterThan(40);
    expect(dropped).toBeLessThan(88);
    const unbatched = d.call(randn([4, 2, 2]));
    expect(unbatched.shape).toEqual([4, 2, 2]);
  });

  it('BatchNorm running statistics follow several batches; eval uses them', () => {
    const bn = new BatchNorm1d(2, { momentum: null, affine: false });
    const f32 = { dtype: 'float32' } as const;
    const a = tensor(
      [
        [1, 2],
        [3, 6],
      ],
      f32,
    );
    const b = tensor(
      [
        [5, 0],
        [7, 2],
        [9, 4],
      ],
      f32,
    );
    bn.call(a);
    bn.call(b);
    // Cumulative average of the batch means and unbiased variances.
    expectMatches(bn.runningMean as Tensor, {
      shape: [2],
      dtype: 'float32',
      data: [(2 + 7) / 2, (4 + 2) / 2],
    });
    expectMatches(bn.runningVar as Tensor, {
      shape: [2],
      dtype: 'float32',
      data: [(2 + 4) / 2, (8 + 4) / 2],
    });
    expect((bn.numBatchesTracked as Tensor).itemSync()).toBe(2);
    bn.eval();
    const y = bn.call(tensor([[4.5, 3]], f32));
    expectMatches(y, { shape: [1, 2], dtype: 'float32', data: [0, 0] }, { atol: 1e-6 });
    expect((bn.numBatchesTracked as Tensor).itemSync()).toBe(2);
  });

  it('ConvTranspose2d picks outputPadding from outputSize', () => {
    manualSeed(3);
    const ct = new ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = randn([1, 2, 4, 4]);
    expect(ct.call(x).shape).toEqual([1, 3, 7, 7]);
    expect(ct.call(x, [8, 8]).shape).toEqual([1, 3, 8, 8]);
    expect(() => ct.call(x, [9, 9])).toThrow(KindlingError);
  });

  it('MaxPool2d can return indices', () => {
    const mp = new MaxPool2d(2, { returnIndices: true });
    const x = tensor(
      [
        [
          [
            [1, 5],
            [3, 2],
          ],
        ],
      ],
      { dtype: 'float32' },
    );
    const { values, indices } = mp.call(x);
    expect(values.tolistSync()).toEqual([[[[5]]]]);
    expect(indices.tolistSync()).toEqual([[[[1]]]]);
  });

  it('layers create parameters with the requested dtype', () => {
    const lin = new Linear(3, 2, { dtype: 'float64' });
    expect(lin.weight.dtype).toBe('float64');
    expect(lin.call(randn([4, 3], { dtype: 'float64' })).dtype).toBe('float64');
    const ln = new LayerNorm(3, { dtype: 'float64' });
    expect(ln.weight?.dtype).toBe('float64');
  });
});
