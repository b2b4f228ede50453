/** `embedding` (`F.embedding`): a lookup of weight rows, as a composite of `indexSelect`. */
import { DTypeError, IndexError, ShapeError, ValueError } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape } from '../views.js';
import { eq, where } from './elementwise.js';
import { indexSelect } from './indexing.js';

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** Rows looked up at this index get no gradient (the output values are unchanged), as PyTorch. */
  paddingIdx?: number | null;
}

/**
 * Looks up rows of `weight` (`[numEmbeddings, dim]`) at int32 `indices` of any shape; the output
 * has shape `[...indices.shape, dim]`. Out-of-range indices throw an IndexError.
 */
export function embedding(indices: Tensor, weight: Tensor, options?: EmbeddingOptions): Tensor {
  const op = 'embedding';
  if (indices.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected int32 indices, but got ${indices.dtype}`);
  }
  if (weight.ndim !== 2) {
    throw new ShapeError(
      `${op}: expected a 2-D weight [numEmbeddings, embeddingDim], but got shape ${fmtShape(weight.shape)}`,
    );
  }
  let rows: Tensor;
  try {
    rows = indexSelect(weight, 0, reshape(indices, [indices.numel]));
  } catch (e) {
    if (e instanceof IndexError) {
      throw new IndexError(
        `${op}: an index is out of range for a weight of ${weight.shape[0]} rows (${e.message})`,
      );
    }
    throw e;
  }
  const out = reshape(rows, [...indices.shape, weight.shape[1]]);
  let pad = options?.paddingIdx;
  if (pad === undefined || pad === null) return out;
  const n = weight.shape[0];
  if (!Number.isInteger(pad) || pad < -n || pad >= n) {
    throw new ValueError(`${op}: paddingIdx must be within [${-n}, ${n - 1}], got ${pad}`);
  }
  if (pad < 0) pad += n;
  // Same values, but the padding rows come from a detached copy so no gradient reaches them.
  return where(reshape(eq(indices, pad), [...indices.shape, 1]), out.detach(), out);
}
