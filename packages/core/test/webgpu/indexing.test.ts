/** The core_indexing golden fixture on the WebGPU backend (gather/scatter/index*, sort, topk, cat...). */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { loadFixture } from '../helpers/golden.js';
import { expectFails, type GpuImpl, gpuGoldenTests, moveAll, useWebGPU } from './harness.js';

useWebGPU();

const vi = (r: K.ValuesIndices) => [r.values, r.indices];
const gpu = { device: 'webgpu' as const };

const impls: Record<string, GpuImpl> = {
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
  scatterAdd_int: ({ z, i }) => z.scatterAdd(0, i, K.tensor([1, 2, 3, 4], { dtype: 'int32', ...gpu })),
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
  oneHot_classes: ({ i }) => K.oneHot(i, 5),
  oneHot_0d: ({ i }) => K.oneHot(i, 3),
  oneHot_empty: ({ i }) => K.oneHot(i, 3),
};

describe('indexing ops on webgpu match PyTorch 1.13', () => {
  gpuGoldenTests('core_indexing', impls);
});

/** Ops whose output size depends on the data: a synchronous GPU kernel cannot know it. */
const dataDependent: Record<string, GpuImpl> = {
  nonzero: ({ x }) => x.nonzero(),
  nonzero_bool_3d: ({ m }) => K.nonzero(m),
  maskedSelect: ({ x, m }) => x.maskedSelect(m),
  unique: ({ u }) => K.unique(u),
  unique_dim0: ({ u }) => K.unique(u, { dim: 0 }),
};

describe('data-dependent indexing ops on webgpu', () => {
  const cases = loadFixture('core_indexing');
  for (const [name, impl] of Object.entries(dataDependent)) {
    it(`${name} throws a DeviceError that says to move the data to the CPU`, async () => {
      const inputs = Object.fromEntries(
        Object.entries(cases[name].inputs).map(([k, v]) => [
          k,
          moveAll(
            K.tensor((v as any).data.map(Number), { dtype: (v as any).dtype }).reshape((v as any).shape),
          ),
        ]),
      );
      await expectFails(() => impl(inputs, {}), K.DeviceError);
    });
  }

  it('oneHot without numClasses asks for it (the classes cannot be counted on the GPU)', async () => {
    await expectFails(() => K.oneHot(K.tensor([0, 2], { dtype: 'int32', device: 'webgpu' })), K.ValueError);
  });

  it('nonzero works after moving to the CPU asynchronously', async () => {
    const x = K.tensor([0, 1.5, 0, -2]).to('webgpu');
    expect((await x.toAsync('cpu')).nonzero().tolistSync()).toEqual([[1], [3]]);
  });
});

describe('cat and long sorts on webgpu', () => {
  it('cat of strided pieces along each dim', async () => {
    const a = K.arange(0, 12).reshape([3, 4]);
    const b = K.arange(100, 106).reshape([3, 2]);
    const g = K.cat([a.to('webgpu'), b.to('webgpu'), a.t().to('webgpu').t()], 1);
    expect(await g.tolist()).toEqual(K.cat([a, b, a], 1).tolistSync());
    const h = K.cat([a.to('webgpu'), K.zeros([0, 4], { device: 'webgpu' }), a.to('webgpu')], 0);
    expect(await h.tolist()).toEqual(K.cat([a, a], 0).tolistSync());
  });

  it('sorts a long row stably (ties, NaN, descending) like the CPU', async () => {
    const x = K.randint(0, 40, [3, 700], { generator: new K.Generator(9) }).float();
    x.index([1, 5]).fill_(Number.NaN);
    for (const descending of [false, true]) {
      const c = x.sort(1, { descending, stable: true });
      const g = x.to('webgpu').sort(1, { descending, stable: true });
      expect(await g.indices.tolist()).toEqual(c.indices.tolistSync());
      expect(await g.values.tolist()).toEqual(c.values.tolistSync());
    }
  });

  it('sorts long columns (inner dims) and int32 / bool rows with the bitonic network', async () => {
    const x = K.randint(-5, 5, [2, 600, 3], { generator: new K.Generator(10) });
    for (const t of [x, x.float(), x.gt(0)]) {
      for (const descending of [false, true]) {
        const c = t.sort(1, { descending, stable: true });
        const g = t.to('webgpu').sort(1, { descending, stable: true });
        expect(await g.indices.tolist()).toEqual(c.indices.tolistSync());
        expect(await g.values.tolist()).toEqual(c.values.tolistSync());
      }
    }
    const k = K.randn([1000], { generator: new K.Generator(12) });
    const top = k.to('webgpu').topk(5);
    expect(await top.indices.tolist()).toEqual(k.topk(5).indices.tolistSync());
  });
});
