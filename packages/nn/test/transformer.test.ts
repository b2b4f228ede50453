/**
 * Transformer layers: parity with PyTorch 1.13 (outputs, input and parameter gradients, repr,
 * state-dict keys) for encoder/decoder layers (post- and pre-norm, relu/gelu, masks, batch-first,
 * unbatched, training with dropout 0 and 1), the stacks and the full Transformer; plus
 * `generateSquareSubsequentMask`, cloning, checkpoint loading and shape errors.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manualSeed, randn, ShapeError, type Tensor, ValueError } from '@kindling/core';
import { expectMatches, fromSpec } from '../../core/test/helpers/golden.js';
import {
  generateSquareSubsequentMask,
  LayerNorm,
  loadInto,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from '../src/index.js';
import { type SeqImpl, seqCases, seqParityTests, squareMasks, TOL } from './helpers/seq-parity.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

const encRun: SeqImpl['run'] = (m, [src], kw) => [
  m.call(src, { srcMask: kw.src_mask, srcKeyPaddingMask: kw.src_key_padding_mask }),
];
const decMasks = (kw: Record<string, any>) => ({
  tgtMask: kw.tgt_mask,
  memoryMask: kw.memory_mask,
  tgtKeyPaddingMask: kw.tgt_key_padding_mask,
  memoryKeyPaddingMask: kw.memory_key_padding_mask,
});
const decRun: SeqImpl['run'] = (m, [tgt, memory], kw) => [m.call(tgt, memory, decMasks(kw))];

const impls: Record<string, SeqImpl> = {
  EncoderLayer_post: { make: () => new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), run: encRun },
  EncoderLayer_pre_gelu_bf: {
    make: () =>
      new TransformerEncoderLayer(8, 2, {
        dimFeedforward: 12,
        activation: 'gelu',
        batchFirst: true,
        normFirst: true,
        layerNormEps: 1e-6,
      }),
    run: encRun,
  },
  EncoderLayer_unbatched: {
    make: () => new TransformerEncoderLayer(6, 3, { dimFeedforward: 10 }),
    run: encRun,
  },
  EncoderLayer_train_dropout1: {
    make: () => new TransformerEncoderLayer(6, 2, { dimFeedforward: 8, dropout: 1 }),
    run: encRun,
  },
  EncoderLayer_train_dropout0: {
    make: () => new TransformerEncoderLayer(6, 2, { dimFeedforward: 8, dropout: 0 }),
    run: encRun,
  },
  DecoderLayer_post: { make: () => new TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }), run: decRun },
  DecoderLayer_pre_gelu_bf: {
    make: () =>
      new TransformerDecoderLayer(8, 4, {
        dimFeedforward: 12,
        activation: 'gelu',
        batchFirst: true,
        normFirst: true,
      }),
    run: decRun,
  },
  Encoder_norm: {
    make: () =>
      new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2, {
        norm: new LayerNorm(8),
      }),
    run: (m, [src], kw) => [m.call(src, { mask: kw.mask, srcKeyPaddingMask: kw.src_key_padding_mask })],
  },
  Decoder: {
    make: () =>
      new TransformerDecoder(new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 2),
    run: decRun,
  },
  Transformer: {
    make: () =>
      new Transformer({
        dModel: 8,
        nhead: 2,
        numEncoderLayers: 2,
        numDecoderLayers: 1,
        dimFeedforward: 16,
        batchFirst: true,
      }),
    run: (m, [src, tgt], kw) => [
      m.call(src, tgt, { ...decMasks(kw), srcMask: kw.src_mask, srcKeyPaddingMask: kw.src_key_padding_mask }),
    ],
  },
};

describe('transformer layers match PyTorch', () => {
  seqParityTests(impls, (name) => /^(Encoder|Decoder|Transformer)/.test(name));
});

describe('generateSquareSubsequentMask', () => {
  it('matches PyTorch: -inf above the diagonal, 0 elsewhere', () => {
    for (const [n, spec] of Object.entries(squareMasks)) {
      expectMatches(generateSquareSubsequentMask(Number(n)), spec, { rtol: 0, atol: 0 }, `n=${n}`);
      expectMatches(
        Transformer.generateSquareSubsequentMask(Number(n)),
        spec,
        { rtol: 0, atol: 0 },
        `n=${n}`,
      );
    }
    expect(generateSquareSubsequentMask(3, { dtype: 'float64' }).dtype).toBe('float64');
    expect(() => generateSquareSubsequentMask(-1)).toThrow(ValueError);
  });
});

describe('transformer stacks', () => {
  it('clone the layer: same initial values, separate parameters, keys layers.{i}.*', () => {
    manualSeed(0);
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const enc = new TransformerEncoder(layer, 3);
    const sd = enc.stateDict();
    expect(Object.keys(sd).filter((k) => k.endsWith('linear1.weight'))).toEqual([
      'layers.0.linear1.weight',
      'layers.1.linear1.weight',
      'layers.2.linear1.weight',
    ]);
    expect([...sd['layers.2.linear1.weight'].dataSync()]).toEqual([...layer.linear1.weight.dataSync()]);
    expect(sd['layers.0.linear1.weight'].storage).not.toBe(sd['layers.1.linear1.weight'].storage);
    expect(enc.numParameters()).toBe(3 * layer.numParameters());
  });

  it('load a PyTorch encoder layer from a safetensors file', async () => {
    const name = 'EncoderLayer_post';
    const c = seqCases[name];
    const m = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }).eval();
    expect(await loadInto(m, join(fixtures, `nn_seq_${name}.safetensors`))).toEqual({
      missingKeys: [],
      unexpectedKeys: [],
    });
    const out = m.call(fromSpec(c.inputs[0]), {
      srcMask: fromSpec(c.kwargs.src_mask as any),
      srcKeyPaddingMask: fromSpec(c.kwargs.src_key_padding_mask as any),
    });
    expectMatches(out, c.outs[0], TOL);
  });

  it('Transformer re-draws every matrix Xavier-uniform and keeps norms at 1/0', () => {
    manualSeed(2);
    const m = new Transformer({
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      dimFeedforward: 16,
    });
    const sd = m.stateDict();
    const w = [...sd['encoder.layers.0.linear1.weight'].dataSync()];
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 24));
    expect([...sd['decoder.norm.weight'].dataSync()]).toEqual(new Array(8).fill(1));
    expect(Object.keys(sd)).toContain('decoder.layers.0.multihead_attn.in_proj_weight');
    expect(Object.keys(sd)).toContain('encoder.norm.bias');
  });

  it('accept an activation function or module', () => {
    const x = randn([3, 2, 4]);
    const a = new TransformerEncoderLayer(4, 2, {
      dimFeedforward: 8,
      activation: (t: Tensor) => t.tanh(),
    }).eval();
    expect(a.call(x).shape).toEqual([3, 2, 4]);
    expect(() => new TransformerEncoderLayer(4, 2, { activation: 'swish' as 'relu' })).toThrow(ValueError);
  });
});

describe('transformer errors', () => {
  const expectShapeError = (f: () => unknown, ...parts: string[]) => {
    expect(f).toThrow(ShapeError);
    try {
      f();
    } catch (e) {
      for (const p of parts) expect((e as Error).message).toContain(p);
    }
  };

  it('name the layer, the expected and the got shape', () => {
    const enc = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    expectShapeError(
      () => enc.call(randn([5, 2, 6])),
      'TransformerEncoderLayer',
      '[seq, batch, 8]',
      '[5, 2, 6]',
    );
    const dec = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    expectShapeError(
      () => dec.call(randn([2, 3, 8]), randn([2, 5, 4])),
      'TransformerDecoderLayer',
      'memory',
      '[batch, seq, 8]',
      '[2, 5, 4]',
    );
    expectShapeError(
      () => dec.call(randn([2, 3, 8]), randn([5, 8])),
      'TransformerDecoderLayer',
      '[2, 3, 8]',
      '[5, 8]',
    );
    const t = new Transformer({
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      dimFeedforward: 8,
    });
    expectShapeError(
      () => t.call(randn([5, 2, 8]), randn([4, 3, 8])),
      'Transformer',
      'batch',
      '[5, 2, 8]',
      '[4, 3, 8]',
    );
    expectShapeError(
      () => enc.call(randn([5, 2, 8]), { srcMask: randn([4, 4]) }),
      'MultiheadAttention',
      'attnMask',
      '[5, 5]',
    );
  });

  it('reject bad options', () => {
    expect(() => new TransformerEncoderLayer(8, 3)).toThrow(ValueError);
    expect(() => new TransformerEncoder(new TransformerEncoderLayer(8, 2), 0)).toThrow(ValueError);
    expect(() => new TransformerEncoder(new LayerNorm(8) as any, 2)).toThrow(ValueError);
  });
});
