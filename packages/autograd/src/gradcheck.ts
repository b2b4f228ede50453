import { type Tensor, tensor, zerosLike } from '@kindling/core';
import { grad } from './api.js';
import { AutogradError } from './errors.js';
import { noGrad } from './grad-mode.js';

/** Options of `gradcheck` / `gradgradcheck` (PyTorch's defaults). */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw on a mismatch (default true); otherwise return false. */
  raiseException?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function list(x: Tensor | readonly Tensor[]): Tensor[] {
  return Array.isArray(x) ? [...(x as readonly Tensor[])] : [x as Tensor];
}

function floatOutputs(fn: Fn, inputs: Tensor[]): Tensor[] {
  return list(fn(...inputs)).filter((o) => o.dtype === 'float64' || o.dtype === 'float32');
}

/** Row-major multi-index of flat position `k`. */
function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d];
    k = Math.floor(k / shape[d]);
  }
  return idx;
}

/** Writes one element in place (under noGrad, so leaves may be written). */
function setElement(x: Tensor, k: number, value: number): void {
  noGrad(() => x.index(unravel(k, x.shape)).fill_(value));
}

/** Numerical Jacobians by central differences: `J[o][j]` is `[numel(out o)][numel(in j)]`, row-major. */
function numerical(fn: Fn, inputs: Tensor[], diff: number[], eps: number): Float64Array[][] {
  const outs0 = floatOutputs(fn, inputs);
  const J = outs0.map((o) => diff.map((j) => new Float64Array(o.numel * inputs[j].numel)));
  diff.forEach((j, dj) => {
    const x = inputs[j];
    const n = x.numel;
    const orig = x.dataSync();
    for (let k = 0; k < n; k++) {
      const v = orig[k];
      setElement(x, k, v + eps);
      const plus = floatOutputs(fn, inputs).map((o) => Float64Array.from(o.dataSync()));
      setElement(x, k, v - eps);
      const minus = floatOutputs(fn, inputs).map((o) => Float64Array.from(o.dataSync()));
      setElement(x, k, v);
      plus.forEach((p, oi) => {
        const m = minus[oi];
        const col = J[oi][dj];
        for (let r = 0; r < p.length; r++) col[r * n + k] = (p[r] - m[r]) / (2 * eps);
      });
    }
  });
  return J;
}

/** Analytical Jacobians, one backward pass per output element. */
function analytical(fn: Fn, inputs: Tensor[], diff: number[]): Float64Array[][] {
  const outs = floatOutputs(fn, inputs);
  const xs = diff.map((j) => inputs[j]);
  return outs.map((o) => {
    const rows = diff.map((j) => new Float64Array(o.numel * inputs[j].numel));
    if (!o.requiresGrad) return rows;
    for (let r = 0; r < o.numel; r++) {
      const e = new Float64Array(o.numel);
      e[r] = 1;
      const onehot = tensor(e, { dtype: o.dtype, device: o.device }).reshape(o.shape as number[]);
      const gs = grad([o], xs, { gradOutputs: [onehot], retainGraph: true, allowUnused: true });
      gs.forEach((g, dj) => {
        if (!g) return;
        const vals = g.dataSync();
        const n = xs[dj].numel;
        if (vals.length !== n)
          throw new AutogradError(
            `gradcheck: gradient of input ${diff[dj]} has ${vals.length} elements, expected ${n}`,
          );
        rows[dj].set(vals, r * n);
      });
    }
    return rows;
  });
}

/**
 * Checks the gradients of `fn` at `inputs` against float64 central finite differences
 * (`torch.autograd.gradcheck`). Inputs that require grad must be float64. Returns true, or throws
 * (or returns false with `raiseException: false`) naming the first mismatching entry.
 */
export function gradcheck(
  fn: Fn,
  inputs: Tensor | readonly Tensor[],
  options: GradcheckOptions = {},
): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true } = options;
  const ins = list(inputs);
  const diff = ins.map((x, i) => (x.requiresGrad ? i : -1)).filter((i) => i >= 0);
  if (diff.length === 0) throw new AutogradError('gradcheck: no input requires grad');
  for (const j of diff) {
    if (ins[j].dtype !== 'float64') {
      throw new AutogradError(
        `gradcheck: input ${j} is ${ins[j].dtype}; finite differences need float64 inputs`,
      );
    }
  }
  const num = numerical(fn, ins, diff, eps);
  const ana = analytical(fn, ins, diff);
  for (let o = 0; o < num.length; o++) {
    for (let dj = 0; dj < diff.length; dj++) {
      const n = num[o][dj];
      const a = ana[o][dj];
      const cols = ins[diff[dj]].numel;
      for (let i = 0; i < n.length; i++) {
        const ok =
          Math.abs(a[i] - n[i]) <= atol + rtol * Math.abs(n[i]) || (Number.isNaN(a[i]) && Number.isNaN(n[i]));
        if (!ok) {
          if (!raiseException) return false;
          throw new AutogradError(
            `gradcheck: Jacobian mismatch for output ${o} with respect to input ${diff[dj]} at (output element ${Math.floor(i / cols)}, input element ${i % cols}): numerical ${n[i]}, analytical ${a[i]} (atol ${atol}, rtol ${rtol})`,
          );
        }
      }
    }
  }
  return true;
}

/** A deterministic pseudo-random float64 tensor in [-1, 1) (seeded, independent of the global RNG). */
function randomLike(t: Tensor, seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const vals = new Float64Array(t.numel);
  for (let i = 0; i < vals.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    vals[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return tensor(vals, { dtype: 'float64', device: t.device }).reshape(t.shape as number[]);
}

/**
 * Checks second-order gradients (`torch.autograd.gradgradcheck`): gradcheck of the function
 * `(inputs, v) -> grad(fn(inputs), inputs, v, createGraph)`. `gradOutputs` default to fixed
 * pseudo-random tensors.
 */
export function gradgradcheck(
  fn: Fn,
  inputs: Tensor | readonly Tensor[],
  gradOutputs?: Tensor | readonly Tensor[] | null,
  options: GradcheckOptions = {},
): boolean {
  const ins = list(inputs);
  const diff = ins.map((x, i) => (x.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const outs = floatOutputs(fn, ins);
  const vs = gradOutputs ? list(gradOutputs) : outs.map((o, i) => randomLike(o, 12345 + 7919 * i));
  const vsReq = vs.map((v) => v.detach().requiresGrad_());
  const n = ins.length;
  const firstOrder = (...args: Tensor[]): Tensor[] => {
    const xs = args.slice(0, n);
    const gos = args.slice(n);
    const os = floatOutputs(fn, xs);
    const used = os.map((o, i) => ({ o, v: gos[i] })).filter((p) => p.o.requiresGrad);
    const targets = diff.map((j) => xs[j]);
    if (used.length === 0) return targets.map((x) => zerosLike(x));
    const gs = grad(
      used.map((p) => p.o),
      targets,
      { gradOutputs: used.map((p) => p.v), createGraph: true, allowUnused: true },
    );
    return gs.map((g, k) => g ?? zerosLike(targets[k]));
  };
  return gradcheck(firstOrder, [...ins, ...vsReq], options);
}
