import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { goldenTests, type Impl } from './helpers/golden.js';

const { sliceOf } = K;
const all = sliceOf();

const impls: Record<string, Impl> = {
  view: ({ x }) => x.view(6, 4),
  view_infer: ({ x }) => x.view([-1, 2]),
  view_0d: ({ s }) => s.view(1, 1),
  view_transposed_split: ({ x }) => x.transpose(0, 1).view(3, 2, 2, 2),
  view_incompatible: ({ x }) => x.transpose(0, 1).view(-1),
  view_bad_numel: ({ x }) => x.view(5, 5),
  view_two_infer: ({ x }) => x.view(-1, -1),
  reshape_noncontig: ({ x }) => x.transpose(1, 2).reshape(2, 12),
  reshape_empty: ({ e }) => e.reshape(3, 0, 2),
  reshape_empty_infer: ({ e }) => e.reshape(3, 0, -1),
  reshape_bad: ({ x }) => x.reshape(7, -1),
  permute: ({ x }) => x.permute(2, 0, 1),
  permute_neg: ({ x }) => K.permute(x, [-1, -3, -2]),
  permute_bad_len: ({ x }) => x.permute(1, 0),
  permute_repeat: ({ x }) => x.permute(0, 0, 1),
  transpose: ({ x }) => x.transpose(0, 2),
  transpose_neg: ({ x }) => K.transpose(x, -1, -2),
  t_2d: ({ m }) => m.t(),
  t_1d: ({ v }) => K.t(v),
  t_3d: ({ x }) => x.t(),
  mT: ({ x }) => x.mT,
  expand: ({ c }) => c.expand(2, 3, 4),
  expand_keep: ({ c }) => c.expand(-1, 5),
  expand_0d: ({ s }) => s.expand([2, 2]),
  expand_bad: ({ c }) => c.expand(4, 4),
  expand_fewer: ({ c }) => c.expand(3),
  expand_neg_lead: ({ c }) => c.expand(-1, 3, 1),
  squeeze_all: ({ x }) => x.squeeze(),
  squeeze_dim: ({ x }) => x.squeeze(2),
  squeeze_not_one: ({ x }) => x.squeeze(1),
  squeeze_neg: ({ x }) => K.squeeze(x, -2),
  squeeze_bad_dim: ({ x }) => x.squeeze(4),
  unsqueeze_0: ({ x }) => x.unsqueeze(0),
  unsqueeze_end: ({ x }) => x.unsqueeze(3),
  unsqueeze_neg: ({ x }) => x.unsqueeze(-1),
  unsqueeze_noncontig: ({ x }) => x.transpose(0, 2).unsqueeze(1),
  unsqueeze_bad: ({ x }) => x.unsqueeze(5),
  flatten: ({ x }) => x.flatten(),
  flatten_range: ({ x }) => x.flatten(1),
  flatten_mid: ({ x }) => K.flatten(x, 0, 1),
  flatten_0d: ({ s }) => s.flatten(),
  flatten_noncontig: ({ x }) => x.transpose(0, 2).flatten(1),
  unflatten: ({ x }) => x.unflatten(2, [2, 2]),
  unflatten_infer: ({ x }) => x.unflatten(-1, [-1, 1, 2]),
  unflatten_bad: ({ x }) => x.unflatten(2, [3, 2]),
  narrow: ({ x }) => x.narrow(2, 1, 2),
  narrow_neg_start: ({ x }) => x.narrow(1, -2, 2),
  narrow_empty: ({ x }) => x.narrow(2, 4, 0),
  narrow_out: ({ x }) => x.narrow(2, 3, 2),
  select: ({ x }) => x.select(1, 2),
  select_neg: ({ x }) => x.select(-1, -1),
  select_out: ({ x }) => x.select(1, 3),
  index_basic: ({ x }) => x.index([0, sliceOf(1, 3)]),
  index_step: ({ x }) => x.index([all, sliceOf(null, null, 2), sliceOf(1, null, 2)]),
  index_none_ellipsis: ({ x }) => x.index([null, '...', 1]),
  index_negative: ({ x }) => x.index([-1, sliceOf(-2), sliceOf(null, -1)]),
  index_clamped: ({ x }) => x.index([all, sliceOf(1, 100), sliceOf(-100, 2)]),
  index_empty_slice: ({ x }) => x.index([all, sliceOf(2, 1)]),
  index_too_many: ({ x }) => x.index([0, 0, 0, 0]),
  index_out: ({ x }) => x.index([0, 5]),
  split_size: ({ x }) => x.split(3, 2),
  split_sizes: ({ x }) => K.split(x, [1, 2], 1),
  split_bad_sizes: ({ x }) => x.split([1, 1], 1),
  chunk: ({ x }) => x.chunk(3, 2),
  chunk_uneven: ({ x }) => K.chunk(x, 3),
  unbind: ({ x }) => x.unbind(1),
  unbind_neg: ({ x }) => K.unbind(x, -1),
};

