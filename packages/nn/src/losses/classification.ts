/** Multi-class losses: negative log likelihood and cross entropy (`F.nll_loss`, `F.cross_entropy`). */
import {
  DTypeError,
  div,
  eq,
  gather,
  IndexError,
  indexSelect,
  isFloating,
  logicalNot,
  logSoftmax,
  mul,
  neg,
  ShapeError,
  squeeze,
  sum,
  type Tensor,
  unsqueeze,
  ValueError,
  where,
  add,
} from '@kindling/core';
import { checkFloating, checkReduction, fmt, type Reduction } from './reduction.js';

/** Options of `nllLoss`. */
export interface NLLLossOptions {
  /** A manual rescaling weight per class (1-D, C elements). */
  weight?: Tensor | null;
  /** Targets equal to this class index contribute nothing, not even to the mean's denominator (default -100). */
  ignoreIndex?: number;
  /** 'mean' (default: divides by the summed weights of the non-ignored targets), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NLLLossOptions {
  /** Mixes the target with the uniform distribution: `(1 - s) * target + s / C` (default 0). */
  labelSmoothing?: number;
}

/** The shape class-index targets must have for `input` ([N, C, d1...] -> [N, d1...]; [C] -> []). */
function indexTargetShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
}

function checkInput(op: string, input: Tensor): void {
  checkFloating(op, input, 'input');
  if (input.ndim < 1)
    throw new ShapeError(`${op}: expected input of shape [C], [N, C] or [N, C, d1, ...], got a 0-d tensor`);
}

