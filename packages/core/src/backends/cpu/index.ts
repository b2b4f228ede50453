import type { Backend, Kernel } from '../../backend.js';
import { registerBackend } from '../../backend.js';
import { arrayTypeOf, type DType, type TypedArray } from '../../dtype.js';
import { Storage } from '../../storage.js';
import { copyKernels } from './copy.js';
import { elementwiseKernels } from './elementwise.js';
import { installKernelSets } from './kernel-set.js';
import { cpuAlloc } from './memory.js';
import { kernelModules } from './modules.js';

/** The JavaScript kernels: every primitive, on every platform (the native addon's fallback). */
const jsKernels: Record<string, Kernel> = Object.assign(
  {},
  elementwiseKernels,
  copyKernels,
  ...kernelModules,
);

/**
 * The CPU backend: typed-array storage and JS kernels (replaceable op by op), with the native
 * addon's kernels over them when it is built (see kernel-set.ts).
 */
export const cpuBackend: Backend = {
  name: 'cpu',
  alloc: cpuAlloc,
  fromHost(data: TypedArray, dtype: DType): Storage {
    const Ctor = arrayTypeOf(dtype);
    const arr = data instanceof Ctor ? data : Ctor.from(data as ArrayLike<number>);
    return new Storage('cpu', dtype, arr.length, arr);
  },
  read: async (storage) => storage.handle as TypedArray,
  readSync: (storage) => storage.handle as TypedArray,
  free: () => {},
  kernels: { ...jsKernels },
};

registerBackend(cpuBackend);
installKernelSets(cpuBackend.kernels, jsKernels);
