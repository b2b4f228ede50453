import type { DType } from './dtype.js';

/** Names of the devices a tensor can live on. */
export type DeviceName = 'cpu' | 'webgpu';

/**
 * A block of memory owned by a backend. Views share one storage; its `version` counts in-place
 * writes, so autograd can refuse a saved tensor that was modified after it was saved.
 */
export class Storage {
  /** In-place modification counter shared by all views of this storage. */
  version = 0;
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
