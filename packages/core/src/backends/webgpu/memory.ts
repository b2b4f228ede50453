/**
 * GPU memory management of the WebGPU backend: storages backed by pooled GPUBuffers, freed by
 * `dispose()`, by `scope()`, by `using` declarations (`Symbol.dispose` calls `dispose`) and, as a
 * backstop, by a FinalizationRegistry when a tensor's storage is garbage collected.
 *
 * Every element takes 4 bytes on the GPU: float32 as f32, int32 as i32, bool as a u32 0/1 and
 * float16/bfloat16 as their 16-bit word in a u32. float64 has no GPU storage (WGSL has no f64).
 */
import type { DType } from '../../dtype.js';
import { DeviceError, DTypeError, ValueError } from '../../errors.js';
import { shapeNumel } from '../../shape.js';
import { Storage } from '../../storage.js';
import { Tensor } from '../../tensor.js';
import type { GpuMemoryStats, GpuRuntime } from './runtime.js';

let runtime: GpuRuntime | null = null;

/** Installs the runtime the backend uses (set by `initDevice`). */
export function setRuntime(rt: GpuRuntime | null): void {
  runtime = rt;
}

/** The active runtime, or a DeviceError when `initDevice('webgpu')` was not awaited. */
export function rt(): GpuRuntime {
  if (!runtime) throw new DeviceError(`webgpu: no device; call await initDevice('webgpu') first`);
  return runtime;
}

/** WGSL element type of a dtype's GPU storage. */
export function gpuType(dtype: DType): 'f32' | 'i32' | 'u32' {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
    case 'float16':
    case 'bfloat16':
      return 'u32';
    default:
      throw new DTypeError(
        `webgpu: ${dtype} tensors are not supported on the GPU (WGSL has no 64-bit floats); keep float64 on the CPU or convert with .to('float32')`,
      );
  }
}

/** Checks a dtype has GPU storage (throws the DTypeError of `gpuType` otherwise). */
export function checkGpuDType(dtype: DType, op: string): void {
  try {
    gpuType(dtype);
  } catch (e) {
    if (e instanceof DTypeError) throw new DTypeError(`${op}: ${e.message}`);
    throw e;
  }
}

const registry = new FinalizationRegistry<GPUBuffer>((buf) => {
  runtime?.release(buf);
});

/** Storages allocated inside each open `scope`, innermost last. */
const scopes: Set<Storage>[] = [];

/** A new storage of `length` elements; contents undefined unless `zero` (`forUpload`: see `acquire`). */
export function gpuAlloc(dtype: DType, length: number, zero = false, forUpload = false): Storage {
  gpuType(dtype);
  const r = rt();
  const buf = r.acquire(length * 4, forUpload);
  if (zero) r.clear(buf);
  const storage = new Storage('webgpu', dtype, length, buf);
  registry.register(storage, buf, storage);
  if (scopes.length > 0) scopes[scopes.length - 1].add(storage);
  return storage;
}

/** Frees a storage's buffer now (it returns to the pool once recorded work no longer needs it). */
export function gpuFree(storage: Storage): void {
  if (storage.disposed || !runtime) return;
  registry.unregister(storage);
  runtime.release(storage.handle as GPUBuffer);
  for (const s of scopes) s.delete(storage);
}

/** A new contiguous GPU tensor (contents undefined: kernels overwrite every element). */
export function newGpuTensor(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(gpuAlloc(dtype, shapeNumel(shape)), [...shape]);
}

/** The GPUBuffer behind a GPU tensor. */
export function bufferOf(t: Tensor): GPUBuffer {
  return t.storage.handle as GPUBuffer;
}

function collect(value: unknown, out: Set<Storage>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) {
    out.add(value.storage);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
    return;
  }
  if (Array.isArray(value) || value instanceof Set) {
    for (const v of value) collect(v, out, seen);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

function closeScope(tracked: Set<Storage>, result: unknown): void {
  const i = scopes.lastIndexOf(tracked);
  if (i >= 0) scopes.splice(i, 1);
  const kept = new Set<Storage>();
  collect(result, kept, new Set());
  for (const s of tracked) {
    if (kept.has(s)) {
      // A returned tensor belongs to the enclosing scope, if any.
      if (scopes.length > 0) scopes[scopes.length - 1].add(s);
    } else if (!s.disposed) {
      gpuFree(s);
      s.disposed = true;
    }
  }
}

/**
 * Runs `fn` and frees the GPU memory of every tensor it created, except those it returns (a
 * tensor, or arrays / plain objects / Maps of tensors). Accepts async callbacks (the memory is
 * freed when the promise settles); while an async scope is open, tensors created by other
 * concurrent code are attributed to it too, so do not interleave unrelated GPU work with it.
 * Tensors the callback stores elsewhere (e.g. `param.grad`, optimizer state) are freed as well:
 * return them, or protect them with `keep()`. CPU tensors are unaffected (garbage collected).
 */
export function scope<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ValueError(`scope: expected a function, got ${typeof fn}`);
  const tracked = new Set<Storage>();
  scopes.push(tracked);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(tracked, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v) => {
        closeScope(tracked, v);
        return v;
      },
      (e) => {
        closeScope(tracked, undefined);
        throw e;
      },
    ) as T;
  }
  closeScope(tracked, result);
  return result;
}

/** Exempts a tensor created inside a `scope` from being freed when the scope ends; returns it. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t.storage);
  return t;
}

/** `memory()`'s report: the device's buffer statistics and which device they describe. */
export interface MemoryReport extends GpuMemoryStats {
  /** The device the statistics describe (`webgpu` or `cpu`). */
  device: string;
}

/** Memory statistics of a device (`webgpu` by default; CPU memory is garbage collected: all zero). */
export function memory(device: 'webgpu' | 'cpu' = 'webgpu'): MemoryReport {
  const stats =
    device === 'webgpu' && runtime
      ? runtime.stats
      : { bytesInUse: 0, buffersInUse: 0, bytesPooled: 0, buffersPooled: 0 };
  return { device, ...stats };
}
