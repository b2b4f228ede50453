/**
 * The WebGPU backend: GPUBuffer storage (pooled, see memory.ts/runtime.ts) and WGSL kernels for
 * every primitive op. It is registered by `await initDevice('webgpu')`; composites, views and
 * autograd then work on `webgpu` tensors unchanged.
 */
import type { Backend, Kernel } from '../../backend.js';
import { registerBackend } from '../../backend.js';
import { arrayTypeOf, type DType, type TypedArray } from '../../dtype.js';
import { DeviceError } from '../../errors.js';
import type { Storage } from '../../storage.js';
import { convKernels } from './conv.js';
import { copyKernels } from './copy.js';
import { elementwiseKernels } from './elementwise.js';
import { indexingKernels } from './indexing.js';
import { matmulKernels } from './matmul.js';
import { gpuAlloc, gpuFree, rt, setRuntime } from './memory.js';
import { optimKernels } from './optim.js';
import { randomKernels } from './random.js';
import { reduceKernels } from './reduce.js';
import { GpuRuntime } from './runtime.js';
import { decl, launch, main1d, metaDecl } from './shader.js';

const SMALL_UPLOAD = 1024;
const UPLOAD_SOURCE = () => `${decl(0, 'out', 'i32', true)}
${metaDecl(1)}
${main1d('out[i] = prm[i + 1];')}`;

/** Host data in the GPU layout (4 bytes per element). */
function toGpuLayout(data: TypedArray, dtype: DType): ArrayBufferView {
  const Ctor = arrayTypeOf(dtype);
  const typed = data instanceof Ctor ? data : Ctor.from(data as ArrayLike<number>);
  if (dtype === 'float32' || dtype === 'int32') return typed;
  return Uint32Array.from(typed as ArrayLike<number>);
}

/** GPU words back to the CPU encoding of `dtype`. */
function fromGpuLayout(raw: ArrayBuffer, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(raw);
    case 'int32':
      return new Int32Array(raw);
    case 'bool':
      return Uint8Array.from(new Uint32Array(raw));
    default:
      return Uint16Array.from(new Uint32Array(raw));
  }
}

/** The WebGPU backend object (its kernels are usable once `initDevice('webgpu')` has run). */
export const webgpuBackend: Backend = {
  name: 'webgpu',
  alloc: (dtype, length) => gpuAlloc(dtype, length, true),
  fromHost(data: TypedArray, dtype: DType): Storage {
    const host = toGpuLayout(data, dtype);
    if (host.byteLength <= SMALL_UPLOAD) {
      // Small data (scalars!) rides in the kernel parameter block: no fresh buffer, no extra write.
      const storage = gpuAlloc(dtype, data.length);
      const words = new Int32Array(host.buffer, host.byteOffset, host.byteLength / 4);
      launch('upload', UPLOAD_SOURCE, [storage.handle as GPUBuffer], [0, ...words], words.length);
      return storage;
    }
    const storage = gpuAlloc(dtype, data.length, false, true);
    rt().upload(storage.handle as GPUBuffer, host);
    return storage;
  },
  async read(storage: Storage): Promise<TypedArray> {
    if (storage.disposed) throw new DeviceError('data: tensor was used after dispose()');
    const raw = await rt().read(storage.handle as GPUBuffer, storage.length * 4);
    return fromGpuLayout(raw, storage.dtype);
  },
  free: gpuFree,
  kernels: Object.assign(
    {} as Record<string, Kernel>,
    elementwiseKernels,
    copyKernels,
    reduceKernels,
    matmulKernels,
    indexingKernels,
    convKernels,
    randomKernels,
    optimKernels,
  ),
};

/** The identifying strings of a WebGPU adapter (`GPUAdapterInfo`); any may be empty when the browser hides it. */
export interface AdapterInfo {
  /** Vendor of the adapter, e.g. `nvidia`, `google` (SwiftShader). */
  vendor: string;
  /** Architecture family within the vendor's products, e.g. `ampere`. */
  architecture: string;
  /** Vendor-specific device identifier. */
  device: string;
  /** Human-readable description of the adapter, e.g. `SwiftShader Device (Subzero)`. */
  description: string;
}

/** What `initDevice` reports about the device it opened. */
export interface DeviceInfo {
  /** Device name. */
  device: 'cpu' | 'webgpu';
  /** The adapter's vendor/architecture/device/description strings (WebGPU only). */
  adapter?: AdapterInfo;
  /** The limits the device was created with (WebGPU only). */
  limits?: Record<string, number>;
  /** Optional features the adapter offers (WebGPU only). */
  features?: string[];
}

