/** Binary losses: BCE on probabilities and the numerically stable BCE on logits. */
import {
  add,
  exp,
  ge,
  le,
  log,
  logicalAnd,
  mul,
  neg,
  relu,
  sub,
  type Tensor,
  ValueError,
  where,
} from '@kindling/core';
import {
  checkBroadcastsTo,
  checkFloating,
  checkReduction,
  checkSameShape,
  type Reduction,
  reduceLoss,
} from './reduction.js';

/** Options of `binaryCrossEntropy`. */
export interface BCELossOptions {
  /** Per-element rescaling weight, broadcast to the input's shape. */
  weight?: Tensor | null;
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BCEWithLogitsLossOptions extends BCELossOptions {
  /** Weight of positive examples per class (broadcast along the last dim), e.g. `negatives / positives`. */
  posWeight?: Tensor | null;
}

/** Below this x, `log(x) < -100`: PyTorch's BCE clamps the log there. */
const LOG_FLOOR_X = Math.exp(-100);

/**
 * `max(log(x), -100)` as PyTorch's BCE, without the NaN gradient that `log(0)` would give: where
 * the log is clamped it is not evaluated at all (a `where` on both sides), because clamping x to a
 * tiny positive value instead fails on GPUs, which flush subnormals such as 1e-45 to zero.
 * Negative and NaN inputs still give NaN.
 */
function clampedLog(x: Tensor): Tensor {
  const clamped = logicalAnd(le(x, LOG_FLOOR_X), ge(x, 0));
  return where(clamped, -100, log(where(clamped, 1, x)));
}

/**
 * Throws when a probability lies outside [0, 1]. Only on the CPU: another device would have to
 * read the input back synchronously, which WebGPU cannot; there such inputs give a NaN loss
 * instead (PyTorch's CUDA kernels raise a device-side assert).
 */
function checkProbabilities(input: Tensor): void {
  if (input.device !== 'cpu') return;
  const v = input.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0 && v[i] <= 1)) {
      throw new ValueError(
        `binaryCrossEntropy: all elements of input should be between 0 and 1, found ${v[i]} (apply sigmoid, or use binaryCrossEntropyWithLogits)`,
      );
    }
  }
}

/**
 * Binary cross entropy on probabilities (`F.binary_cross_entropy`):
 * `-weight * (target * log(input) + (1 - target) * log(1 - input))`, each log clamped to >= -100 as
 * in PyTorch. Where a log is clamped (input within ~1e-44 of 0 or exactly 1) the gradient is the
 * true derivative of the clamped loss, 0, where PyTorch returns `(x - y) / 1e-12`; elsewhere they
 * agree. Inputs outside [0, 1] throw a ValueError on the CPU and give NaN on WebGPU (checking
 * there would need a synchronous read-back). Prefer `binaryCrossEntropyWithLogits` for numerical
 * stability.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options?: BCELossOptions): Tensor {
  const op = 'binaryCrossEntropy';
  const reduction = checkReduction(op, options?.reduction);
  checkFloating(op, input, 'input');
  checkFloating(op, target, 'target');
  checkSameShape(op, input, target);
  checkProbabilities(input);
  const weight = options?.weight ?? null;
  if (weight) checkBroadcastsTo(op, weight, input.shape, 'weight');
  let loss = sub(mul(sub(target, 1), clampedLog(sub(1, input))), mul(target, clampedLog(input)));
  if (weight) loss = mul(loss, weight);
  return reduceLoss(loss, reduction);
}

/**
 * Binary cross entropy on logits (`F.binary_cross_entropy_with_logits`), computed stably as
 * `(1 - y) x + (1 + (posWeight - 1) y) * log(1 + exp(-x))` with the log-sum-exp trick, so large
 * logits of either sign neither overflow nor lose their gradient.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options?: BCEWithLogitsLossOptions,
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = checkReduction(op, options?.reduction);
  checkFloating(op, input, 'input');
  checkFloating(op, target, 'target');
  checkSameShape(op, input, target);
  const weight = options?.weight ?? null;
  const posWeight = options?.posWeight ?? null;
  if (weight) checkBroadcastsTo(op, weight, input.shape, 'weight');
  if (posWeight) checkBroadcastsTo(op, posWeight, input.shape, 'posWeight');
  // softplus(-x) = log(exp(-m) + exp(-x - m)) + m for any m; m = max(-x, 0) keeps both exps <= 1.
  // The value does not depend on m, so neither does the gradient, whatever relu's derivative at 0.
  const m = relu(neg(input));
  const softplusNeg = add(log(add(exp(neg(m)), exp(sub(neg(input), m)))), m);
  const linear = mul(sub(1, target), input);
  let loss: Tensor;
  if (posWeight) {
    const logWeight = add(mul(sub(posWeight, 1), target), 1);
    loss = add(linear, mul(logWeight, softplusNeg));
  } else {
    loss = add(linear, softplusNeg);
  }
  if (weight) loss = mul(loss, weight);
  return reduceLoss(loss, reduction);
}
