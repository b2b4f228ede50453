/**
 * `scaledDotProductAttention` (the semantics of PyTorch 2's
 * `F.scaled_dot_product_attention`): `softmax(q @ k^T * scale + mask) @ v`, as a composite of
 * matmul, softmax and dropout.
 */
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { transpose } from '../views.js';
import { add, mul, where } from './elementwise.js';
import { fromHost } from './creation.js';
import { matmul } from './linalg.js';
import { dropout } from './random.js';
import { softmax } from './reduce.js';

/** Options of `scaledDotProductAttention`. */
export interface AttentionOptions {
  /**
   * Broadcastable to `[..., L, S]`: a bool mask (true = attend, false = masked out) or a float
   * mask added to the scores.
   */
  attnMask?: Tensor | null;
  /** Apply a causal mask (query i attends to keys 0..i); not together with `attnMask`. */
  isCausal?: boolean;
  /** Dropout probability on the attention weights (default 0). */
  dropoutP?: number;
  /** Score scale (default `1 / sqrt(E)`). */
  scale?: number | null;
}

/**
 * Attention of queries `q` `[..., L, E]` over keys `k` `[..., S, E]` and values `v` `[..., S, Ev]`
 * (leading dims broadcast), returning `[..., L, Ev]`. A query whose keys are all masked out gets
 * NaN, as PyTorch's reference math.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options?: AttentionOptions,
): Tensor {
  const op = 'scaledDotProductAttention';
  for (const [name, t] of [
    ['query', q],
    ['key', k],
    ['value', v],
  ] as const) {
    if (t.ndim < 2)
      throw new ShapeError(
        `${op}: expected ${name} with at least 2 dims [..., seq, dim], got shape ${fmtShape(t.shape)}`,
      );
    if (t.dtype !== 'float32' && t.dtype !== 'float64') {
      throw new DTypeError(`${op}: expected a float32 or float64 ${name}, but got ${t.dtype}`);
    }
    if (t.dtype !== q.dtype)
      throw new DTypeError(
        `${op}: query, key and value must share a dtype, got ${q.dtype}, ${k.dtype}, ${v.dtype}`,
      );
  }
  const e = q.shape[q.ndim - 1];
  if (k.shape[k.ndim - 1] !== e) {
    throw new ShapeError(
      `${op}: query and key must have the same embedding size (last dim), got shapes ${fmtShape(q.shape)} and ${fmtShape(k.shape)}`,
    );
  }
  if (k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new ShapeError(
      `${op}: key and value must have the same sequence length (dim -2), got shapes ${fmtShape(k.shape)} and ${fmtShape(v.shape)}`,
    );
  }
  const mask = options?.attnMask ?? null;
  if (options?.isCausal && mask) {
    throw new ValueError(`${op}: an explicit attnMask must not be set when isCausal is true`);
  }
  const p = options?.dropoutP ?? 0;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new ValueError(`${op}: dropoutP must be in [0, 1], got ${String(p)}`);
  }
  const scale = options?.scale ?? 1 / Math.sqrt(e);
  let scores = mul(matmul(q, transpose(k, -2, -1)), scale);
  const l = q.shape[q.ndim - 2];
  const s = k.shape[k.ndim - 2];
  if (options?.isCausal) {
    const keep = new Uint8Array(l * s);
    for (let i = 0; i < l; i++) keep.fill(1, i * s, i * s + Math.min(i + 1, s));
    scores = where(fromHost(keep, [l, s], 'bool', { device: q.device }), scores, -Infinity);
  } else if (mask) {
    if (mask.dtype === 'bool') scores = where(mask, scores, -Infinity);
    else if (mask.dtype === 'float32' || mask.dtype === 'float64')
      scores = add(scores, mask.dtype === scores.dtype ? mask : mask.to(scores.dtype));
    else throw new DTypeError(`${op}: attnMask must be bool or floating, got ${mask.dtype}`);
  }
  let weights = softmax(scores, -1);
  if (p > 0) weights = dropout(weights, p);
  return matmul(weights, v);
}
