/**
 * Convolutions (`torch.nn.functional` semantics): the fused `conv2d` primitive where the device has
 * it (groups 1; see backends/cpu/conv-fused.ts), else composites: `im2col` + `matmul` (+ bias), and
 * for the transposed convolution `matmul` with the transposed weight + `col2im`. Groups become a
 * batch dimension of the matmul. Autograd differentiates them through im2col/col2im and matmul.
 */
import { getBackend } from '../backend.js';
import { dispatch1 } from '../dispatch.js';
import { ShapeError, ValueError } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape, transpose, unsqueeze } from '../views.js';
import { contiguous } from './copy.js';
import { add } from './elementwise.js';
import { matmul } from './linalg.js';
import {
  checkFloat,
  checkSameDType,
  col2im,
  type IntOrPair,
  im2col,
  type Pair,
  pairOf,
  singleOf,
  type Window,
  windowCount,
} from './nn-utils.js';

/** Options of `conv2d`. */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: IntOrPair;
  /** Zero padding on both sides, or `'same'` (output size = input size, stride 1) / `'valid'` (none). Default 0. */
  padding?: IntOrPair | 'same' | 'valid';
  /** Spacing between kernel elements (default 1). */
  dilation?: IntOrPair;
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  /** Step between windows (default 1). */
  stride?: number | readonly number[];
  /** Zero padding on both sides, or `'same'` / `'valid'` (default 0). */
  padding?: number | readonly number[] | 'same' | 'valid';
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
}

/** Options of `convTranspose2d`. */
export interface ConvTranspose2dOptions {
  /** Stride of the corresponding convolution (default 1). */
  stride?: IntOrPair;
  /** Padding of the corresponding convolution, removed from the output (default 0). */
  padding?: IntOrPair;
  /** Extra size added to one side of the output (default 0; less than stride or dilation). */
  outputPadding?: IntOrPair;
  /** Number of blocked connections (default 1). */
  groups?: number;
  /** Spacing between kernel elements (default 1). */
  dilation?: IntOrPair;
}

function checkGroups(groups: number, op: string): number {
  if (!Number.isInteger(groups) || groups < 1) {
    throw new ValueError(`${op}: groups must be a positive integer, got ${groups}`);
  }
  return groups;
}

/** Validates dtypes, weight rank, channels and bias shared by conv1d/conv2d. */
function checkConvArgs(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  spatial: number,
  groups: number,
): boolean {
  const layout = spatial === 1 ? '[N, C, L]' : '[N, C, H, W]';
  if (x.ndim !== spatial + 2 && x.ndim !== spatial + 1) {
    throw new ShapeError(
      `${op}: expected a ${spatial + 1}-D (unbatched) or ${spatial + 2}-D (batched) input ${layout}, but got shape ${fmtShape(x.shape)}`,
    );
  }
  if (weight.ndim !== spatial + 2) {
    throw new ShapeError(
      `${op}: expected a ${spatial + 2}-D weight [out_channels, in_channels / groups, ${spatial === 1 ? 'k' : 'kh, kw'}], but got shape ${fmtShape(weight.shape)}`,
    );
  }
  checkFloat(x, op);
  checkSameDType(x, weight, op, 'weight');
  const unbatched = x.ndim === spatial + 1;
  const cin = x.shape[unbatched ? 0 : 1];
  const [cout, cg] = weight.shape;
  if (cout % groups !== 0) {
    throw new ShapeError(
      `${op}: expected out_channels (weight.shape[0] = ${cout}) to be divisible by groups (${groups}), weight of shape ${fmtShape(weight.shape)}`,
    );
  }
  if (cin !== cg * groups) {
    throw new ShapeError(
      `${op}: weight of shape ${fmtShape(weight.shape)} with groups=${groups} expects the input to have in_channels = ${cg} * ${groups} = ${cg * groups} channels (weight.shape[1] = in_channels / groups), but got input of shape ${fmtShape(x.shape)} with ${cin} channels`,
    );
  }
  if (bias) {
    checkSameDType(x, bias, op, 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== cout) {
      throw new ShapeError(
        `${op}: expected bias of shape [${cout}] (out_channels), but got ${fmtShape(bias.shape)}`,
      );
    }
  }
  return unbatched;
}

