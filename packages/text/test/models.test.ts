import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noGrad } from '@kindling/autograd';
import {
  cat,
  DTypeError,
  IndexError,
  manualSeed,
  randint,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kindling/core';
import { crossEntropy, stateDictFromBytes, stateDictToBytes } from '@kindling/nn';
import { describe, expect, it } from 'vitest';
import { expectMatches, fromSpec, type TensorSpec } from '../../core/test/helpers/golden.js';
import {
  GPT,
  type GPTConfig,
  KVCache,
  LSTMLanguageModel,
  type LSTMLanguageModelConfig,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));

interface ModelCase {
  config: Record<string, unknown>;
  keys: string[];
  shapes: Record<string, number[]>;
  state: Record<string, TensorSpec>;
  ids: TensorSpec;
  targets: TensorSpec;
  logits: TensorSpec;
  loss: TensorSpec;
  grads: Record<string, TensorSpec>;
}

const fixture: Record<string, ModelCase> = JSON.parse(
  readFileSync(join(here, 'fixtures', 'text_models.json'), 'utf8'),
).cases;

const TOL = { rtol: 1e-4, atol: 1e-5 };

function build(name: string, c: ModelCase): GPT | LSTMLanguageModel {
  return name.startsWith('gpt')
    ? new GPT(c.config as unknown as GPTConfig)
    : new LSTMLanguageModel(c.config as unknown as LSTMLanguageModelConfig);
}

describe('parity with PyTorch 1.13 (tools/golden/text_models.py)', () => {
  it('covers the GPT and LSTM cases', () => {
    expect(Object.keys(fixture).sort()).toEqual([
      'gpt_tied',
      'gpt_untied_tanh_full_block',
      'lstm_2layer',
      'lstm_tied',
    ]);
  });
  for (const [name, c] of Object.entries(fixture)) {
    it(`${name}: same state-dict keys and shapes, same logits, loss and gradients`, () => {
      const model = build(name, c);
      const own = model.stateDict();
      expect(Object.keys(own)).toEqual(c.keys);
      for (const k of c.keys) expect([...own[k].shape], k).toEqual(c.shapes[k]);
      model.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromSpec(v)])));
      model.eval();
      const ids = fromSpec(c.ids);
      const logits = model.call(ids);
      expectMatches(logits, c.logits, TOL, 'logits');
      const V = logits.shape[2];
      const loss = crossEntropy(logits.reshape([-1, V]), fromSpec(c.targets).reshape([-1]));
      expectMatches(loss, c.loss, TOL, 'loss');
      loss.backward();
      const params = Object.fromEntries(model.namedParameters());
      for (const [k, g] of Object.entries(c.grads)) {
        // A tied weight is listed once, under its first name.
        const p = params[k] ?? (k === 'lm_head.weight' ? params['wte.weight'] : undefined);
        expect(p, k).toBeDefined();
        expectMatches(p?.grad as Tensor, g, TOL, `grad of ${k}`);
      }
    });
  }
});

function smallGpt(options: Partial<GPTConfig> = {}): GPT {
  manualSeed(3);
  const model = new GPT({ vocabSize: 17, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16, ...options });
  // Larger weights than GPT-2's init so that attention is far from uniform.
  noGrad(() => {
    for (const p of model.parameters()) p.mul_(8);
  });
  return model.eval();
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return a.sub(b).abs().max().itemSync() as number;
}

