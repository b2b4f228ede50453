import { type Tensor, onesLike, reshape, stack, tensor, zeros, zerosLike } from '@kindling/core';
import { grad } from './api.js';
import { AutogradError } from './errors.js';
import { enableGrad } from './grad-mode.js';

/** A function of tensors returning a tensor or several. */
export type TensorFn = (...inputs: Tensor[]) => Tensor | Tensor[];

/** What {@link vjp} returns (PyTorch's `(func_output, vjp)` tuple). */
export interface VjpResult {
  /** `fn(...inputs)`: one tensor, or an array when `fn` returns an array. */
  output: Tensor | Tensor[];
  /** `v^T J` for each input, shaped like it: one tensor, or an array when `inputs` is an array. */
  vjp: Tensor | Tensor[];
}

/** What {@link jvp} returns (PyTorch's `(func_output, jvp)` tuple). */
export interface JvpResult {
  /** `fn(...inputs)`: one tensor, or an array when `fn` returns an array. */
  output: Tensor | Tensor[];
  /** `J v` for each output, shaped like it: one tensor, or an array when `fn` returns an array. */
  jvp: Tensor | Tensor[];
}

/** Options of the functional helpers. */
export interface FunctionalOptions {
  /** Make the results differentiable (default false: they are detached). */
  createGraph?: boolean;
}

function list(x: Tensor | readonly Tensor[]): Tensor[] {
  return Array.isArray(x) ? [...(x as readonly Tensor[])] : [x as Tensor];
}

/** Fresh inputs that require grad: views keep the graph to the caller's tensors under `createGraph`. */
function prepare(inputs: readonly Tensor[], createGraph: boolean): Tensor[] {
  return inputs.map((x) => {
    if (createGraph && x.requiresGrad) return x.view(x.shape as number[]);
    return x.detach().requiresGrad_();
  });
}

function finish(ts: Tensor[], createGraph: boolean): Tensor[] {
  return createGraph ? ts : ts.map((t) => t.detach());
}

/** Gradients of `outs` against `ins`, zeros where unused (or where an output does not require grad). */
function gradsOrZeros(
  outs: Tensor[],
  ins: Tensor[],
  gradOutputs: (Tensor | null)[] | undefined,
  createGraph: boolean,
  retainGraph = createGraph,
): Tensor[] {
  const keep = outs.map((o, i) => ({ o, g: gradOutputs?.[i] ?? null })).filter((p) => p.o.requiresGrad);
  if (keep.length === 0) return ins.map((x) => zerosLike(x));
  const gs = grad(
    keep.map((p) => p.o),
    ins,
    {
      gradOutputs: gradOutputs ? keep.map((p) => p.g) : undefined,
      createGraph,
      retainGraph,
      allowUnused: true,
    },
  );
  return gs.map((g, i) => g ?? zerosLike(ins[i]));
}

/**
 * Vector-Jacobian product (`torch.autograd.functional.vjp`): `v^T J` of `fn` at `inputs`.
 * `v` may be omitted when `fn` returns one element.
 */
export function vjp(
  fn: TensorFn,
  inputs: Tensor | readonly Tensor[],
  v?: Tensor | readonly Tensor[] | null,
  options: FunctionalOptions = {},
): VjpResult {
  const createGraph = options.createGraph ?? false;
  const ins = prepare(list(inputs), createGraph);
  const raw = enableGrad(() => fn(...ins));
  const outs = list(raw);
  const vs = v == null ? undefined : list(v);
  if (vs && vs.length !== outs.length) {
    throw new AutogradError(`vjp: got ${vs.length} vectors for ${outs.length} outputs`);
  }
  const res = finish(gradsOrZeros(outs, ins, vs, createGraph), createGraph);
  const out = finish(outs, createGraph);
  return { output: Array.isArray(raw) ? out : out[0], vjp: Array.isArray(inputs) ? res : res[0] };
}

/**
 * Jacobian-vector product (`torch.autograd.functional.jvp`): `J v` of `fn` at `inputs`, computed
 * with the double-backward trick. `v` may be omitted when the input has one element.
 */
