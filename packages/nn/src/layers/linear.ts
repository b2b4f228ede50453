/** `Identity`, `Linear` and `Bilinear` layers. */
import { linear, ShapeError, type Tensor, ValueError } from '@kindling/core';
import { kaimingUniform_, uniform_, calculateFanInAndFanOut } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type FactoryOptions, newParameter } from './common.js';
import { fmtShape, pyBool } from './format.js';

function checkFeatures(layer: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0)
    throw new ValueError(`${layer}: ${name} must be a non-negative integer, got ${String(v)}`);
}

/** Returns its input unchanged (`nn.Identity`); handy as a placeholder. */
export class Identity extends Module {
  /** Accepts and ignores any constructor arguments, as PyTorch's does. */
  constructor(..._args: unknown[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Options of `Linear`. */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * Applies `y = x Wᵀ + b` (`nn.Linear`) to inputs of shape `[*, inFeatures]`. `weight` is
 * `[outFeatures, inFeatures]`, initialised Kaiming-uniform with `a = √5` (U(±1/√inFeatures)),
 * `bias` U(±1/√inFeatures).
 */
export class Linear extends Module {
  /** The `[outFeatures, inFeatures]` weight. */
  weight: Parameter;
  /** The `[outFeatures]` bias, or null. */
  bias: Parameter | null;

  constructor(
    /** Size of each input sample. */
    readonly inFeatures: number,
    /** Size of each output sample. */
    readonly outFeatures: number,
    options?: LinearOptions,
  ) {
    super();
    checkFeatures('Linear', 'inFeatures', inFeatures);
    checkFeatures('Linear', 'outFeatures', outFeatures);
    this.weight = newParameter([outFeatures, inFeatures], options);
    this.bias = options?.bias === false ? null : newParameter([outFeatures], options);
    this.resetParameters();
  }

  /** Re-draws the parameters with PyTorch's default initialisation. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures)
      throw new ShapeError(
        `Linear: expected input of shape [*, ${this.inFeatures}] (inFeatures=${this.inFeatures}), but got ${fmtShape(x.shape)}`,
      );
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * Applies `y = x1ᵀ A x2 + b` (`nn.Bilinear`) to `[*, in1Features]` and `[*, in2Features]` inputs;
 * `weight` is `[outFeatures, in1Features, in2Features]`, weight and bias U(±1/√in1Features).
 */
export class Bilinear extends Module {
  /** The `[outFeatures, in1Features, in2Features]` weight. */
  weight: Parameter;
  /** The `[outFeatures]` bias, or null. */
  bias: Parameter | null;

  constructor(
    /** Size of each first input sample. */
    readonly in1Features: number,
    /** Size of each second input sample. */
    readonly in2Features: number,
    /** Size of each output sample. */
    readonly outFeatures: number,
    options?: LinearOptions,
  ) {
    super();
    checkFeatures('Bilinear', 'in1Features', in1Features);
    checkFeatures('Bilinear', 'in2Features', in2Features);
    checkFeatures('Bilinear', 'outFeatures', outFeatures);
    this.weight = newParameter([outFeatures, in1Features, in2Features], options);
    this.bias = options?.bias === false ? null : newParameter([outFeatures], options);
    this.resetParameters();
  }

  /** Re-draws the parameters with PyTorch's default initialisation. */
  resetParameters(): void {
    const bound = this.in1Features > 0 ? 1 / Math.sqrt(this.in1Features) : 0;
    uniform_(this.weight, -bound, bound);
    if (this.bias) uniform_(this.bias, -bound, bound);
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    const lead1 = x1.shape.slice(0, -1);
    const lead2 = x2.shape.slice(0, -1);
    if (
      x1.ndim === 0 ||
      x2.ndim === 0 ||
      x1.shape[x1.ndim - 1] !== this.in1Features ||
      x2.shape[x2.ndim - 1] !== this.in2Features ||
      lead1.length !== lead2.length ||
      lead1.some((s, i) => s !== lead2[i])
    )
      throw new ShapeError(
        `Bilinear: expected inputs of shapes [*, ${this.in1Features}] and [*, ${this.in2Features}] with the same leading dims, but got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`,
      );
    const [o, i1, i2] = [this.outFeatures, this.in1Features, this.in2Features];
    // (x1 @ W') with W' = weight as [in1, out * in2], then contract with x2 over in2.
    const a = x1.reshape([-1, i1]).matmul(this.weight.permute(1, 0, 2).reshape([i1, o * i2]));
    let y = a
      .reshape([-1, o, i2])
      .mul(x2.reshape([-1, 1, i2]))
      .sum(-1);
    if (this.bias) y = y.add(this.bias);
    return y.reshape([...lead1, o]);
  }

  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
