import type { Attrs, DType, Tensor } from '@kindling/core';

/** The memory layout a tensor had: enough to rebuild the same view of a storage. */
export interface TensorGeometry {
  /** Size of each dim. */
  readonly shape: readonly number[];
  /** Elements to skip in storage to step one along each dim. */
  readonly strides: readonly number[];
  /** Index of the first element in the storage, in elements. */
  readonly offset: number;
}

/** What a derivative formula sees when its node runs backward. */
export interface DerivativeContext {
  /** Gradient of each output (null for outputs that got none, e.g. integer indices). */
  readonly grads: readonly (Tensor | null)[];
  /** Gradient of output 0 (throws if it is missing). */
  readonly grad: Tensor;
  /** The op's attributes, as passed to the kernel. */
  readonly attrs: Attrs;
  /** Number of inputs of the op. */
  readonly numInputs: number;
  /** Saved input `i` (it must be listed in the formula's `saveInputs`). */
  input(i: number): Tensor;
  /** Saved output `i` (it must be listed in the formula's `saveOutputs`). */
  output(i: number): Tensor;
  /** Shape of input `i` (always available). */
  inputShape(i: number): readonly number[];
  /** Shape, strides and storage offset input `i` had (always available; for `asStrided`). */
  inputGeometry(i: number): TensorGeometry;
  /** Dtype of input `i` (always available). */
  inputDType(i: number): DType;
  /** Whether input `i` needs a gradient (formulas may skip the others). */
  needs(i: number): boolean;
}

/**
 * The derivative of one primitive op (one entry of PyTorch's derivatives.yaml): which tensors to
 * save in forward, and the gradients of the inputs, written with differentiable core ops so that
 * `createGraph: true` yields higher-order gradients.
 */
export interface Derivative {
  /**
   * Inputs to save: indices, 'all', or a function of which inputs need a gradient (so that, e.g.,
   * `mul` by a constant does not keep the other operand alive).
   */
  readonly saveInputs?: readonly number[] | 'all' | ((needs: readonly boolean[]) => readonly number[]);
  /** Indices of outputs to save. */
  readonly saveOutputs?: readonly number[];
  /** Gradient for each input (null/undefined where none or not needed). */
  backward(ctx: DerivativeContext): readonly (Tensor | null | undefined)[];
}

/** The derivative table: primitive op name to its formula. */
export type DerivativeTable = Readonly<Record<string, Derivative>>;
