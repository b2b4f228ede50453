/**
 * @kindling/nn: modules, layers, losses, init, optimizers, schedulers, data loading and checkpoints.
 * @packageDocumentation
 */
export { Parameter } from './parameter.js';
export {
  Module,
  StateDictError,
  type StateDict,
  type ForwardHook,
  type ForwardPreHook,
  type IncompatibleKeys,
} from './module.js';
export { Sequential, ModuleList, ModuleDict, ParameterList } from './containers.js';
export * from './layers/linear.js';
export * from './layers/flatten.js';
export * from './layers/conv.js';
export * from './layers/pooling.js';
export * from './layers/batchnorm.js';
export * from './layers/normalization.js';
export * from './layers/dropout.js';
export * from './layers/embedding.js';
export * from './layers/activation.js';
export * from './layers/rnn.js';
export * from './layers/attention.js';
export * from './layers/transformer.js';
export type { FactoryOptions } from './layers/common.js';
export * as init from './init.js';
export * as functional from './functional/index.js';
export {
  save,
  load,
  loadWithMetadata,
  loadInto,
  stateDictToBytes,
  stateDictToBytesAsync,
  stateDictFromBytes,
  type Metadata,
  type LoadOptions,
  type StateDictWithMetadata,
} from './serialization.js';
export * from './losses/index.js';
export * from './optim/index.js';
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions } from './clip-grad.js';
export * from './data/index.js';
export * from './onnx/index.js';