function checkIndexTarget(op: string, input: Tensor, target: Tensor, ignoreIndex: number): void {
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected class indices as an int32 target, got ${target.dtype}`);
  }
  const want = indexTargetShape(input);
  if (target.ndim !== want.length || target.shape.some((s, i) => s !== want[i])) {
    throw new ShapeError(
      `${op}: expected a target of shape ${fmt(want)} for input of shape ${fmt(input.shape)}, got ${fmt(target.shape)}`,
    );
  }
  if (target.device !== 'cpu') return; // other backends check indices in their gather kernel
  const classes = input.shape[input.ndim === 1 ? 0 : 1];
  const values = target.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== ignoreIndex && (v < 0 || v >= classes)) {
      throw new IndexError(
        `${op}: target ${v} is out of bounds for ${classes} classes (expected 0..${classes - 1} or ignoreIndex ${ignoreIndex})`,
      );
    }
  }
}

function checkWeight(op: string, weight: Tensor | null | undefined, classes: number): Tensor | null {
  if (!weight) return null;
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(
      `${op}: expected a weight of shape [${classes}] (one per class), got ${fmt(weight.shape)}`,
    );
  }
  checkFloating(op, weight, 'weight');
  return weight;
}

function checkIgnoreIndex(op: string, ignoreIndex: number): void {
  if (!Number.isInteger(ignoreIndex))
    throw new ValueError(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
}

interface Picked {
  /** Per-target losses, zero where ignored. */
  loss: Tensor;
  /** Per-target weights, zero where ignored (the mean's denominator is their sum). */
  weights: Tensor;
  /** Where the target equals ignoreIndex. */
  ignored: Tensor;
}

/** Per-target `-weight[t] * logp[t]` for batched [N, C, ...] log-probabilities. */
function pickTargets(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): Picked {
  const ignored = eq(target, ignoreIndex);
  const safe = where(ignored, 0, target);
  const picked = squeeze(gather(logp, 1, unsqueeze(safe, 1)), 1);
  const kept = logicalNot(ignored).to(logp.dtype);
  const weights = weight ? mul(indexSelect(weight, 0, safe.flatten()).reshape(target.shape), kept) : kept;
  const loss = where(ignored, 0, weight ? mul(neg(picked), weights) : neg(picked));
  return { loss, weights, ignored };
}

function reducePicked(p: Picked, reduction: Reduction): Tensor {
  if (reduction === 'none') return p.loss;
  if (reduction === 'sum') return sum(p.loss);
  return div(sum(p.loss), sum(p.weights));
}

/** Adds a batch dim to unbatched [C] input (and its target) so every path sees [N, C, ...]. */
function batched(input: Tensor, target: Tensor): [Tensor, Tensor, boolean] {
  if (input.ndim !== 1) return [input, target, false];
  return [unsqueeze(input, 0), unsqueeze(target, 0), true];
}

/**
 * Negative log likelihood (`F.nll_loss`): `-weight[t] * input[n, t]` for each target class index
 * `t`. `input` holds log-probabilities of shape [C], [N, C] or [N, C, d1, ...]; `target` int32 class
 * indices of shape [], [N] or [N, d1, ...]. With 'mean' the sum is divided by the summed weights of
 * the non-ignored targets, as PyTorch (NaN when every target is ignored).
 */
export function nllLoss(input: Tensor, target: Tensor, options?: NLLLossOptions): Tensor {
  const op = 'nllLoss';
  const reduction = checkReduction(op, options?.reduction);
  const ignoreIndex = options?.ignoreIndex ?? -100;
  checkIgnoreIndex(op, ignoreIndex);
  checkInput(op, input);
  checkIndexTarget(op, input, target, ignoreIndex);
  const weight = checkWeight(op, options?.weight, input.shape[input.ndim === 1 ? 0 : 1]);
  const [x, t, unbatched] = batched(input, target);
  const out = reducePicked(pickTargets(x, t, weight, ignoreIndex), reduction);
  return unbatched && reduction === 'none' ? squeeze(out, 0) : out;
}

/**
 * Cross entropy between logits and a target (`F.cross_entropy`): `input` holds unnormalized scores
 * of shape [C], [N, C] or [N, C, d1, ...]. The target is either int32 class indices (shape [],
 * [N] or [N, d1, ...]; `ignoreIndex` and `weight` as in `nllLoss`) or floating class probabilities
 * of the input's shape. `labelSmoothing` mixes in the uniform distribution as PyTorch 1.13 does
 * (`(1 - s) * nll + s / C * smoothing term`, the smoothing term reduced like the nll term).
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  const op = 'crossEntropy';
  const reduction = checkReduction(op, options?.reduction);
  const ignoreIndex = options?.ignoreIndex ?? -100;
  checkIgnoreIndex(op, ignoreIndex);
  const smoothing = options?.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) {
    throw new ValueError(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  }
  checkInput(op, input);
  const classes = input.shape[input.ndim === 1 ? 0 : 1];
  const weight = checkWeight(op, options?.weight, classes);
  const probs = isFloating(target.dtype);
  if (probs) {
    if (target.ndim !== input.ndim || target.shape.some((s, i) => s !== input.shape[i])) {
      throw new ShapeError(
        `${op}: expected class indices (int32) of shape ${fmt(indexTargetShape(input))} or class probabilities of the input's shape ${fmt(input.shape)}, got a ${target.dtype} target of shape ${fmt(target.shape)}`,
      );
    }
  } else {
    checkIndexTarget(op, input, target, ignoreIndex);
  }
  const [x, t, unbatched] = batched(input, target);
  const logp = logSoftmax(x, 1);
  const wView = weight ? weight.reshape([1, classes, ...new Array(x.ndim - 2).fill(1)]) : null;
  const out = probs
    ? probabilityLoss(logp, t, wView, smoothing, classes, reduction)
    : indexLoss(logp, t, weight, wView, ignoreIndex, smoothing, classes, reduction);
  return unbatched && reduction === 'none' ? squeeze(out, 0) : out;
}

function probabilityLoss(
  logp: Tensor,
  target: Tensor,
  wView: Tensor | null,
  smoothing: number,
  classes: number,
  reduction: Reduction,
): Tensor {
  const t = smoothing > 0 ? add(mul(target, 1 - smoothing), smoothing / classes) : target;
  let prod = mul(logp, t);
  if (wView) prod = mul(prod, wView);
  if (reduction === 'none') return neg(sum(prod, 1));
  const total = neg(sum(prod));
  return reduction === 'sum' ? total : div(total, logp.numel / classes);
}

function indexLoss(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | null,
  wView: Tensor | null,
  ignoreIndex: number,
  smoothing: number,
  classes: number,
  reduction: Reduction,
): Tensor {
  const picked = pickTargets(logp, target, weight, ignoreIndex);
  const nll = reducePicked(picked, reduction);
  if (smoothing === 0) return nll;
  const smooth = where(picked.ignored, 0, neg(sum(wView ? mul(logp, wView) : logp, 1)));
  let ret: Tensor;
  if (reduction === 'none') ret = smooth;
  else if (reduction === 'sum') ret = sum(smooth);
  else ret = div(sum(smooth), sum(picked.weights));
  return add(mul(nll, 1 - smoothing), mul(ret, smoothing / classes));
}