describe('GPT', () => {
  it('uses nanoGPT / GPT-2 key names and ties lm_head to wte', () => {
    const model = new GPT({ vocabSize: 10, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 8 });
    expect(Object.keys(model.stateDict())).toEqual([
      'wte.weight',
      'wpe.weight',
      'h.0.ln_1.weight',
      'h.0.ln_1.bias',
      'h.0.attn.c_attn.weight',
      'h.0.attn.c_attn.bias',
      'h.0.attn.c_proj.weight',
      'h.0.attn.c_proj.bias',
      'h.0.ln_2.weight',
      'h.0.ln_2.bias',
      'h.0.mlp.c_fc.weight',
      'h.0.mlp.c_fc.bias',
      'h.0.mlp.c_proj.weight',
      'h.0.mlp.c_proj.bias',
      'ln_f.weight',
      'ln_f.bias',
      'lm_head.weight',
    ]);
    expect(model.lm_head.weight).toBe(model.wte.weight);
    // Counted once: 10*8 + 4*8 + block (2*16 + 8*24+24 + 8*8+8 + 8*32+32 + 32*8+8) + 16.
    expect(model.numParameters()).toBe(80 + 32 + (32 + 216 + 72 + 288 + 264) + 16);
    const untied = new GPT({ vocabSize: 10, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 8, tieWeights: false });
    expect(untied.lm_head.weight).not.toBe(untied.wte.weight);
    expect(untied.numParameters()).toBe(model.numParameters() + 80);
  });

  it('initialises like GPT-2: N(0, 0.02) weights, scaled residual projections, zero biases', () => {
    manualSeed(0);
    const model = new GPT({ vocabSize: 64, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 64 });
    const std = (t: Tensor) => t.std().itemSync() as number;
    expect(std(model.wte.weight)).toBeCloseTo(0.02, 2);
    expect(std(model.h.at(0).mlp.c_fc.weight)).toBeCloseTo(0.02, 2);
    expect(std(model.h.at(3).mlp.c_proj.weight)).toBeCloseTo(0.02 / Math.sqrt(8), 3);
    expect(model.h.at(1).attn.c_attn.bias?.abs().max().itemSync()).toBe(0);
    expect(model.ln_f.weight?.min().itemSync()).toBe(1);
  });

  it('the KV cache gives the same logits as the full forward, at every position', () => {
    const model = smallGpt();
    manualSeed(5);
    const ids = randint(0, 17, [2, 12], { dtype: 'int32' });
    noGrad(() => {
      const full = model.call(ids);
      // One token at a time.
      const cache = model.createCache({ batch: 2 });
      const steps: Tensor[] = [];
      for (let t = 0; t < 12; t++) {
        steps.push(model.call(ids.narrow(1, t, 1), { cache }));
        expect(cache.length).toBe(t + 1);
      }
      expect(maxAbsDiff(cat(steps, 1), full)).toBeLessThan(1e-4);
      // A prompt of 5, then chunks of 3, 1 and 3 (the bottom-right causal mask).
      const chunked = model.createCache({ batch: 2 });
      const parts = [5, 3, 1, 3];
      const outs: Tensor[] = [];
      let start = 0;
      for (const n of parts) {
        outs.push(model.call(ids.narrow(1, start, n), { cache: chunked }));
        start += n;
      }
      expect(maxAbsDiff(cat(outs, 1), full)).toBeLessThan(1e-4);
      // Reset and reuse.
      chunked.reset();
      expect(
        maxAbsDiff(model.call(ids.narrow(1, 0, 4), { cache: chunked }), full.narrow(1, 0, 4)),
      ).toBeLessThan(1e-4);
    });
  });

  it('accepts unbatched [seq] ids and returns [seq, vocab]', () => {
    const model = smallGpt();
    const ids = tensor([1, 2, 3, 4], { dtype: 'int32' });
    const a = model.call(ids);
    expect(a.shape).toEqual([4, 17]);
    expect(maxAbsDiff(a, model.call(ids.unsqueeze(0)).squeeze(0))).toBe(0);
  });

  it('dropout is active in training mode only', () => {
    manualSeed(1);
    const model = new GPT({ vocabSize: 9, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0.5 });
    const ids = tensor([[1, 2, 3, 4]], { dtype: 'int32' });
    model.train();
    const a = model.call(ids);
    const b = model.call(ids);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(0);
    model.eval();
    expect(maxAbsDiff(model.call(ids), model.call(ids))).toBe(0);
  });

  it('trains: a few plain gradient-descent steps lower the loss on a repeated pattern', () => {
    manualSeed(2);
    const model = new GPT({ vocabSize: 5, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16 });
    const x = tensor([[0, 1, 2, 3, 4, 0, 1, 2]], { dtype: 'int32' });
    const y = tensor([[1, 2, 3, 4, 0, 1, 2, 3]], { dtype: 'int32' });
    const lossOf = () => crossEntropy(model.call(x).reshape([-1, 5]), y.reshape([-1]));
    const first = lossOf().itemSync() as number;
    for (let i = 0; i < 30; i++) {
      model.zeroGrad();
      lossOf().backward();
      noGrad(() => {
        for (const p of model.parameters()) if (p.grad) p.sub_(p.grad.mul(0.5));
      });
    }
    expect(lossOf().itemSync()).toBeLessThan(first * 0.5);
  });

  it('round-trips through a safetensors checkpoint, tied weights included', () => {
    const model = smallGpt();
    const bytes = stateDictToBytes(model);
    const restored = new GPT({ vocabSize: 17, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16 }).eval();
    restored.loadStateDict(stateDictFromBytes(bytes));
    expect(restored.lm_head.weight).toBe(restored.wte.weight);
    const ids = tensor([[3, 1, 4, 1, 5]], { dtype: 'int32' });
    expect(maxAbsDiff(restored.call(ids), model.call(ids))).toBe(0);
  });

  it('rejects bad input with clear errors', () => {
    const model = smallGpt();
    const tooBig = tensor([[1, 2, 17]], { dtype: 'int32' });
    expect(() => model.call(tooBig)).toThrow(IndexError);
    expect(() => model.call(tooBig)).toThrow(/token id 17 at position \[0, 2\] is out of range.*17 tokens/);
    expect(() => model.call(tensor([[-1]], { dtype: 'int32' }))).toThrow(IndexError);
    expect(() => model.call(tensor([[1.5, 2]], { dtype: 'float32' }))).toThrow(DTypeError);
    expect(() => model.call(tensor([[[1]]], { dtype: 'int32' }))).toThrow(ShapeError);
    expect(() => model.call(tensor([[]], { dtype: 'int32' }).reshape([1, 0]))).toThrow(ShapeError);
    const long = randint(0, 17, [1, 13], { dtype: 'int32' });
    expect(() => model.call(long)).toThrow(/sequence of 13 tokens, the block size is only 12/);
    const cache = model.createCache();
    noGrad(() => model.call(randint(0, 17, [1, 10], { dtype: 'int32' }), { cache }));
    expect(() => model.call(randint(0, 17, [1, 3], { dtype: 'int32' }), { cache })).toThrow(
      /10 cached \+ 3 new tokens exceed the block size 12/,
    );
    expect(() => model.call(randint(0, 17, [2, 1], { dtype: 'int32' }), { cache })).toThrow(ShapeError);
    expect(() => model.call(tensor([[1]], { dtype: 'int32' }), { cache: new KVCache(5, 12) })).toThrow(
      ShapeError,
    );
    expect(() => new GPT({ vocabSize: 10, blockSize: 4, nHead: 3, nEmbd: 8, nLayer: 1 })).toThrow(
      /divisible/,
    );
    expect(() => new GPT({ vocabSize: 0, blockSize: 4 })).toThrow(ValueError);
    expect(
      () => new GPT({ vocabSize: 5, blockSize: 4, dropout: 1.5, nLayer: 1, nEmbd: 4, nHead: 1 }),
    ).toThrow(ValueError);
  });
});

