/**
 * Classification metrics: `accuracy`, `topKAccuracy` and `confusionMatrix`. Targets are int32 class
 * indices; predictions are int32 class indices of the targets' shape, or float logits / scores with
 * an extra class dim (dim 1, PyTorch's layout: `[N, C]` for targets `[N]`, `[N, C, H, W]` for
 * `[N, H, W]`; `[C]` for a 0-d target). Class indices are range-checked for tensors on the CPU.
 */
import {
  DTypeError,
  IndexError,
  isFloating,
  onesLike,
  ShapeError,
  type Tensor,
  ValueError,
  where,
  zeros,
} from '@kindling/core';

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** The class dim of logits with `ndim` dims (1, or 0 for unbatched `[C]`). */
function classDim(ndim: number): number {
  return ndim >= 2 ? 1 : 0;
}

/** The logits' shape without its class dim. */
function withoutClassDim(shape: readonly number[]): number[] {
  const d = classDim(shape.length);
  return shape.filter((_, i) => i !== d);
}

function checkTargets(op: string, targets: Tensor): void {
  if (targets.dtype !== 'int32')
    throw new DTypeError(`${op}: expected targets of dtype int32 (class indices), but got ${targets.dtype}`);
}

/** Throws an IndexError if a CPU tensor holds a value outside `[0, numClasses)`. */
function checkRange(op: string, what: string, t: Tensor, numClasses: number): void {
  if (t.device !== 'cpu' || t.numel === 0) return;
  const bad = t.lt(0).logicalOr(t.ge(numClasses)).any().itemSync();
  if (bad)
    throw new IndexError(
      `${op}: ${what} must be class indices in [0, ${numClasses}), but got values ${String(t.min().itemSync())}..${String(t.max().itemSync())}`,
    );
}

/**
 * Predicted class indices: `input` itself when it is int32 with the targets' shape, else the argmax
 * over the class dim of float logits shaped like the targets plus a class dim.
 */
function predictions(op: string, input: Tensor, targets: Tensor): Tensor {
  if (input.dtype === 'int32' && same(input.shape, targets.shape)) return input;
  if (isFloating(input.dtype) && input.ndim === targets.ndim + 1) {
    if (!same(withoutClassDim(input.shape), targets.shape))
      throw new ShapeError(
        `${op}: logits of shape ${fmt(input.shape)} do not match targets of shape ${fmt(targets.shape)} (expected logits with a class dim at dim ${classDim(input.ndim)})`,
      );
    if (input.shape[classDim(input.ndim)] === 0)
      throw new ShapeError(`${op}: logits of shape ${fmt(input.shape)} have no classes`);
    checkRange(op, 'targets', targets, input.shape[classDim(input.ndim)]);
    return input.argmax(classDim(input.ndim));
  }
  if (isFloating(input.dtype) || input.dtype === 'int32')
    throw new ShapeError(
      `${op}: expected int32 predictions of the targets' shape ${fmt(targets.shape)} or float logits with an extra class dim, but got ${input.dtype} ${fmt(input.shape)}`,
    );
  throw new DTypeError(
    `${op}: expected int32 predictions or floating logits, but got ${input.dtype} ${fmt(input.shape)}`,
  );
}

/**
 * Fraction of correct predictions, as a 0-d float32 tensor (`await acc.item()`): `input` is either
 * int32 predicted classes shaped like `targets`, or float logits/scores with a class dim (the
 * prediction is their argmax; ties go to the lowest class). NaN when there are no samples.
 */
export function accuracy(input: Tensor, targets: Tensor): Tensor {
  checkTargets('accuracy', targets);
  const preds = predictions('accuracy', input, targets);
  return preds.eq(targets).float().mean();
}

/**
 * Fraction of samples whose target is among the `k` highest-scoring classes, as a 0-d float32
 * tensor. `logits` are `[N, C]` (or `[N, C, ...]` / `[C]`) with targets `[N]` (or `[N, ...]` / `[]`);
 * `1 <= k <= C`. Among equal scores, lower class indices rank first.
 */
export function topKAccuracy(logits: Tensor, targets: Tensor, k: number): Tensor {
  const op = 'topKAccuracy';
  checkTargets(op, targets);
  if (!isFloating(logits.dtype))
    throw new DTypeError(`${op}: expected floating logits, but got ${logits.dtype}`);
  if (logits.ndim !== targets.ndim + 1 || !same(withoutClassDim(logits.shape), targets.shape))
    throw new ShapeError(
      `${op}: expected logits of shape [N, C] (targets' shape plus a class dim at dim 1) for targets of shape ${fmt(targets.shape)}, but got ${fmt(logits.shape)}`,
    );
  const d = classDim(logits.ndim);
  const c = logits.shape[d];
  if (!Number.isInteger(k) || k < 1 || k > c)
    throw new ValueError(
      `${op}: k must be an integer in [1, ${c}] (the number of classes), got ${String(k)}`,
    );
  checkRange(op, 'targets', targets, c);
  const { indices } = logits.topk(k, d);
  return indices.eq(targets.unsqueeze(d)).any(d).float().mean();
}

/**
 * The `[numClasses, numClasses]` int32 confusion matrix: entry `[i, j]` counts samples of true
 * class `i` predicted as class `j` (rows are targets, as in scikit-learn and torchmetrics). `preds`
 * are int32 classes shaped like `targets`, or float logits with a class dim (argmax is taken).
 * Every index must lie in `[0, numClasses)` (an IndexError otherwise).
 */
export function confusionMatrix(preds: Tensor, targets: Tensor, numClasses: number): Tensor {
  const op = 'confusionMatrix';
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ValueError(`${op}: numClasses must be a positive integer, got ${String(numClasses)}`);
  checkTargets(op, targets);
  const p = predictions(op, preds, targets);
  if (isFloating(preds.dtype) && preds.shape[classDim(preds.ndim)] !== numClasses)
    throw new ShapeError(
      `${op}: logits have ${preds.shape[classDim(preds.ndim)]} classes in dim ${classDim(preds.ndim)}, but numClasses is ${numClasses}`,
    );
  checkRange(op, 'targets', targets, numClasses);
  checkRange(op, 'predictions', p, numClasses);
  const c = numClasses;
  const t = targets.flatten();
  const q = p.flatten();
  // Out-of-range pairs (possible only off the CPU, where values are not pre-checked) map to -1,
  // which the scatter rejects, rather than to a wrong cell.
  const valid = t.ge(0).logicalAnd(t.lt(c)).logicalAnd(q.ge(0)).logicalAnd(q.lt(c));
  const idx = where(valid, t.mul(c).add(q), -1);
  const counts = zeros([c * c], { dtype: 'int32', device: targets.device });
  return counts.scatterAdd(0, idx, onesLike(idx)).reshape([c, c]);
}
