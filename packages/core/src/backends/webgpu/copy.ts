/**
 * Copy kernels of the WebGPU backend: `copy_` (in place, into a strided view) and `sliceScatter`,
 * plus `stridedCopy`, the raw (bit-preserving) strided-to-strided copy that `cat` also uses.
 * Primitive contracts are those of backends/cpu/copy.ts.
 */
import type { Kernel } from '../../backend.js';
import { Tensor } from '../../tensor.js';
import { coalesce } from '../cpu/codegen.js';
import { castTo } from './elementwise.js';
import { bufferOf } from './memory.js';
import { decl, launch, main1d, metaDecl, stridedOffsets } from './shader.js';

/** Copies the elements of view `src` into view `dst` (same shape and dtype; storages differ). */
export function stridedCopy(dst: Tensor, src: Tensor): void {
  const n = dst.numel;
  if (n === 0) return;
  const c = coalesce(dst.shape, [dst.strides, src.strides]);
  const nd = c.shape.length;
  const source = () => `${decl(0, 'src', 'u32')}
${decl(1, 'dst', 'u32', true)}
${metaDecl(2)}
${main1d(`${stridedOffsets('i', nd, 3, [1, 2], [3 + nd, 3 + 2 * nd], ['od', 'os'])}
  dst[od] = src[os];`)}`;
  const meta = [0, dst.offset, src.offset, ...c.shape, ...c.strides[0], ...c.strides[1]];
  launch(`copy|${nd}`, source, [bufferOf(src), bufferOf(dst)], meta, n);
}

/** `copy_(dst, src)`: src already has dst's shape (maybe broadcast) and dtype; writes in place. */
const copyInto: Kernel = ([dst, src]) => {
  // A source sharing dst's storage is copied out first, so overlapping views read old values.
  const s = src.storage === dst.storage || src.dtype !== dst.dtype ? castTo(src, dst.dtype) : src;
  stridedCopy(dst, s);
  if (s !== src) s.dispose();
  dst.storage.version++;
  return [dst];
};

/** A copy of `base` with the slice `dim, start:end:step` replaced by `src`. */
const sliceScatter: Kernel = ([base, src], a) => {
  const out = castTo(base, base.dtype);
  const { dim, start, step } = a as { dim: number; start: number; step: number };
  const strides = [...out.strides];
  strides[dim] *= step;
  const target = new Tensor(out.storage, src.shape, strides, start * out.strides[dim]);
  const s = src.dtype !== base.dtype ? castTo(src, base.dtype) : src;
  stridedCopy(target, s);
  if (s !== src) s.dispose();
  return [out];
};

/** Copy kernels of the WebGPU backend. */
export const copyKernels: Record<string, Kernel> = { copy_: copyInto, sliceScatter };
