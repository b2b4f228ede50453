import type { Attrs } from './dispatch.js';
import type { DType, TypedArray } from './dtype.js';
import { DeviceError } from './errors.js';
import type { DeviceName, Storage } from './storage.js';
import type { Tensor } from './tensor.js';

/** A backend kernel: computes a primitive op's outputs from its inputs and attributes. */
export type Kernel = (inputs: Tensor[], attrs: Attrs) => Tensor[];

/** What a device implements: memory and the primitive kernel table (see `PRIMITIVES`). */
export interface Backend {
  /** Device name (`cpu`, `webgpu`). */
  readonly name: DeviceName;
  /** Allocates zero-filled storage. */
  alloc(dtype: DType, length: number): Storage;
  /** Creates storage holding a copy of (or, on the CPU, adopting) host data. */
  fromHost(data: TypedArray, dtype: DType): Storage;
  /** Reads storage back to the host. */
  read(storage: Storage): Promise<TypedArray>;
  /** Reads storage back synchronously, where the device allows it. */
  readSync?(storage: Storage): TypedArray;
  /** Frees storage now (GPU); a no-op where memory is garbage collected. */
  free(storage: Storage): void;
  /** Kernels by primitive op name; a faster implementation may replace any entry. */
  readonly kernels: Record<string, Kernel>;
}

/**
 * Fused primitives a backend may leave out: their callers check for the kernel and otherwise run
 * the same computation as a composite of other primitives (fused optimizer updates, the fused
 * convolution and its backward kernels, the max-pooling and GELU gradients, layer normalisation,
 * softmax, in-place gradient accumulation).
 */
export const OPTIONAL_KERNELS: ReadonlySet<string> = new Set([
  'adamUpdate_',
  'sgdUpdate_',
  'conv2d',
  'conv2dBackwardInput',
  'conv2dBackwardWeight',
  'maxPool2dBackward',
  'geluBackward',
  'layerNorm',
  'layerNormBackward',
  'softmax',
  'softmaxBackward',
  'accumulate_',
]);

const backends = new Map<string, Backend>();

/** Registers a backend under its device name. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** The backend of a device, or a DeviceError saying how to make it available. */
export function getBackend(device: string): Backend {
  const b = backends.get(device);
  if (!b) {
    throw new DeviceError(
      `device '${device}' is not available (registered: ${[...backends.keys()].join(', ')}); for WebGPU call initDevice('webgpu') first`,
    );
  }
  return b;
}
