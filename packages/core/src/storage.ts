import type { DType } from './dtype.js';

/** Names of the devices a tensor can live on. */
export type DeviceName = 'cpu' | 'webgpu';

let created = 0;

/**
 * How many storages have been created so far in this process. A storage whose `serial` is at
 * least a value read earlier was created after that point (autograd uses it to tell gradients a
 * backward pass computed from tensors that existed before it).
 */
export function storagesCreated(): number {
  return created;
}

/**
 * A block of memory owned by a backend. Views share one storage; its `version` counts in-place
 * writes, so autograd can refuse a saved tensor that was modified after it was saved.
 */
export class Storage {
  /** In-place modification counter shared by all views of this storage. */
  version = 0;
  /** Creation order of this storage in the process (see `storagesCreated`). */
  readonly serial = created++;
  /** Set once the memory was released; using it again is an error. */
  disposed = false;

  constructor(
    /** Device that owns the memory. */
    readonly device: DeviceName,
    /** Element type as stored (float16/bfloat16 are kept as raw 16-bit words). */
    readonly dtype: DType,
    /** Number of elements. */
    readonly length: number,
    /** The backend's handle: a typed array on the CPU, a GPU buffer on WebGPU. */
    readonly handle: unknown,
  ) {}
}
