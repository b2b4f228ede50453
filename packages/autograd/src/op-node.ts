import type { Attrs, DType, Tensor } from '@kindling/core';
import type { Derivative, DerivativeContext } from './derivatives/types.js';
import { AutogradError } from './errors.js';
import { type Edge, type InputMeta, Node, SavedTensor } from './node.js';

/** Shape, dtype and layout of an input at record time. */
interface OpInputMeta extends InputMeta {
  readonly strides: readonly number[];
  readonly offset: number;
}

const names = new Map<string, string>();

/** `mul` -> `MulBackward`, `copy_` -> `CopyBackward`. */
function nodeName(op: string): string {
  let n = names.get(op);
  if (n === undefined) {
    const base = op.replace(/_$/, '');
    n = `${base.charAt(0).toUpperCase()}${base.slice(1)}Backward`;
    names.set(op, n);
  }
  return n;
}

function save(
  list: Derivative['saveInputs'],
  tensors: readonly Tensor[],
  kind: string,
  needs: readonly boolean[],
) {
  if (!list) return null;
  const out: (SavedTensor | null)[] = new Array(tensors.length).fill(null);
  const idx = list === 'all' ? tensors.map((_, i) => i) : typeof list === 'function' ? list(needs) : list;
  for (const i of idx) if (tensors[i]) out[i] = new SavedTensor(tensors[i], `${kind} ${i}`);
  return out;
}

/** The backward node of one recorded primitive call, running its formula from the derivative table. */
export class OpNode extends Node {
  readonly name: string;
  readonly numOutputs: number;
  readonly inputMeta: readonly OpInputMeta[];
  private savedInputs: (SavedTensor | null)[] | null;
  private savedOutputs: (SavedTensor | null)[] | null;

  constructor(
    /** The primitive op name. */
    readonly op: string,
    private readonly formula: Derivative,
    /** The op's attributes. */
    readonly attrs: Attrs,
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    next: (Edge | null)[],
  ) {
    super();
    this.name = nodeName(op);
    this.numOutputs = outputs.length;
    this.next = next;
    this.inputMeta = inputs.map((t) => ({
      shape: t.shape,
      dtype: t.dtype,
      strides: t.strides,
      offset: t.offset,
    }));
    const needs = next.map((e) => e !== null);
    this.savedInputs = save(formula.saveInputs, inputs, 'input', needs);
    this.savedOutputs = save(formula.saveOutputs, outputs, 'output', needs);
  }

  apply(grads: readonly (Tensor | null)[]): (Tensor | null | undefined)[] {
    return [...this.formula.backward(new Context(this, grads))];
  }

  override release(): void {
    for (const s of this.savedInputs ?? []) s?.release();
    for (const s of this.savedOutputs ?? []) s?.release();
  }

  /**
   * Before an in-place write into `dst`: saved inputs that are `dst` at its current version are
   * replaced by `copy()` (a copy of the value about to be overwritten), as PyTorch saves the
   * original self of in-place ops. Returns whether anything was replaced.
   * @internal
   */
  rebindSaved(dst: Tensor, copy: () => Tensor): boolean {
    let hit = false;
    const list = this.savedInputs;
    if (!list) return false;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s && s.target === dst && s.version === dst.storage.version) {
        list[i] = new SavedTensor(copy(), `input ${i}`);
        hit = true;
      }
    }
    return hit;
  }

  /** @internal */
  saved(kind: 'input' | 'output', i: number): Tensor {
    const s = (kind === 'input' ? this.savedInputs : this.savedOutputs)?.[i];
    if (!s)
      throw new AutogradError(`${this.name}: ${kind} ${i} was not saved for backward (derivative table bug)`);
    return s.unpack(this.name);
  }
}

class Context implements DerivativeContext {
  constructor(
    private readonly node: OpNode,
    readonly grads: readonly (Tensor | null)[],
  ) {}
  get grad(): Tensor {
    const g = this.grads[0];
    if (!g) throw new AutogradError(`${this.node.name}: no gradient for output 0`);
    return g;
  }
  get attrs(): Attrs {
    return this.node.attrs;
  }
  get numInputs(): number {
    return this.node.inputMeta.length;
  }
  input(i: number): Tensor {
    return this.node.saved('input', i);
  }
  output(i: number): Tensor {
    return this.node.saved('output', i);
  }
  inputShape(i: number): readonly number[] {
    return this.node.inputMeta[i].shape;
  }
  inputGeometry(i: number) {
    return this.node.inputMeta[i];
  }
  inputDType(i: number): DType {
    return this.node.inputMeta[i].dtype;
  }
  needs(i: number): boolean {
    return this.node.next[i] != null;
  }
}