/** im2col + grouped matmul + bias on a validated 4-D input. */
function convCore(
  op: string,
  x4: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  stride: Pair,
  padding: Pair | 'same',
  dilation: Pair,
  groups: number,
  shownKernel: string,
): Tensor {
  const [n, , h, w] = x4.shape;
  const [cout, cg, kh, kw] = weight.shape;
  const kernel: Pair = [kh, kw];
  let pad: Pair;
  let grid: Pair;
  if (padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new ValueError(
        `${op}: padding='same' is not supported for strided convolutions (stride ${fmtShape(stride)})`,
      );
    }
    // PyTorch puts the odd extra padding element on the bottom/right: a grid of [h, w] windows
    // with left padding floor(total / 2) reads that extra element as zero.
    pad = [Math.floor((dilation[0] * (kh - 1)) / 2), Math.floor((dilation[1] * (kw - 1)) / 2)];
    grid = [h, w];
  } else {
    pad = padding;
    const ph = h + 2 * pad[0];
    const pw = w + 2 * pad[1];
    if (ph < dilation[0] * (kh - 1) + 1 || pw < dilation[1] * (kw - 1) + 1) {
      throw new ShapeError(
        `${op}: calculated padded input size per channel (${ph} x ${pw}) is smaller than the dilated kernel size (${dilation[0] * (kh - 1) + 1} x ${dilation[1] * (kw - 1) + 1}) for kernel ${shownKernel}; the kernel can't be larger than the padded input`,
      );
    }
    grid = [
      windowCount(h, kh, dilation[0], pad[0], stride[0]),
      windowCount(w, kw, dilation[1], pad[1], stride[1]),
    ];
  }
  const win: Window = { kernel, dilation, padding: pad, stride, grid };
  if (groups === 1 && getBackend(x4.device).kernels.conv2d) {
    const operands = [contiguous(x4), contiguous(weight)];
    if (bias) operands.push(contiguous(bias));
    return dispatch1('conv2d', operands, { ...win });
  }
  const cols = im2col(x4, win); // [N, Cin*kh*kw, L]
  const k = cg * kh * kw;
  const l = grid[0] * grid[1];
  let out: Tensor;
  if (groups === 1) {
    out = matmul(reshape(weight, [cout, k]), cols); // [N, Cout, L]
  } else {
    const colsG = reshape(cols, [n, groups, k, l]);
    const wG = reshape(weight, [groups, cout / groups, k]);
    out = reshape(matmul(wG, colsG), [n, cout, l]);
  }
  out = reshape(out, [n, cout, grid[0], grid[1]]);
  if (bias) out = add(out, reshape(bias, [cout, 1, 1]));
  return out;
}

function paddingPair(padding: Conv2dOptions['padding'], op: string): Pair | 'same' {
  if (padding === 'same') return 'same';
  if (padding === 'valid') return [0, 0];
  if (typeof padding === 'string') {
    throw new ValueError(`${op}: invalid padding string '${padding}', expected 'same' or 'valid'`);
  }
  return pairOf(padding ?? 0, 'padding', op, 0);
}

