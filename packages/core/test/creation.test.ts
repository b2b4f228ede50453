import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { goldenTests, type Impl } from './helpers/golden.js';

const impls: Record<string, Impl> = {
  arange_end: () => K.arange(5),
  arange_start_end_step: () => K.arange(2, 11, 3),
  arange_negative_step: () => K.arange(5, -4, -2),
  arange_float: () => K.arange(0, 1, 0.1),
  arange_float_neg: () => K.arange(1.5, -1, -0.25),
  arange_empty: () => K.arange(3, 3),
  linspace: () => K.linspace(-1, 1, 7),
  linspace_one: () => K.linspace(2, 5, 1),
  linspace_f64: () => K.linspace(0, 1, 11, { dtype: 'float64' }),
  eye_square: () => K.eye(3),
  eye_rect: () => K.eye(2, 4),
  full_float: () => K.full([2, 3], 2.5),
  full_int: () => K.full([2], 7),
  full_bool: () => K.full([3], true),
  zeros_empty: () => K.zeros([0, 2]),
  ones_0d: () => K.ones([]),
  tensor_infer_float: () =>
    K.tensor([
      [1, 2.5],
      [3, 4],
    ]),
  tensor_infer_int: () =>
    K.tensor([
      [1, 2],
      [3, 4],
    ]),
  tensor_infer_bool: () => K.tensor([true, false]),
  tensor_scalar: () => K.tensor(3.5),
  arange_zero_step: () => K.arange(0, 5, 0),
  arange_wrong_sign: () => K.arange(0, 5, -1),
  tensor_ragged: () => K.tensor([[1, 2], [3]] as number[][]),
  cast_float_to_int: ({ x }) => x.to('int32'),
  cast_float_to_bool: ({ x }) => x.to('bool'),
  cast_int_to_float: ({ x }) => x.to('float32'),
  cast_int_to_bool: ({ x }) => x.bool(),
  cast_bool_to_float: ({ x }) => x.float(),
  cast_to_float16: ({ x }) => x.to('float16'),
  cast_to_bfloat16: ({ x }) => x.to('bfloat16'),
  cast_float16_roundtrip: ({ x }) => x.to('float16').float(),
  cast_bfloat16_roundtrip: ({ x }) => x.to('bfloat16').float(),
  cast_f64_to_f32: ({ x }) => x.float(),
  cast_noncontig: ({ x }) => x.t().int(),
};

describe('creation and casts match PyTorch 1.13', () => {
  goldenTests('core_creation', impls);
});

describe('type promotion matches PyTorch 1.13', () => {
  const fixture = JSON.parse(
    readFileSync(new URL('./fixtures/core_promotion.json', import.meta.url), 'utf8'),
  );
  it('promoteTypes for every pair of dtypes', () => {
    for (const [pair, want] of Object.entries(fixture.promote_types as Record<string, string>)) {
      const [a, b] = pair.split('|') as [K.DType, K.DType];
      expect(`${pair} -> ${K.promoteTypes(a, b)}`).toBe(`${pair} -> ${want}`);
    }
  });
  it('resultType with scalars and 0-d tensors', () => {
    const z = (d: K.DType) => K.zeros([2], { dtype: d });
    const s = (d: K.DType) => K.ones([], { dtype: d });
    const cases: Record<string, K.DType> = {
      'int32_tensor+float_scalar': K.resultType('t', [z('int32'), 1.5]),
      'int32_tensor+int_scalar': K.resultType('t', [z('int32'), 2]),
      'float16_tensor+float_scalar': K.resultType('t', [z('float16'), 1.5]),
      'bool_tensor+int_scalar': K.resultType('t', [z('bool'), 2]),
      'bool_tensor+bool_scalar': K.resultType('t', [z('bool'), true]),
      'float32_tensor+float64_0d': K.resultType('t', [z('float32'), s('float64')]),
      'int32_tensor+float64_0d': K.resultType('t', [z('int32'), s('float64')]),
      'float32_0d+float64_0d': K.resultType('t', [s('float32'), s('float64')]),
      'int32_0d+float_scalar': K.resultType('t', [s('int32'), 2.5]),
    };
    expect(cases).toEqual(fixture.result_type);
  });
});

describe('tensor basics', () => {
  it('reads data on the CPU synchronously and asynchronously', async () => {
    const x = K.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    );
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4]);
    expect(await x.tolist()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await K.tensor(2.5).item()).toBe(2.5);
    expect(K.tensor([true, false]).tolistSync()).toEqual([true, false]);
    expect(() => x.itemSync()).toThrow(K.ValueError);
  });
  it('prints like PyTorch', () => {
    expect(
      String(
        K.tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'float32' },
        ),
      ),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(String(K.tensor([1.5, -2.25]))).toBe('tensor([ 1.5000, -2.2500])');
    expect(String(K.tensor([1, 2]))).toBe('tensor([1, 2], dtype=int32)');
    expect(String(K.tensor([true, false]))).toBe('tensor([ True, False])');
    expect(String(K.tensor(3.5))).toBe('tensor(3.5000)');
    expect(String(K.arange(1000, 3000).float())).toBe(
      'tensor([1000., 1001., 1002.,  ..., 2997., 2998., 2999.])',
    );
    expect(String(K.tensor([1e-5, 1]))).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(String(K.tensor([0.5, 100.25]))).toBe('tensor([  0.5000, 100.2500])');
  });
  it('reports shape, strides, numel and contiguity', () => {
    const x = K.zeros([2, 3, 4]);
    expect([x.ndim, x.numel, x.dim()]).toEqual([3, 24, 3]);
    expect(x.stride()).toEqual([12, 4, 1]);
    expect(x.size(-1)).toBe(4);
    expect(x.transpose(0, 2).isContiguous()).toBe(false);
    expect(() => x.size(3)).toThrow(K.IndexError);
  });
  it('in-place ops write through views and bump the version counter', () => {
    const x = K.zeros([2, 3]);
    const row = x.select(0, 1);
    const v0 = x.version;
    row.add_(5);
    expect(x.tolistSync()).toEqual([
      [0, 0, 0],
      [5, 5, 5],
    ]);
    expect(x.version).toBe(v0 + 1);
    x.t().mul_(2);
    expect(x.tolistSync()).toEqual([
      [0, 0, 0],
      [10, 10, 10],
    ]);
    x.fill_(1).zero_();
    expect(x.sum === undefined).toBe(false);
  });
  it('asks for @kindling/autograd when gradients are requested without it', () => {
    const x = K.zeros([2]);
    expect(() => {
      x.requiresGrad = true;
    }).toThrow(/@kindling\/autograd/);
  });
  it('rejects bad creation arguments with clear errors', () => {
    expect(() => K.zeros([2, -1])).toThrow(/invalid shape/);
    expect(() => K.tensor([1], { dtype: 'int8' as K.DType })).toThrow(K.DTypeError);
    expect(() => K.linspace(0, 1, -1)).toThrow(K.ValueError);
    expect(() => K.tensor([1, 2]).to('float16').add(1)).toThrow(/storage dtype/);
  });
});
