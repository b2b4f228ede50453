/** Regression losses: MSE, L1, smooth L1 and Huber (`torch.nn.functional.*_loss`). */
import { abs, lt, mul, square, sub, type Tensor, ValueError, where } from '@kindling/core';
import { checkFloating, checkReduction, checkSameShape, type Reduction, reduceLoss } from './reduction.js';

/** Options of the element-wise regression losses. */
export interface RegressionLossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

function diffOf(op: string, input: Tensor, target: Tensor): Tensor {
  checkFloating(op, input, 'input');
  checkFloating(op, target, 'target');
  checkSameShape(op, input, target);
  return sub(input, target);
}

/** Mean squared error `(input - target)^2` (`F.mse_loss`); target must have the input's shape. */
export function mseLoss(input: Tensor, target: Tensor, options?: RegressionLossOptions): Tensor {
  const reduction = checkReduction('mseLoss', options?.reduction);
  return reduceLoss(square(diffOf('mseLoss', input, target)), reduction);
}

/** Mean absolute error `|input - target|` (`F.l1_loss`). */
export function l1Loss(input: Tensor, target: Tensor, options?: RegressionLossOptions): Tensor {
  const reduction = checkReduction('l1Loss', options?.reduction);
  return reduceLoss(abs(diffOf('l1Loss', input, target)), reduction);
}

/**
 * Smooth L1 (`F.smooth_l1_loss`): `0.5 d^2 / beta` where `|d| < beta`, else `|d| - 0.5 beta`, with
 * `d = input - target`; `beta = 0` is the L1 loss.
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options?: RegressionLossOptions & { beta?: number },
): Tensor {
  const reduction = checkReduction('smoothL1Loss', options?.reduction);
  const beta = options?.beta ?? 1;
  if (!(beta >= 0)) throw new ValueError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const d = diffOf('smoothL1Loss', input, target);
  const ad = abs(d);
  if (beta === 0) return reduceLoss(ad, reduction);
  const loss = where(lt(ad, beta), mul(square(d), 0.5 / beta), sub(ad, 0.5 * beta));
  return reduceLoss(loss, reduction);
}

/**
 * Huber loss (`F.huber_loss`): `0.5 d^2` where `|d| < delta`, else `delta (|d| - 0.5 delta)`; equals
 * `delta * smoothL1Loss(beta = delta)`.
 */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  options?: RegressionLossOptions & { delta?: number },
): Tensor {
  const reduction = checkReduction('huberLoss', options?.reduction);
  const delta = options?.delta ?? 1;
  if (!(delta > 0)) throw new ValueError(`huberLoss: delta must be positive, got ${delta}`);
  const d = diffOf('huberLoss', input, target);
  const ad = abs(d);
  const loss = where(lt(ad, delta), mul(square(d), 0.5), mul(sub(ad, 0.5 * delta), delta));
  return reduceLoss(loss, reduction);
}
