/** Pooling layers: `MaxPool2d`, `AvgPool2d` and `AdaptiveAvgPool2d`. */
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type Tensor } from '@kindling/core';
import { Module } from '../module.js';
import { pyBool, pySize } from './format.js';

/** A size: one number for both spatial dims, or one per dim. */
export type Size2 = number | readonly number[];

/** Max pooling's values and the int32 positions of the maxima in each flattened `H*W` input plane. */
export interface PooledWithIndices {
  /** The pooled values. */
  values: Tensor;
  /** Flat indices of the maxima. */
  indices: Tensor;
}

/** Options of `MaxPool2d`. */
export interface MaxPool2dOptions<R extends boolean> {
  /** Step between windows (default: the kernel size). */
  stride?: Size2 | null;
  /** Implicit -inf padding on both sides (default 0). */
  padding?: Size2;
  /** Spacing between window elements (default 1). */
  dilation?: Size2;
  /** Also return the indices of the maxima (default false). */
  returnIndices?: R;
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
}

/** 2-D max pooling (`nn.MaxPool2d`) over `[N, C, H, W]` or `[C, H, W]`. */
export class MaxPool2d<R extends boolean = false> extends Module {
  /** Step between windows. */
  readonly stride: Size2;
  /** Implicit padding. */
  readonly padding: Size2;
  /** Spacing between window elements. */
  readonly dilation: Size2;
  /** Whether `forward` returns `{ values, indices }`. */
  readonly returnIndices: R;
  /** Whether the output size rounds up. */
  readonly ceilMode: boolean;

  constructor(
    /** Window size. */
    readonly kernelSize: Size2,
    options?: MaxPool2dOptions<R>,
  ) {
    super();
    this.stride = options?.stride ?? kernelSize;
    this.padding = options?.padding ?? 0;
    this.dilation = options?.dilation ?? 1;
    this.returnIndices = (options?.returnIndices ?? false) as R;
    this.ceilMode = options?.ceilMode ?? false;
  }

  forward(x: Tensor): R extends true ? PooledWithIndices : Tensor {
    const opts = {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    };
    const out = this.returnIndices
      ? maxPool2d(x, this.kernelSize, { ...opts, returnIndices: true })
      : maxPool2d(x, this.kernelSize, opts);
    return out as R extends true ? PooledWithIndices : Tensor;
  }

  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}, dilation=${pySize(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** Options of `AvgPool2d`. */
export interface AvgPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2 | null;
  /** Implicit zero padding on both sides (default 0). */
  padding?: Size2;
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide by this instead of the window size. */
  divisorOverride?: number | null;
}

/** 2-D average pooling (`nn.AvgPool2d`) over `[N, C, H, W]` or `[C, H, W]`. */
export class AvgPool2d extends Module {
  /** Step between windows. */
  readonly stride: Size2;
  /** Implicit padding. */
  readonly padding: Size2;
  /** Whether the output size rounds up. */
  readonly ceilMode: boolean;
  /** Whether padding counts in the divisor. */
  readonly countIncludePad: boolean;
  /** Divisor used instead of the window size, if any. */
  readonly divisorOverride: number | null;

  constructor(
    /** Window size. */
    readonly kernelSize: Size2,
    options?: AvgPool2dOptions,
  ) {
    super();
    this.stride = options?.stride ?? kernelSize;
    this.padding = options?.padding ?? 0;
    this.ceilMode = options?.ceilMode ?? false;
    this.countIncludePad = options?.countIncludePad ?? true;
    this.divisorOverride = options?.divisorOverride ?? null;
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}`;
  }
}

/**
 * Adaptive 2-D average pooling (`nn.AdaptiveAvgPool2d`) to `outputSize` (one number, or `[H, W]`
 * where `null` keeps that input size).
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(
    /** The output size. */
    readonly outputSize: number | readonly (number | null)[],
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pySize(this.outputSize)}`;
  }
}
