import { type Storage, type Tensor, add, cast, dispatch, getBackend, storagesCreated } from '@kindling/core';
import { AutogradError } from './errors.js';
import { withGradMode } from './grad-mode.js';
import { AccumulateGrad, type Edge, type Node } from './node.js';

/** How one backward pass runs. */
export interface RunOptions {
  /** Record the backward computation itself (higher-order gradients). */
  readonly createGraph: boolean;
  /** Keep saved tensors so the graph can be used again. */
  readonly retainGraph: boolean;
  /** Gradients to hand back: those flowing into these (node, slot) pairs. */
  readonly captures: readonly Edge[] | null;
  /** Which leaves accumulate into `.grad`: all, or only these accumulators. */
  readonly accumulate: 'all' | ReadonlySet<Node>;
}

/**
 * Adds `g` into `t.grad`. The first gradient is copied, so `.grad` never aliases another tensor,
 * unless `owned`: the caller knows nothing else references `g`'s memory, and it becomes `.grad`
 * as it is (PyTorch's AccumulateGrad "steals" such gradients the same way).
 */
export function accumulateGrad(t: Tensor, g: Tensor, createGraph: boolean, owned = false): void {
  withGradMode(createGraph, () => {
    if (!t.grad) t.grad = owned ? g : cast(g, g.dtype, true);
    else if (createGraph || t.grad._requiresGrad) t.grad = add(t.grad, g);
    else t.grad.add_(g);
  });
}

/** A max-heap of nodes by creation order: later nodes run first, as in PyTorch. */
class ReadyQueue {
  private readonly a: Node[] = [];
  get size(): number {
    return this.a.length;
  }
  push(n: Node): void {
    const a = this.a;
    a.push(n);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].seq >= a[i].seq) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): Node {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].seq > a[m].seq) m = l;
        if (r < a.length && a[r].seq > a[m].seq) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Every node reachable from `roots`, children before parents (iterative: graphs can be deep). */
