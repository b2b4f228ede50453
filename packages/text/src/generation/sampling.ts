/**
 * Next-token selection from one row of logits, on the host: repetition penalty, temperature,
 * top-k and top-p (nucleus) filtering, then greedy choice or sampling. The steps and their order
 * are Hugging Face's `generate` (repetition penalty, temperature, top-k, top-p).
 */
import { ValueError } from '@kindling/core';

/** How the next token is chosen. */
export interface SamplingOptions {
  /**
   * Divides the logits before sampling (default 1). Lower is more conservative; 0 means greedy
   * (always the most likely token).
   */
  temperature?: number;
  /** Always take the most likely token (default false; same as `temperature: 0`). */
  greedy?: boolean;
  /** Sample only among the `topK` most likely tokens (ties at the boundary are kept); 0 or absent: no limit. */
  topK?: number;
  /**
   * Nucleus sampling: sample only among the most likely tokens whose probabilities add up to at
   * least `topP` (at least one token is kept). 1 or absent: no limit.
   */
  topP?: number;
  /**
   * CTRL's repetition penalty (default 1: none): the logit of every token already in the sequence
   * (prompt included) is divided by it when positive and multiplied by it when negative.
   */
  repetitionPenalty?: number;
}

/** Checks sampling options; throws a `ValueError` naming the bad one. */
export function checkSamplingOptions(op: string, o: SamplingOptions): void {
  const t = o.temperature ?? 1;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
    throw new ValueError(`${op}: temperature must be a finite number >= 0, got ${String(t)}`);
  const k = o.topK ?? 0;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0)
    throw new ValueError(`${op}: topK must be an integer >= 0 (0: no limit), got ${String(k)}`);
  const p = o.topP ?? 1;
  if (typeof p !== 'number' || !(p > 0 && p <= 1))
    throw new ValueError(`${op}: topP must be in (0, 1], got ${String(p)}`);
  const r = o.repetitionPenalty ?? 1;
  if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0)
    throw new ValueError(`${op}: repetitionPenalty must be a finite number > 0, got ${String(r)}`);
}

/** Index of the largest value (the first one on ties, as `argmax`); NaN never wins. */
export function argmaxOf(values: ArrayLike<number>): number {
  let best = 0;
  let bestV = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > bestV) {
      bestV = values[i];
      best = i;
    }
  }
  return best;
}

/** Applies the repetition penalty in place to the logits of the tokens in `seen`. */
export function applyRepetitionPenalty(logits: Float64Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of seen) {
    const l = logits[id];
    logits[id] = l > 0 ? l / penalty : l * penalty;
  }
}

/** Sets every logit below the `k`-th largest to -Infinity, in place (ties with it are kept). */
export function applyTopK(logits: Float64Array, k: number): void {
  if (k <= 0 || k >= logits.length) return;
  const sorted = Float64Array.from(logits).sort(); // ascending, NaN last
  const kth = sorted[logits.length - k];
  for (let i = 0; i < logits.length; i++) if (!(logits[i] >= kth)) logits[i] = Number.NEGATIVE_INFINITY;
}

/**
 * Keeps the smallest set of most likely tokens whose probability reaches `p` (a token is kept when
 * the tokens ranked above it hold less than `p`); the others become -Infinity, in place.
 */
export function applyTopP(logits: Float64Array, p: number): void {
  if (p >= 1) return;
  const probs = softmaxOf(logits);
  const order = Array.from(logits.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  let cum = 0;
  let i = 0;
  for (; i < order.length; i++) {
    if (cum >= p && i > 0) break;
    cum += probs[order[i]];
  }
  for (; i < order.length; i++) logits[order[i]] = Number.NEGATIVE_INFINITY;
}

/** Probabilities of `logits` (a stable softmax); -Infinity logits get probability 0. */
export function softmaxOf(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = logits[i] === Number.NEGATIVE_INFINITY ? 0 : Math.exp(logits[i] - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * Chooses the next token from one row of logits: penalises `seen` tokens, then either takes the
 * argmax (greedy or temperature 0) or applies temperature, top-k and top-p and samples with the
 * uniform draw `u` in [0, 1) (inverse CDF over the token ids in order).
 */
export function selectToken(
  row: ArrayLike<number>,
  seen: Iterable<number>,
  options: SamplingOptions,
  u: () => number,
): number {
  const logits = Float64Array.from(row);
  for (let i = 0; i < logits.length; i++)
    if (Number.isNaN(logits[i]))
      throw new ValueError(`generate: the model produced a NaN logit (token ${i})`);
  applyRepetitionPenalty(logits, seen, options.repetitionPenalty ?? 1);
  const temperature = options.temperature ?? 1;
  if (options.greedy || temperature === 0) return argmaxOf(logits);
  if (temperature !== 1) for (let i = 0; i < logits.length; i++) logits[i] /= temperature;
  applyTopK(logits, options.topK ?? 0);
  applyTopP(logits, options.topP ?? 1);
  const probs = softmaxOf(logits);
  const target = u();
  let cum = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    cum += probs[i];
    last = i;
    if (target < cum) return i;
  }
  // Rounding left `cum` a hair below 1: the last token that can be drawn.
  return last >= 0 ? last : argmaxOf(logits);
}
