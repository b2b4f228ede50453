/** Batch normalisation layers: `BatchNorm1d` and `BatchNorm2d`. */
import { noGrad } from '@kindling/autograd';
import { ShapeError, type Tensor, ValueError, ones, zeros } from '@kindling/core';
import { batchNorm } from '../functional/normalization.js';
import { ones_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type FactoryOptions, newParameter } from './common.js';
import { fmtShape, pyBool, pyFloat } from './format.js';

/** Options of the batch-norm layers. */
export interface BatchNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /**
   * Weight of each new batch in the running statistics (default 0.1); `null` gives a cumulative
   * (equal-weight) average over all batches seen.
   */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/** State and forward shared by the batch-norm layers. */
abstract class BatchNormBase extends Module {
  /** Per-channel scale (null without `affine`). */
  weight: Parameter | null = null;
  /** Per-channel shift (null without `affine`). */
  bias: Parameter | null = null;
  /** Added to the variance. */
  readonly eps: number;
  /** Running-average momentum, or null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether there are learnable scale and shift. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;

  protected constructor(
    protected readonly layer: string,
    /** Number of channels `C`. */
    readonly numFeatures: number,
    options?: BatchNormOptions,
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0)
      throw new ValueError(`${layer}: numFeatures must be a positive integer, got ${String(numFeatures)}`);
    this.eps = options?.eps ?? 1e-5;
    this.momentum = options?.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options?.affine ?? true;
    this.trackRunningStats = options?.trackRunningStats ?? true;
    if (this.affine) {
      this.weight = newParameter([numFeatures], options);
      this.bias = newParameter([numFeatures], options);
    }
    const f = { dtype: options?.dtype, device: options?.device };
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], f));
      this.registerBuffer('running_var', ones([numFeatures], f));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32', device: options?.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  /** The running mean buffer (null without `trackRunningStats`). */
  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean') ?? null;
  }
  /** The running (unbiased) variance buffer (null without `trackRunningStats`). */
  get runningVar(): Tensor | null {
    return this.getBuffer('running_var') ?? null;
  }
  /** How many training batches updated the running statistics (int32, 0-d). */
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer('num_batches_tracked') ?? null;
  }

  /** Resets the running statistics to mean 0, variance 1 and zero batches. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  /** Resets the running statistics and the affine parameters (weight 1, bias 0). */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  /** Throws unless the input has the dims this layer accepts. */
  protected abstract checkInputDim(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInputDim(x);
    if (x.shape[1] !== this.numFeatures)
      throw new ShapeError(
        `${this.layer}: expected input with ${this.numFeatures} channels in dim 1 (numFeatures=${this.numFeatures}), but got shape ${fmtShape(x.shape)}`,
      );
    let factor: number | Tensor = this.momentum ?? 0;
    const nbt = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && nbt) {
      noGrad(() => nbt.add_(1));
      if (this.momentum === null) factor = noGrad(() => nbt.to(x.dtype).reciprocal());
    }
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    const m = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` (`nn.BatchNorm1d`): in training, normalises each
 * channel with the batch's statistics and updates the running mean and unbiased variance; in eval,
 * uses the running statistics.
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super('BatchNorm1d', numFeatures, options);
  }
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3)
      throw new ShapeError(
        `BatchNorm1d: expected 2D or 3D input [N, C] or [N, C, L] (got ${x.ndim}D input of shape ${fmtShape(x.shape)})`,
      );
  }
}

/** Batch normalisation over `[N, C, H, W]` (`nn.BatchNorm2d`); see `BatchNorm1d`. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super('BatchNorm2d', numFeatures, options);
  }
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 4)
      throw new ShapeError(
        `BatchNorm2d: expected 4D input [N, C, H, W] (got ${x.ndim}D input of shape ${fmtShape(x.shape)})`,
      );
  }
}
