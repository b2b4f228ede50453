/** Normalisation layers over features: `LayerNorm`, `GroupNorm` and `RMSNorm`. */
import { type Tensor, ValueError } from '@kindling/core';
import { groupNorm, layerNorm, rmsNorm } from '../functional/normalization.js';
import { ones_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type FactoryOptions, newParameter } from './common.js';
import { pyBool, pyFloat, pyTuple } from './format.js';

function shapeOf(layer: string, s: number | readonly number[]): number[] {
  const shape = typeof s === 'number' ? [s] : [...s];
  if (shape.length === 0 || shape.some((v) => !Number.isInteger(v) || v <= 0))
    throw new ValueError(`${layer}: normalizedShape must be positive integers, got ${JSON.stringify(s)}`);
  return shape;
}

/** Options of `LayerNorm`. */
export interface LayerNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn an elementwise scale and shift (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Layer normalisation (`nn.LayerNorm`) over the trailing dims `normalizedShape`, with an optional
 * elementwise scale (initialised to 1) and shift (0).
 */
export class LayerNorm extends Module {
  /** Elementwise scale (null without `elementwiseAffine`). */
  weight: Parameter | null = null;
  /** Elementwise shift (null without `elementwiseAffine`). */
  bias: Parameter | null = null;
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** Added to the variance. */
  readonly eps: number;
  /** Whether there are learnable scale and shift. */
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options?: LayerNormOptions) {
    super();
    this.normalizedShape = shapeOf('LayerNorm', normalizedShape);
    this.eps = options?.eps ?? 1e-5;
    this.elementwiseAffine = options?.elementwiseAffine ?? true;
    if (this.elementwiseAffine) {
      this.weight = newParameter(this.normalizedShape, options);
      this.bias = newParameter(this.normalizedShape, options);
    }
    this.resetParameters();
  }

  /** Sets weight to 1 and bias to 0. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Options of `GroupNorm`. */
export interface GroupNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
}

/** Group normalisation (`nn.GroupNorm`): `numChannels` split into `numGroups` groups normalised separately. */
export class GroupNorm extends Module {
  /** Per-channel scale (null without `affine`). */
  weight: Parameter | null = null;
  /** Per-channel shift (null without `affine`). */
  bias: Parameter | null = null;
  /** Added to the variance. */
  readonly eps: number;
  /** Whether there are learnable scale and shift. */
  readonly affine: boolean;

  constructor(
    /** Number of groups. */
    readonly numGroups: number,
    /** Number of channels (divisible by `numGroups`). */
    readonly numChannels: number,
    options?: GroupNormOptions,
  ) {
    super();
    if (
      !Number.isInteger(numGroups) ||
      numGroups <= 0 ||
      !Number.isInteger(numChannels) ||
      numChannels % numGroups !== 0
    )
      throw new ValueError(
        `GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
      );
    this.eps = options?.eps ?? 1e-5;
    this.affine = options?.affine ?? true;
    if (this.affine) {
      this.weight = newParameter([numChannels], options);
      this.bias = newParameter([numChannels], options);
    }
    this.resetParameters();
  }

  /** Sets weight to 1 and bias to 0. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

/** Options of `RMSNorm`. */
export interface RMSNormOptions extends FactoryOptions {
  /** Added to the mean square (default null: the machine epsilon of the input's dtype). */
  eps?: number | null;
  /** Learn an elementwise scale (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Root-mean-square normalisation (`nn.RMSNorm`, PyTorch 2.4):
 * `x / sqrt(mean(x², trailing dims) + eps) * weight`, weight initialised to 1.
 */
export class RMSNorm extends Module {
  /** Elementwise scale (null without `elementwiseAffine`). */
  weight: Parameter | null = null;
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** Added to the mean square; null uses the input dtype's machine epsilon. */
  readonly eps: number | null;
  /** Whether there is a learnable scale. */
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options?: RMSNormOptions) {
    super();
    this.normalizedShape = shapeOf('RMSNorm', normalizedShape);
    this.eps = options?.eps ?? null;
    this.elementwiseAffine = options?.elementwiseAffine ?? true;
    if (this.elementwiseAffine) this.weight = newParameter(this.normalizedShape, options);
    this.resetParameters();
  }

  /** Sets weight to 1. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, { weight: this.weight, eps: this.eps });
  }

  override extraRepr(): string {
    const eps = this.eps === null ? 'None' : pyFloat(this.eps);
    return `${pyTuple(this.normalizedShape)}, eps=${eps}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
