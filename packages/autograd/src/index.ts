/**
 * @kindling/autograd: define-by-run gradients for Kindling tensors. Importing the package installs
 * the gradient layer in core's dispatcher and the Tensor methods that need it (`backward`,
 * `requiresGrad = true`, `retainGrad`, `registerHook`).
 * @packageDocumentation
 */
import { installLayer } from '@kindling/core';
import { installTensorHooks } from './api.js';
import { autogradLayer } from './layer.js';

installLayer(autogradLayer);
installTensorHooks();

/** Package version. */
export const VERSION = '0.0.0';
export { backward, grad, type BackwardOptions, type GradOptions } from './api.js';
export { noGrad, enableGrad, setGradEnabled, isGradEnabled } from './grad-mode.js';
export { AutogradError } from './errors.js';
export { Node, AccumulateGrad, type Edge, type GradHook } from './node.js';
export { derivatives, nonDifferentiable } from './derivatives/index.js';
export type {
  Derivative,
  DerivativeContext,
  DerivativeTable,
  TensorGeometry,
} from './derivatives/types.js';
export { autogradLayer } from './layer.js';
export { AutogradFunction as Function, FunctionCtx, type FunctionGrads } from './function.js';
export {
  vjp,
  jvp,
  jacobian,
  hessian,
  type TensorFn,
  type FunctionalOptions,
  type VjpResult,
  type JvpResult,
} from './functional.js';
export { gradcheck, gradgradcheck, type GradcheckOptions } from './gradcheck.js';
