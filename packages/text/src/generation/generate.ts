/**
 * Autoregressive generation from a `CausalLanguageModel`, streamed token by token as an async
 * iterator, and `generateText` for a whole completion from a prompt string.
 */
import { noGrad } from '@kindling/autograd';
import {
  type DeviceName,
  Generator,
  IndexError,
  rand,
  type Tensor,
  tensor,
  ValueError,
} from '@kindling/core';
import type { CausalLanguageModel, LanguageModelCache } from '../models/types.js';
import type { Tokenizer } from '../tokenizers/types.js';
import { checkSamplingOptions, type SamplingOptions, selectToken } from './sampling.js';

/** Options of `generate`. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate (default 100). */
  maxNewTokens?: number;
  /** Generation ends when one of these ids is chosen. */
  stopTokens?: readonly number[];
  /** Yield the stop token that ended generation (default false: it is not yielded). */
  includeStopToken?: boolean;
  /** Seed of a private random stream: the same seed gives the same tokens. */
  seed?: number;
  /** Random stream to sample from (default: a seeded one with `seed`, else the global generator). */
  generator?: Generator;
  /**
   * Reuse the model's incremental state (a GPT's key-value cache) so each new token costs one
   * token's worth of compute (default true). With false every step re-runs the whole context.
   */
  useCache?: boolean;
}

/** The device of a module's first parameter (`cpu` for anything else). */
function deviceOf(model: unknown): DeviceName {
  const params = (model as { parameters?: () => Iterator<Tensor> }).parameters;
  const first = typeof params === 'function' ? params.call(model).next().value : undefined;
  return (first as Tensor | undefined)?.device ?? 'cpu';
}

function checkIds(op: string, what: string, ids: ArrayLike<number>, vocabSize: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
      throw new IndexError(
        `${op}: ${what}[${i}] = ${String(id)} is not a token id of the model (valid ids are 0..${vocabSize - 1})`,
      );
  }
}

/** Logits of the last position after feeding `ids` (continuing `cache` when given), on the host. */
async function lastLogits(
  model: CausalLanguageModel,
  ids: readonly number[],
  cache: LanguageModelCache | null,
  device: DeviceName,
): Promise<Float32Array | Float64Array> {
  const row = noGrad(() => {
    const x = tensor([ids as number[]], { dtype: 'int32', device });
    const logits = model.call(x, cache ? { cache } : undefined);
    return logits.select(1, ids.length - 1).select(0, 0);
  });
  return (await row.data()) as Float32Array | Float64Array;
}

/** Lets other tasks (rendering, I/O) run between tokens. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Generates up to `maxNewTokens` token ids after `prompt`, yielding each as soon as it is chosen:
 *
 * ```ts
 * for await (const id of generate(model, tokenizer.encode('Call me'), { temperature: 0.8, topK: 40, seed: 1 }))
 *   process.stdout.write(tokenizer.decode([id]));
 * ```
 *
 * Each step applies the repetition penalty, temperature, top-k and top-p to the last position's
 * logits and samples (or takes the argmax when greedy / `temperature: 0`), with a seeded
 * `Generator` when `seed` is given. A chosen stop token ends generation (and is yielded only with
 * `includeStopToken`). The model is put in eval mode while generating and restored afterwards
 * (when the loop finishes or is left with `break`). A model with a bounded context (a GPT's block
 * size) sees the last `contextLength` tokens, as nanoGPT crops: once the cache is full, each step
 * re-runs that window.
 */
export async function* generate(
  model: CausalLanguageModel,
  prompt: ArrayLike<number>,
  options?: GenerateOptions,
): AsyncGenerator<number, void, undefined> {
  const op = 'generate';
  const o = options ?? {};
  checkSamplingOptions(op, o);
  const maxNewTokens = o.maxNewTokens ?? 100;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0)
    throw new ValueError(`${op}: maxNewTokens must be an integer >= 0, got ${String(maxNewTokens)}`);
  if (prompt.length === 0)
    throw new ValueError(`${op}: the prompt must hold at least one token (the model needs a context)`);
  const vocab = model.vocabSize;
  checkIds(op, 'prompt', prompt, vocab);
  const stops = new Set(o.stopTokens ?? []);
  checkIds(op, 'stopTokens', [...stops], vocab);
  if (o.seed !== undefined && !Number.isInteger(o.seed))
    throw new ValueError(`${op}: seed must be an integer, got ${String(o.seed)}`);
  const gen = o.generator ?? (o.seed !== undefined ? new Generator(o.seed) : undefined);
  const uniform = () => rand([], { dtype: 'float64', generator: gen }).itemSync() as number;

  const tokens = Array.from(prompt);
  const seen = new Set(tokens);
  const ctx = model.contextLength;
  const window = () => (ctx === null || tokens.length <= ctx ? tokens : tokens.slice(tokens.length - ctx));
  const device = deviceOf(model);
  const cache = o.useCache === false ? null : model.createCache();
  const wasTraining = model.training;
  model.train(false);
  try {
    if (maxNewTokens === 0) return;
    let logits = await lastLogits(model, window(), cache, device);
    for (let step = 0; step < maxNewTokens; step++) {
      if (logits.length !== vocab)
        throw new ValueError(
          `${op}: the model returned ${logits.length} logits, but its vocabSize is ${vocab}`,
        );
      const next = selectToken(logits, seen, o, uniform);
      const stop = stops.has(next);
      if (stop && !o.includeStopToken) return;
      yield next;
      if (stop || step === maxNewTokens - 1) return;
      tokens.push(next);
      seen.add(next);
      await yieldToEventLoop();
      if (cache && (ctx === null || cache.length < ctx)) {
        logits = await lastLogits(model, [next], cache, device);
      } else {
        cache?.reset();
        logits = await lastLogits(model, window(), cache, device);
      }
    }
  } finally {
    model.train(wasTraining);
  }
}

/** Options of `generateText`. */
export interface GenerateTextOptions extends Omit<GenerateOptions, 'stopTokens'> {
  /**
   * Ids, or texts that are one token each (a special token, or a single character for a character
   * tokenizer), that end generation.
   */
  stopTokens?: readonly (number | string)[];
}

/**
 * Encodes `prompt` with `tokenizer`, generates with `generate` and returns the decoded completion
 * (without the prompt). Unknown characters in the prompt and multi-token stop strings throw.
 */
export async function generateText(
  model: CausalLanguageModel,
  tokenizer: Tokenizer,
  prompt: string,
  options?: GenerateTextOptions,
): Promise<string> {
  const stopTokens = (options?.stopTokens ?? []).map((s) => {
    if (typeof s === 'number') return s;
    const special = tokenizer.specialTokens.get(s);
    if (special !== undefined) return special;
    const ids = tokenizer.encode(s, { disallowedSpecial: [] });
    if (ids.length !== 1)
      throw new ValueError(
        `generateText: stop token ${JSON.stringify(s)} encodes to ${ids.length} tokens; a stop token must be exactly one token`,
      );
    return ids[0];
  });
  const ids: number[] = [];
  for await (const id of generate(model, tokenizer.encode(prompt), { ...options, stopTokens })) ids.push(id);
  return tokenizer.decode(ids);
}
