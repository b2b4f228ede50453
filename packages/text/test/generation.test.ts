import { noGrad } from '@kindling/autograd';
import { argmax, IndexError, manualSeed, type Tensor, tensor, ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  applyRepetitionPenalty,
  applyTopK,
  applyTopP,
  type CausalLanguageModel,
  CharTokenizer,
  GPT,
  type GenerateOptions,
  generate,
  generateText,
  type LanguageModelCache,
  LSTMLanguageModel,
  selectToken,
} from '../src/index.js';

async function collect(it: AsyncIterable<number>): Promise<number[]> {
  const out: number[] = [];
  for await (const t of it) out.push(t);
  return out;
}

class Counter implements LanguageModelCache {
  length = 0;
  reset(): void {
    this.length = 0;
  }
}

/** A model whose next-token logits are always `row` (crafted distributions). */
class FixedLogits implements CausalLanguageModel<Counter> {
  training = true;
  readonly contextLength = null;
  calls = 0;
  constructor(readonly row: number[]) {}
  get vocabSize(): number {
    return this.row.length;
  }
  train(mode = true): this {
    this.training = mode;
    return this;
  }
  createCache(): Counter {
    return new Counter();
  }
  call(ids: Tensor, options?: { cache?: Counter }): Tensor {
    this.calls++;
    const [b, t] = ids.shape;
    if (options?.cache) options.cache.length += t;
    return tensor(this.row).reshape([1, 1, this.row.length]).expand([b, t, this.row.length]);
  }
}

function smallGpt(blockSize = 10): GPT {
  manualSeed(11);
  const model = new GPT({ vocabSize: 13, blockSize, nLayer: 2, nHead: 2, nEmbd: 16 });
  noGrad(() => {
    for (const p of model.parameters()) p.mul_(10);
  });
  return model;
}

/** Greedy decoding by hand: full forward of the (cropped) sequence, argmax of the last logits. */
function argmaxRollout(model: GPT, prompt: number[], n: number): number[] {
  const seq = [...prompt];
  const out: number[] = [];
  noGrad(() => {
    for (let i = 0; i < n; i++) {
      const ctx = seq.slice(-model.contextLength);
      const logits = model.call(tensor([ctx], { dtype: 'int32' }));
      const next = argmax(logits.select(1, ctx.length - 1).select(0, 0)).itemSync() as number;
      out.push(next);
      seq.push(next);
    }
  });
  return out;
}

