import { getBackend } from '../backend.js';
import { dispatch1 } from '../dispatch.js';
import { checkDType, type DType } from '../dtype.js';
import { ShapeError } from '../errors.js';
import { broadcastShapes, fmtShape, sameShape } from '../shape.js';
import type { DeviceName } from '../storage.js';
import { Tensor } from '../tensor.js';
import { scalarTensor } from './scalar.js';

/** A contiguous copy of `x` as `dtype` (no copy when nothing changes, unless `force`). */
export function cast(x: Tensor, dtype: DType, force = false): Tensor {
  checkDType(dtype, 'to');
  if (!force && dtype === x.dtype && x.isContiguous()) return x;
  return dispatch1('cast', [x], { dtype });
}

/** `x` itself when contiguous, else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : dispatch1('cast', [x], { dtype: x.dtype });
}

/** Writes `src` (broadcast to `dst`'s shape, converted to its dtype) into `dst` in place. */
export function copy_<T extends Tensor>(dst: T, src: Tensor | number | boolean): T {
  let s = src instanceof Tensor ? src : scalarTensor(src, dst.dtype, dst.device);
  const shape = broadcastShapes('copy_', dst.shape, s.shape);
  if (!sameShape(shape, dst.shape)) {
    throw new ShapeError(
      `copy_: source of shape ${fmtShape(s.shape)} cannot be broadcast to the destination shape ${fmtShape(dst.shape)}`,
    );
  }
  if (s.device !== dst.device) s = toDevice(s, dst.device);
  if (s.dtype !== dst.dtype) s = cast(s, dst.dtype);
  if (!sameShape(s.shape, dst.shape)) s = s.expand(dst.shape);
  dispatch1('copy_', [dst, s]);
  return dst;
}

/**
 * A copy of `x` on another device (reading back to the CPU needs a device that reads
 * synchronously). Recorded by autograd (the `toDevice` primitive): the gradient is moved back.
 */
export function toDevice(x: Tensor, device: DeviceName): Tensor {
  if (x.device === device) return x;
  const c = contiguous(x);
  return dispatch1('toDevice', [c], { device, from: c.device });
}

/**
 * A copy of `x` on another device, reading the data back asynchronously: works from every device
 * (e.g. `webgpu` to `cpu`, where the synchronous `toDevice` cannot read). Recorded by autograd like
 * `toDevice`: the gradient is moved back to `x`'s device.
 */
export async function toDeviceAsync(x: Tensor, device: DeviceName): Promise<Tensor> {
  if (x.device === device) return x;
  const c = contiguous(x);
  const raw = await getBackend(c.device).read(c.storage);
  const host = raw.subarray(c.offset, c.offset + c.numel).slice();
  const out = dispatch1('toDevice', [c], { device, from: c.device, host });
  if (c !== x) c.dispose();
  return out;
}
