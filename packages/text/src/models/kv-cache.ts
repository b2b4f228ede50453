/** The key-value cache of a decoder-only transformer. */
import { noGrad } from '@kindling/autograd';
import { ShapeError, type Tensor, ValueError, zeros } from '@kindling/core';
import { checkInt, fmtShape } from './common.js';
import type { LanguageModelCache } from './types.js';

/**
 * Keys and values of every attention layer for the tokens seen so far, so that each new token
 * only computes its own query, key and value and attends over the stored ones: O(1) new
 * projections per token instead of re-running the whole prefix.
 *
 * Storage is preallocated per layer as `[batch, heads, maxLength, headDim]` (on the first write,
 * in the keys' dtype and device) and filled in place; a layer reads the first `length + new`
 * positions as views. The cache is for inference: writes happen without gradient tracking, so
 * gradients do not flow into earlier tokens' keys and values. Create one with `model.createCache()`.
 */
export class KVCache implements LanguageModelCache {
  private readonly keys: (Tensor | null)[];
  private readonly values: (Tensor | null)[];
  private len = 0;

  constructor(
    /** Number of attention layers. */
    readonly numLayers: number,
    /** Most tokens the cache holds (the model's block size). */
    readonly maxLength: number,
    /** Number of sequences decoded together. */
    readonly batch = 1,
  ) {
    checkInt('KVCache', 'numLayers', numLayers, 1);
    checkInt('KVCache', 'maxLength', maxLength, 1);
    checkInt('KVCache', 'batch', batch, 1);
    this.keys = new Array(numLayers).fill(null);
    this.values = new Array(numLayers).fill(null);
  }

  /** Number of tokens stored. */
  get length(): number {
    return this.len;
  }

  /** Forgets every token; the storage is kept for reuse. */
  reset(): void {
    this.len = 0;
  }

  /**
   * Writes layer `layer`'s keys and values `[batch, heads, t, headDim]` of `t` new tokens after the
   * stored ones and returns the keys and values of all `length + t` tokens (views). Call `advance(t)`
   * once every layer has been updated.
   */
  update(layer: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.numLayers)
      throw new ValueError(`KVCache.update: layer must be in [0, ${this.numLayers}), got ${layer}`);
    if (k.ndim !== 4 || v.ndim !== 4 || k.shape.some((s, i) => s !== v.shape[i]))
      throw new ShapeError(
        `KVCache.update: expected keys and values of the same shape [batch, heads, seq, headDim], got ${fmtShape(k.shape)} and ${fmtShape(v.shape)}`,
      );
    const [b, h, t, d] = k.shape;
    if (b !== this.batch)
      throw new ShapeError(
        `KVCache.update: the cache holds ${this.batch} sequence(s), but got a batch of ${b}`,
      );
    if (this.len + t > this.maxLength)
      throw new ShapeError(
        `KVCache.update: ${this.len} cached + ${t} new tokens exceed the cache's maxLength ${this.maxLength}`,
      );
    let kBuf = this.keys[layer];
    let vBuf = this.values[layer];
    if (!kBuf || !vBuf || kBuf.shape[1] !== h || kBuf.shape[3] !== d || kBuf.dtype !== k.dtype) {
      if (this.len > 0 && kBuf)
        throw new ShapeError(
          `KVCache.update: layer ${layer} stores keys of shape ${fmtShape(kBuf.shape)} (${kBuf.dtype}), but got ${fmtShape(k.shape)} (${k.dtype})`,
        );
      const opts = { dtype: k.dtype, device: k.device };
      kBuf = zeros([b, h, this.maxLength, d], opts);
      vBuf = zeros([b, h, this.maxLength, d], opts);
      this.keys[layer] = kBuf;
      this.values[layer] = vBuf;
    }
    const [kb, vb] = [kBuf, vBuf];
    noGrad(() => {
      kb.narrow(2, this.len, t).copy_(k);
      vb.narrow(2, this.len, t).copy_(v);
    });
    return [kb.narrow(2, 0, this.len + t), vb.narrow(2, 0, this.len + t)];
  }

  /** Marks `t` more tokens as stored (after every layer's `update`). */
  advance(t: number): void {
    if (!Number.isInteger(t) || t < 0 || this.len + t > this.maxLength)
      throw new ValueError(
        `KVCache.advance: cannot advance ${this.len} cached tokens by ${t} (maxLength ${this.maxLength})`,
      );
    this.len += t;
  }
}
