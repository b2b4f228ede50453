/**
 * `MultiheadAttention` (`nn.MultiheadAttention`, PyTorch 1.13 semantics), a composite of core ops:
 * the in-projections, `softmax(Q Kᵀ / √headDim + mask) V` per head, and the out-projection.
 */
import {
  cat,
  DTypeError,
  dropout,
  isFloating,
  linear,
  pad,
  scaledDotProductAttention,
  ShapeError,
  type Tensor,
  ValueError,
  where,
  zeros,
} from '@kindling/core';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type FactoryOptions, newParameter } from './common.js';
import { fmtShape } from './format.js';
import { Linear } from './linear.js';

const NAME = 'MultiheadAttention';

/**
 * The out-projection of `MultiheadAttention`: a `Linear` under PyTorch's class name, so printed
 * modules match PyTorch's.
 */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** Options of `MultiheadAttention`. */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout probability on the attention weights, when training (default 0). */
  dropout?: number;
  /** Learn input and output projection biases (default true). */
  bias?: boolean;
  /** Learn a bias appended to the key and value sequences, `bias_k` and `bias_v` (default false). */
  addBiasKv?: boolean;
  /** Append a zero key and value to the sequences after projection (default false). */
  addZeroAttn?: boolean;
  /** Features of the keys (default `embedDim`); if it differs, separate projection weights are used. */
  kdim?: number | null;
  /** Features of the values (default `embedDim`); if it differs, separate projection weights are used. */
  vdim?: number | null;
  /** Inputs and output are `[batch, seq, feature]` instead of `[seq, batch, feature]` (default false). */
  batchFirst?: boolean;
}

/** Options of `MultiheadAttention.forward` (PyTorch's keyword arguments). */
export interface MultiheadAttentionForwardOptions {
  /**
   * `[batch, S]` (`[S]` unbatched): bool, true = this key is padding and is ignored; or float,
   * added to the scores.
   */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights (default true); while training they are the ones after dropout, as in PyTorch 1.13. */
  needWeights?: boolean;
  /**
   * `[L, S]` or `[batch * numHeads, L, S]`: bool, true = this position may not be attended; or
   * float, added to the scores (e.g. `generateSquareSubsequentMask(L)`).
   */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true); otherwise they are per head. */
  averageAttnWeights?: boolean;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** A bool mask as an additive float mask (true → -inf); a float mask cast to `dtype`. */
function additive(mask: Tensor, dtype: Tensor['dtype']): Tensor {
  if (mask.dtype === 'bool') return where(mask, -Infinity, zeros([], { dtype, device: mask.device }));
  return mask.dtype === dtype ? mask : mask.to(dtype);
}

/**
 * Multi-head attention (`nn.MultiheadAttention`): projects queries, keys and values with
 * `in_proj_weight` `[3 * embedDim, embedDim]` (or `q_proj_weight`, `k_proj_weight`,
 * `v_proj_weight` when `kdim`/`vdim` differ) and `in_proj_bias`, attends in `numHeads` heads of
 * `embedDim / numHeads` features, and projects back with `out_proj`. `forward(query, key, value,
 * options)` takes `[L, batch, embedDim]` queries and `[S, batch, kdim|vdim]` keys/values (batch
 * first with `batchFirst`, or unbatched 2-D) and returns `[output, weights]`: weights `[batch, L, S]`
 * averaged over heads (or `[batch, numHeads, L, S]`), null unless `needWeights`.
 */
