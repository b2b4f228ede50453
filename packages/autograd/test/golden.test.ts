/**
 * Gradients of composite expressions against PyTorch 1.13 (tools/golden/autograd_grads.py): every
 * fixture case is rebuilt from core ops here and its gradients compared, on every test device.
 */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { type Tensor, arange, sliceOf, tensor } from '@kindling/core';
import {
  expectNoFloat64,
  hasFloat64,
  host,
  TEST_DEVICES,
  useDevice,
} from '../../core/test/helpers/devices.js';
import { grad } from '../src/index.js';
import { expectGrad, fromSpec, loadGradFixture } from './helpers/golden.js';

type Loss = (t: Record<string, Tensor>) => Tensor;
/** A float32 constant on the device of `like` (the case's input). */
const f32 = (like: Tensor, v: number[]) => tensor(v, { dtype: 'float32', device: like.device });

const impls: Record<string, Loss> = {
  mlp_relu_tanh_mse: ({ x, w1, b1, w2, b2 }) =>
    x.matmul(w1.t()).add(b1).relu().matmul(w2.t()).add(b2).tanh().square().mean(),
  mlp_gelu_cross_entropy: ({ x, w1, b1, w2, target }) =>
    x.matmul(w1.t()).add(b1).gelu().matmul(w2.t()).logSoftmax(1).gather(1, target.view(-1, 1)).mean().neg(),
  mlp_f64_silu_sigmoid: ({ x, w }) => x.matmul(w).silu().matmul(w.t()).sigmoid().sum(),
  layer_norm_composite: ({ x, g, b }) =>
    x
      .sub(x.mean(1, { keepdim: true }))
      .div(x.var(1, { correction: 0, keepdim: true }).add(1e-5).sqrt())
      .mul(g)
      .add(b)
      .pow(3)
      .sum(),
  broadcast_three_way: ({ a, b, c }) => a.mul(b).add(c).sigmoid().sum(),
  broadcast_0d_and_scalar: ({ a, s }) => a.sub(s).mul(2.5).div(s.mul(s)).exp().sum(),
  broadcast_mixed_dtypes: ({ a, d }) => a.mul(d).sin().sum(),
  softmax_dim1: ({ x, w }) => x.softmax(1).mul(w).sum(),
  softmax_dim0: ({ x, w }) => x.softmax(0).mul(w).sum(),
  log_softmax: ({ x, w }) => x.logSoftmax(1).mul(w).sum(),
  logsumexp_dim: ({ x, w }) => x.logsumexp(1).mul(w).sum(),
  logsumexp_all_with_ties: ({ x }) => x.logsumexp([0, 1]),
  matmul_batched_broadcast: ({ a, b, w }) => a.matmul(b).mul(w).sum(),
  matmul_vector_matrix: ({ v, m }) => v.matmul(m).square().sum(),
  matmul_matrix_vector_noncontig: ({ m, v }) => m.t().matmul(v).tanh().sum(),
  conv2d_stride_padding: ({ x, w, b, r }) => K.conv2d(x, w, b, { stride: 2, padding: 1 }).mul(r).sum(),
  conv2d_dilation_relu: ({ x, w }) => K.conv2d(x, w, null, { dilation: 2 }).relu().square().sum(),
  max_pool2d: ({ x, r }) => K.maxPool2d(x, 2).mul(r).sum(),
  avg_pool2d: ({ x, r }) => K.avgPool2d(x, 2, { stride: 1 }).mul(r).sum(),
  clamp_at_boundaries: ({ x }) =>
    x
      .clamp(0, 1)
      .mul(arange(1, 6, 1, { dtype: 'float32', device: x.device }))
      .sum(),
  clamp_min_only_at_boundary: ({ x }) =>
    x
      .clamp(0)
      .mul(arange(1, 6, 1, { dtype: 'float32', device: x.device }))
      .sum(),
  where_at_boundary: ({ x }) => K.where(x.gt(0), x.mul(2), x.pow(2)).sum(),
  relu_abs_at_zero: ({ x }) => x.relu().add(x.abs()).add(x.sign()).sum(),
  maximum_minimum_ties: ({ a, b }) => a.maximum(b).mul(2).add(a.minimum(b).mul(3)).sum(),
  max_all_ties: ({ x }) => x.max(),
  amax_dim_ties: ({ x }) =>
    x
      .amax(1)
      .mul(f32(x, [1, 2]))
      .sum(),
  amin_two_dims_ties: ({ x }) => x.amin([0, 1]),
  max_dim_values_ties: ({ x }) =>
    x
      .max(1)
      .values.mul(f32(x, [1, 2]))
      .sum(),
  min_dim_keepdim: ({ x }) => x.min(0, { keepdim: true }).values.exp().sum(),
  mean_std_var: ({ x }) =>
    x
      .mean()
      .add(x.std(1).sum())
      .add(x.var(0, { correction: 0 }).sum()),
  norm_2_and_1: ({ x }) => x.norm().add(x.norm(1)),
  norm_at_zero: ({ x }) => x.norm(),
  prod_with_zero: ({ x }) =>
    x
      .prod(1)
      .mul(f32(x, [1, 2, 3]))
      .sum(),
  cumsum_cumprod: ({ x }) => x.cumsum(1).mul(x.cumprod(1)).sum(),
  gather_index_select_cat: ({ x, i, j }) =>
    K.cat([x.gather(1, i), x.indexSelect(0, j).index([sliceOf(), sliceOf(null, 2)])], 0)
      .pow(2)
      .sum(),
  stack_flip_transpose: ({ a, b }) =>
    K.stack([a, b.flip(1)], 0)
      .transpose(0, 2)
      .sin()
      .mul(arange(12, undefined, 1, { dtype: 'float32', device: a.device }).view(3, 2, 2))
      .sum(),
  sort_topk_values: ({ x }) =>
    x
      .sort(1, { descending: true })
      .values.mul(arange(5, undefined, 1, { dtype: 'float32', device: x.device }))
      .sum()
      .add(x.topk(2, 1).values.exp().sum()),
  slices_and_select: ({ x }) =>
    x
      .index([sliceOf(1), sliceOf(null, null, 2)])
      .mul(3)
      .sum()
      .add(x.select(0, 0).exp().sum())
      .add(x.select(1, -1).square().sum()),
  double_backward_gradient_penalty: ({ x, w }) => {
    const y = x.matmul(w).tanh().sum();
    const [gx] = grad(y, x, { createGraph: true });
    return gx.pow(2).sum();
  },
};

