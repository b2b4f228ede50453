/** The engine and the Tensor API: accumulation, graph lifetime, errors, hooks, grad modes. */
import { describe, expect, it } from 'vitest';
import { KindlingError, type Tensor, ones, tensor, zeros } from '@kindling/core';
import {
  AutogradError,
  backward,
  enableGrad,
  grad,
  isGradEnabled,
  noGrad,
  setGradEnabled,
} from '../src/index.js';
import { leaf, vals } from './helpers/data.js';

const close = (got: number[], want: number[], tol = 1e-12) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect(Math.abs(got[i] - want[i]), `element ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol);
  }
};

describe('backward', () => {
  it('accumulates into leaves and adds up across calls', () => {
    const x = leaf([1, 2, 3]);
    x.mul(x).sum().backward();
    close(vals(x.grad), [2, 4, 6]);
    x.mul(3).sum().backward();
    close(vals(x.grad), [5, 7, 9]);
  });

  it('adds the gradients of every path (diamond)', () => {
    const x = leaf([0.5, -1]);
    const y = x.exp();
    const z = y.mul(y).add(y.sin()); // dz/dx = 2 e^{2x} + cos(e^x) e^x
    z.sum().backward();
    close(
      vals(x.grad),
      [0.5, -1].map((v) => 2 * Math.exp(2 * v) + Math.cos(Math.exp(v)) * Math.exp(v)),
    );
  });

  it('leaves x.grad null for leaves not reached and keeps non-leaf grads null', () => {
    const x = leaf([1, 2]);
    const w = leaf([3, 4]);
    const y = x.mul(2);
    y.sum().backward();
    expect(w.grad).toBeNull();
    expect(y.grad).toBeNull();
    expect(y.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
  });

  it('stores an owned copy: the .grad of two leaves never aliases', () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    a.add(b).sum().backward();
    expect(a.grad).not.toBe(b.grad);
    noGrad(() => a.grad!.mul_(10));
    close(vals(b.grad), [1, 1]);
  });

  it('needs a gradient for non-scalar outputs, of the right shape and dtype', () => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/implicitly created only for scalar outputs/);
    expect(() => y.backward(tensor([1, 1], { dtype: 'float64' }))).toThrow(/mismatch in shape/);
    expect(() => y.backward(tensor([1, 1, 1], { dtype: 'float32' }))).toThrow(/mismatch in dtype/);
    y.backward(tensor([1, 0.5, 2], { dtype: 'float64' }));
    close(vals(x.grad), [2, 1, 4]);
  });

  it('refuses tensors that do not require grad', () => {
    const x = tensor([1, 2]);
    expect(() => x.sum().backward()).toThrow(AutogradError);
    expect(() => x.sum().backward()).toThrow(/does not require grad/);
  });

  it('errors when a freed graph is used again, unless retainGraph', () => {
    const x = leaf([1, 2]);
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time/);
    const z = x.exp().sum();
    x.grad = null;
    z.backward(undefined, { retainGraph: true });
    z.backward();
    close(vals(x.grad), [2 * Math.E, 2 * Math.exp(2)]);
  });

  it('detects a saved tensor modified in place, naming the op', () => {
    const x = leaf([0.5, 1]);
    const a = x.mul(2);
    const y = a.sin(); // saves a
    noGrad(() => a.add_(1));
    let msg = '';
    try {
      y.sum().backward();
    } catch (e) {
      msg = (e as Error).message;
      expect(e).toBeInstanceOf(KindlingError);
    }
    expect(msg).toMatch(/SinBackward/);
    expect(msg).toMatch(/modified by an in-place operation/);
    expect(msg).toMatch(/version 1, expected version 0/);
  });

  it('refuses in-place ops on a leaf that requires grad, but allows them in noGrad', () => {
    const x = leaf([1, 2]);
    expect(() => x.add_(1)).toThrow(
      'a leaf Variable that requires grad is being used in an in-place operation',
    );
    expect(() => x.index([0]).mul_(2)).toThrow(/a view of a leaf Variable that requires grad/);
    const v = x.version;
    noGrad(() => x.sub_(tensor([0.5, 0.5], { dtype: 'float64' })));
    expect(x.version).toBe(v + 1);
    close(vals(x), [0.5, 1.5]);
    expect(x.requiresGrad).toBe(true);
    expect(x.isLeaf).toBe(true);
  });

  it('supports in-place ops on non-leaves (the history is rebased on copy_)', () => {
    const x = leaf([0.5, 2, -1]);
    const a = x.mul(1);
    a.pow_(2); // PyTorch saves the original value for the pow
    a.mul_(3);
    a.add_(x);
    a.sum().backward(); // d/dx (3 x^2 + x) = 6x + 1
    close(vals(x.grad), [4, 13, -5]);
    const b = x.mul(1);
    b.clamp_(0, 1);
    x.grad = null;
    b.sum().backward();
    close(vals(x.grad), [1, 0, 0]);
  });

  it('in-place writes into a view of a non-leaf route gradients through CopySlices', () => {
    const x = leaf([1, 2, 3, 4]);
    const s = leaf([10, 20]);
    const y = x.mul(2); // [2, 4, 6, 8]
    const v = y.index([{ kind: 'slice', start: 1, end: 3, step: 1 }]);
    v.copy_(s.mul(s)); // y = [2, s0^2, s1^2, 8]
    expect(vals(y)).toEqual([2, 100, 400, 8]);
    const w = tensor([1, 2, 3, 4], { dtype: 'float64' });
    y.mul(w).sum().backward();
    close(vals(x.grad), [2, 0, 0, 8]);
    close(vals(s.grad), [2 * 2 * 10, 3 * 2 * 20]);
  });

  it('builds a tensor by writing slices of a buffer that does not require grad', () => {
    const x = leaf([1, 2, 3]);
    const buf = zeros([2, 3], { dtype: 'float64' });
    buf.select(0, 0).copy_(x.exp());
    buf.select(0, 1).copy_(x.mul(2));
    expect(buf.requiresGrad).toBe(true);
    buf.sum().backward();
    close(
      vals(x.grad),
      [1, 2, 3].map((v) => Math.exp(v) + 2),
    );
  });

  it('a view taken before an in-place op on its base follows the new history', () => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(1);
    const v = y.index([{ kind: 'slice', start: 0, end: 2, step: 1 }]);
    y.mul_(tensor([2, 3, 4], { dtype: 'float64' }));
    v.sum().backward(); // v = [2 x0, 3 x1]
    close(vals(x.grad), [2, 3, 0]);
  });

  it('works on empty and 0-d tensors', () => {
    const e = zeros([0, 3], { dtype: 'float64' }).requiresGrad_();
    e.exp().sum().backward();
    expect([...e.grad!.shape]).toEqual([0, 3]);
    const s = leaf(2);
    s.mul(s).backward();
    expect(e.grad!.dtype).toBe('float64');
    close(vals(s.grad), [4]);
  });

  it('handles deep graphs without recursion (10000 ops)', () => {
    const x = leaf(1);
    let y: Tensor = x;
    for (let i = 0; i < 10000; i++) y = y.mul(1.0001);
    y.backward();
    close(vals(x.grad), [1.0001 ** 10000], 1e-9);
  });
});

describe('backward inputs option', () => {
  it('accumulates only into the given tensors (leaf and non-leaf)', () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    const h = a.mul(b);
    const y = h.mul(h).sum();
    backward(y, null, { inputs: [a, h] });
    close(vals(a.grad), [2 * 3 * 3 * 1, 2 * 8 * 4]); // 2 h b
    close(vals(h.grad), [6, 16]);
    expect(b.grad).toBeNull();
  });
});

describe('grad()', () => {
  it('returns gradients without touching .grad', () => {
    const x = leaf([1, 2]);
    const [g] = grad(x.pow(3).sum(), [x]);
    close(vals(g), [3, 12]);
    expect(x.grad).toBeNull();
  });

  it('takes gradOutputs, works for non-leaf inputs, and checks unused inputs', () => {
    const x = leaf([1, 2]);
    const u = leaf([5]);
    const h = x.exp();
    const y = h.mul(2);
    const [gh, gx] = grad(y, [h, x], {
      gradOutputs: [tensor([1, 3], { dtype: 'float64' })],
      retainGraph: true,
    });
    close(vals(gh), [2, 6]);
    close(vals(gx), [2 * Math.E, 6 * Math.exp(2)]);
    expect(() =>
      grad(y, [x, u], { gradOutputs: [tensor([1, 1], { dtype: 'float64' })], retainGraph: true }),
    ).toThrow(/not have been used in the graph/);
    const r = grad(y, [x, u], { gradOutputs: [tensor([1, 1], { dtype: 'float64' })], allowUnused: true });
    expect(r[1]).toBeNull();
    expect(() => grad(x.sum(), [tensor([1.5])])).toThrow(/does not require grad/);
  });

  it('createGraph gives higher-order derivatives', () => {
    const x = leaf([0.7, -1.3]);
    const y = x.sin().mul(x).sum(); // y' = cos x * x + sin x; y'' = -sin x * x + 2 cos x
    const [g] = grad(y, x, { createGraph: true });
    expect(g.requiresGrad).toBe(true);
    close(
      vals(g),
      [0.7, -1.3].map((v) => Math.cos(v) * v + Math.sin(v)),
    );
    const [h] = grad(g.sum(), x, { createGraph: true });
    close(
      vals(h),
      [0.7, -1.3].map((v) => -Math.sin(v) * v + 2 * Math.cos(v)),
    );
    const [t] = grad(h.sum(), x); // y''' = -cos x * x - 3 sin x
    close(
      vals(t),
      [0.7, -1.3].map((v) => -Math.cos(v) * v - 3 * Math.sin(v)),
    );
  });

  it('backward with createGraph keeps a differentiable .grad', () => {
    const x = leaf([2]);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    expect(x.grad!.requiresGrad).toBe(true);
    const [g2] = grad(x.grad!.sum(), x);
    close(vals(g2), [12]);
  });
});

describe('grad modes', () => {
  it('noGrad records nothing; enableGrad re-enables inside it; the mode is restored', () => {
    const x = leaf([1, 2]);
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    setGradEnabled(false);
    expect(x.mul(2).requiresGrad).toBe(false);
    setGradEnabled(true);
    expect(x.mul(2).requiresGrad).toBe(true);
  });

  it('detach cuts the graph but shares storage and version', () => {
    const x = leaf([1, 2]);
    const y = x.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.storage).toBe(y.storage);
    const s = y.sin();
    d.add_(1);
    expect(() => s.sum().backward()).toThrow(/in-place/);
  });

  it('requiresGrad rules: floats only, leaves only', () => {
    expect(() => tensor([1, 2], { dtype: 'int32' }).requiresGrad_()).toThrow(/floating point/);
    const x = leaf([1]);
    const y = x.mul(2);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(/leaf/);
    const w = ones([2]).requiresGrad_();
    expect(w.requiresGrad).toBe(true);
    w.requiresGrad_(false);
    expect(w.mul(2).requiresGrad).toBe(false);
  });

  it('ops with only non-differentiable outputs record nothing', () => {
    const x = leaf([1, 3, 2]);
    expect(x.gt(1).requiresGrad).toBe(false);
    expect(x.argmax().requiresGrad).toBe(false);
    const { values, indices } = x.sort(0);
    expect(values.requiresGrad).toBe(true);
    expect(indices.requiresGrad).toBe(false);
  });
});

describe('hooks and retainGrad', () => {
  it('retainGrad keeps a non-leaf gradient', () => {
    const x = leaf([1, 2]);
    const h = x.mul(3);
    h.retainGrad();
    h.square().sum().backward();
    close(vals(h.grad), [6, 12]);
    close(vals(x.grad), [18, 36]);
  });

  it('registerHook sees and may replace a gradient, on leaves and non-leaves; the remover works', () => {
    const x = leaf([1, 2]);
    const h = x.mul(2);
    const seen: number[][] = [];
    const remove = h.registerHook((g) => {
      seen.push(vals(g));
      return g.mul(10);
    });
    x.registerHook((g) => {
      seen.push(vals(g));
    });
    h.sum().backward();
    expect(seen).toEqual([
      [1, 1],
      [20, 20],
    ]);
    close(vals(x.grad), [20, 20]);
    remove();
    x.grad = null;
    x.mul(2).sum().backward();
    close(vals(x.grad), [2, 2]);
    expect(() => tensor([1]).registerHook(() => undefined)).toThrow(/doesn't require gradient/);
  });

  it('gradFn names the op', () => {
    const x = leaf([1]);
    expect((x.mul(2).gradFn as { name: string }).name).toBe('MulBackward');
    expect((x.exp().gradFn as { name: string }).name).toBe('ExpBackward');
  });
});

describe('dynamic graphs', () => {
  it('data-dependent loop and branch', () => {
    // Newton-like iteration whose number of steps and branch depend on the values.
    const f = (x: Tensor) => {
      let y = x;
      let steps = 0;
      while ((y.abs().sum().itemSync() as number) < 100 && steps < 50) {
        y = (y.sum().itemSync() as number) > 0 ? y.mul(2) : y.mul(-3);
        steps++;
      }
      return { y, steps };
    };
    const x = leaf([1, 2]);
    const { y, steps } = f(x);
    y.sum().backward();
    close(vals(x.grad), [2 ** steps, 2 ** steps]);
    const z = leaf([-1, -2]);
    const r = f(z);
    r.y.sum().backward();
    // first step multiplies by -3 (negative sum), then by 2 while positive
    close(vals(z.grad), [-3 * 2 ** (r.steps - 1), -3 * 2 ** (r.steps - 1)]);
  });

  it('recursion', () => {
    const power = (x: Tensor, n: number): Tensor =>
      n === 0 ? ones([], { dtype: 'float64' }) : x.mul(power(x, n - 1));
    const x = leaf(1.5);
    power(x, 5).backward();
    close(vals(x.grad), [5 * 1.5 ** 4], 1e-12);
  });

  it('a fresh graph each call: different structure for different inputs', () => {
    const f = (x: Tensor) => ((x.itemSync() as number) > 0 ? x.exp() : x.square());
    const a = leaf(0.5);
    f(a).backward();
    close(vals(a.grad), [Math.exp(0.5)]);
    const b = leaf(-0.5);
    f(b).backward();
    close(vals(b.grad), [-1]);
  });
});

describe('conventions at non-differentiable points', () => {
  it('relu, abs, sign at 0; maximum ties split; amax ties split evenly; max(dim) routes to the index', () => {
    const x = leaf([0, -1, 2]);
    x.relu().sum().backward();
    close(vals(x.grad), [0, 0, 1]);
    const a = leaf([0, -1, 2]);
    a.abs().sum().backward();
    close(vals(a.grad), [0, -1, 1]);
    const s = leaf([0, -1, 2]);
    s.sign().sum().backward();
    close(vals(s.grad), [0, 0, 0]);
    const m = leaf([1, 2]);
    const n = leaf([1, 1]);
    m.maximum(n).sum().backward();
    close(vals(m.grad), [0.5, 1]);
    close(vals(n.grad), [0.5, 0]);
    const t = leaf([3, 1, 3, 3]);
    t.amax(0).backward();
    close(vals(t.grad), [1 / 3, 0, 1 / 3, 1 / 3]);
    const u = leaf([[3, 1, 3]]);
    u.max(1).values.sum().backward();
    close(vals(u.grad), [1, 0, 0]);
  });
});

describe('float32', () => {
  it('gradients have the dtype of their tensor', () => {
    const x = tensor([1.5, 2], { requiresGrad: true });
    x.to('float64').mul(2).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    close(vals(x.grad), [2, 2]);
  });
});

// The first gradient of a leaf becomes its `.grad` without a copy when the pass computed it and
// nothing else references it; these check that it is never taken when something else does.
describe('first gradients: no aliasing between .grad and other tensors', () => {
  it('one gradient routed to two leaves (add) gives each its own .grad, and both accumulate', () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    const c = leaf([5, 6]);
    a.add(b).mul(c).sum().backward();
    expect(a.grad!.storage).not.toBe(b.grad!.storage);
    a.add(b).mul(c).sum().backward();
    close(vals(a.grad), [10, 12]);
    close(vals(b.grad), [10, 12]);
  });

  it('a gradient passed on to a later node as well as to a leaf is copied for the leaf', () => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(2);
    // x gets d(y.sum())/dx = 2 directly and 2 * 3 through y.mul(3): the first flow must not be
    // the tensor the second keeps using.
    y.sum().add(y.mul(3).sum()).backward();
    close(vals(x.grad), [8, 8, 8]);
  });

  it('a user-supplied output gradient and a hook-captured gradient never become .grad', () => {
    const x = leaf([1, 2, 3]);
    const g = tensor([1, 1, 1], { dtype: 'float64' });
    x.reshape([3]).backward(g);
    x.grad!.add_(5);
    close(vals(g), [1, 1, 1]);

    const w = leaf([1, 2]);
    let seen: Tensor | null = null;
    w.registerHook((gw) => {
      seen = gw;
    });
    w.mul(leaf([3, 4]))
      .sum()
      .backward();
    w.grad!.add_(100);
    close(vals(seen as unknown as Tensor), [3, 4]);
  });

  it('retainGrad on a non-leaf keeps its own copy', () => {
    const x = leaf([1, 2]);
    const h = x.mul(leaf([2, 2]));
    h.retainGrad();
    h.mul(leaf([1, 1]))
      .sum()
      .backward();
    x.grad!.add_(10);
    close(vals(h.grad), [1, 1]);
    close(vals(x.grad), [12, 12]);
  });
});

// Gradients meeting at one slot are summed into the first when the pass owns it alone.
describe('summing gradients that meet at one tensor', () => {
  it('two uses of a non-leaf add up', () => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(x);
    y.mul(2).sum().add(y.mul(3).sum()).backward();
    close(vals(x.grad), [10, 20, 30]);
  });

  it('a gradient also sent on to another node is not summed into in place before that node ran', () => {
    const x = leaf([1, 2, 3]);
    const w = leaf([2, 2, 2]);
    const v = leaf([1, -1, 0.5]);
    const h = x.mul(w);
    h.add(h.mul(2)).mul(v).sum().backward();
    close(vals(x.grad), [6, -6, 3]);
    close(vals(w.grad), [3, -6, 4.5]);
  });
});

describe('split pieces are views', () => {
  it('an in-place op on a piece of a non-leaf reaches the gradient of the whole', () => {
    const x = leaf([1, 2, 3, 4]);
    const y = x.mul(1);
    const [a, b] = y.split(2);
    a.mul_(3);
    y.sum().backward();
    close(vals(x.grad), [3, 3, 1, 1]);
    close(vals(b), [3, 4]);
  });

  it('the gradients of all pieces of a leaf meet in one', () => {
    const x = leaf([1, 2, 3, 4, 5, 6]);
    const [p, q, r] = x.chunk(3);
    p.mul(q).add(r.square()).sum().backward();
    close(vals(x.grad), [3, 4, 1, 2, 10, 12]);
  });
});
