import {
  type Attrs,
  type DispatchFn,
  type DispatchLayer,
  NotSupportedError,
  Tensor,
  cast,
  isFloating,
} from '@kindling/core';
import { CopySlices } from './copy-slices.js';
import { derivatives, nonDifferentiable } from './derivatives/index.js';
import { AutogradError } from './errors.js';
import { isGradEnabled, withGradMode } from './grad-mode.js';
import { type Node, edgeOf, peekMeta, setHistory, type TensorMeta } from './node.js';
import { OpNode } from './op-node.js';
import { VIEW_OPS, refreshView, regenerateView, trackViews } from './views.js';

function alias(t: Tensor): Tensor {
  return new Tensor(t.storage, t.shape, t.strides, t.offset);
}

/** Records a node for `op` when an input requires grad; returns the (maybe aliased) outputs. */
function record(op: string, inputs: Tensor[], attrs: Attrs, outs: Tensor[]): Tensor[] {
  let anyFloat = false;
  for (const o of outs) if (isFloating(o.dtype)) anyFloat = true;
  const formula = derivatives[op];
  if (!formula) {
    if (!anyFloat || nonDifferentiable.has(op)) return outs;
    throw new NotSupportedError(
      `${op}: no derivative formula in @kindling/autograd for this primitive; it cannot be used on tensors that require grad yet (wrap the call in noGrad() or detach() the inputs)`,
    );
  }
  if (!anyFloat) return outs;
  // A kernel returning one of its inputs would otherwise clobber that input's history.
  let res = outs;
  for (let i = 0; i < outs.length; i++) {
    if (inputs.includes(outs[i])) {
      if (res === outs) res = [...outs];
      res[i] = alias(outs[i]);
    }
  }
  const node = new OpNode(op, formula, attrs, inputs, res, inputs.map(edgeOf));
  for (let i = 0; i < res.length; i++) if (isFloating(res[i].dtype)) setHistory(res[i], node, i);
  return res;
}

/**
 * Nodes recorded since `dst` got its current history that saved `dst` itself would fail after the
 * write (version check); the value they saved is still intact, so they get a copy of it instead.
 * This is what lets `y.pow_(2)` or `y.clamp_(0, 1)` (an op on y, then `copy_` into y) work on a
 * non-leaf, as in PyTorch. The copy is recorded, so higher-order gradients stay exact.
 */
function preserveSavedValues(dst: Tensor, src: Tensor): void {
  const start = src.gradFn as Node | null;
  if (!start) return;
  const after = (dst.gradFn as Node | null)?.seq ?? -1;
  let copy: Tensor | null = null;
  const makeCopy = () => {
    if (!copy) copy = withGradMode(true, () => cast(dst, dst.dtype, true));
    return copy;
  };
  const seen = new Set<Node>([start]);
  const queue: Node[] = [start];
  for (let k = 0; k < queue.length && k < 256; k++) {
    const n = queue[k];
    if (n instanceof OpNode) n.rebindSaved(dst, makeCopy);
    for (const e of n.next) {
      if (e && e.node.seq > after && !seen.has(e.node)) {
        seen.add(e.node);
        queue.push(e.node);
      }
    }
  }
}

const LEAF_MSG = 'a leaf Variable that requires grad is being used in an in-place operation';

/**
 * `copy_(dst, src)` with autograd: writing over a whole tensor rebases its history on the copy
 * node (the gradient goes to `src`, none to the old value); writing into a view of a tensor makes
 * the base's new history a CopySlices node and re-derives the view from it.
 */
function copyInPlace(inputs: Tensor[], attrs: Attrs, next: DispatchFn): Tensor[] {
  const [dst, src] = inputs;
  refreshView(dst);
  refreshView(src);
  const v = peekMeta(dst)?.view;
  if (dst._requiresGrad && dst.gradFn === null) {
    throw new AutogradError(
      `copy_: ${LEAF_MSG} (in-place ops such as add_ write with copy_; wrap parameter updates in noGrad())`,
    );
  }
  if (v?.base._requiresGrad && v.base.gradFn === null) {
    throw new AutogradError(`copy_: a view of ${LEAF_MSG} (wrap the update in noGrad(), or work on a clone)`);
  }
  const needGraph = src._requiresGrad || dst._requiresGrad || (v?.base._requiresGrad ?? false);
  if (!needGraph || !isFloating(dst.dtype)) return next('copy_', inputs, attrs);
  preserveSavedValues(dst, src);
  if (!v) {
    const node = new OpNode('copy_', derivatives.copy_, attrs, inputs, [dst], [null, edgeOf(src)]);
    const outs = next('copy_', inputs, attrs);
    setHistory(dst, node, 0);
    return outs;
  }
  const base = v.base;
  if (dst.strides.some((s, i) => s === 0 && dst.shape[i] > 1)) {
    throw new NotSupportedError(
      `copy_: in-place write into an expanded view (several elements share one memory location) is not supported with autograd; clone() the destination first`,
    );
  }
  if (!base.isContiguous()) {
    throw new NotSupportedError(
      `copy_: in-place write into a view of a non-contiguous tensor is not supported with autograd; make the base contiguous() first`,
    );
  }
  const node = new CopySlices(base, src, v.chain, [edgeOf(base), edgeOf(src)]);
  const outs = next('copy_', inputs, attrs);
  setHistory(base, node, 0);
  regenerateView(dst, v);
  return outs;
}

/** The gradient layer of core's dispatcher: records a node for every differentiable call. */
export const autogradLayer: DispatchLayer = {
  name: 'autograd',
  handle(op: string, inputs: Tensor[], attrs: Attrs, next: DispatchFn): Tensor[] {
    if (!isGradEnabled()) return next(op, inputs, attrs);
    if (op === 'copy_') return copyInPlace(inputs, attrs, next);
    let req = false;
    for (const t of inputs) {
      if (t._autograd !== null && (t._autograd as unknown as TensorMeta).view) refreshView(t);
      if (t._requiresGrad) req = true;
    }
    let outs = next(op, inputs, attrs);
    if (req) outs = record(op, inputs, attrs, outs);
    if (VIEW_OPS.has(op)) trackViews(outs, inputs[0], op, attrs);
    return outs;
  },
};
