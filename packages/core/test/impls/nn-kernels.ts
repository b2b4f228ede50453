/** Kindling implementations of every `core_nn` fixture case, shared by the CPU and WebGPU golden tests. */
import * as K from '@kindling/core';
import type { Impl } from '../helpers/golden.js';

export const opt = (a: Record<string, any>, ...keys: string[]) =>
  Object.fromEntries(keys.filter((k) => a[k] !== undefined).map((k) => [k, a[k]]));
// String options are boolean flags in the fixture (see tools/golden/core_nn.py).
export const convOpts = (a: Record<string, any>) => ({
  ...opt(a, 'stride', 'padding', 'dilation', 'groups'),
  ...(a.paddingSame ? { padding: 'same' as const } : a.paddingValid ? { padding: 'valid' as const } : {}),
});
export const unfoldOpts = (a: Record<string, any>) => opt(a, 'stride', 'padding', 'dilation');

export const unfoldCase: Impl = ({ x }, a) => K.unfold(x, a.kernelSize, unfoldOpts(a));
export const foldCase: Impl = ({ cols }, a) => K.fold(cols, a.outputSize, a.kernelSize, unfoldOpts(a));
export const conv2dCase: Impl = ({ x, w, b }, a) => K.conv2d(x, w, b, convOpts(a));
export const conv1dCase: Impl = ({ x, w, b }, a) => K.conv1d(x, w, b, convOpts(a));
export const convT2dCase: Impl = ({ x, w, b }, a) =>
  K.convTranspose2d(x, w, b, opt(a, 'stride', 'padding', 'outputPadding', 'groups', 'dilation'));
