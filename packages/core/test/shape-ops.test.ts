import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { goldenTests, type Impl } from './helpers/golden.js';

const every2 = K.sliceOf(null, null, 2);

const impls: Record<string, Impl> = {
  cat_dim0: ({ a, b }) => K.cat([a, b]),
  cat_dim1: ({ a, c }) => K.cat([a, c], 1),
  cat_negdim: ({ a, c }) => K.cat([a, c], -1),
  cat_three: ({ a, b }) => K.cat([a, b, a]),
  cat_noncontig: ({ x, b }) => K.cat([x.t(), b.index([every2])]),
  cat_promote: ({ i, a }) => K.cat([i, a]),
  cat_int_bool: ({ i, m }) => K.cat([i, m], 1),
  cat_legacy_empty: ({ a, e }) => K.cat([a, e]),
  cat_empty_rows: ({ a, e }) => K.cat([a, e]),
  cat_nan: ({ v }) => K.cat([v, v]),
  cat_3d_mid: ({ x }) => K.cat([x, x.narrow(1, 0, 1)], 1),
  cat_bad_sizes: ({ a, b }) => K.cat([a, b]),
  cat_bad_ndim: ({ a, b }) => K.cat([a, b]),
  cat_zero_dim: ({ a, b }) => K.cat([a, b]),
  cat_bad_dim: ({ a, b }) => K.cat([a, b], 2),
  stack_dim0: ({ a, b }) => K.stack([a, b]),
  stack_dim_last: ({ a, b }) => K.stack([a, b], -1),
  stack_dim1: ({ a, b }) => K.stack([a, b], 1),
  stack_0d: ({ a }) => K.stack([a, K.tensor(2.0, { dtype: 'float32' })]),
  stack_mismatch: ({ a, b }) => K.stack([a, b]),
  hstack_1d: ({ p, q }) => K.hstack([p, q]),
  hstack_2d: ({ a, c }) => K.hstack([a, c]),
  vstack_1d: ({ p, q }) => K.vstack([p, q]),
  vstack_2d: ({ a, b }) => K.vstack([a, b]),
  dstack_2d: ({ a }) => K.dstack([a, a]),
  repeat_2d: ({ a }) => a.repeat(2, 3),
  repeat_more_dims: ({ a }) => a.repeat([2, 1, 2]),
  repeat_ones: ({ a }) => a.repeat(1, 1),
  repeat_zero: ({ a }) => a.repeat(2, 0),
  repeat_0d: ({ s }) => s.repeat(2, 3),
  repeat_noncontig: ({ x }) => x.t().repeat(1, 2),
  repeat_int: ({ i }) => i.repeat(2, 1),
  repeat_too_few: ({ a }) => a.repeat(2),
  tile_short: ({ a }) => a.tile(2),
  tile_long: ({ a }) => K.tile(a, [2, 1, 2]),
  flip_0: ({ x }) => x.flip(0),
  flip_multi: ({ x }) => K.flip(x, [0, -1]),
  flip_noncontig: ({ x }) => x.t().flip([1]),
  flip_0d: ({ s }) => s.flip([0]),
  flip_empty: ({ e }) => e.flip([0, 1]),
  flip_repeated: ({ x }) => x.flip([0, -3]),
  roll_flat: ({ i }) => i.roll(2),
  roll_neg_flat: ({ i }) => K.roll(i, -1),
  roll_dim: ({ x }) => x.roll(1, 1),
  roll_dims: ({ x }) => x.roll([1, -3], [0, 1]),
  roll_big_shift: ({ x }) => x.roll(9, 0),
  roll_noncontig: ({ x }) => x.t().roll(1, 0),
  roll_empty: ({ e }) => e.roll(1, 0),
  roll_misaligned: ({ i }) => i.roll([1, 2], [0]),
  tril: ({ x }) => x.tril(),
  tril_pos: ({ x }) => x.tril(1),
  tril_neg: ({ x }) => K.tril(x, -1),
  triu: ({ x }) => x.triu(),
  triu_pos: ({ x }) => x.triu(2),
  triu_neg: ({ x }) => K.triu(x, -2),
  tril_batched: ({ x }) => x.tril(),
  triu_batched_noncontig: ({ x }) => x.transpose(1, 2).triu(1),
  tril_int: ({ i }) => i.tril(),
  triu_bool: ({ m }) => m.triu(),
  tril_nan: ({ x }) => x.tril(),
  tril_empty: ({ e }) => e.tril(),
  tril_1d: ({ v }) => v.tril(),
  pad_constant_last: ({ x }) => K.pad(x, [1, 2]),
  pad_constant_two: ({ x }) => K.pad(x, [1, 0, 2, 1], { value: -1.5 }),
  pad_constant_all: ({ x }) => K.pad(x, [1, 1, 1, 1, 1, 1], { mode: 'constant', value: 3 }),
  pad_constant_neg: ({ x }) => K.pad(x, [-1, 2, 0, -2]),
  pad_constant_int: ({ i }) => K.pad(i, [1, 1], { value: 7 }),
  pad_constant_bool: ({ m }) => K.pad(m, [1, 0]),
  pad_constant_noncontig: ({ x }) => K.pad(x.t(), [2, 1]),
  pad_constant_empty: ({ e }) => K.pad(e, [1, 1, 1, 0]),
  pad_reflect_2d_batched3: ({ x }) => K.pad(x, [1, 1, 1, 1], { mode: 'reflect' }),
  pad_reflect_too_big: ({ x }) => K.pad(x, [5, 0], { mode: 'reflect' }),
  pad_circular_too_big: ({ x }) => K.pad(x, [0, 6], { mode: 'circular' }),
  pad_odd: ({ x }) => K.pad(x, [1, 2, 3]),
  pad_too_long: ({ x }) => K.pad(x, [1, 1, 1, 1, 1, 1, 1, 1]),
  pad_crop_negative: ({ x }) => K.pad(x, [-3, -3]),
  meshgrid_ij: ({ u, v }) => K.meshgrid([u, v], { indexing: 'ij' }),
  meshgrid_xy: ({ u, v }) => K.meshgrid([u, v], { indexing: 'xy' }),
  meshgrid_3_xy: ({ u, v, w }) => K.meshgrid([u, v, w], { indexing: 'xy' }),
  meshgrid_3_ij: ({ u, v, w }) => K.meshgrid([u, v, w]),
  meshgrid_0d: ({ s, v }) => K.meshgrid([s, v]),
  meshgrid_one: ({ u }) => K.meshgrid([u], { indexing: 'xy' }),
  meshgrid_dtypes: ({ u, i }) => K.meshgrid([u, i]),
  meshgrid_2d: ({ a }) => K.meshgrid([a]),
  diagonal: ({ x }) => K.diagonal(x),
  diagonal_pos: ({ x }) => K.diagonal(x, 1),
  diagonal_neg: ({ x }) => K.diagonal(x, -2),
  diagonal_out_of_range: ({ x }) => K.diagonal(x, 5),
  diagonal_3d: ({ x }) => K.diagonal(x, 0, 1, 2),
  diagonal_3d_dims: ({ x }) => K.diagonal(x, 1, -1, 0),
  diagonal_noncontig: ({ x }) => K.diagonal(x.t(), -1),
  diagonal_same_dims: ({ x }) => K.diagonal(x, 0, 1, -1),
  diag_vec: ({ v }) => K.diag(v),
  diag_vec_pos: ({ v }) => K.diag(v, 1),
  diag_vec_neg: ({ v }) => K.diag(v, -2),
  diag_vec_int: ({ v }) => K.diag(v),
  diag_mat: ({ x }) => K.diag(x),
  diag_mat_pos: ({ x }) => K.diag(x, 2),
  diag_3d: ({ x }) => K.diag(x),
  trace: ({ x }) => K.trace(x),
  trace_int: ({ i }) => K.trace(i),
  trace_1d: ({ v }) => K.trace(v),
};
for (const mode of ['reflect', 'replicate', 'circular'] as const) {
  impls[`pad_${mode}_1d`] = ({ x }) => K.pad(x, [2, 1], { mode });
  impls[`pad_${mode}_2d`] = ({ x }) => K.pad(x, [1, 2, 3, 0], { mode });
  impls[`pad_${mode}_neg`] = ({ x }) => K.pad(x, [-1, 2], { mode });
  impls[`pad_${mode}_noncontig`] = ({ x }) => K.pad(x.transpose(1, 2), [1, 1], { mode });
}