describe('generate', () => {
  it('greedy decoding equals the argmax rollout, with and without the KV cache, past the block size', async () => {
    const model = smallGpt(10);
    model.eval();
    const prompt = [1, 5, 2, 7];
    const expected = argmaxRollout(model, prompt, 20); // 24 tokens > block size 10: the window slides
    expect(new Set(expected).size).toBeGreaterThan(1);
    expect(await collect(generate(model, prompt, { greedy: true, maxNewTokens: 20 }))).toEqual(expected);
    expect(
      await collect(generate(model, prompt, { temperature: 0, maxNewTokens: 20, useCache: false })),
    ).toEqual(expected);
  });

  it('streams tokens one at a time', async () => {
    const model = smallGpt();
    const it = generate(model, [3], { maxNewTokens: 3, seed: 1 })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(typeof first.value).toBe('number');
    await it.next();
    await it.next();
    expect((await it.next()).done).toBe(true);
  });

  it('the same seed gives the same tokens; the sampler follows its own stream', async () => {
    const model = smallGpt();
    const opts: GenerateOptions = { maxNewTokens: 30, temperature: 1.5, seed: 42 };
    const a = await collect(generate(model, [1, 2], opts));
    manualSeed(999); // the global stream does not matter with a seed
    const b = await collect(generate(model, [1, 2], opts));
    expect(a).toEqual(b);
    const c = await collect(generate(model, [1, 2], { ...opts, seed: 43 }));
    expect(c).not.toEqual(a);
  });

  it('top-k never picks a token outside the k most likely', async () => {
    const row = [0.5, 3, -1, 2.9, 0, 2.8, 1, -2];
    const model = new FixedLogits(row);
    const toks = await collect(generate(model, [0], { topK: 3, maxNewTokens: 300, seed: 7 }));
    expect(new Set(toks)).toEqual(new Set([1, 3, 5]));
  });

  it('top-p keeps the smallest nucleus reaching p', async () => {
    // Probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 (logits are their logs).
    const probs = [0.0625, 0.5, 0.125, 0.25, 0.0625];
    const model = new FixedLogits(probs.map(Math.log));
    const toks = await collect(generate(model, [0], { topP: 0.7, maxNewTokens: 300, seed: 3 }));
    expect(new Set(toks)).toEqual(new Set([1, 3])); // 0.5 < 0.7 <= 0.75
    const tight = await collect(generate(model, [0], { topP: 0.5, maxNewTokens: 50, seed: 3 }));
    expect(new Set(tight)).toEqual(new Set([1]));
    const both = await collect(generate(model, [0], { topP: 0.9, topK: 2, maxNewTokens: 200, seed: 3 }));
    expect(new Set(both)).toEqual(new Set([1, 3]));
  });

  it('samples in proportion to the probabilities', async () => {
    const model = new FixedLogits([Math.log(0.8), Math.log(0.2)]);
    const toks = await collect(generate(model, [0], { maxNewTokens: 2000, seed: 5 }));
    const ones = toks.filter((t) => t === 1).length / toks.length;
    expect(ones).toBeGreaterThan(0.17);
    expect(ones).toBeLessThan(0.23);
  });

  it('repetition penalty steers away from tokens already in the sequence', async () => {
    const model = new FixedLogits([0, 2, 1.5, -1]);
    expect(await collect(generate(model, [0], { greedy: true, maxNewTokens: 3 }))).toEqual([1, 1, 1]);
    // Token 1 (2 / 1.5 = 1.33 < 1.5) loses to 2 once seen; then 2 (1.0) loses to 1.33.
    expect(
      await collect(generate(model, [0], { greedy: true, maxNewTokens: 3, repetitionPenalty: 1.5 })),
    ).toEqual([1, 2, 1]);
  });

  it('stops at a stop token (yielded only with includeStopToken) and after maxNewTokens', async () => {
    const model = new FixedLogits([0, 5, 1]);
    expect(await collect(generate(model, [0], { greedy: true, stopTokens: [1] }))).toEqual([]);
    expect(
      await collect(generate(model, [0], { greedy: true, stopTokens: [1], includeStopToken: true })),
    ).toEqual([1]);
    expect(await collect(generate(model, [0], { greedy: true, maxNewTokens: 4 }))).toEqual([1, 1, 1, 1]);
    expect(await collect(generate(model, [0], { maxNewTokens: 0 }))).toEqual([]);
  });

  it('uses the cache: one model call per new token', async () => {
    const model = new FixedLogits([0, 1]);
    await collect(generate(model, [0, 1, 0], { maxNewTokens: 5, seed: 1 }));
    expect(model.calls).toBe(5); // the prompt, then one call per token except the last
  });

  it('puts the model in eval mode while generating and restores it, also after break', async () => {
    const model = smallGpt();
    model.train();
    let modeInside: boolean | null = null;
    for await (const _ of generate(model, [1], { maxNewTokens: 5, seed: 1 })) {
      modeInside = model.training;
      break;
    }
    expect(modeInside).toBe(false);
    expect(model.training).toBe(true);
  });

  it('works with the LSTM language model (unbounded context)', async () => {
    manualSeed(2);
    const model = new LSTMLanguageModel({ vocabSize: 9, hiddenSize: 8 });
    const cached = await collect(generate(model, [1, 2], { greedy: true, maxNewTokens: 12 }));
    const uncached = await collect(
      generate(model, [1, 2], { greedy: true, maxNewTokens: 12, useCache: false }),
    );
    expect(cached).toEqual(uncached);
    expect(cached).toHaveLength(12);
  });

  it('rejects bad prompts and options', async () => {
    const model = smallGpt();
    await expect(collect(generate(model, []))).rejects.toThrow(ValueError);
    await expect(collect(generate(model, [13]))).rejects.toThrow(IndexError);
    await expect(collect(generate(model, [1.5]))).rejects.toThrow(IndexError);
    await expect(collect(generate(model, [1], { stopTokens: [99] }))).rejects.toThrow(IndexError);
    await expect(collect(generate(model, [1], { temperature: -1 }))).rejects.toThrow(/temperature/);
    await expect(collect(generate(model, [1], { topP: 0 }))).rejects.toThrow(/topP/);
    await expect(collect(generate(model, [1], { topK: 1.5 }))).rejects.toThrow(/topK/);
    await expect(collect(generate(model, [1], { repetitionPenalty: 0 }))).rejects.toThrow(
      /repetitionPenalty/,
    );
    await expect(collect(generate(model, [1], { maxNewTokens: -1 }))).rejects.toThrow(/maxNewTokens/);
    await expect(collect(generate(new FixedLogits([0, Number.NaN]), [0]))).rejects.toThrow(/NaN/);
  });
});