describe('LSTMLanguageModel', () => {
  it('state continues a sequence: chunked calls equal one call', () => {
    manualSeed(4);
    const model = new LSTMLanguageModel({
      vocabSize: 12,
      hiddenSize: 16,
      embeddingDim: 8,
      numLayers: 2,
    }).eval();
    const ids = randint(0, 12, [3, 9], { dtype: 'int32' });
    noGrad(() => {
      const full = model.call(ids);
      const state = model.createCache({ batch: 3 });
      const a = model.call(ids.narrow(1, 0, 4), { cache: state });
      const b = model.call(ids.narrow(1, 4, 1), { cache: state });
      const c = model.call(ids.narrow(1, 5, 4), { cache: state });
      expect(state.length).toBe(9);
      expect(maxAbsDiff(cat([a, b, c], 1), full)).toBeLessThan(1e-5);
    });
    expect(model.contextLength).toBeNull();
  });

  it('has PyTorch word-language-model keys and optional tying', () => {
    const m = new LSTMLanguageModel({ vocabSize: 7, hiddenSize: 6, tieWeights: true });
    expect(Object.keys(m.stateDict())).toEqual([
      'embedding.weight',
      'lstm.weight_ih_l0',
      'lstm.weight_hh_l0',
      'lstm.bias_ih_l0',
      'lstm.bias_hh_l0',
      'decoder.weight',
      'decoder.bias',
    ]);
    expect(m.decoder.weight).toBe(m.embedding.weight);
    expect(
      () => new LSTMLanguageModel({ vocabSize: 7, hiddenSize: 6, embeddingDim: 4, tieWeights: true }),
    ).toThrow(/tieWeights needs embeddingDim/);
  });

  it('rejects out-of-range ids and mismatched states', () => {
    const m = new LSTMLanguageModel({ vocabSize: 7, hiddenSize: 6 });
    expect(() => m.call(tensor([[7]], { dtype: 'int32' }))).toThrow(IndexError);
    expect(() =>
      m.call(tensor([[1, 2]], { dtype: 'int32' }), { cache: m.createCache({ batch: 2 }) }),
    ).toThrow(ShapeError);
  });
});
