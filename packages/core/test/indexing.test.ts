import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { goldenTests, type Impl } from './helpers/golden.js';

const vi = (r: K.ValuesIndices) => [r.values, r.indices];
const uniq = (r: K.Tensor | K.UniqueResult) => {
  if (r instanceof K.Tensor) return r;
  return [r.values, ...(r.inverse ? [r.inverse] : []), ...(r.counts ? [r.counts] : [])];
};

const impls: Record<string, Impl> = {
  gather_dim0: ({ x, i }) => K.gather(x, 0, i),
  gather_dim1: ({ x, i }) => x.gather(1, i),
  gather_negdim: ({ x, i }) => x.gather(-1, i),
  gather_smaller: ({ x, i }) => x.gather(1, i),
  gather_3d: ({ x, i }) => x.gather(1, i),
  gather_noncontig: ({ x, i }) => x.t().gather(0, i.t()),
  gather_int: ({ i23, i }) => i23.gather(1, i),
  gather_0d: ({ s, i }) => s.gather(0, i),
  gather_empty: ({ x, i }) => x.gather(0, i),
  gather_out_of_range: ({ x, i }) => x.gather(0, i),
  gather_negative: ({ x, i }) => x.gather(1, i),
  gather_bad_ndim: ({ x, i }) => x.gather(1, i),
  gather_too_big: ({ x, i }) => x.gather(1, i),
  gather_float_index: ({ x, i }) => x.gather(1, i),
  scatter_dim0: ({ x, i, src }) => K.scatter(x, 0, i, src),
  scatter_dim1: ({ x, i, src }) => x.scatter(1, i, src),
  scatter_scalar: ({ x, i }) => x.scatter(1, i, 2.5),
  scatter_int_scalar: ({ i23, i }) => i23.scatter(1, i, 9),
  scatter_noncontig: ({ x, i, src }) => x.t().scatter(1, i.t().narrow(1, 0, 1), src.t()),
  scatter_empty: ({ x, i, src }) => x.scatter(0, i, src),
  scatter_bool: ({ m, i, src }) => m.scatter(0, i, src),
  scatterAdd_dup: ({ x, i, src }) => K.scatterAdd(x, 0, i, src),
  scatterAdd_dim1: ({ x, i, src }) => x.scatterAdd(1, i, src),
  scatterAdd_int: ({ z, i }) => z.scatterAdd(0, i, K.tensor([1, 2, 3, 4], { dtype: 'int32' })),
  scatter_out_of_range: ({ x, i, src }) => x.scatter(1, i, src),
  scatter_dtype: ({ x, i, src }) => x.scatter(0, i, src),
  scatter_src_small: ({ x, i, src }) => x.scatter(0, i, src),
  scatter_index_big: ({ x, i, src }) => x.scatter(0, i, src),
  scatterAdd_out_of_range: ({ x, i, src }) => x.scatterAdd(0, i, src),
  indexSelect_dim0: ({ x, i }) => K.indexSelect(x, 0, i),
  indexSelect_dim1: ({ x, i }) => x.indexSelect(1, i),
  indexSelect_last: ({ x, i }) => x.indexSelect(-1, i),
  indexSelect_noncontig: ({ x, i }) => x.t().indexSelect(1, i),
  indexSelect_0d_index: ({ x, i }) => x.indexSelect(1, i),
  indexSelect_empty: ({ x, i }) => x.indexSelect(0, i),
  indexSelect_bool: ({ m, i }) => m.indexSelect(0, i),
  indexSelect_out_of_range: ({ x, i }) => x.indexSelect(0, i),
  indexSelect_2d_index: ({ x, i }) => x.indexSelect(0, i),
  indexSelect_float_index: ({ x, i }) => x.indexSelect(0, i),
  indexAdd_dim0: ({ x, i, src }) => K.indexAdd(x, 0, i, src),
  indexAdd_alpha: ({ x, i, src }) => x.indexAdd(0, i, src, { alpha: -2.5 }),
  indexAdd_dim1: ({ x, i, src }) => x.indexAdd(1, i, src),
  indexAdd_noncontig: ({ x, i, src }) => x.t().indexAdd(1, i, src.t()),
  indexAdd_int_alpha: ({ i23, i }) => i23.indexAdd(0, i, i23.narrow(0, 0, 1), { alpha: 3 }),
  indexAdd_out_of_range: ({ x, i, src }) => x.indexAdd(0, i, src),
  indexAdd_count: ({ x, i, src }) => x.indexAdd(0, i, src),
  indexAdd_dtype: ({ x, i, src }) => x.indexAdd(0, i, src),
  take: ({ x, i }) => K.take(x, i),
  take_noncontig: ({ x, i }) => K.take(x.t(), i),
  take_out_of_range: ({ x, i }) => K.take(x, i),
  maskedSelect: ({ x, m }) => x.maskedSelect(m),
  maskedSelect_bcast: ({ x, m }) => K.maskedSelect(x, m),
  maskedSelect_bcast_x: ({ v, m }) => v.maskedSelect(m),
  maskedSelect_noncontig: ({ x, m }) => x.t().maskedSelect(m.t()),
  maskedSelect_none: ({ x }) => x.maskedSelect(K.zeros([3, 4], { dtype: 'bool' })),
  maskedSelect_float_mask: ({ x, m }) => x.maskedSelect(m),
  maskedSelect_bad_bcast: ({ x, m }) => x.maskedSelect(m),
  nonzero: ({ x }) => x.nonzero(),
  nonzero_bool_3d: ({ m }) => K.nonzero(m),
  nonzero_noncontig: ({ x }) => x.gt(0).t().nonzero(),
  nonzero_1d_int: ({ i }) => K.argwhere(i),
  nonzero_none: ({ z }) => z.nonzero(),
  nonzero_0d: ({ s }) => s.nonzero(),
  sort_last: ({ x }) => vi(x.sort()),
  sort_dim0: ({ x }) => vi(K.sort(x, 0)),
  sort_desc: ({ x }) => vi(x.sort(1, { descending: true })),
  sort_stable_ties: ({ r }) => vi(r.sort(-1, { stable: true })),
  sort_stable_ties_desc: ({ r }) => vi(r.sort(1, { descending: true, stable: true })),
  sort_stable_dim0: ({ r }) => vi(r.sort(0, { stable: true })),
  sort_nan: ({ v }) => vi(v.sort()),
  sort_nan_desc: ({ v }) => vi(v.sort(0, { descending: true })),
  sort_noncontig: ({ x }) => vi(x.transpose(0, 2).sort(1)),
  sort_int: ({ i }) => vi(i.sort()),
  sort_bool: ({ m }) => vi(m.sort()),
  sort_0d: ({ s }) => vi(s.sort()),
  sort_empty: ({ e }) => vi(e.sort()),
  sort_long: ({ b }) => vi(b.sort()),
  sort_long_ties_desc: ({ b }) => vi(b.sort(-1, { descending: true, stable: true })),
  sort_bad_dim: ({ x }) => vi(x.sort(2)),
  argsort: ({ x }) => x.argsort(),
  argsort_desc: ({ x }) => K.argsort(x, 0, { descending: true }),
  topk: ({ x }) => vi(x.topk(2)),
  topk_smallest: ({ x }) => vi(K.topk(x, 3, 0, { largest: false })),
  topk_all: ({ x }) => vi(x.topk(4)),
  topk_zero: ({ x }) => vi(x.topk(0)),
  topk_nan: ({ v }) => vi(v.topk(2)),
  topk_noncontig: ({ x }) => vi(x.t().topk(1, 1)),
  topk_too_big: ({ x }) => vi(x.topk(5)),
  topk_negative: ({ x }) => vi(x.topk(-1)),
  unique: ({ u }) => K.unique(u),
  unique_inverse_counts: ({ u }) => uniq(K.unique(u, { returnInverse: true, returnCounts: true })),
  unique_inverse: ({ u }) => uniq(K.unique(u, { returnInverse: true })),
  unique_counts: ({ u }) => uniq(K.unique(u, { returnCounts: true })),
  unique_float: ({ v }) => uniq(K.unique(v, { sorted: true, returnInverse: true, returnCounts: true })),
  unique_nan_values: ({ v }) => K.unique(v),
  unique_bool: ({ m }) => uniq(K.unique(m, { returnInverse: true })),
  unique_empty: ({ e }) => K.unique(e),
  unique_dim0: ({ u }) => uniq(K.unique(u, { dim: 0, returnInverse: true, returnCounts: true })),
  unique_dim1: ({ u }) => uniq(K.unique(u.t(), { dim: 1, returnInverse: true, returnCounts: true })),
  unique_dim_3d: ({ u }) => uniq(K.unique(u, { dim: 0, returnCounts: true })),
  oneHot: ({ i }) => K.oneHot(i),
  oneHot_classes: ({ i }) => K.oneHot(i, 5),
  oneHot_0d: ({ i }) => K.oneHot(i, 3),
  oneHot_empty: ({ i }) => K.oneHot(i, 3),
  oneHot_too_big: ({ i }) => K.oneHot(i, 2),
  oneHot_negative: ({ i }) => K.oneHot(i, 3),
  oneHot_empty_infer: ({ i }) => K.oneHot(i),
};

