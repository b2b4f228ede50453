/** The `Embedding` layer: a trainable lookup table. */
import { noGrad } from '@kindling/autograd';
import { DTypeError, embedding, ShapeError, type Tensor, ValueError, where } from '@kindling/core';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { type FactoryOptions, newParameter } from './common.js';
import { fmtShape, pyFloat } from './format.js';

/** Options of `Embedding`. */
export interface EmbeddingOptions extends FactoryOptions {
  /** This row is initialised to zeros and receives no gradient (a padding token). Negative counts from the end. */
  paddingIdx?: number | null;
  /** Rows looked up are renormalised in place to at most this `normType`-norm. */
  maxNorm?: number | null;
  /** The p of the norm used with `maxNorm` (default 2). */
  normType?: number;
  /** Use this `[numEmbeddings, embeddingDim]` tensor as the weight instead of a random one. */
  weight?: Tensor;
}

/**
 * A lookup table (`nn.Embedding`): int32 indices of any shape give `[...shape, embeddingDim]`
 * rows of `weight` (`[numEmbeddings, embeddingDim]`, initialised N(0, 1)).
 */
export class Embedding extends Module {
  /** The `[numEmbeddings, embeddingDim]` table. */
  weight: Parameter;
  /** The padding row (normalised to be non-negative), or null. */
  readonly paddingIdx: number | null;
  /** Renormalisation bound, or null. */
  readonly maxNorm: number | null;
  /** The p of the renormalisation norm. */
  readonly normType: number;

  constructor(
    /** Number of rows. */
    readonly numEmbeddings: number,
    /** Size of each row. */
    readonly embeddingDim: number,
    options?: EmbeddingOptions,
  ) {
    super();
    for (const [name, v] of [
      ['numEmbeddings', numEmbeddings],
      ['embeddingDim', embeddingDim],
    ] as const)
      if (!Number.isInteger(v) || v < 0)
        throw new ValueError(`Embedding: ${name} must be a non-negative integer, got ${String(v)}`);
    let pad = options?.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings)
        throw new ValueError(
          `Embedding: paddingIdx must be within [${-numEmbeddings}, ${numEmbeddings - 1}], got ${pad}`,
        );
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.maxNorm = options?.maxNorm ?? null;
    this.normType = options?.normType ?? 2;
    if (options?.weight) {
      const w = options.weight;
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim)
        throw new ShapeError(
          `Embedding: weight must have shape [${numEmbeddings}, ${embeddingDim}], but got ${fmtShape(w.shape)}`,
        );
      this.weight = new Parameter(w.detach());
    } else {
      this.weight = newParameter([numEmbeddings, embeddingDim], options);
      this.resetParameters();
    }
  }

  /**
   * An embedding whose weight is `embeddings` (`nn.Embedding.from_pretrained`); frozen (no
   * gradient) unless `freeze` is false.
   */
  static fromPretrained(
    embeddings: Tensor,
    options?: { freeze?: boolean; paddingIdx?: number | null; maxNorm?: number | null; normType?: number },
  ): Embedding {
    if (embeddings.ndim !== 2)
      throw new ShapeError(
        `Embedding.fromPretrained: embeddings must be 2-D, but got ${fmtShape(embeddings.shape)}`,
      );
    const e = new Embedding(embeddings.shape[0], embeddings.shape[1], { ...options, weight: embeddings });
    e.weight.requiresGrad = !(options?.freeze ?? true);
    return e;
  }

  /** Re-draws the weight from N(0, 1) and zeroes the padding row. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const row = this.paddingIdx;
      noGrad(() => this.weight.select(0, row).zero_());
    }
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32')
      throw new DTypeError(`Embedding: expected int32 indices, but got ${indices.dtype}`);
    if (this.maxNorm !== null) this.renorm(indices);
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  /** Scales the looked-up rows whose norm exceeds `maxNorm` down to it, in place (no gradient). */
  private renorm(indices: Tensor): void {
    const maxNorm = this.maxNorm as number;
    noGrad(() => {
      // Repeated indices scatter identical rows, so no `unique` is needed: that would read the
      // indices back synchronously, which a GPU cannot.
      const idx = indices.reshape([-1]);
      if (idx.numel === 0) return;
      const rows = this.weight.indexSelect(0, idx);
      const norms = rows.norm(this.normType, 1, { keepdim: true });
      const scale = where(norms.gt(maxNorm), norms.add(1e-7).reciprocal().mul(maxNorm), 1);
      const index = idx.reshape([-1, 1]).expand([idx.numel, this.embeddingDim]).contiguous();
      this.weight.copy_(this.weight.scatter(0, index, rows.mul(scale)));
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    return s;
  }
}