export class MultiheadAttention extends Module {
  /** Query projection (only when `kdim`/`vdim` differ from `embedDim`). */
  q_proj_weight: Parameter | null = null;
  /** Key projection `[embedDim, kdim]` (only when `kdim`/`vdim` differ from `embedDim`). */
  k_proj_weight: Parameter | null = null;
  /** Value projection `[embedDim, vdim]` (only when `kdim`/`vdim` differ from `embedDim`). */
  v_proj_weight: Parameter | null = null;
  /** Packed query/key/value projection `[3 * embedDim, embedDim]` (when all dims agree). */
  in_proj_weight: Parameter | null = null;
  /** Packed projection bias `[3 * embedDim]`, or null. */
  in_proj_bias: Parameter | null = null;
  /** Bias appended to the keys `[1, 1, embedDim]`, or null. */
  bias_k: Parameter | null = null;
  /** Bias appended to the values `[1, 1, embedDim]`, or null. */
  bias_v: Parameter | null = null;
  /** Output projection. */
  out_proj: NonDynamicallyQuantizableLinear;
  /** Features of the keys. */
  readonly kdim: number;
  /** Features of the values. */
  readonly vdim: number;
  /** Whether the packed `in_proj_weight` is used (`kdim === vdim === embedDim`). */
  readonly qkvSameEmbedDim: boolean;
  /** Features per head. */
  readonly headDim: number;
  /** Dropout probability on the attention weights. */
  readonly dropout: number;
  /** Whether inputs and output are batch-first. */
  readonly batchFirst: boolean;
  /** Whether a zero key/value is appended. */
  readonly addZeroAttn: boolean;