/**
 * Cases where a core composite differs from PyTorch at a non-differentiable point (documented in
 * the autograd README). `it.fails` turns red as soon as core is fixed, so the entry gets removed.
 */
const KNOWN_CORE_DIVERGENCES = new Set<string>([]);
const cases = loadGradFixture('autograd_grads');

describe('gradients against PyTorch', () => {
  it('every fixture case has an implementation and vice versa', () => {
    expect(Object.keys(impls).sort()).toEqual(Object.keys(cases).sort());
  });
});

for (const device of TEST_DEVICES) {
  describe(`gradients against PyTorch on ${device}`, () => {
    useDevice(device);
    for (const [name, c] of Object.entries(cases)) {
      const test = KNOWN_CORE_DIVERGENCES.has(name) ? it.fails : it;
      test(name, async () => {
        const f64 = Object.values(c.inputs).some((spec) => spec.dtype === 'float64');
        if (f64 && !hasFloat64(device)) {
          expectNoFloat64(device, () => Object.values(c.inputs).map((spec) => fromSpec(spec).to(device)));
          return;
        }
        const inputs: Record<string, Tensor> = {};
        for (const [k, spec] of Object.entries(c.inputs)) inputs[k] = fromSpec(spec).to(device);
        const wrt = c.attrs.wrt.map((k) => inputs[k].requiresGrad_());
        const loss = impls[name](inputs);
        const grads = grad(loss, wrt);
        for (let i = 0; i < grads.length; i++) {
          expect(grads[i].device).toBe(device);
          expectGrad(await host(grads[i]), c.out[i], `${name}: d/d${c.attrs.wrt[i]}`);
        }
      });
    }
  });
}