describe('views match PyTorch 1.13', () => {
  goldenTests('core_views', impls);
});

describe('views share storage', () => {
  const base = () => K.arange(24, undefined, 1, { dtype: 'float32' }).reshape(2, 3, 4);

  it('every view function returns a tensor on the same storage', () => {
    const x = base();
    const views: K.Tensor[] = [
      x.view(6, 4),
      x.reshape(4, 6),
      x.permute(2, 0, 1),
      x.transpose(0, 1),
      x.select(0, 0).t(),
      x.narrow(1, 0, 2).expand(3, 2, 2, 4),
      x.unsqueeze(1).squeeze(1),
      x.flatten(),
      x.unflatten(2, [2, 2]),
      x.narrow(2, 1, 2),
      x.select(1, 1),
      x.index([null, '...', sliceOf(null, null, 3)]),
      ...x.split(2, 2),
      ...x.chunk(2, 1),
      ...x.unbind(0),
      x.asStrided([2, 2], [1, 4]),
    ];
    for (const v of views) expect(v.storage).toBe(x.storage);
  });

  it('writes through a view are seen by the base and by other views', () => {
    const x = base();
    x.select(1, 2).narrow(1, 1, 2).fill_(-1);
    expect(x.tolistSync()).toEqual(
      Array.from({ length: 2 }, (_, i) =>
        Array.from({ length: 3 }, (_, j) =>
          Array.from({ length: 4 }, (_, k) => (j === 2 && (k === 1 || k === 2) ? -1 : i * 12 + j * 4 + k)),
        ),
      ),
    );
    const [first] = x.unbind(0);
    first.permute(1, 0).index([0]).zero_();
    expect(x.view(-1).narrow(0, 0, 12).tolistSync()).toEqual([0, 1, 2, 3, 0, 5, 6, 7, 0, -1, -1, 11]);
    expect(x.version).toBeGreaterThan(0);
  });

  it('reshape copies only when the layout requires it', () => {
    const x = base();
    expect(x.transpose(0, 2).reshape(-1).storage).not.toBe(x.storage);
    expect(x.transpose(1, 2).reshape(2, 12).storage).not.toBe(x.storage);
    expect(x.narrow(2, 0, 2).reshape(2, 3, 2).storage).toBe(x.storage);
    expect(() => x.transpose(0, 2).view(-1)).toThrow(K.ShapeError);
    // Empty tensors can be viewed as any shape with zero elements, even when expanded.
    const e = K.zeros([0, 3]).unsqueeze(0).expand(2, 0, 3);
    expect(e.view(3, 0).shape).toEqual([3, 0]);
  });

  it('strides and offsets follow PyTorch', () => {
    const x = base();
    expect(x.permute(2, 0, 1).stride()).toEqual([1, 12, 4]);
    expect(x.narrow(1, 1, 2).offset).toBe(4);
    expect(x.index([sliceOf(), sliceOf(1, null, 2), sliceOf(null, null, 3)]).stride()).toEqual([12, 8, 3]);
    expect(x.select(2, 3).offset).toBe(3);
    expect(
      K.tensor([[1], [2]])
        .expand(2, 5)
        .stride(),
    ).toEqual([1, 0]);
    expect(x.unflatten(2, [2, 2]).stride()).toEqual([12, 4, 2, 1]);
  });

  it('rejects bad arguments with KindlingErrors', () => {
    const x = base();
    expect(() => x.permute(0, 1, 3)).toThrow(K.IndexError);
    expect(() => x.transpose(0, 3)).toThrow(K.IndexError);
    expect(() => x.flatten(2, 1)).toThrow(K.ValueError);
    expect(() => x.index([0, '...', 0, '...'])).toThrow(K.IndexError);
    expect(() => x.index([sliceOf(null, null, 0)])).toThrow(K.ValueError);
    expect(() => x.index([sliceOf(null, null, -1)])).toThrow(K.ValueError);
    expect(() => x.select(0, 1.5)).toThrow(K.IndexError);
    expect(() => x.split(0)).toThrow(K.ValueError);
    expect(() => x.chunk(0)).toThrow(K.ValueError);
    expect(() => x.narrow(0, 0, -1)).toThrow(K.IndexError);
    expect(() => x.view(-2, 12)).toThrow(K.ValueError);
    expect(() => x.asStrided([3, 10], [10, 1])).toThrow(K.IndexError);
    expect(() => x.asStrided([2], [1, 1])).toThrow(K.ShapeError);
    expect(() => x.size(3)).toThrow(K.IndexError);
  });
});
