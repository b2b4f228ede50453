import type { DType, Tensor } from '@kindling/core';
import { AutogradError } from './errors.js';

/** Where a gradient goes: output slot `nr` of `node`. */
export interface Edge {
  /** The backward node that receives the gradient (an op's node, or a leaf's `AccumulateGrad`). */
  readonly node: Node;
  /** Which of `node`'s forward outputs the gradient belongs to (0 for single-output ops). */
  readonly nr: number;
}

/** A hook on a tensor's gradient: may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | undefined;

/** One step of a view chain, replayable on the base or on a gradient of the base's shape. */
export interface ViewStep {
  readonly op: string;
  readonly attrs: Record<string, unknown>;
}

/** What autograd knows about a view: its base (a non-view tensor) and how to get from the base to it. */
export interface ViewInfo {
  readonly base: Tensor;
  readonly chain: readonly ViewStep[];
  /** The base's `gradFn` / `requiresGrad` when this view's history was last derived from it. */
  baseGradFn: unknown;
  baseReq: boolean;
}

/** Per-tensor bookkeeping kept in core's `Tensor._autograd` slot. */
export interface TensorMeta {
  /** Output index of this tensor in its `gradFn`. */
  outputNr: number;
  /** The gradient accumulator of a leaf that requires grad (created on first use). */
  acc?: AccumulateGrad;
  /** Set on outputs of view ops. */
  view?: ViewInfo;
}

/** The bookkeeping of `t`, created on demand. */
export function metaOf(t: Tensor): TensorMeta {
  let m = t._autograd as TensorMeta | null;
  if (!m) {
    m = { outputNr: 0 };
    t._autograd = m as unknown as Record<string, unknown>;
  }
  return m;
}

/** The bookkeeping of `t`, or null. */
export function peekMeta(t: Tensor): TensorMeta | null {
  return t._autograd as TensorMeta | null;
}

let sequence = 0;

/** Shape and dtype of an input, to validate the gradient computed for it. */
export interface InputMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * A node of the backward graph (PyTorch's `torch.autograd.graph.Node`): given gradients for its
 * outputs it computes gradients for its inputs, which flow along `next`.
 */
export abstract class Node {
  /** Creation order; the engine runs later nodes first. */
  readonly seq = sequence++;
  /** Edges to the nodes of the inputs (null where an input does not require grad). */
  next: (Edge | null)[] = [];
  /** Hooks on the gradients of this node's outputs (tensor hooks of non-leaves), by output slot. */
  preHooks: Map<number, GradHook[]> | null = null;
  /** Non-leaf tensors whose `.grad` is kept (retainGrad), by output slot. */
  retained: Map<number, Tensor> | null = null;
  /** Name shown in errors and in `gradFn.name`, e.g. `MulBackward`. */
  abstract readonly name: string;
  /** Number of outputs (gradient slots). */
  abstract readonly numOutputs: number;
  /** Shape/dtype of each input, for validating the gradients. */
  abstract readonly inputMeta: readonly (InputMeta | null)[];
  /** Computes input gradients from output gradients (some may be null). */
  abstract apply(grads: readonly (Tensor | null)[]): (Tensor | null | undefined)[];
  /** Frees what was saved for backward (after a backward without `retainGraph`). */
  release(): void {}
  /** The nodes this one sends gradients to (`next_functions`). */
  get nextFunctions(): readonly (Edge | null)[] {
    return this.next;
  }
  /** Adds a hook on the gradient of output `nr`. */
  addPreHook(nr: number, hook: GradHook): () => void {
    if (!this.preHooks) this.preHooks = new Map();
    let list = this.preHooks.get(nr);
    if (!list) this.preHooks.set(nr, (list = []));
    list.push(hook);
    return () => {
      const l = this.preHooks?.get(nr);
      const i = l ? l.indexOf(hook) : -1;
      if (l && i >= 0) l.splice(i, 1);
    };
  }
}

/** A tensor saved for backward, with the storage version it had when saved. */
export class SavedTensor {
  private tensor: Tensor | null;
  /** The storage version at save time. */
  readonly version: number;
  constructor(
    tensor: Tensor,
    private readonly what: string,
  ) {
    this.tensor = tensor;
    this.version = tensor.storage.version;
  }
  /** The tensor, after checking it was neither freed nor modified in place. */
  unpack(nodeName: string): Tensor {
    const t = this.tensor;
    if (!t) {
      throw new AutogradError(
        `${nodeName}: trying to backward through the graph a second time (or to use saved tensors after they were freed). Saved tensors are freed after backward(); pass { retainGraph: true } to the first backward() or grad() call if you need to backward through the graph again`,
      );
    }
    if (t.storage.version !== this.version) {
      throw new AutogradError(
        `${nodeName}: one of the tensors needed for gradient computation (${this.what}, ${t.dtype} [${t.shape.join(', ')}]) has been modified by an in-place operation: it is at version ${t.storage.version}, expected version ${this.version}. Clone it (x.clone()) before modifying it, or avoid the in-place operation`,
      );
    }
    return t;
  }
  /** The saved tensor without checks (null once released). */
  get target(): Tensor | null {
    return this.tensor;
  }
  /** Drops the reference. */
  release(): void {
    this.tensor = null;
  }
}

/** The sink of a leaf that requires grad: accumulates incoming gradients into `leaf.grad`. */
export class AccumulateGrad extends Node {
  readonly name = 'AccumulateGrad';
  readonly numOutputs = 1;
  readonly inputMeta: readonly (InputMeta | null)[] = [];
  constructor(
    /** The leaf whose `.grad` this node fills. */
    readonly variable: Tensor,
  ) {
    super();
  }
  /** The engine accumulates into `variable.grad` itself (it knows the run's options); nothing flows on. */
  apply(): (Tensor | null)[] {
    return [];
  }
}

/** The edge a gradient for `t` should follow, or null when `t` does not require grad. */
export function edgeOf(t: Tensor): Edge | null {
  if (t.gradFn) return { node: t.gradFn as Node, nr: peekMeta(t)?.outputNr ?? 0 };
  if (t._requiresGrad) {
    const m = metaOf(t);
    if (!m.acc) m.acc = new AccumulateGrad(t);
    return { node: m.acc, nr: 0 };
  }
  return null;
}

/** Makes `t` an output of `node` at slot `nr`. */
export function setHistory(t: Tensor, node: Node, nr: number): void {
  t.gradFn = node;
  t._requiresGrad = true;
  const m = peekMeta(t);
  if (m) m.outputNr = nr;
  else if (nr !== 0) metaOf(t).outputNr = nr;
}