function postOrder(roots: readonly Node[]): Node[] {
  const seen = new Set<Node>();
  const post: Node[] = [];
  const stack: { n: Node; i: number }[] = [];
  for (const r of roots) {
    if (seen.has(r)) continue;
    seen.add(r);
    stack.push({ n: r, i: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i < top.n.next.length) {
        const e = top.n.next[top.i++];
        if (e && !seen.has(e.node)) {
          seen.add(e.node);
          stack.push({ n: e.node, i: 0 });
        }
      } else {
        post.push(top.n);
        stack.pop();
      }
    }
  }
  return post;
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/**
 * Runs the graph backward from `roots` (with their gradients) in reverse topological order.
 * Returns the captured gradients, in the order of `options.captures`.
 */
export function runBackward(
  roots: readonly Edge[],
  rootGrads: readonly Tensor[],
  options: RunOptions,
): (Tensor | null)[] {
  const { createGraph, captures } = options;
  const order = postOrder(roots.map((e) => e.node));
  const captureAt = new Map<Node, number[]>();
  captures?.forEach((e, k) => {
    const l = captureAt.get(e.node);
    if (l) l.push(k);
    else captureAt.set(e.node, [k]);
  });
  const acc = options.accumulate;
  // Which nodes run: all of them, or only those leading to a captured gradient or a chosen leaf.
  const exec = new Set<Node>();
  for (const n of order) {
    if (n instanceof AccumulateGrad) {
      if (acc === 'all' || acc.has(n)) exec.add(n);
    } else if (!captures && acc === 'all') {
      exec.add(n);
    } else {
      for (const e of n.next) {
        if (e && (exec.has(e.node) || captureAt.has(e.node))) {
          exec.add(n);
          break;
        }
      }
    }
  }
  const inGraph = (n: Node) => exec.has(n) || captureAt.has(n);
  const deps = new Map<Node, number>();
  for (const n of exec) {
    for (const e of n.next) if (e && inGraph(e.node)) deps.set(e.node, (deps.get(e.node) ?? 0) + 1);
  }

  // Gradients this pass computed (storage created after it started) may become a leaf's `.grad`
  // without a copy once no buffer slot holds their storage any more. Hooks, retained gradients,
  // captures and higher-order graphs can keep references the pass cannot see: no stealing then.
  const stealing = !createGraph && !captures && !order.some((n) => n.preHooks || n.retained);
  const passStart = storagesCreated();
  const held = new Map<Storage, number>();
  const hold = (g: Tensor, d: number) => {
    if (stealing && g.storage.serial >= passStart) held.set(g.storage, (held.get(g.storage) ?? 0) + d);
  };
  const owned = (g: Tensor) =>
    stealing &&
    g.storage.serial >= passStart &&
    !held.get(g.storage) &&
    g.offset === 0 &&
    g.numel === g.storage.length &&
    g.isContiguous();

  // A second gradient for a slot whose first is owned by the pass is added into it in place.
  const accumulatesInto = (prev: Tensor, g: Tensor) =>
    owned(prev) &&
    g.storage !== prev.storage &&
    g.dtype === prev.dtype &&
    g.device === prev.device &&
    sameShape(g.shape, prev.shape) &&
    getBackend(prev.device).kernels.accumulate_ !== undefined;

  const buffers = new Map<Node, (Tensor | null)[]>();
  const addGrad = (node: Node, nr: number, g: Tensor) => {
    let b = buffers.get(node);
    if (!b) buffers.set(node, (b = new Array(node.numOutputs).fill(null)));
    const prev = b[nr];
    if (prev) {
      hold(prev, -1);
      if (accumulatesInto(prev, g)) dispatch('accumulate_', [prev, g]);
      else b[nr] = withGradMode(createGraph, () => add(prev, g));
    } else {
      b[nr] = g;
    }
    hold(b[nr]!, 1);
  };
  roots.forEach((e, i) => {
    if (inGraph(e.node)) addGrad(e.node, e.nr, rootGrads[i]);
  });

  const ready = new ReadyQueue();
  const queued = new Set<Node>();
  for (const e of roots) {
    if (inGraph(e.node) && !deps.get(e.node) && !queued.has(e.node)) {
      queued.add(e.node);
      ready.push(e.node);
    }
  }
  const captured: (Tensor | null)[] = captures ? captures.map(() => null) : [];

  while (ready.size) {
    const node = ready.pop();
    const grads = buffers.get(node) ?? new Array<Tensor | null>(node.numOutputs).fill(null);
    buffers.delete(node);
    for (const g of grads) if (g) hold(g, -1);
    if (node.preHooks) {
      for (const [nr, hooks] of node.preHooks) {
        for (const h of [...hooks]) {
          const g = grads[nr];
          if (!g) break;
          const r = h(g);
          if (r) {
            if (!sameShape(r.shape, g.shape)) {
              throw new AutogradError(
                `hook: a gradient hook returned a tensor of shape ${fmt(r.shape)}, expected ${fmt(g.shape)}`,
              );
            }
            grads[nr] = r;
          }
        }
      }
    }
    if (node.retained) {
      for (const [nr, t] of node.retained) if (grads[nr]) accumulateGrad(t, grads[nr]!, createGraph);
    }
    const ks = captureAt.get(node);
    if (ks) for (const k of ks) captured[k] = grads[captures![k].nr];
    if (!exec.has(node)) continue;

    let outs: (Tensor | null | undefined)[] = [];
    if (node instanceof AccumulateGrad) {
      if (grads[0]) accumulateGrad(node.variable, grads[0], createGraph, owned(grads[0]));
    } else if (grads.some((g) => g)) {
      outs = withGradMode(createGraph, () => node.apply(grads));
      // Each node runs once per pass: free what it saved now, not at the end of the pass.
      if (!options.retainGraph) node.release();
    }
    for (let i = 0; i < node.next.length; i++) {
      const e = node.next[i];
      if (!e || !inGraph(e.node)) continue;
      let g = outs[i];
      if (g) {
        const meta = node.inputMeta[i];
        if (meta) {
          if (!sameShape(g.shape, meta.shape)) {
            throw new AutogradError(
              `${node.name} returned an invalid gradient at index ${i}: got shape ${fmt(g.shape)}, expected ${fmt(meta.shape)}`,
            );
          }
          if (g.dtype !== meta.dtype) {
            const gg = g;
            g = withGradMode(createGraph, () => cast(gg, meta.dtype));
          }
        }
        addGrad(e.node, e.nr, g);
      }
      const left = deps.get(e.node)! - 1;
      deps.set(e.node, left);
      if (left === 0 && !queued.has(e.node)) {
        queued.add(e.node);
        ready.push(e.node);
      }
    }
  }
  return captured;
}