/**
 * 2-D convolution (`F.conv2d`): input `[N, Cin, H, W]` (or unbatched `[Cin, H, W]`), weight
 * `[Cout, Cin / groups, kh, kw]`, optional bias `[Cout]`; output `[N, Cout, oh, ow]`.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor {
  const op = 'conv2d';
  const groups = checkGroups(options?.groups ?? 1, op);
  const unbatched = checkConvArgs(op, x, weight, bias, 2, groups);
  const stride = pairOf(options?.stride ?? 1, 'stride', op, 1);
  const dilation = pairOf(options?.dilation ?? 1, 'dilation', op, 1);
  const padding = paddingPair(options?.padding, op);
  const x4 = unbatched ? unsqueeze(x, 0) : x;
  const kernel = `(${weight.shape[2]} x ${weight.shape[3]})`;
  const out = convCore(op, x4, weight, bias, stride, padding, dilation, groups, kernel);
  return unbatched ? reshape(out, out.shape.slice(1)) : out;
}

/**
 * 1-D convolution (`F.conv1d`): input `[N, Cin, L]` (or unbatched `[Cin, L]`), weight
 * `[Cout, Cin / groups, k]`, optional bias `[Cout]`; output `[N, Cout, oL]`.
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv1dOptions): Tensor {
  const op = 'conv1d';
  const groups = checkGroups(options?.groups ?? 1, op);
  const unbatched = checkConvArgs(op, x, weight, bias, 1, groups);
  const stride = singleOf(options?.stride ?? 1, 'stride', op, 1);
  const dilation = singleOf(options?.dilation ?? 1, 'dilation', op, 1);
  const p = options?.padding ?? 0;
  let padding: Pair | 'same';
  if (p === 'same') padding = 'same';
  else if (p === 'valid') padding = [0, 0];
  else if (typeof p === 'string') {
    throw new ValueError(`${op}: invalid padding string '${p}', expected 'same' or 'valid'`);
  } else padding = [0, singleOf(p, 'padding', op, 0)];
  const x4 = unsqueeze(unbatched ? unsqueeze(x, 0) : x, 2);
  const w4 = unsqueeze(weight, 2);
  const out = convCore(op, x4, w4, bias, [1, stride], padding, [1, dilation], groups, `(${weight.shape[2]})`);
  const o3 = reshape(out, [out.shape[0], out.shape[1], out.shape[3]]);
  return unbatched ? reshape(o3, o3.shape.slice(1)) : o3;
}

/**
 * 2-D transposed convolution (`F.conv_transpose2d`, the gradient of conv2d with respect to its
 * input): input `[N, Cin, H, W]` (or unbatched), weight `[Cin, Cout / groups, kh, kw]`, optional
 * bias `[Cout]`; output `[N, Cout, (H-1)*stride - 2*padding + dilation*(kh-1) + outputPadding + 1, ...]`.
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options?: ConvTranspose2dOptions,
): Tensor {
  const op = 'convTranspose2d';
  const groups = checkGroups(options?.groups ?? 1, op);
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W], but got shape ${fmtShape(x.shape)}`,
    );
  }
  if (weight.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected a 4-D weight [in_channels, out_channels / groups, kh, kw], but got shape ${fmtShape(weight.shape)}`,
    );
  }
  checkFloat(x, op);
  checkSameDType(x, weight, op, 'weight');
  const unbatched = x.ndim === 3;
  const x4 = unbatched ? unsqueeze(x, 0) : x;
  const [n, cin, h, w] = x4.shape;
  const [wcin, coutG, kh, kw] = weight.shape;
  if (wcin !== cin) {
    throw new ShapeError(
      `${op}: weight of shape ${fmtShape(weight.shape)} expects the input to have in_channels = weight.shape[0] = ${wcin} channels, but got input of shape ${fmtShape(x.shape)} with ${cin} channels`,
    );
  }
  if (cin % groups !== 0) {
    throw new ShapeError(`${op}: expected in_channels (${cin}) to be divisible by groups (${groups})`);
  }
  const cout = coutG * groups;
  if (bias) {
    checkSameDType(x, bias, op, 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== cout) {
      throw new ShapeError(
        `${op}: expected bias of shape [${cout}] (out_channels), but got ${fmtShape(bias.shape)}`,
      );
    }
  }
  const stride = pairOf(options?.stride ?? 1, 'stride', op, 1);
  const padding = pairOf(options?.padding ?? 0, 'padding', op, 0);
  const dilation = pairOf(options?.dilation ?? 1, 'dilation', op, 1);
  const outputPadding = pairOf(options?.outputPadding ?? 0, 'outputPadding', op, 0);
  for (let d = 0; d < 2; d++) {
    if (outputPadding[d] >= stride[d] && outputPadding[d] >= dilation[d]) {
      throw new ValueError(
        `${op}: outputPadding must be smaller than either stride or dilation, but got outputPadding ${fmtShape(outputPadding)}, stride ${fmtShape(stride)}, dilation ${fmtShape(dilation)}`,
      );
    }
  }
  const outSize: Pair = [
    (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outputPadding[0] + 1,
    (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outputPadding[1] + 1,
  ];
  if (outSize[0] < 1 || outSize[1] < 1) {
    throw new ShapeError(
      `${op}: input of shape ${fmtShape(x.shape)} with kernel (${kh} x ${kw}), stride ${fmtShape(stride)}, padding ${fmtShape(padding)} gives an output size (${outSize.join(' x ')}), which is too small`,
    );
  }
  // cols[n, g, (co*kh + i)*kw + j, p] = sum_ci W[g, ci, co, i, j] * x[n, g, ci, p]
  const cinG = cin / groups;
  const wT = transpose(reshape(weight, [groups, cinG, coutG * kh * kw]), 1, 2);
  const cols = matmul(wT, reshape(x4, [n, groups, cinG, h * w]));
  const win: Window = { kernel: [kh, kw], dilation, padding, stride, grid: [h, w] };
  let out = col2im(reshape(cols, [n, cout * kh * kw, h * w]), outSize, win);
  if (bias) out = add(out, reshape(bias, [cout, 1, 1]));
  return unbatched ? reshape(out, out.shape.slice(1)) : out;
}
