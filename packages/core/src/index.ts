/**
 * @kindling/core: tensors, dtypes, views, every op, the CPU backend, seeded RNG and safetensors.
 * @packageDocumentation
 */
import './backends/cpu/index.js';

export { Tensor, type TensorOrScalar, type Dims, type NestedArray } from './tensor.js';
export * from './errors.js';
export {
  type DType,
  DTYPES,
  type TypedArray,
  itemSize,
  isFloating,
  promoteTypes,
  defaultFloat as getDefaultDType,
  setDefaultDType,
} from './dtype.js';
export { type Shape, broadcastShapes, shapeNumel } from './shape.js';
export { Storage, storagesCreated, type DeviceName } from './storage.js';
export {
  dispatch,
  dispatch1,
  installLayer,
  type Attrs,
  type DispatchFn,
  type DispatchLayer,
} from './dispatch.js';
export { type Backend, type Kernel, OPTIONAL_KERNELS, registerBackend, getBackend } from './backend.js';
export { setAutogradHooks, type AutogradHooks } from './autograd-hooks.js';
export { resultType } from './ops/promote.js';
export * from './ops/creation.js';
export * from './ops/elementwise.js';
export { cast, contiguous, copy_, toDevice, toDeviceAsync } from './ops/copy.js';
export {
  initDevice,
  flushDevice,
  emptyCache,
  type AdapterInfo,
  type DeviceInfo,
  type InitDeviceOptions,
} from './backends/webgpu/index.js';
export { scope, keep, memory, type MemoryReport } from './backends/webgpu/memory.js';
export type { GpuMemoryStats } from './backends/webgpu/runtime.js';
export { scalarTensor } from './ops/scalar.js';
export {
  view,
  reshape,
  permute,
  transpose,
  t,
  expand,
  squeeze,
  unsqueeze,
  flatten,
  unflatten,
  slice,
  narrow,
  select,
  index,
  sliceOf,
  asStrided,
  viewKernels,
  split,
  chunk,
  unbind,
  type IndexItem,
  type Slice,
} from './views.js';
export { transferKernels } from './transfer.js';
export * from './ops/reduce.js';
export * from './ops/linalg.js';
export * from './ops/einsum.js';
export * from './ops/shape-ops.js';
export * from './ops/indexing.js';
export * from './ops/nn-kernels.js';
export * from './ops/conv.js';
export * from './ops/pool.js';
export * from './ops/interpolate.js';
export * from './ops/embedding.js';
export * from './ops/attention.js';
export { formatTensor } from './format.js';
export {
  getBackendInfo,
  useNativeKernels,
  useKernels,
  setNumThreads,
  getNumThreads,
  type BackendInfo,
  type KernelSet,
} from './backends/cpu/kernel-set.js';
export * from './ops/random.js';
export * from './ops/optim.js';
export {
  Generator,
  manualSeed,
  defaultGenerator,
  seed,
  initialSeed,
  getRngState,
  setRngState,
  type Seed,
  type GeneratorState,
} from './random/generator.js';
export * from './io/safetensors.js';
export { loadPt, loadPtFile, ptStateDict, type PtValue, type LoadPtOptions } from './io/pytorch/load.js';
