import { Tensor, isFloating, zeros } from '@kindling/core';
import { AutogradError } from './errors.js';
import { isGradEnabled, noGrad } from './grad-mode.js';
import { type InputMeta, Node, SavedTensor, edgeOf, setHistory } from './node.js';
import { refreshView } from './views.js';

/**
 * The `ctx` of a custom `Function`: `forward` stores what `backward` needs here. Any extra
 * property may be set on it too (`ctx.alpha = 2`), as in PyTorch.
 */
export class FunctionCtx {
  [key: string]: unknown;
  /** For each argument of `apply`: whether it is a tensor that requires grad. */
  needsInputGrad: boolean[] = [];
  /** @internal */
  _saved: SavedTensor[] = [];
  /** @internal */
  _nonDifferentiable = new Set<Tensor>();
  /** @internal */
  _name = 'Function';

  /** Saves tensors for `backward` (checked for later in-place modification). */
  saveForBackward(...tensors: Tensor[]): void {
    this._saved = tensors.map((t, i) => new SavedTensor(t, `saved tensor ${i}`));
  }
  /** The tensors given to `saveForBackward`, in order. */
  get savedTensors(): Tensor[] {
    return this._saved.map((s) => s.unpack(this._name));
  }
  /** Marks outputs that have no gradient (e.g. indices): they will not require grad. */
  markNonDifferentiable(...outputs: Tensor[]): void {
    for (const t of outputs) this._nonDifferentiable.add(t);
  }
}

/** What a custom Function's `backward` may return: one gradient, or one per `apply` argument. */
export type FunctionGrads = Tensor | null | undefined | readonly (Tensor | null | undefined)[];

interface FunctionClass {
  readonly name: string;
  forward(ctx: FunctionCtx, ...args: any[]): Tensor | Tensor[];
  backward(ctx: FunctionCtx, ...grads: Tensor[]): FunctionGrads;
}

class FunctionNode extends Node {
  readonly name: string;
  readonly numOutputs: number;
  readonly inputMeta: readonly (InputMeta | null)[];
  constructor(
    private readonly cls: FunctionClass,
    private readonly ctx: FunctionCtx,
    args: readonly unknown[],
    private readonly outMeta: readonly InputMeta[],
  ) {
    super();
    this.name = `${cls.name}Backward`;
    this.numOutputs = outMeta.length;
    this.next = args.map((a) => (a instanceof Tensor ? edgeOf(a) : null));
    this.inputMeta = args.map((a) => (a instanceof Tensor ? { shape: a.shape, dtype: a.dtype } : null));
  }
  apply(grads: readonly (Tensor | null)[]): (Tensor | null | undefined)[] {
    const device = grads.find((g) => g)?.device ?? 'cpu';
    const full = grads.map(
      (g, i) => g ?? zeros(this.outMeta[i].shape, { dtype: this.outMeta[i].dtype, device }),
    );
    const res = this.cls.backward(this.ctx, ...full);
    const arr: (Tensor | null | undefined)[] = Array.isArray(res)
      ? [...res]
      : [res as Tensor | null | undefined];
    if (arr.length > this.next.length) {
      throw new AutogradError(
        `${this.name}: backward returned ${arr.length} gradients, but forward took ${this.next.length} arguments (return one per argument, null for non-tensors)`,
      );
    }
    return arr;
  }
  override release(): void {
    for (const s of this.ctx._saved) s.release();
  }
}

/**
 * A custom differentiable operation (`torch.autograd.Function`): subclass it with static
 * `forward(ctx, ...args)` (runs without recording) and `backward(ctx, ...gradOutputs)` (returns
 * one gradient per `forward` argument), then call `MyFn.apply(...args)`.
 *
 * ```ts
 * class Exp extends Function {
 *   static override forward(ctx: FunctionCtx, x: Tensor) { const y = x.exp(); ctx.saveForBackward(y); return y; }
 *   static override backward(ctx: FunctionCtx, g: Tensor) { return g.mul(ctx.savedTensors[0]); }
 * }
 * const y = Exp.apply(x);
 * ```
 */
// biome-ignore lint/complexity/noStaticOnlyClass: PyTorch's Function API is a class of static methods, subclassed.
export class AutogradFunction {
  /** Computes the outputs (override in a subclass). */
  static forward(_ctx: FunctionCtx, ..._args: any[]): Tensor | Tensor[] {
    throw new AutogradError(
      'Function: forward is not implemented (override the static forward in a subclass)',
    );
  }
  /** Computes the gradients of the arguments from those of the outputs (override in a subclass). */
  static backward(_ctx: FunctionCtx, ..._grads: Tensor[]): FunctionGrads {
    throw new AutogradError(
      'Function: backward is not implemented (override the static backward in a subclass)',
    );
  }
  /** Runs `forward` and, when an argument requires grad, records a node that calls `backward`. */
  static apply<C extends FunctionClass>(
    this: C,
    ...args: Parameters<C['forward']> extends [any, ...infer A] ? A : never
  ): ReturnType<C['forward']> {
    // `this` is the subclass whose forward/backward run (static dispatch on purpose).
    // biome-ignore lint/complexity: `this` is the subclass (noThisInStatic/noUselessThisAlias do not apply)
    const cls: C = this;
    const ctx = new FunctionCtx();
    ctx._name = `${cls.name}Backward`;
    ctx.needsInputGrad = args.map((a) => a instanceof Tensor && a._requiresGrad);
    for (const a of args) if (a instanceof Tensor) refreshView(a);
    const raw = noGrad(() => cls.forward(ctx, ...args));
    if (!isGradEnabled() || !ctx.needsInputGrad.some(Boolean)) return raw as ReturnType<C['forward']>;
    const outs = (Array.isArray(raw) ? raw : [raw]).map((o) =>
      (args as unknown[]).includes(o) ? new Tensor(o.storage, o.shape, o.strides, o.offset) : o,
    );
    const node = new FunctionNode(
      cls,
      ctx,
      args,
      outs.map((o) => ({ shape: o.shape, dtype: o.dtype })),
    );
    outs.forEach((o, i) => {
      if (isFloating(o.dtype) && !ctx._nonDifferentiable.has(o)) setHistory(o, node, i);
    });
    return (Array.isArray(raw) ? outs : outs[0]) as ReturnType<C['forward']>;
  }
}
