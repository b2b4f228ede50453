/**
 * Graph lifetime: saved tensors are released as soon as their node has run (unless retainGraph),
 * and backpropagating 10,000 small graphs leaves nothing behind. Memory is observed through the
 * garbage collector itself (WeakRefs checked after a forced full GC), not through wall-memory
 * thresholds; the heap check is calibrated against a run that deliberately retains its graphs.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { type Tensor, tensor } from '@kindling/core';
import { AutogradError, Function as AutogradFunction, type FunctionCtx } from '../src/index.js';

/** V8's `gc()`, reachable without `--expose-gc` on the command line. */
function getGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Full GC after the current job (WeakRefs created in this job are only cleared after it ends). */
async function collect(gc: () => void): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
}

const N = 10_000;

/**
 * Builds and backpropagates N small graphs on the leaf `w` (4 elements). Returns WeakRefs to each
 * graph's intermediate tensors (saved for backward by their consumers: tanh's output by
 * TanhBackward and MulBackward) and the roots when `keepRoots` (a caller logging its losses).
 */
function run(w: Tensor, options: { keepRoots: boolean; retainGraph: boolean }) {
  const refs: WeakRef<Tensor>[] = [];
  const roots: Tensor[] = [];
  for (let i = 0; i < N; i++) {
    const x = tensor([i % 7, 1, -1, 0.5]);
    const h = w.mul(x).tanh();
    const loss = h.mul(w).sum();
    loss.backward(undefined, { retainGraph: options.retainGraph });
    refs.push(new WeakRef(h));
    if (options.keepRoots) roots.push(loss);
  }
  return { refs, roots };
}

const alive = (refs: WeakRef<Tensor>[]) => refs.filter((r) => r.deref() !== undefined).length;

describe('graph memory', () => {
  const gc = getGc();

  it('frees every graph: 10,000 backpropagated graphs leave no intermediate alive', async () => {
    const w = tensor([0.1, -0.2, 0.3, 0.4]).requiresGrad_();
    const { refs } = run(w, { keepRoots: false, retainGraph: false });
    await collect(gc);
    expect(alive(refs)).toBe(0);
    expect(w.grad?.shape).toEqual([4]); // the gradients did arrive
  });

  it('releases saved tensors at backward even while the caller keeps the roots (and keeps them with retainGraph)', async () => {
    const w = tensor([0.1, -0.2, 0.3, 0.4]).requiresGrad_();
    const freed = run(w, { keepRoots: true, retainGraph: false });
    const kept = run(w, { keepRoots: true, retainGraph: true });
    await collect(gc);
    // The roots keep their gradFn nodes alive, but those nodes no longer hold the saved tensors.
    expect(alive(freed.refs)).toBe(0);
    // Control: with retainGraph the nodes keep them, which this measurement does detect.
    expect(alive(kept.refs)).toBe(N);
    expect(freed.roots.length + kept.roots.length).toBe(2 * N);
  });

  it('the heap does not grow with the number of graphs backpropagated', async () => {
    const w = tensor([0.1, -0.2, 0.3, 0.4]).requiresGrad_();
    run(w, { keepRoots: false, retainGraph: false }); // warm up (JIT, caches)
    await collect(gc);
    const before = process.memoryUsage().heapUsed;
    run(w, { keepRoots: false, retainGraph: false });
    await collect(gc);
    const growth = process.memoryUsage().heapUsed - before;
    // Calibration: what keeping N graphs (with their saved tensors) costs on this machine.
    const retained = run(w, { keepRoots: true, retainGraph: true });
    await collect(gc);
    const cost = process.memoryUsage().heapUsed - before - growth;
    expect(retained.roots.length).toBe(N);
    expect(cost).toBeGreaterThan(N * 200); // several tensors and nodes per graph: well over 200 B
    expect(growth).toBeLessThan(cost / 10);
  });
});

describe('saved tensors are released as soon as their node has run', () => {
  /** Records the ctx of every call, so the test can look at it later. */
  const contexts: FunctionCtx[] = [];
  let seenInA: (() => void) | null = null;

  class Square extends AutogradFunction {
    static override forward(ctx: FunctionCtx, x: Tensor) {
      contexts.push(ctx);
      ctx.saveForBackward(x);
      return x.mul(x);
    }
    static override backward(ctx: FunctionCtx, g: Tensor) {
      seenInA?.(); // runs before this node's own backward: the later node has already run
      return g.mul(ctx.savedTensors[0]).mul(2);
    }
  }

  it('frees a node’s saved tensors before the rest of the pass runs', () => {
    contexts.length = 0;
    const x = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
    const a = Square.apply(x); // node A (runs last)
    const b = Square.apply(a); // node B (runs first)
    const [, ctxB] = contexts;
    let checked = 0;
    seenInA = () => {
      if (checked++ === 0) return; // the first call is B itself
      expect(() => ctxB.savedTensors).toThrow(AutogradError);
    };
    b.sum().backward();
    seenInA = null;
    expect(checked).toBe(2);
    expect(Array.from(x.grad!.dataSync())).toEqual([4, 32]); // d/dx x^4 = 4x^3
    expect(() => contexts[0].savedTensors).toThrow(/second time/); // A was freed too
  });

  it('keeps them with retainGraph', () => {
    contexts.length = 0;
    const x = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
    const b = Square.apply(Square.apply(x));
    const [, ctxB] = contexts;
    let checked = 0;
    seenInA = () => {
      if (checked++ === 0) return;
      expect(ctxB.savedTensors[0].shape).toEqual([2]);
    };
    b.sum().backward(undefined, { retainGraph: true });
    seenInA = null;
    expect(checked).toBe(2);
    b.sum().backward(); // a second pass works
    expect(Array.from(x.grad!.dataSync())).toEqual([8, 64]);
  });
});