/** Options of `initDevice('webgpu')`. */
export interface InitDeviceOptions {
  /**
   * The `GPU` object to use (default `navigator.gpu`); in Node pass `create([])` from the `webgpu`
   * package. Typed loosely so the public types do not depend on `@webgpu/types`.
   */
  gpu?: unknown;
  /** Adapter preference. */
  powerPreference?: 'low-power' | 'high-performance';
  /** Limits to request beyond the defaults (each capped at what the adapter supports). */
  requiredLimits?: Record<string, number>;
}

/** Limits requested explicitly (capped by the adapter): large buffers, 8 storage buffers, 256 invocations. */
const WANTED_LIMITS: Record<string, number> = {
  maxStorageBufferBindingSize: 2 ** 31 - 4,
  maxBufferSize: 2 ** 31 - 4,
  maxStorageBuffersPerShaderStage: 8,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeWorkgroupsPerDimension: 65535,
};

const NEEDED: Record<string, number> = {
  maxStorageBuffersPerShaderStage: 6,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
};

const SETUP_HINT =
  "In Node, install the 'webgpu' package and pass { gpu: create([]) }; on a machine without a GPU, " +
  'install a Vulkan software driver (Debian: apt-get install libvulkan1 chromium) and set ' +
  'VK_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json. In a browser, WebGPU must be enabled.';

let info: DeviceInfo | null = null;

/**
 * Opens a device and registers its backend: `await initDevice('webgpu')` requests an adapter and a
 * device with explicit limits and reports the adapter's info and limits. Throws a DeviceError when
 * WebGPU or an adapter is unavailable. Calling it again returns the open device's info.
 */
export async function initDevice(
  device: 'cpu' | 'webgpu' = 'webgpu',
  options: InitDeviceOptions = {},
): Promise<DeviceInfo> {
  if (device === 'cpu') return { device: 'cpu' };
  if (device !== 'webgpu')
    throw new DeviceError(`initDevice: unknown device '${String(device)}' (expected 'cpu' or 'webgpu')`);
  if (info) return info;
  // Concurrent calls share one attempt; a failed attempt can be retried.
  opening ??= openWebGPU(options).finally(() => {
    opening = null;
  });
  return opening;
}

let opening: Promise<DeviceInfo> | null = null;

async function openWebGPU(options: InitDeviceOptions): Promise<DeviceInfo> {
  const gpu = (options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu) as
    | GPU
    | undefined;
  if (!gpu) throw new DeviceError(`initDevice: WebGPU is not available in this runtime. ${SETUP_HINT}`);
  const adapter = await gpu.requestAdapter(
    options.powerPreference ? { powerPreference: options.powerPreference } : undefined,
  );
  if (!adapter) throw new DeviceError(`initDevice: no WebGPU adapter was found. ${SETUP_HINT}`);
  const requiredLimits: Record<string, number> = {};
  const supported = adapter.limits as unknown as Record<string, number>;
  for (const [k, v] of Object.entries({ ...WANTED_LIMITS, ...options.requiredLimits })) {
    if (typeof supported[k] === 'number') requiredLimits[k] = Math.min(v, supported[k]);
  }
  for (const [k, v] of Object.entries(NEEDED)) {
    if ((requiredLimits[k] ?? 0) < v) {
      throw new DeviceError(
        `initDevice: the WebGPU adapter supports ${k} = ${requiredLimits[k]}, Kindling needs ${v}`,
      );
    }
  }
  const gpuDevice = await adapter.requestDevice({ requiredLimits });
  const runtime = new GpuRuntime(gpuDevice, [gpu, adapter]);
  setRuntime(runtime);
  registerBackend(webgpuBackend);
  const a = adapter.info;
  const limits: Record<string, number> = {};
  for (const k of Object.keys(WANTED_LIMITS))
    limits[k] = (gpuDevice.limits as unknown as Record<string, number>)[k];
  info = {
    device: 'webgpu',
    adapter: {
      vendor: a?.vendor ?? '',
      architecture: a?.architecture ?? '',
      device: a?.device ?? '',
      description: a?.description ?? '',
    },
    limits,
    features: [...adapter.features],
  };
  void gpuDevice.lost.then(() => {
    if (info && rt().device === gpuDevice) info = null;
  });
  return info;
}

/** Submits all recorded GPU work now (it is otherwise submitted lazily, at read-back). */
export function flushDevice(): void {
  try {
    rt().flush();
  } catch {
    // nothing to flush without a device
  }
}

/** Frees the pooled (unused) GPU buffers; memory of live tensors stays. */
export function emptyCache(): void {
  rt().emptyCache();
}
