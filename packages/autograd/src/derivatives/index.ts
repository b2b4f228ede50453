import { binaryDerivatives, ternaryDerivatives } from './binary.js';
import { convDerivatives } from './conv.js';
import { indexingDerivatives } from './indexing.js';
import { linalgDerivatives } from './linalg.js';
import { normDerivatives } from './norm.js';
import { reduceDerivatives } from './reduce.js';
import type { DerivativeTable } from './types.js';
import { unaryDerivatives } from './unary.js';
import { copyDerivatives, viewDerivatives } from './views.js';

/**
 * Every differentiable primitive op of @kindling/core and its derivative (the one typed table,
 * PyTorch's derivatives.yaml). Composite ops need no entry: they are made of these.
 */
export const derivatives: DerivativeTable = {
  ...unaryDerivatives,
  ...binaryDerivatives,
  ...ternaryDerivatives,
  ...copyDerivatives,
  ...viewDerivatives,
  ...reduceDerivatives,
  ...linalgDerivatives,
  ...indexingDerivatives,
  ...convDerivatives,
  ...normDerivatives,
};

/**
 * Primitives with no gradient: boolean/integer results, indices, random sampling. An op that is
 * neither here nor in `derivatives` fails the coverage test.
 */
export const nonDifferentiable: ReadonlySet<string> = new Set([
  // predicates and logic (bool outputs)
  'isnan',
  'isinf',
  'isfinite',
  'logicalNot',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
  // indices
  'argmax',
  'argmin',
  'nonzero',
  // random sampling (no tensor inputs)
  'uniform',
  'normal',
  // fused optimizer updates: in place, no outputs, run under noGrad
  'adamUpdate_',
  'sgdUpdate_',
  // fused backward primitives: called by derivatives only when not recording (derivatives/conv.ts)
  'conv2dBackwardInput',
  'conv2dBackwardWeight',
  'maxPool2dBackward',
  'geluBackward',
  'layerNormBackward',
  'softmaxBackward',
  // in-place sum of gradients inside the backward engine
  'accumulate_',
]);
