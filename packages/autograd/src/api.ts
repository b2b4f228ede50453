import { type Tensor, isFloating, onesLike, setAutogradHooks } from '@kindling/core';
import { accumulateGrad, runBackward } from './engine.js';
import { AutogradError } from './errors.js';
import { type Edge, type GradHook, type Node, edgeOf, metaOf, peekMeta } from './node.js';
import { refreshView } from './views.js';

/** Options of `backward`. */
export interface BackwardOptions {
  /** Keep the graph's saved tensors so it can be backpropagated again (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass, so the gradients can be differentiated again (default false). */
  createGraph?: boolean;
  /** Accumulate only into these tensors' `.grad` (leaves or non-leaves); default: every leaf. */
  inputs?: Tensor | readonly Tensor[];
}

/** Options of `grad`. */
export interface GradOptions {
  /** Gradients of the outputs (`grad_outputs`); may be omitted for one-element outputs. */
  gradOutputs?: Tensor | readonly (Tensor | null | undefined)[] | null;
  /** Keep the graph's saved tensors (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass for higher-order gradients (default false). */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on instead of throwing (default false). */
  allowUnused?: boolean;
}

function list<T>(x: T | readonly T[] | null | undefined): T[] {
  if (x === null || x === undefined) return [];
  return Array.isArray(x) ? [...(x as readonly T[])] : [x as T];
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Root edges and gradients, validated as PyTorch's `_make_grads` does. */
function roots(
  what: string,
  outputs: readonly Tensor[],
  grads: readonly (Tensor | null | undefined)[],
): { edges: Edge[]; values: Tensor[] } {
  if (grads.length > 0 && grads.length !== outputs.length) {
    throw new AutogradError(
      `${what}: got ${grads.length} gradients for ${outputs.length} tensors; pass one gradient per tensor`,
    );
  }
  const edges: Edge[] = [];
  const values: Tensor[] = [];
  outputs.forEach((out, i) => {
    refreshView(out);
    const e = edgeOf(out);
    if (!e) {
      throw new AutogradError(
        `${what}: element ${i} of tensors does not require grad and does not have a gradFn`,
      );
    }
    let g = grads[i] ?? null;
    if (!g) {
      if (out.numel !== 1) {
        throw new AutogradError(
          `${what}: grad can be implicitly created only for scalar outputs, but tensor ${i} has shape ${fmt(out.shape)}; pass a gradient of that shape`,
        );
      }
      g = onesLike(out);
    } else {
      if (g.shape.length !== out.shape.length || g.shape.some((s, k) => s !== out.shape[k])) {
        throw new AutogradError(
          `${what}: mismatch in shape: gradient ${i} has shape ${fmt(g.shape)} and output ${i} has shape ${fmt(out.shape)}`,
        );
      }
      if (g.dtype !== out.dtype) {
        throw new AutogradError(
          `${what}: mismatch in dtype: gradient ${i} is ${g.dtype} and output ${i} is ${out.dtype}`,
        );
      }
    }
    edges.push(e);
    values.push(g);
  });
  return { edges, values };
}

/**
 * Computes the gradients of `tensors` with respect to the graph leaves and accumulates them into
 * their `.grad` (`torch.autograd.backward`). Non-scalar tensors need a `gradient` of their shape.
 */
export function backward(
  tensors: Tensor | readonly Tensor[],
  gradTensors?: Tensor | readonly (Tensor | null | undefined)[] | null,
  options: BackwardOptions = {},
): void {
  const outs = list(tensors);
  const { edges, values } = roots('backward', outs, list(gradTensors));
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const inputs = list(options.inputs);
  if (inputs.length === 0) {
    runBackward(edges, values, { createGraph, retainGraph, captures: null, accumulate: 'all' });
    return;
  }
  const accs = new Set<Node>();
  const captures: Edge[] = [];
  const nonLeaves: Tensor[] = [];
  inputs.forEach((t, i) => {
    refreshView(t);
    const e = edgeOf(t);
    if (!e) throw new AutogradError(`backward: inputs[${i}] does not require grad`);
    if (t.gradFn === null) accs.add(e.node);
    else {
      captures.push(e);
      nonLeaves.push(t);
    }
  });
  const got = runBackward(edges, values, { createGraph, retainGraph, captures, accumulate: accs });
  got.forEach((g, k) => {
    if (g) accumulateGrad(nonLeaves[k], g, createGraph);
  });
}

/**
 * The gradients of `outputs` with respect to `inputs` (`torch.autograd.grad`), returned rather
 * than accumulated into `.grad`. One result per input; null for unused inputs when `allowUnused`.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options?: GradOptions & { allowUnused?: false },
): Tensor[];
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions,
): (Tensor | null)[];
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = list(outputs);
  const ins = list(inputs);
  const { edges, values } = roots('grad', outs, list(options.gradOutputs));
  const captures = ins.map((t, i) => {
    refreshView(t);
    const e = edgeOf(t);
    if (!e)
      throw new AutogradError(`grad: input ${i} (one of the differentiated tensors) does not require grad`);
    return e;
  });
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const got = runBackward(edges, values, { createGraph, retainGraph, captures, accumulate: new Set() });
  if (!options.allowUnused) {
    const i = got.indexOf(null);
    if (i >= 0) {
      throw new AutogradError(
        `grad: input ${i} (one of the differentiated tensors) appears to not have been used in the graph; pass { allowUnused: true } if this is expected`,
      );
    }
  }
  return got;
}

function setRequiresGrad(t: Tensor, value: boolean): void {
  if (t.gradFn !== null) {
    if (value) return;
    throw new AutogradError(
      'requiresGrad: you can only change requiresGrad flags of leaf tensors; to use a computed tensor without gradients, use y = x.detach()',
    );
  }
  if (value && !isFloating(t.dtype)) {
    throw new AutogradError(
      `requiresGrad: only tensors of floating point dtype can require gradients (got ${t.dtype})`,
    );
  }
  t._requiresGrad = value;
}

function retainGrad(t: Tensor): void {
  refreshView(t);
  if (!t._requiresGrad)
    throw new AutogradError("retainGrad: can't retain the gradient of a tensor that does not require grad");
  if (t.gradFn === null) return;
  const node = t.gradFn as Node;
  if (!node.retained) node.retained = new Map();
  node.retained.set(peekMeta(t)?.outputNr ?? 0, t);
}

function registerHook(t: Tensor, hook: GradHook): () => void {
  refreshView(t);
  const e = edgeOf(t);
  if (!e)
    throw new AutogradError("registerHook: cannot register a hook on a tensor that doesn't require gradient");
  if (t.gradFn === null) metaOf(t);
  return e.node.addPreHook(e.nr, hook);
}

/** Plugs this package into core's Tensor methods (`requiresGrad = true`, `backward`, ...). */
export function installTensorHooks(): void {
  setAutogradHooks({
    backward: (t, g, o) => backward(t, g ?? null, o as BackwardOptions | undefined),
    setRequiresGrad,
    retainGrad,
    registerHook: (t, h) => registerHook(t, h),
  });
}
