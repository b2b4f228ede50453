import { type Tensor, contiguous, where, zeros } from '@kindling/core';
import { noGrad } from './grad-mode.js';
import { type Edge, type InputMeta, Node, type ViewStep } from './node.js';
import { replayView } from './views.js';

/**
 * The new history of a base after an in-place write into one of its views (PyTorch's CopySlices):
 * the gradient of the written region goes to the source, the rest to the base's old history.
 * The base is contiguous (checked when recording), so the view chain replays on a contiguous
 * gradient exactly as it did on the base.
 */
export class CopySlices extends Node {
  readonly name = 'CopySlices';
  readonly numOutputs = 1;
  readonly inputMeta: readonly InputMeta[];
  private mask: Tensor | null = null;
  private readonly baseOffset: number;

  constructor(
    base: Tensor,
    src: Tensor,
    private readonly chain: readonly ViewStep[],
    next: (Edge | null)[],
  ) {
    super();
    this.next = next;
    this.inputMeta = [
      { shape: base.shape, dtype: base.dtype },
      { shape: src.shape, dtype: src.dtype },
    ];
    this.baseOffset = base.offset;
  }

  /** True where the view covers the base. */
  private region(device: Tensor['device']): Tensor {
    if (!this.mask) {
      this.mask = noGrad(() => {
        const m = zeros(this.inputMeta[0].shape, { dtype: 'bool', device });
        replayView(m, this.chain, this.baseOffset).fill_(true);
        return m;
      });
    }
    return this.mask;
  }

  apply(grads: readonly (Tensor | null)[]): (Tensor | null)[] {
    const g = grads[0];
    if (!g) return [null, null];
    const gBase = this.next[0] ? where(this.region(g.device), 0, g) : null;
    const gSrc = this.next[1] ? replayView(contiguous(g), this.chain, this.baseOffset) : null;
    return [gBase, gSrc];
  }
}
