import { dispatch1, type Tensor } from '@kindling/core';
import { withGradMode } from './grad-mode.js';
import { metaOf, peekMeta, type ViewInfo, type ViewStep } from './node.js';

/** The primitive ops whose output shares the input's storage (`split`: every output). */
export const VIEW_OPS: ReadonlySet<string> = new Set([
  'view',
  'permute',
  'expand',
  'slice',
  'asStrided',
  'split',
]);

/** Tracks every output of a view op; a `split` piece replays as the `slice` it is. */
export function trackViews(
  outs: readonly Tensor[],
  input: Tensor,
  op: string,
  attrs: Record<string, unknown>,
): void {
  if (op !== 'split') {
    trackView(outs[0], input, op, attrs);
    return;
  }
  let start = 0;
  const dim = attrs.dim as number;
  (attrs.sizes as number[]).forEach((n, i) => {
    trackView(outs[i], input, 'slice', { dim, start, end: start + n, step: 1 });
    start += n;
  });
}

/** Remembers that `out` is a view of `input`'s base, and how to replay it from the base. */
export function trackView(out: Tensor, input: Tensor, op: string, attrs: Record<string, unknown>): void {
  const parent = peekMeta(input)?.view;
  const base = parent ? parent.base : input;
  const step: ViewStep = { op, attrs };
  metaOf(out).view = {
    base,
    chain: parent ? [...parent.chain, step] : [step],
    baseGradFn: base.gradFn,
    baseReq: base._requiresGrad,
  };
}

/**
 * Replays a view chain on `root`, which has the base's layout but may sit at another storage
 * offset (the base itself, or a contiguous gradient of a contiguous base).
 */
export function replayView(root: Tensor, chain: readonly ViewStep[], baseOffset: number): Tensor {
  let x = root;
  for (const s of chain) {
    const attrs =
      s.op === 'asStrided'
        ? { ...s.attrs, offset: (s.attrs.offset as number) - baseOffset + root.offset }
        : s.attrs;
    x = dispatch1(s.op, [x], attrs);
  }
  return x;
}

/** Re-derives a view's history from its base (after an in-place op changed the base's history). */
export function regenerateView(t: Tensor, v: ViewInfo): void {
  const fresh = withGradMode(true, () => replayView(v.base, v.chain, v.base.offset));
  t.gradFn = fresh.gradFn;
  t._requiresGrad = fresh._requiresGrad;
  metaOf(t).outputNr = 0;
  v.baseGradFn = v.base.gradFn;
  v.baseReq = v.base._requiresGrad;
}

/** Brings a view's `gradFn` up to date when its base was modified in place since (PyTorch does the same). */
export function refreshView(t: Tensor): void {
  const v = peekMeta(t)?.view;
  if (!v) return;
  if (v.baseGradFn === v.base.gradFn && v.baseReq === v.base._requiresGrad) return;
  regenerateView(t, v);
}
