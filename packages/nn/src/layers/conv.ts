/** Convolution layers: `Conv1d`, `Conv2d` and `ConvTranspose2d`. */
import { conv1d, conv2d, convTranspose2d, pad, ShapeError, type Tensor, ValueError } from '@kindling/core';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type FactoryOptions, newParameter } from './common.js';
import { fmtShape, pyBool, pyTuple, tupleOf } from './format.js';

/** How the input is padded: with zeros, or from the input itself. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** Options of `Conv1d` and `Conv2d` (sizes are one number or one per spatial dim). */
export interface ConvOptions extends FactoryOptions {
  /** Step between windows (default 1). */
  stride?: number | readonly number[];
  /** Padding on both sides, or `'same'` / `'valid'` (default 0). */
  padding?: number | readonly number[] | 'same' | 'valid';
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Blocked connections between input and output channels (default 1). */
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** How the padding is filled (default `'zeros'`). */
  paddingMode?: PaddingMode;
}

/** Options of `ConvTranspose2d`. */
export interface ConvTransposeOptions extends FactoryOptions {
  /** Stride of the corresponding convolution (default 1). */
  stride?: number | readonly number[];
  /** Padding of the corresponding convolution, removed from the output (default 0). */
  padding?: number | readonly number[];
  /** Extra size added to one side of the output (default 0). */
  outputPadding?: number | readonly number[];
  /** Blocked connections between input and output channels (default 1). */
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Only `'zeros'` is supported, as in PyTorch. */
  paddingMode?: 'zeros';
}

const PADDING_MODES = ['zeros', 'reflect', 'replicate', 'circular'];

/** State and checks shared by the convolution layers. */
abstract class ConvNd extends Module {
  /** The convolution kernel. */
  weight!: Parameter;
  /** The `[outChannels]` bias, or null. */
  bias!: Parameter | null;
  /** Kernel size per spatial dim. */
  readonly kernelSize: number[];
  /** Stride per spatial dim. */
  readonly stride: number[];
  /** Padding per spatial dim, or `'same'` / `'valid'`. */
  readonly padding: number[] | 'same' | 'valid';
  /** Dilation per spatial dim. */
  readonly dilation: number[];
  /** Output padding per spatial dim (transposed convolutions). */
  readonly outputPadding: number[];
  /** Number of channel groups. */
  readonly groups: number;
  /** How the padding is filled. */
  readonly paddingMode: PaddingMode;

