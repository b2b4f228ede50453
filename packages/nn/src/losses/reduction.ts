/** Shared argument checks and the `reduction` option of the loss functions. */
import { DTypeError, isFloating, mean, ShapeError, sum, type Tensor, ValueError } from '@kindling/core';

/** How a loss combines its per-element values: keep them, average them or add them up. */
export type Reduction = 'none' | 'mean' | 'sum';

const REDUCTIONS: readonly string[] = ['none', 'mean', 'sum'];

/** Validates a `reduction` option (default 'mean'); `extra` lists additional accepted values. */
export function checkReduction<R extends string = Reduction>(
  op: string,
  reduction: string | undefined,
  extra: readonly string[] = [],
): Reduction | R {
  const r = reduction ?? 'mean';
  if (!REDUCTIONS.includes(r) && !extra.includes(r)) {
    const all = [...REDUCTIONS, ...extra].map((s) => `'${s}'`).join(', ');
    throw new ValueError(`${op}: reduction must be one of ${all}, got '${String(reduction)}'`);
  }
  return r as Reduction | R;
}

/** Applies a 'none' | 'mean' | 'sum' reduction to per-element losses. */
export function reduceLoss(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'mean') return mean(loss);
  if (reduction === 'sum') return sum(loss);
  return loss;
}

/** Formats a shape like PyTorch's `torch.Size` in messages. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws unless `t` is a floating-point tensor. */
export function checkFloating(op: string, t: Tensor, what: string): void {
  if (!isFloating(t.dtype)) {
    throw new DTypeError(`${op}: expected ${what} to be a floating-point tensor, got ${t.dtype}`);
  }
}

/**
 * Throws unless `target` has exactly `input`'s shape. PyTorch only warns and broadcasts here, which
 * almost always gives a silently wrong loss; Kindling refuses.
 */
export function checkSameShape(op: string, input: Tensor, target: Tensor, what = 'target'): void {
  const a = input.shape;
  const b = target.shape;
  if (a.length !== b.length || a.some((s, i) => s !== b[i])) {
    throw new ShapeError(
      `${op}: expected ${what} of the input's shape ${fmt(a)}, got ${fmt(b)} (broadcasting a ${what} is refused: it silently gives a wrong loss)`,
    );
  }
}

/** Throws unless `w` broadcasts to `shape` (for per-element weights). */
export function checkBroadcastsTo(op: string, w: Tensor, shape: readonly number[], what: string): void {
  const off = shape.length - w.ndim;
  const ok = off >= 0 && w.shape.every((s, i) => s === 1 || s === shape[off + i]);
  if (!ok)
    throw new ShapeError(
      `${op}: ${what} of shape ${fmt(w.shape)} does not broadcast to the input's shape ${fmt(shape)}`,
    );
}