describe('shape ops match PyTorch 1.13', () => {
  goldenTests('core_shape', impls);
});

describe('shape ops: storage, errors and layout', () => {
  const x = K.arange(6, undefined, 1, { dtype: 'float32' }).reshape(2, 3);

  it('copying ops return new storage even when nothing moves', () => {
    for (const y of [
      x.repeat(1, 1),
      x.flip([]),
      x.roll(0, 0),
      x.roll(3, 1),
      K.pad(x, [0, 0]),
      K.cat([x]),
      K.diag(K.tensor([[5]])),
    ]) {
      const before = x.tolistSync();
      expect(y.storage).not.toBe(x.storage);
      y.fill_(-1);
      expect(x.tolistSync()).toEqual(before);
    }
  });

  it('cat output is contiguous and meshgrid/diagonal are views', () => {
    expect(K.cat([x.t(), x.t()], 1).isContiguous()).toBe(true);
    const [g] = K.meshgrid([K.tensor([1, 2]), K.tensor([3, 4, 5])]);
    expect(g.strides).toEqual([1, 0]);
    const d = K.diagonal(x);
    expect(d.storage).toBe(x.storage);
    expect(d.tolistSync()).toEqual([0, 4]);
  });

  it('rejects bad arguments with KindlingErrors naming the op', () => {
    expect(() => K.cat([])).toThrow(/cat: expected a non-empty list/);
    expect(() => K.stack([])).toThrow(K.ValueError);
    expect(() => x.repeat(2, -1)).toThrow(/repeat: repeats must be non-negative/);
    expect(() => K.pad(x, [1, 1], { mode: 'wrap' as 'reflect' })).toThrow(K.ValueError);
    expect(() => K.pad(x, [1, 1], { mode: 'reflect', value: 2 })).toThrow(K.ValueError);
    expect(() => K.pad(K.zeros([2, 0]), [1, 1], { mode: 'replicate' })).toThrow(/replicate/);
    expect(() => K.meshgrid([])).toThrow(K.ValueError);
    expect(() => x.tril(0.5)).toThrow(K.ValueError);
    expect(() => x.roll(1.5, 0)).toThrow(K.ValueError);
    expect(() => x.flip(2)).toThrow(K.IndexError);
  });

  it('concatenates bool and int32 data and many inputs', () => {
    const parts = Array.from({ length: 5 }, (_, i) => K.full([1, 2], i, { dtype: 'int32' }));
    expect(K.cat(parts).tolistSync()).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    const m = K.tensor([true, false]);
    expect(K.cat([m, m]).tolistSync()).toEqual([true, false, true, false]);
    expect(K.cat([K.zeros([0]), K.zeros([0])]).shape).toEqual([0]);
  });
});