describe('generateText', () => {
  const tok = CharTokenizer.fromCorpus('abc .\n');

  it('decodes the completion and stops at a one-character stop string', async () => {
    // Vocabulary: '\n', ' ', '.', 'a', 'b', 'c'; the model always prefers 'b'.
    const model = new FixedLogits([0, 0, 0, 0, 3, 0]);
    expect(await generateText(model, tok, 'a', { greedy: true, maxNewTokens: 3 })).toBe('bbb');
    const stopAtB = await generateText(model, tok, 'a', { greedy: true, stopTokens: ['b'] });
    expect(stopAtB).toBe('');
    const withStop = await generateText(model, tok, 'a', {
      greedy: true,
      stopTokens: ['b'],
      includeStopToken: true,
    });
    expect(withStop).toBe('b');
  });

  it('samples text from a GPT reproducibly', async () => {
    manualSeed(0);
    const model = new GPT({ vocabSize: tok.vocabSize, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 });
    const a = await generateText(model, tok, 'ab', { maxNewTokens: 20, seed: 9, topK: 4 });
    const b = await generateText(model, tok, 'ab', { maxNewTokens: 20, seed: 9, topK: 4 });
    expect(a).toBe(b);
    expect([...a].every((ch) => 'abc .\n'.includes(ch))).toBe(true);
    expect(a.length).toBe(20);
  });

  it('rejects unknown characters in the prompt and multi-token stop strings', async () => {
    const model = new FixedLogits([0, 0, 0, 0, 3, 0]);
    await expect(generateText(model, tok, 'xyz')).rejects.toThrow(ValueError);
    await expect(generateText(model, tok, 'a', { stopTokens: ['ab'] })).rejects.toThrow(/exactly one token/);
  });
});

describe('sampling helpers', () => {
  it('applyTopK keeps ties at the boundary; applyTopP keeps at least one token', () => {
    const l = Float64Array.from([1, 3, 3, 2]);
    applyTopK(l, 1);
    expect([...l]).toEqual([-Infinity, 3, 3, -Infinity]);
    const p = Float64Array.from([10, 0, 0]);
    applyTopP(p, 0.01);
    expect([...p]).toEqual([10, -Infinity, -Infinity]);
  });

  it('applyRepetitionPenalty divides positive and multiplies negative logits', () => {
    const l = Float64Array.from([2, -2, 1]);
    applyRepetitionPenalty(l, [0, 1], 2);
    expect([...l]).toEqual([1, -4, 1]);
  });

  it('selectToken applies the temperature before sampling', () => {
    const row = [0, Math.log(3)]; // probabilities 1/4, 3/4
    expect(selectToken(row, [], {}, () => 0.24)).toBe(0);
    expect(selectToken(row, [], {}, () => 0.26)).toBe(1);
    // Temperature 0.5 squares the odds: 1/10, 9/10.
    expect(selectToken(row, [], { temperature: 0.5 }, () => 0.09)).toBe(0);
    expect(selectToken(row, [], { temperature: 0.5 }, () => 0.11)).toBe(1);
  });
});