export function jvp(
  fn: TensorFn,
  inputs: Tensor | readonly Tensor[],
  v?: Tensor | readonly Tensor[] | null,
  options: FunctionalOptions = {},
): JvpResult {
  const createGraph = options.createGraph ?? false;
  const ins = prepare(list(inputs), createGraph);
  let vs: Tensor[];
  if (v == null) {
    if (ins.length !== 1 || ins[0].numel !== 1) {
      throw new AutogradError('jvp: v can only be omitted for a single one-element input');
    }
    vs = [onesLike(ins[0])];
  } else vs = list(v);
  if (vs.length !== ins.length)
    throw new AutogradError(`jvp: got ${vs.length} vectors for ${ins.length} inputs`);
  const raw = enableGrad(() => fn(...ins));
  const outs = list(raw);
  const dummies = outs.map((o) => zerosLike(o).requiresGrad_());
  // g(u) = J^T u is linear in u; differentiating <g(u), v> with respect to u gives J v.
  const gIn = enableGrad(() => gradsOrZeros(outs, ins, dummies, true));
  const pairs = gIn.map((g, i) => ({ g, v: vs[i] })).filter((p) => p.g.requiresGrad);
  let res: Tensor[];
  if (pairs.length === 0) res = outs.map((o) => zerosLike(o));
  else {
    const gs = grad(
      pairs.map((p) => p.g),
      dummies,
      { gradOutputs: pairs.map((p) => p.v), createGraph, retainGraph: createGraph, allowUnused: true },
    );
    res = gs.map((g, i) => g ?? zerosLike(outs[i]));
  }
  const out = finish(outs, createGraph);
  const jv = finish(res, createGraph);
  return { output: Array.isArray(raw) ? out : out[0], jvp: Array.isArray(raw) ? jv : jv[0] };
}

/** `d outs[i] / d ins[j]` as tensors of shape `[...outs[i].shape, ...ins[j].shape]`. */
function jacobianOf(outs: Tensor[], ins: Tensor[], createGraph: boolean): Tensor[][] {
  return outs.map((o) => {
    const rows: Tensor[][] = ins.map(() => []);
    if (o.requiresGrad) {
      for (let k = 0; k < o.numel; k++) {
        const e = new Float64Array(o.numel);
        e[k] = 1;
        const onehot = reshape(tensor(e, { dtype: o.dtype, device: o.device }), o.shape as number[]);
        const gs = gradsOrZeros([o], ins, [onehot], createGraph, true);
        for (let j = 0; j < gs.length; j++) rows[j].push(reshape(gs[j], [ins[j].numel]));
      }
    }
    return ins.map((x, j) => {
      const flat =
        o.numel === 0 || !o.requiresGrad
          ? zeros([o.numel, x.numel], { dtype: x.dtype, device: x.device })
          : stack(rows[j], 0);
      return reshape(flat, [...o.shape, ...x.shape]);
    });
  });
}

/**
 * The Jacobian of `fn` at `inputs` (`torch.autograd.functional.jacobian`): for one input and one
 * output a tensor of shape `[...out.shape, ...in.shape]`; with several inputs or outputs, arrays
 * (`J[i][j] = d out_i / d in_j` when both are arrays).
 */
export function jacobian(
  fn: TensorFn,
  inputs: Tensor | readonly Tensor[],
  options: FunctionalOptions = {},
): Tensor | Tensor[] | Tensor[][] {
  const createGraph = options.createGraph ?? false;
  const ins = prepare(list(inputs), createGraph);
  const raw = enableGrad(() => fn(...ins));
  const outs = list(raw);
  const J = jacobianOf(outs, ins, createGraph).map((row) => finish(row, createGraph));
  const manyIn = Array.isArray(inputs);
  const manyOut = Array.isArray(raw);
  if (manyIn && manyOut) return J;
  if (manyOut) return J.map((row) => row[0]);
  if (manyIn) return J[0];
  return J[0][0];
}

/**
 * The Hessian of a scalar function (`torch.autograd.functional.hessian`): for one input a tensor
 * of shape `[...in.shape, ...in.shape]`; for several, `H[i][j]` blocks.
 */
export function hessian(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor | readonly Tensor[],
  options: FunctionalOptions = {},
): Tensor | Tensor[][] {
  const gradFn = (...xs: Tensor[]): Tensor[] => {
    const y = fn(...xs);
    if (y.numel !== 1) {
      throw new AutogradError(
        `hessian: the function must return a single-element tensor, got shape [${y.shape.join(', ')}]`,
      );
    }
    return gradsOrZeros([y], xs, undefined, true);
  };
  const many = Array.isArray(inputs);
  const H = jacobian(gradFn, many ? inputs : [inputs as Tensor], options) as Tensor[][];
  return many ? H : H[0][0];
}
