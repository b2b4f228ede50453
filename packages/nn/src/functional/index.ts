/**
 * `torch.nn.functional` for Kindling: the stateless forms of the layers. Core's functional ops are
 * re-exported here so one import gives all of them; the normalisation, channel-dropout and extra
 * activation functionals are defined in this package.
 */
export {
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  avgPool1d,
  avgPool2d,
  conv1d,
  conv2d,
  convTranspose2d,
  dropout,
  elu,
  embedding,
  fold,
  gelu,
  interpolate,
  leakyRelu,
  linear,
  logSoftmax,
  maxPool1d,
  maxPool2d,
  pad,
  relu,
  scaledDotProductAttention,
  sigmoid,
  silu,
  softmax,
  softplus,
  tanh,
  unfold,
} from '@kindling/core';
export { hardtanh, mish, relu6 } from './activation.js';
export { dropout2d, type Dropout2dOptions } from './dropout.js';
export {
  batchNorm,
  finfoEps,
  groupNorm,
  layerNorm,
  rmsNorm,
  type BatchNormOptions,
  type LayerNormOptions,
  type RMSNormOptions,
} from './normalization.js';