describe('indexing ops match PyTorch 1.13', () => {
  goldenTests('core_indexing', impls);
});

describe('indexing ops: errors, copies and primitives', () => {
  const x = K.arange(12, undefined, 1, { dtype: 'float32' }).reshape(3, 4);
  const idx = (v: number[]) => K.tensor(v, { dtype: 'int32' });

  it('out-of-range indices throw IndexError naming the op, the index and the size', () => {
    expect(() => x.gather(1, idx([4]).reshape(1, 1))).toThrow(
      /gather: index 4 is out of bounds for dimension 1 with size 4/,
    );
    expect(() => x.scatter(0, idx([-1]).reshape(1, 1), 1)).toThrow(
      /scatter: index -1 is out of bounds for dimension 0 with size 3/,
    );
    expect(() => x.scatterAdd(0, idx([3]).reshape(1, 1), x)).toThrow(/scatterAdd: index 3 .* size 3/);
    expect(() => x.indexSelect(1, idx([0, 7]))).toThrow(/indexSelect: index 7 .* dimension 1 with size 4/);
    expect(() => x.indexAdd(0, idx([9]), x.narrow(0, 0, 1))).toThrow(/indexAdd: index 9 .* size 3/);
    expect(() => K.take(x, idx([12]))).toThrow(/take: /);
    expect(() => K.oneHot(idx([0, 4]), 3)).toThrow(K.IndexError);
    for (const f of [
      () => x.gather(1, idx([5]).reshape(1, 1)),
      () => x.indexSelect(0, idx([3])),
      () => x.topk(5),
    ]) {
      expect(f).toThrow(K.IndexError);
    }
  });

  it('index tensors must be int32', () => {
    const f = K.tensor([0, 1], { dtype: 'float32' });
    expect(() => x.indexSelect(0, f)).toThrow(/indexSelect: expected an int32 index tensor, got float32/);
    expect(() => x.gather(0, f.reshape(1, 2))).toThrow(K.DTypeError);
    expect(() => x.scatter(0, f.reshape(1, 2), 0)).toThrow(K.DTypeError);
    expect(() => K.oneHot(f)).toThrow(K.DTypeError);
    expect(() => K.take(x, f)).toThrow(K.DTypeError);
    expect(() => x.indexAdd(0, idx([0]), K.ones([1, 4]).int())).toThrow(K.DTypeError);
    expect(() => K.indexAdd(x.int(), 0, idx([0]), K.ones([1, 4]).int(), { alpha: 0.5 })).toThrow(
      K.ValueError,
    );
    expect(() => x.to('float16').sort()).toThrow(K.DTypeError);
  });

  it('out-of-place ops leave their input untouched', () => {
    const before = x.tolistSync();
    x.scatter(0, idx([0, 1, 2, 0]).reshape(1, 4), -1);
    x.scatterAdd(1, idx([0]).reshape(1, 1), K.ones([1, 1]));
    x.indexAdd(0, idx([1]), K.ones([1, 4]));
    expect(x.tolistSync()).toEqual(before);
  });

  it('sort is one primitive with two outputs, values first', () => {
    const [values, indices] = K.dispatch('sort', [K.tensor([3, 1, 2])], {
      dim: 0,
      descending: false,
      stable: true,
    });
    expect(values.tolistSync()).toEqual([1, 2, 3]);
    expect(indices.dtype).toBe('int32');
    expect(indices.tolistSync()).toEqual([1, 2, 0]);
  });

  it('sorts long lines with many ties stably in both directions', () => {
    const n = 5000;
    const vals = Array.from({ length: n }, (_, i) => (i * 7919) % 13);
    const { values, indices } = K.tensor(vals, { dtype: 'float64' }).sort(0, { descending: true });
    const v = values.dataSync();
    const p = indices.dataSync();
    for (let i = 1; i < n; i++) {
      expect(v[i] <= v[i - 1]).toBe(true);
      if (v[i] === v[i - 1]) expect(p[i] > p[i - 1]).toBe(true);
    }
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('unique returns a tensor without flags and maps inverse back to the input', () => {
    const u = K.tensor(
      [
        [4, 1],
        [4, 2],
      ],
      { dtype: 'int32' },
    );
    expect(K.unique(u)).toBeInstanceOf(K.Tensor);
    const r = K.unique(u, { returnInverse: true }) as K.UniqueResult;
    expect(r.counts).toBeUndefined();
    expect(r.inverse?.shape).toEqual([2, 2]);
    expect(r.values.indexSelect(0, r.inverse!.reshape(-1)).reshape(2, 2).tolistSync()).toEqual(
      u.tolistSync(),
    );
  });

  it('topk sorted:false returns the same k elements', () => {
    const t = K.tensor([0.5, -1, 3, 2, 9]);
    expect((t.topk(2, 0, { sorted: false }).values.tolistSync() as number[]).sort((a, b) => a - b)).toEqual([
      3, 9,
    ]);
  });
});