export const maxPool2dCase: Impl = ({ x }, a) =>
  K.maxPool2d(x, a.kernelSize, opt(a, 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'));
export const avgPool2dCase: Impl = ({ x }, a) =>
  K.avgPool2d(x, a.kernelSize, opt(a, 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'));
export const maxPool1dCase: Impl = ({ x }, a) =>
  K.maxPool1d(x, a.kernelSize, opt(a, 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'));
export const avgPool1dCase: Impl = ({ x }, a) =>
  K.avgPool1d(x, a.kernelSize, opt(a, 'stride', 'padding', 'ceilMode', 'countIncludePad'));
export const adaptiveAvgCase: Impl = ({ x }, a) => K.adaptiveAvgPool2d(x, a.outputSize);
export const adaptiveMaxCase: Impl = ({ x }, a) =>
  K.adaptiveMaxPool2d(x, a.outputSize, { returnIndices: a.returnIndices ?? false });
export const interpolateCase: Impl = ({ x }, a) =>
  K.interpolate(x, {
    ...opt(a, 'size', 'scaleFactor', 'alignCorners'),
    mode: a.bilinear ? 'bilinear' : 'nearest',
  });
export const embeddingCase: Impl = ({ idx, w }) => K.embedding(idx, w);
export const sdpaCase: Impl = ({ q, k, v, mask }, a) =>
  K.scaledDotProductAttention(q, k, v, { attnMask: mask, ...opt(a, 'isCausal', 'scale') });

export const impls: Record<string, Impl> = {
  unfold_basic: unfoldCase,
  unfold_full: unfoldCase,
  unfold_int_args: unfoldCase,
  unfold_noncontig: ({ x }, a) => K.unfold(x.transpose(2, 3), a.kernelSize, unfoldOpts(a)),
  unfold_f64: unfoldCase,
  unfold_unbatched: unfoldCase,
  unfold_empty_batch: unfoldCase,
  unfold_int32: unfoldCase,
  unfold_kernel_too_big: unfoldCase,
  unfold_bad_ndim: unfoldCase,
  unfold_bad_stride: unfoldCase,
  fold_basic: foldCase,
  fold_full: foldCase,
  fold_unbatched: foldCase,
  // The fixture stores the values; the same non-contiguous layout as in Python is rebuilt here.
  fold_noncontig: ({ cols }, a) =>
    K.fold(cols.transpose(1, 2).contiguous().transpose(1, 2), a.outputSize, a.kernelSize, unfoldOpts(a)),
  fold_bad_channels: foldCase,
  fold_bad_blocks: foldCase,

  conv2d_basic: conv2dCase,
  conv2d_stride_pad_dil: conv2dCase,
  conv2d_groups: conv2dCase,
  conv2d_depthwise: conv2dCase,
  conv2d_same: conv2dCase,
  conv2d_same_even: conv2dCase,
  conv2d_valid: conv2dCase,
  conv2d_unbatched: conv2dCase,
  conv2d_1x1: conv2dCase,
  conv2d_f64: conv2dCase,
  conv2d_noncontig: ({ x, w }, a) => K.conv2d(x.transpose(2, 3), w, null, convOpts(a)),
  conv2d_empty_batch: conv2dCase,
  conv2d_nan: conv2dCase,
  conv2d_channel_mismatch: conv2dCase,
  conv2d_groups_mismatch: conv2dCase,
  conv2d_kernel_too_big: conv2dCase,
  conv2d_same_strided: conv2dCase,
  conv2d_bad_bias: conv2dCase,
  conv2d_bad_weight_ndim: conv2dCase,
  conv2d_dtype_mismatch: conv2dCase,
  conv1d_basic: conv1dCase,
  conv1d_full: conv1dCase,
  conv1d_same: conv1dCase,
  conv1d_unbatched: conv1dCase,
  conv1d_channel_mismatch: conv1dCase,
  convTranspose2d_basic: convT2dCase,
  convTranspose2d_stride: convT2dCase,
  convTranspose2d_groups: convT2dCase,
  convTranspose2d_dilation: convT2dCase,
  convTranspose2d_unbatched: convT2dCase,
  convTranspose2d_bad_output_padding: convT2dCase,
  convTranspose2d_channel_mismatch: convT2dCase,

  maxPool2d_basic: maxPool2dCase,
  maxPool2d_full: maxPool2dCase,
  maxPool2d_ceil: maxPool2dCase,
  maxPool2d_unbatched: maxPool2dCase,
  maxPool2d_special: maxPool2dCase,
  maxPool2d_f64_noncontig: ({ x }, a) => K.maxPool2d(x.transpose(2, 3), a.kernelSize, { stride: a.stride }),
  maxPool2d_empty_batch: maxPool2dCase,
  maxPool2d_pad_too_big: maxPool2dCase,
  maxPool2d_int: maxPool2dCase,
  maxPool2d_output_too_small: maxPool2dCase,
  avgPool2d_basic: avgPool2dCase,
  avgPool2d_pad_include: avgPool2dCase,
  avgPool2d_pad_exclude: avgPool2dCase,
  avgPool2d_ceil_include: avgPool2dCase,
  avgPool2d_ceil_exclude: avgPool2dCase,
  avgPool2d_ceil_nopad: avgPool2dCase,
  avgPool2d_divisor: avgPool2dCase,
  avgPool2d_unbatched: avgPool2dCase,
  avgPool2d_special: avgPool2dCase,
  avgPool2d_empty_batch: avgPool2dCase,
  avgPool2d_pad_too_big: avgPool2dCase,
  maxPool1d: maxPool1dCase,
  maxPool1d_dil_ceil: maxPool1dCase,
  avgPool1d: avgPool1dCase,
  avgPool1d_ceil: avgPool1dCase,
  adaptiveAvgPool2d_down: adaptiveAvgCase,
  adaptiveAvgPool2d_up: adaptiveAvgCase,
  adaptiveAvgPool2d_global: adaptiveAvgCase,
  adaptiveAvgPool2d_none: adaptiveAvgCase,
  adaptiveAvgPool2d_unbatched_f64: adaptiveAvgCase,
  adaptiveAvgPool2d_bad_ndim: adaptiveAvgCase,
  adaptiveMaxPool2d_down: adaptiveMaxCase,
  adaptiveMaxPool2d_special: adaptiveMaxCase,
  adaptiveMaxPool2d_up: adaptiveMaxCase,

  interpolate_nearest_up: interpolateCase,
  interpolate_nearest_down: interpolateCase,
  interpolate_nearest_x2: interpolateCase,
  interpolate_nearest_scale: interpolateCase,
  interpolate_nearest_1d: interpolateCase,
  interpolate_bilinear: interpolateCase,
  interpolate_bilinear_ac: interpolateCase,
  interpolate_bilinear_down: interpolateCase,
  interpolate_bilinear_scale: interpolateCase,
  interpolate_bilinear_ac_scale: interpolateCase,
  interpolate_bilinear_size1: interpolateCase,
  interpolate_bilinear_f64: interpolateCase,
  interpolate_bilinear_3d: interpolateCase,
  interpolate_both_size_scale: interpolateCase,
  interpolate_neither: interpolateCase,

  embedding_2d: embeddingCase,
  embedding_0d: embeddingCase,
  embedding_noncontig: ({ idx, w }) => K.embedding(idx.t(), w),
  embedding_out_of_range: embeddingCase,
  embedding_float_indices: embeddingCase,

  sdpa_basic: sdpaCase,
  sdpa_scale: sdpaCase,
  sdpa_bool_mask: sdpaCase,
  sdpa_fully_masked_row: sdpaCase,
  sdpa_float_mask: sdpaCase,
  sdpa_causal: sdpaCase,
  sdpa_2d_f64: sdpaCase,
  sdpa_bad_embed: sdpaCase,
  sdpa_bad_seq: sdpaCase,
};