  constructor(
    /** Features of the queries and of the output. */
    readonly embedDim: number,
    /** Number of heads; must divide `embedDim`. */
    readonly numHeads: number,
    options?: MultiheadAttentionOptions,
  ) {
    super();
    if (!Number.isInteger(embedDim) || embedDim < 1)
      throw new ValueError(`${NAME}: embedDim must be a positive integer, got ${String(embedDim)}`);
    if (!Number.isInteger(numHeads) || numHeads < 1)
      throw new ValueError(`${NAME}: numHeads must be a positive integer, got ${String(numHeads)}`);
    if (embedDim % numHeads !== 0)
      throw new ValueError(`${NAME}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    const p = options?.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ValueError(`${NAME}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
    this.kdim = options?.kdim ?? embedDim;
    this.vdim = options?.vdim ?? embedDim;
    for (const [n, v] of [
      ['kdim', this.kdim],
      ['vdim', this.vdim],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new ValueError(`${NAME}: ${n} must be a positive integer, got ${String(v)}`);
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.headDim = embedDim / numHeads;
    this.dropout = p;
    this.batchFirst = options?.batchFirst ?? false;
    this.addZeroAttn = options?.addZeroAttn ?? false;
    const bias = options?.bias ?? true;
    if (this.qkvSameEmbedDim) {
      this.in_proj_weight = newParameter([3 * embedDim, embedDim], options);
    } else {
      this.q_proj_weight = newParameter([embedDim, embedDim], options);
      this.k_proj_weight = newParameter([embedDim, this.kdim], options);
      this.v_proj_weight = newParameter([embedDim, this.vdim], options);
    }
    if (bias) this.in_proj_bias = newParameter([3 * embedDim], options);
    if (options?.addBiasKv) {
      this.bias_k = newParameter([1, 1, embedDim], options);
      this.bias_v = newParameter([1, 1, embedDim], options);
    }
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { ...options, bias });
    this.resetParameters();
  }

  /**
   * PyTorch's initialisation: Xavier-uniform projections, zero in/out projection biases,
   * Xavier-normal `bias_k` / `bias_v` (`out_proj.weight` keeps Linear's default).
   */
  resetParameters(): void {
    if (this.in_proj_weight) xavierUniform_(this.in_proj_weight);
    for (const w of [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) if (w) xavierUniform_(w);
    if (this.in_proj_bias) {
      constant_(this.in_proj_bias, 0);
      if (this.out_proj.bias) constant_(this.out_proj.bias, 0);
    }
    if (this.bias_k) xavierNormal_(this.bias_k);
    if (this.bias_v) xavierNormal_(this.bias_v);
  }

  private checkFloat(what: string, t: Tensor): void {
    const ref = this.out_proj.weight;
    if (!isFloating(t.dtype) || t.dtype !== ref.dtype)
      throw new DTypeError(
        `${NAME}: expected ${what} of dtype ${ref.dtype} (the parameters' dtype), but got ${t.dtype}`,
      );
  }

  /** Validates the inputs (PyTorch's `_mha_shape_check` and more); returns whether they are batched. */
  private checkInputs(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    kpm: Tensor | null,
    attnMask: Tensor | null,
  ): boolean {
    const { embedDim: E, kdim, vdim } = this;
    const seqLayout = (d: number | string) => (this.batchFirst ? `[batch, seq, ${d}]` : `[seq, batch, ${d}]`);
    if (query.ndim !== 2 && query.ndim !== 3)
      throw new ShapeError(
        `${NAME}: expected query of shape ${seqLayout(E)} or unbatched [seq, ${E}], but got ${fmtShape(query.shape)}`,
      );
    const batched = query.ndim === 3;
    const lead = batched ? (this.batchFirst ? 'batch, seq, ' : 'seq, batch, ') : 'seq, ';
    const inputs: [string, Tensor, number][] = [
      ['query', query, E],
      ['key', key, kdim],
      ['value', value, vdim],
    ];
    for (const [n, t, d] of inputs) {
      if (t.ndim !== query.ndim || t.shape[t.ndim - 1] !== d)
        throw new ShapeError(
          `${NAME}: expected ${n} of shape [${lead}${d}] (${batched ? 'batched 3-D' : 'unbatched 2-D'} like the query), but got ${fmtShape(t.shape)}`,
        );
      this.checkFloat(n, t);
    }
    const bdim = batched ? (this.batchFirst ? 0 : 1) : -1;
    const sdim = batched && this.batchFirst ? 1 : 0;
    const n = batched ? query.shape[bdim] : 1;
    const L = query.shape[sdim];
    const S = key.shape[sdim];
    if (value.shape[sdim] !== S || (batched && (key.shape[bdim] !== n || value.shape[bdim] !== n)))
      throw new ShapeError(
        `${NAME}: expected key and value with the same sequence length and the query's batch size, but got query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`,
      );
    if (kpm) {
      const want = batched ? [n, S] : [S];
      if (!sameShape(kpm.shape, want))
        throw new ShapeError(
          `${NAME}: expected keyPaddingMask of shape ${fmtShape(want)}, but got ${fmtShape(kpm.shape)}`,
        );
      if (kpm.dtype !== 'bool' && !isFloating(kpm.dtype))
        throw new DTypeError(
          `${NAME}: only bool and floating types of keyPaddingMask are supported, got ${kpm.dtype}`,
        );
    }
    if (attnMask) {
      const want2 = [L, S];
      const want3 = [n * this.numHeads, L, S];
      if (!sameShape(attnMask.shape, want2) && !sameShape(attnMask.shape, want3))
        throw new ShapeError(
          `${NAME}: expected attnMask of shape ${fmtShape(want2)} or ${fmtShape(want3)} (batch * numHeads, L, S), but got ${fmtShape(attnMask.shape)}`,
        );
      if (attnMask.dtype !== 'bool' && !isFloating(attnMask.dtype))
        throw new DTypeError(
          `${NAME}: only bool and floating types of attnMask are supported, got ${attnMask.dtype}`,
        );
    }
    return batched;
  }

  /** The in-projections of (seq-first, batched) query, key and value. */
  private project(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    selfAttention: boolean,
  ): [Tensor, Tensor, Tensor] {
    const E = this.embedDim;
    const b = this.in_proj_bias;
    const bq = b ? b.narrow(0, 0, E) : null;
    const bk = b ? b.narrow(0, E, E) : null;
    const bv = b ? b.narrow(0, 2 * E, E) : null;
    if (this.in_proj_weight) {
      const w = this.in_proj_weight;
      if (selfAttention) {
        const qkv = linear(query, w, b);
        return [qkv.narrow(-1, 0, E), qkv.narrow(-1, E, E), qkv.narrow(-1, 2 * E, E)];
      }
      return [
        linear(query, w.narrow(0, 0, E), bq),
        linear(key, w.narrow(0, E, E), bk),
        linear(value, w.narrow(0, 2 * E, E), bv),
      ];
    }
    return [
      linear(query, this.q_proj_weight as Tensor, bq),
      linear(key, this.k_proj_weight as Tensor, bk),
      linear(value, this.v_proj_weight as Tensor, bv),
    ];
  }

  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options?: MultiheadAttentionForwardOptions,
  ): [Tensor, Tensor | null] {
    let kpm = options?.keyPaddingMask ?? null;
    let attnMask = options?.attnMask ?? null;
    const needWeights = options?.needWeights ?? true;
    const batched = this.checkInputs(query, key, value, kpm, attnMask);
    const selfAttention = query === key && key === value;
    const H = this.numHeads;
    const hd = this.headDim;
    const E = this.embedDim;

    // Seq-first, batched: [L, N, E], [S, N, kdim], [S, N, vdim].
    if (!batched) {
      query = query.unsqueeze(1);
      key = key.unsqueeze(1);
      value = value.unsqueeze(1);
      if (kpm) kpm = kpm.unsqueeze(0);
    } else if (this.batchFirst) {
      query = query.transpose(0, 1);
      key = key.transpose(0, 1);
      value = value.transpose(0, 1);
    }
    const [L, N] = query.shape;
    let [q, k, v] = this.project(query, key, value, selfAttention);

    // Masks as [1 | N*H, L, S] and [N, S]; every appended key gets an unmasked column.
    if (attnMask && attnMask.ndim === 2) attnMask = attnMask.unsqueeze(0);
    const padKey = () => {
      if (attnMask) attnMask = pad(attnMask, [0, 1]);
      if (kpm) kpm = pad(kpm, [0, 1]);
    };
    if (this.bias_k && this.bias_v) {
      k = cat([k, this.bias_k.expand([1, N, E])], 0);
      v = cat([v, this.bias_v.expand([1, N, E])], 0);
      padKey();
    }
    // Heads: [N, H, seq, hd].
    const heads = (t: Tensor) => t.reshape([t.shape[0], N, H, hd]).permute(1, 2, 0, 3);
    q = heads(q);
    k = heads(k);
    v = heads(v);
    if (this.addZeroAttn) {
      const z = zeros([N, H, 1, hd], { dtype: k.dtype, device: k.device });
      k = cat([k, z], 2);
      v = cat([v, z], 2);
      padKey();
    }
    const S = k.shape[2];

    // One additive float mask broadcastable to [N, H, L, S].
    let mask: Tensor | null = null;
    if (attnMask) {
      const m = additive(attnMask, q.dtype);
      mask = m.shape[0] === 1 ? m.unsqueeze(0) : m.reshape([N, H, L, S]);
    }
    if (kpm) {
      const m = additive(kpm, q.dtype).reshape([N, 1, 1, S]);
      mask = mask ? mask.add(m) : m;
    }
    const p = this.training ? this.dropout : 0;

    let out: Tensor;
    let weights: Tensor | null = null;
    if (needWeights) {
      let scores = q.div(Math.sqrt(hd)).matmul(k.transpose(-2, -1));
      if (mask) scores = scores.add(mask);
      weights = scores.softmax(-1);
      // As PyTorch 1.13, the returned weights are the ones after dropout.
      if (p > 0) weights = dropout(weights, p);
      out = weights.matmul(v);
    } else {
      out = scaledDotProductAttention(q, k, v, { attnMask: mask, dropoutP: p });
    }
    // [N, H, L, hd] -> [L, N, E] -> out_proj.
    out = this.out_proj.call(out.permute(2, 0, 1, 3).reshape([L, N, E]));
    if (!batched) out = out.squeeze(1);
    else if (this.batchFirst) out = out.transpose(0, 1);
    if (weights) {
      if (options?.averageAttnWeights ?? true) weights = weights.sum(1).div(H);
      if (!batched) weights = weights.squeeze(0);
    }
    return [out, weights];
  }
}