  protected constructor(
    protected readonly layer: string,
    /** Channels of the input. */
    readonly inChannels: number,
    /** Channels of the output. */
    readonly outChannels: number,
    kernelSize: number | readonly number[],
    n: number,
    transposed: boolean,
    options: (ConvOptions & { outputPadding?: number | readonly number[] }) | undefined,
  ) {
    super();
    const L = layer;
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const)
      if (!Number.isInteger(v) || v <= 0)
        throw new ValueError(`${L}: ${name} must be a positive integer, got ${String(v)}`);
    this.groups = options?.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups <= 0)
      throw new ValueError(`${L}: groups must be a positive integer, got ${String(this.groups)}`);
    if (inChannels % this.groups !== 0)
      throw new ValueError(`${L}: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0)
      throw new ValueError(`${L}: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    this.kernelSize = tupleOf(kernelSize, n, 'kernelSize', L);
    this.stride = tupleOf(options?.stride ?? 1, n, 'stride', L);
    this.dilation = tupleOf(options?.dilation ?? 1, n, 'dilation', L);
    this.outputPadding = tupleOf(options?.outputPadding ?? 0, n, 'outputPadding', L);
    const p = options?.padding ?? 0;
    if (typeof p === 'string') {
      if (p !== 'same' && p !== 'valid')
        throw new ValueError(`${L}: invalid padding string '${p}', should be one of 'valid', 'same'`);
      if (p === 'same' && this.stride.some((s) => s !== 1))
        throw new ValueError(`${L}: padding='same' is not supported for strided convolutions`);
      this.padding = p;
    } else this.padding = tupleOf(p, n, 'padding', L);
    this.paddingMode = options?.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(this.paddingMode))
      throw new ValueError(
        `${L}: paddingMode must be one of ${PADDING_MODES.join(', ')}, got '${String(this.paddingMode)}'`,
      );
    const wShape = transposed
      ? [inChannels, outChannels / this.groups, ...this.kernelSize]
      : [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.weight = newParameter(wShape, options);
    this.bias = options?.bias === false ? null : newParameter([outChannels], options);
    this.resetParameters();
  }

  /** Re-draws the parameters with PyTorch's default initialisation (Kaiming-uniform, a = √5). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
    }
  }

  /** Checks the input is `[N, C, *spatial]` or `[C, *spatial]` with `C = inChannels`. */
  protected checkInput(x: Tensor): void {
    const n = this.kernelSize.length;
    const unbatched = x.ndim === n + 1;
    if ((x.ndim !== n + 1 && x.ndim !== n + 2) || x.shape[unbatched ? 0 : 1] !== this.inChannels) {
      const sp = n === 1 ? 'L' : 'H, W';
      throw new ShapeError(
        `${this.layer}: expected input of shape [N, ${this.inChannels}, ${sp}] or [${this.inChannels}, ${sp}] (inChannels=${this.inChannels}), but got ${fmtShape(x.shape)}`,
      );
    }
  }

  /** With a non-zero padding mode: pads the input itself and returns it (the conv then pads nothing). */
  protected padInput(x: Tensor): Tensor {
    const n = this.kernelSize.length;
    const amounts: number[] = [];
    for (let i = n - 1; i >= 0; i--) {
      if (this.padding === 'same') {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        const left = Math.floor(total / 2);
        amounts.push(left, total - left);
      } else if (this.padding === 'valid') amounts.push(0, 0);
      else amounts.push(this.padding[i], this.padding[i]);
    }
    return pad(x, amounts, { mode: this.paddingMode as 'reflect' | 'replicate' | 'circular' });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((v) => v !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((v) => v !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += `, bias=${pyBool(false)}`;
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * 1-D convolution (`nn.Conv1d`) over `[N, inChannels, L]` (or unbatched `[inChannels, L]`); weight
 * `[outChannels, inChannels / groups, kernelSize]`.
 */
export class Conv1d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options?: ConvOptions,
  ) {
    super('Conv1d', inChannels, outChannels, kernelSize, 1, false, options);
  }
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (this.paddingMode !== 'zeros')
      return conv1d(this.padInput(x), this.weight, this.bias, {
        stride: this.stride,
        dilation: this.dilation,
        groups: this.groups,
      });
    return conv1d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * 2-D convolution (`nn.Conv2d`) over `[N, inChannels, H, W]` (or unbatched); weight
 * `[outChannels, inChannels / groups, kh, kw]`.
 */
export class Conv2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options?: ConvOptions,
  ) {
    super('Conv2d', inChannels, outChannels, kernelSize, 2, false, options);
  }
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (this.paddingMode !== 'zeros')
      return conv2d(this.padInput(x), this.weight, this.bias, {
        stride: this.stride,
        dilation: this.dilation,
        groups: this.groups,
      });
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * 2-D transposed convolution (`nn.ConvTranspose2d`, the gradient of `Conv2d` with respect to its
 * input) over `[N, inChannels, H, W]` (or unbatched); weight `[inChannels, outChannels / groups, kh, kw]`.
 */
export class ConvTranspose2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options?: ConvTransposeOptions,
  ) {
    if (typeof options?.padding === 'string')
      throw new ValueError(`ConvTranspose2d: padding must be numbers, got '${options.padding}'`);
    if (options?.paddingMode !== undefined && options.paddingMode !== 'zeros')
      throw new ValueError(
        `ConvTranspose2d: only 'zeros' paddingMode is supported, got '${String(options.paddingMode)}'`,
      );
    super('ConvTranspose2d', inChannels, outChannels, kernelSize, 2, true, options);
  }

  /**
   * Runs the layer. `outputSize` (`[H, W]`, optionally with leading dims) picks the output size
   * among those the stride allows, instead of `outputPadding`.
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x);
    const padding = this.padding as number[];
    let outputPadding = this.outputPadding;
    if (outputSize !== undefined) {
      const size = outputSize.slice(-2);
      const inSize = x.shape.slice(-2);
      outputPadding = size.map((s, d) => {
        const min =
          (inSize[d] - 1) * this.stride[d] - 2 * padding[d] + this.dilation[d] * (this.kernelSize[d] - 1) + 1;
        const max = min + this.stride[d] - 1;
        if (size.length !== 2 || !(s >= min && s <= max))
          throw new ValueError(
            `ConvTranspose2d: requested an output size of ${fmtShape(outputSize)}, but valid sizes for this input range from [${min}] to [${max}] in dim ${d}`,
          );
        return s - min;
      });
    }
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding,
      outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}
