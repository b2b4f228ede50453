/** Loss functions and loss modules. */
export type { Reduction } from './reduction.js';
export { mseLoss, l1Loss, smoothL1Loss, huberLoss, type RegressionLossOptions } from './regression.js';
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NLLLossOptions } from './classification.js';
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type BCELossOptions,
  type BCEWithLogitsLossOptions,
} from './binary.js';
export {
  klDiv,
  cosineEmbeddingLoss,
  type KLDivLossOptions,
  type CosineEmbeddingLossOptions,
} from './divergence.js';
export {
  Loss,
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  CrossEntropyLoss,
  NLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
  CosineEmbeddingLoss,
} from './modules.js';
