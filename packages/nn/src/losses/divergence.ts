/** Distribution and embedding losses: KL divergence and cosine embedding loss. */
import {
  add,
  clamp,
  div,
  DTypeError,
  eq,
  exp,
  log,
  mul,
  ShapeError,
  sqrt,
  sub,
  sum,
  type Tensor,
  where,
  zerosLike,
} from '@kindling/core';
import {
  checkFloating,
  checkReduction,
  checkSameShape,
  fmt,
  type Reduction,
  reduceLoss,
} from './reduction.js';

/** Options of `klDiv`. */
export interface KLDivLossOptions {
  /**
   * 'mean' (default, PyTorch's: averages over every element), 'batchmean' (the KL divergence's
   * definition: sum divided by the batch size), 'sum' or 'none'.
   */
  reduction?: Reduction | 'batchmean';
  /** Whether `target` holds log-probabilities too (default false: probabilities). */
  logTarget?: boolean;
}

/**
 * Kullback-Leibler divergence (`F.kl_div`): `input` holds log-probabilities; pointwise
 * `target * (log(target) - input)` with `0 * log(0) = 0` (or `exp(target) * (target - input)` with
 * `logTarget`).
 */
export function klDiv(input: Tensor, target: Tensor, options?: KLDivLossOptions): Tensor {
  const op = 'klDiv';
  const reduction = checkReduction<'batchmean'>(op, options?.reduction, ['batchmean']);
  checkFloating(op, input, 'input');
  checkFloating(op, target, 'target');
  checkSameShape(op, input, target);
  let loss: Tensor;
  if (options?.logTarget) {
    loss = mul(exp(target), sub(target, input));
  } else {
    const zero = eq(target, 0);
    const xlogy = where(zero, 0, mul(target, log(where(zero, 1, target))));
    loss = sub(xlogy, mul(target, input));
  }
  if (reduction === 'batchmean') {
    const total = sum(loss);
    return input.ndim === 0 ? total : div(total, input.shape[0]);
  }
  return reduceLoss(loss, reduction);
}

/** Options of `cosineEmbeddingLoss`. */
export interface CosineEmbeddingLossOptions {
  /** For dissimilar pairs (y = -1), the loss is `max(0, cos - margin)` (default 0; sensible in [-1, 1]). */
  margin?: number;
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

const EPSILON = 1e-12;

/**
 * Cosine embedding loss (`F.cosine_embedding_loss`): `1 - cos(x1, x2)` where `y = 1`,
 * `max(0, cos(x1, x2) - margin)` where `y = -1`. `x1`, `x2` are [N, D] (with y [N]) or [D] (with y []).
 */
export function cosineEmbeddingLoss(
  x1: Tensor,
  x2: Tensor,
  y: Tensor,
  options?: CosineEmbeddingLossOptions,
): Tensor {
  const op = 'cosineEmbeddingLoss';
  const reduction = checkReduction(op, options?.reduction);
  const margin = options?.margin ?? 0;
  checkFloating(op, x1, 'x1');
  checkFloating(op, x2, 'x2');
  checkSameShape(op, x1, x2, 'x2');
  if (y.dtype === 'bool') throw new DTypeError(`${op}: expected y of 1 and -1 (int32 or floating), got bool`);
  if (x1.ndim !== 1 && x1.ndim !== 2) {
    throw new ShapeError(`${op}: expected x1 and x2 of shape [N, D] or [D], got ${fmt(x1.shape)}`);
  }
  const want = x1.ndim === 2 ? [x1.shape[0]] : [];
  if (y.ndim !== want.length || (want.length === 1 && y.shape[0] !== want[0])) {
    throw new ShapeError(
      `${op}: expected y of shape ${fmt(want)} for inputs of shape ${fmt(x1.shape)}, got ${fmt(y.shape)}`,
    );
  }
  const dim = x1.ndim - 1;
  const prodSum = sum(mul(x1, x2), dim);
  const mag1 = add(sum(mul(x1, x1), dim), EPSILON);
  const mag2 = add(sum(mul(x2, x2), dim), EPSILON);
  const cos = div(prodSum, sqrt(mul(mag1, mag2)));
  const zeros = zerosLike(cos);
  const pos = where(eq(y, 1), sub(1, cos), zeros);
  const neg = where(eq(y, -1), clamp(sub(cos, margin), 0), zeros);
  return reduceLoss(add(pos, neg), reduction);
}
