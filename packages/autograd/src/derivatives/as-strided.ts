import { type Attrs, type Tensor, indexAdd, indexSelect, reshape, tensor, zeros } from '@kindling/core';

/** Storage positions of every element of a strided layout, in row-major order. */
function positions(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let p = offset;
  for (let i = 0; i < n; i++) {
    out[i] = p;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      p += strides[d];
      if (idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Layout of the input of an `asStrided` call. */
export interface Geometry {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * Gradient of `asStrided(x, shape, strides, offset)` with respect to `x`: output elements are
 * matched to input elements through the storage positions they share; several outputs on one
 * position add up, and input elements sharing a position (overlapping input) split it evenly, as
 * PyTorch's as_strided_backward. Written with indexAdd/indexSelect, so it is differentiable again.
 */
export function asStridedBackward(g: Tensor, attrs: Attrs, input: Geometry): Tensor {
  const outPos = positions(attrs.shape as number[], attrs.strides as number[], attrs.offset as number);
  const inPos = positions(input.shape, input.strides, input.offset);
  const id = new Map<number, number>();
  const inIds = new Int32Array(inPos.length);
  const counts: number[] = [];
  for (let i = 0; i < inPos.length; i++) {
    let k = id.get(inPos[i]);
    if (k === undefined) {
      k = counts.length;
      id.set(inPos[i], k);
      counts.push(0);
    }
    counts[k]++;
    inIds[i] = k;
  }
  const keep: number[] = [];
  const outIds: number[] = [];
  for (let i = 0; i < outPos.length; i++) {
    const k = id.get(outPos[i]);
    if (k !== undefined) {
      keep.push(i);
      outIds.push(k);
    }
  }
  const dev = { device: g.device };
  let flat = reshape(g, [g.numel]);
  if (keep.length !== outPos.length) flat = indexSelect(flat, 0, tensor(Int32Array.from(keep), dev));
  const storage = indexAdd(
    zeros([counts.length], { dtype: g.dtype, device: g.device }),
    0,
    tensor(Int32Array.from(outIds), dev),
    flat,
  );
  let gin = indexSelect(storage, 0, tensor(inIds, dev));
  if (counts.some((c) => c > 1)) {
    gin = gin.div(
      tensor(
        Float64Array.from(inIds, (k) => counts[k]),
        { dtype: g.dtype, device: g.device },
      ),
    );
  }
  return reshape(gin, input.shape);
}
