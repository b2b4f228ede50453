/**
 * MultiheadAttention: parity with PyTorch 1.13 (outputs, attention weights, input and parameter
 * gradients, repr, state-dict keys) over masks (key padding, causal, bool 2-D/3-D, float), kdim /
 * vdim, unbatched inputs, bias_k/bias_v, zero attention and dropout; plus initialisation, the
 * needWeights paths and shape errors.
 */
import { describe, expect, it } from 'vitest';
import { DTypeError, manualSeed, randn, ShapeError, type Tensor, tensor, ValueError } from '@kindling/core';
import { MultiheadAttention } from '../src/index.js';
import { type SeqImpl, seqParityTests } from './helpers/seq-parity.js';

/** Runs `m(q, k, v, **kwargs)` with PyTorch's keyword names mapped to ours. */
function mhaRun(m: MultiheadAttention, [q, k, v]: Tensor[], kw: Record<string, any>): Tensor[] {
  const [out, w] = m.call(q, k ?? q, v ?? q, {
    keyPaddingMask: kw.key_padding_mask,
    attnMask: kw.attn_mask,
    needWeights: kw.need_weights,
    averageAttnWeights: kw.average_attn_weights,
  });
  if (kw.need_weights === false) expect(w).toBeNull();
  return w ? [out, w] : [out];
}

const impls: Record<string, SeqImpl> = {
  MHA_self: { make: () => new MultiheadAttention(8, 2), run: mhaRun },
  MHA_kpm_causal_bf: { make: () => new MultiheadAttention(8, 2, { batchFirst: true }), run: mhaRun },
  MHA_bool3d_per_head: { make: () => new MultiheadAttention(6, 3), run: mhaRun },
  MHA_kdim_vdim: {
    make: () => new MultiheadAttention(8, 4, { kdim: 3, vdim: 5, batchFirst: true }),
    run: mhaRun,
  },
  MHA_nobias_unbatched: { make: () => new MultiheadAttention(6, 2, { bias: false }), run: mhaRun },
  MHA_no_weights_float_kpm: { make: () => new MultiheadAttention(8, 2, { dropout: 0.3 }), run: mhaRun },
  MHA_bias_kv_zero_attn: {
    make: () => new MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true }),
    run: mhaRun,
  },
  MHA_dropout1_train: { make: () => new MultiheadAttention(4, 2, { dropout: 1 }), run: mhaRun },
};

describe('MultiheadAttention matches PyTorch', () => {
  seqParityTests(impls, (name) => name.startsWith('MHA_'));
});

describe('MultiheadAttention', () => {
  it('initialises as PyTorch: Xavier-uniform projections, zero biases', () => {
    manualSeed(0);
    const m = new MultiheadAttention(16, 4);
    const w = [...(m.in_proj_weight as Tensor).dataSync()];
    const bound = Math.sqrt(6 / (16 + 48));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect([...(m.in_proj_bias as Tensor).dataSync()].every((x) => x === 0)).toBe(true);
    expect([...(m.out_proj.bias as Tensor).dataSync()].every((x) => x === 0)).toBe(true);
    expect(Object.keys(m.stateDict())).toEqual([
      'in_proj_weight',
      'in_proj_bias',
      'out_proj.weight',
      'out_proj.bias',
    ]);
  });

  it('gives the same output with and without weights, and weights that sum to 1 per query', () => {
    manualSeed(1);
    const m = new MultiheadAttention(8, 2).eval();
    const q = randn([3, 2, 8]);
    const kv = randn([5, 2, 8]);
    const mask = tensor([false, false, true, false, true, false, false, false, false, false], {
      dtype: 'bool',
    }).reshape([2, 5]);
    const [a, w] = m.call(q, kv, kv, { keyPaddingMask: mask });
    const [b, none] = m.call(q, kv, kv, { keyPaddingMask: mask, needWeights: false });
    expect(none).toBeNull();
    const av = a.dataSync();
    const bv = b.dataSync();
    for (let i = 0; i < av.length; i++) expect(bv[i]).toBeCloseTo(av[i], 5);
    const wv = (w as Tensor).dataSync();
    expect((w as Tensor).shape).toEqual([2, 3, 5]);
    for (let r = 0; r < 6; r++) {
      const row = [...wv.slice(r * 5, r * 5 + 5)];
      expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      if (r < 3) expect([row[2], row[4]]).toEqual([0, 0]);
    }
  });

  it('drops attention weights only when training', () => {
    const m = new MultiheadAttention(4, 2, { dropout: 0.5 });
    const x = randn([6, 2, 4]);
    manualSeed(5);
    const [t1, w1] = m.call(x, x, x);
    manualSeed(5);
    const [t2] = m.call(x, x, x);
    expect([...t2.dataSync()]).toEqual([...t1.dataSync()]);
    // As PyTorch 1.13, the returned weights are the ones after dropout.
    expect((w1 as Tensor).dataSync().some((s) => s === 0)).toBe(true);
    m.eval();
    const [e1] = m.call(x, x, x);
    const [e2] = m.call(x, x, x);
    expect([...e2.dataSync()]).toEqual([...e1.dataSync()]);
    expect([...e1.dataSync()]).not.toEqual([...t1.dataSync()]);
  });
});

describe('MultiheadAttention errors', () => {
  const m = new MultiheadAttention(8, 2);
  const x = randn([4, 2, 8]);
  const expectShapeError = (f: () => unknown, ...parts: string[]) => {
    expect(f).toThrow(ShapeError);
    try {
      f();
    } catch (e) {
      for (const p of parts) expect((e as Error).message).toContain(p);
    }
  };

  it('names the layer, the expected and the got shape', () => {
    expectShapeError(
      () => m.call(randn([4, 2, 6]), x, x),
      'MultiheadAttention',
      'query',
      '[seq, batch, 8]',
      '[4, 2, 6]',
    );
    expectShapeError(() => m.call(x, randn([4, 8]), x), 'MultiheadAttention', 'key', '[4, 8]');
    expectShapeError(() => m.call(x, x, randn([5, 2, 8])), 'MultiheadAttention', 'value', '[5, 2, 8]');
    expectShapeError(() => m.call(randn([4, 2, 2, 8]), x, x), 'MultiheadAttention', '[4, 2, 2, 8]');
    expectShapeError(
      () => m.call(x, x, x, { keyPaddingMask: tensor([true, false], { dtype: 'bool' }) }),
      'keyPaddingMask',
      '[2, 4]',
      '[2]',
    );
    expectShapeError(
      () => m.call(x, x, x, { attnMask: randn([4, 3]) }),
      'attnMask',
      '[4, 4]',
      '[4, 4, 4]',
      '[4, 3]',
    );
  });

  it('rejects bad dtypes and options', () => {
    expect(() => m.call(x.double(), x, x)).toThrow(DTypeError);
    expect(() => m.call(x, x, x, { attnMask: randn([4, 4]).int() })).toThrow(DTypeError);
    expect(() => new MultiheadAttention(8, 3)).toThrow(ValueError);
    expect(() => new MultiheadAttention(8, 2, { dropout: -0.1 })).toThrow(ValueError);
  });
});
