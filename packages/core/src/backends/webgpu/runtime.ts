/**
 * The WebGPU runtime: one GPUDevice, a buffer pool with size classes, a pipeline cache, and a
 * lazily submitted command encoder.
 *
 * Recording: kernels append compute dispatches to one open command encoder (one compute pass is
 * kept open across dispatches). Each dispatch's small parameter block ("meta": sizes, strides,
 * offsets, scalar parameters as i32 words) goes into a host-side arena that is uploaded with a
 * single `queue.writeBuffer` right before the encoder is submitted; every dispatch binds its
 * 256-byte-aligned slice of that arena. The encoder is submitted when data is read back, when the
 * arena is full, or after `MAX_DISPATCHES` dispatches.
 *
 * Buffer reuse: a freed buffer may still be read by commands recorded in the open encoder. Later
 * commands of the same encoder may reuse it at once (WebGPU orders the dispatches of an encoder and
 * synchronises their storage accesses), but `queue.writeBuffer` runs on the queue timeline, before
 * the open encoder is submitted, so an upload only takes buffers freed before the open encoder
 * began ("clean" ones); buffers freed since become clean when the encoder is submitted.
 *
 * Index errors: kernels that read index tensors clamp out-of-range indices (so nothing is read out
 * of bounds) and record the first bad index in a small error buffer; `read()` checks it and throws
 * an IndexError, so a bad index is reported at the next read-back, like CUDA's device asserts.
 */
import { DeviceError, IndexError } from '../../errors.js';

// WebGPU enum values, spelled out so the module does not need the `GPUBufferUsage` globals.
const USAGE_MAP_READ = 0x0001;
const USAGE_COPY_SRC = 0x0004;
const USAGE_COPY_DST = 0x0008;
const USAGE_STORAGE = 0x0080;
const MAP_MODE_READ = 0x0001;

/** Invocations per workgroup of the 1-D kernels. */
export const WG = 256;
const ARENA_BYTES = 1 << 16;
const MAX_DISPATCHES = 256;
/** Bytes of pooled (free) buffers kept; more are destroyed. */
const POOL_CAP_BYTES = 256 * 1024 * 1024;

/** Kernel names by error code, for the IndexError a bad index raises at read-back. */
const ERROR_OPS = ['', 'gather', 'scatter', 'scatterAdd', 'indexSelect', 'indexAdd'];

/** Error codes kernels write into the error buffer (index into `ERROR_OPS`). */
export const ERR = { gather: 1, scatter: 2, scatterAdd: 3, indexSelect: 4, indexAdd: 5 } as const;

function pushTo(map: Map<number, GPUBuffer[]>, buf: GPUBuffer): void {
  let list = map.get(buf.size);
  if (!list) {
    list = [];
    map.set(buf.size, list);
  }
  list.push(buf);
}

/** Size class of an allocation: 4 steps per power of two, at least 256 bytes. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = p / 4;
  return Math.ceil(bytes / step) * step;
}

/** Live and pooled GPU memory of the WebGPU backend. */
export interface GpuMemoryStats {
  /** Bytes of buffers owned by live (not disposed, not collected) tensors. */
  bytesInUse: number;
  /** Number of such buffers. */
  buffersInUse: number;
  /** Bytes of free buffers kept in the pool for reuse. */
  bytesPooled: number;
  /** Number of pooled buffers. */
  buffersPooled: number;
}

/** The GPU device and everything recorded on it. */
export class GpuRuntime {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arena: GPUBuffer;
  private readonly metaWords = new Int32Array(ARENA_BYTES / 4);
  private metaUsed = 0; // bytes
  private dispatches = 0;
  /** Free buffers by size that no unsubmitted command uses. */
  private readonly pool = new Map<number, GPUBuffer[]>();
  /** Free buffers by size that the open encoder may still use (kernels may reuse them). */
  private dirty = new Map<number, GPUBuffer[]>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** `[flag, code, index, size]`: set by kernels that find a bad index. */
  readonly errorBuffer: GPUBuffer;
  private gpuError: string | null = null;
  private lost: string | null = null;
  private readonly metaAlign: number;
  /** Memory accounting (see `GpuMemoryStats`). */
  readonly stats: GpuMemoryStats = { bytesInUse: 0, buffersInUse: 0, bytesPooled: 0, buffersPooled: 0 };

  /**
   * `owners` keeps the GPU and adapter objects alive as long as the device: some implementations
   * (Dawn in Node) tear the device down when its instance is garbage collected.
   */
  constructor(
    readonly device: GPUDevice,
    readonly owners: readonly unknown[] = [],
  ) {
    this.metaAlign = Math.max(device.limits.minStorageBufferOffsetAlignment, 16);
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: USAGE_STORAGE | USAGE_COPY_DST });
    this.errorBuffer = device.createBuffer({
      size: 16,
      usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST,
    });
    device.addEventListener?.('uncapturederror', (e) => {
      const msg = (e as GPUUncapturedErrorEvent).error?.message ?? String(e);
      this.gpuError ??= msg;
    });
    void device.lost?.then((info) => {
      this.lost = info.message || info.reason || 'device lost';
    });
  }

  private checkAlive(): void {
    if (this.lost)
      throw new DeviceError(
        `webgpu: the GPU device was lost (${this.lost}); call initDevice('webgpu') again`,
      );
  }

  // ---- buffers ----------------------------------------------------------------------------------

  /**
   * A storage buffer of at least `bytes` bytes (contents undefined), from the pool when possible.
   * `forUpload`: the buffer will be written with `queue.writeBuffer`, so it must be a clean one.
   */
  acquire(bytes: number, forUpload = false): GPUBuffer {
    this.checkAlive();
    const size = sizeClass(Math.max(bytes, 4));
    const maxSize = Math.min(
      this.device.limits.maxBufferSize,
      this.device.limits.maxStorageBufferBindingSize,
    );
    if (size > maxSize) {
      throw new DeviceError(
        `webgpu: cannot allocate ${bytes} bytes (the device allows at most ${maxSize} bytes per buffer)`,
      );
    }
    let buf = (forUpload ? undefined : this.dirty.get(size)?.pop()) ?? this.pool.get(size)?.pop();
    if (buf) {
      this.stats.bytesPooled -= size;
      this.stats.buffersPooled--;
    } else {
      buf = this.device.createBuffer({ size, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
    }
    this.stats.bytesInUse += size;
    this.stats.buffersInUse++;
    return buf;
  }

  /** Returns a buffer to the pool: kernels may reuse it at once, uploads once the open encoder is submitted. */
  release(buf: GPUBuffer): void {
    this.stats.bytesInUse -= buf.size;
    this.stats.buffersInUse--;
    this.stats.bytesPooled += buf.size;
    this.stats.buffersPooled++;
    if (this.encoder) pushTo(this.dirty, buf);
    else this.toPool(buf);
  }

  private toPool(buf: GPUBuffer): void {
    if (this.stats.bytesPooled > POOL_CAP_BYTES) {
      this.stats.bytesPooled -= buf.size;
      this.stats.buffersPooled--;
      buf.destroy();
      return;
    }
    pushTo(this.pool, buf);
  }

  /** Destroys every pooled buffer (memory held by live tensors stays). */
  emptyCache(): void {
    this.flush();
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    this.pool.clear();
    this.stats.bytesPooled = 0;
    this.stats.buffersPooled = 0;
  }

  /** Uploads host bytes into a buffer that no recorded command uses yet (a fresh one). */
  upload(buf: GPUBuffer, data: ArrayBufferView): void {
    if (data.byteLength > 0) {
      this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
    }
  }

  /** Records a zero-fill of `buf`. */
  clear(buf: GPUBuffer): void {
    this.endPass();
    this.getEncoder().clearBuffer(buf);
  }

  // ---- recording --------------------------------------------------------------------------------

  private getEncoder(): GPUCommandEncoder {
    this.checkAlive();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** The compute pipeline for `key`, compiling `source()` the first time. */
  pipeline(key: string, source: () => string): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: source(), label: key });
      p = this.device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
        label: key,
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /**
   * Records one dispatch: `buffers` are bound at bindings 0.., the `meta` words (i32) at the next
   * binding. `groups` is the workgroup grid.
   */
  dispatch(
    pipeline: GPUComputePipeline,
    buffers: readonly GPUBuffer[],
    meta: ArrayLike<number>,
    groups: readonly [number, number, number],
  ): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    const bytes = Math.max(meta.length * 4, 16);
    const span = Math.ceil(bytes / this.metaAlign) * this.metaAlign;
    if (span > ARENA_BYTES) throw new DeviceError(`webgpu: kernel parameters too large (${bytes} bytes)`);
    if (this.metaUsed + span > ARENA_BYTES || this.dispatches >= MAX_DISPATCHES) this.flush();
    const at = this.metaUsed;
    this.metaWords.set(meta as ArrayLike<number>, at / 4);
    this.metaUsed += span;
    this.dispatches++;
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, i) => ({ binding: i, resource: { buffer } }));
    entries.push({ binding: buffers.length, resource: { buffer: this.arena, offset: at, size: bytes } });
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    if (!this.pass) this.pass = this.getEncoder().beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
  }

  /** A workgroup grid of `n` workgroups laid out as x × y within the per-dimension limit. */
  grid(n: number): [number, number, number] {
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (n <= max) return [n, 1, 1];
    const y = Math.ceil(n / max);
    return [Math.ceil(n / y), y, 1];
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.metaUsed > 0) {
      this.device.queue.writeBuffer(this.arena, 0, this.metaWords.buffer, 0, this.metaUsed);
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.metaUsed = 0;
    this.dispatches = 0;
    const released = this.dirty;
    this.dirty = new Map();
    for (const list of released.values()) for (const b of list) this.toPool(b);
  }

  /** Reads `bytes` bytes of `buf` back to the host, after all recorded work (and checks errors). */
  async read(buf: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.checkAlive();
    const size = 16 + Math.ceil(bytes / 4) * 4;
    const staging = this.device.createBuffer({ size, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    this.endPass();
    const enc = this.getEncoder();
    enc.copyBufferToBuffer(this.errorBuffer, 0, staging, 0, 16);
    if (bytes > 0) enc.copyBufferToBuffer(buf, 0, staging, 16, size - 16);
    this.flush();
    try {
      await staging.mapAsync(MAP_MODE_READ);
    } catch (e) {
      staging.destroy();
      this.checkAlive();
      throw new DeviceError(`webgpu: reading a buffer back failed: ${(e as Error).message ?? e}`);
    }
    const out = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    this.checkErrors(new Uint32Array(out, 0, 4));
    return out.slice(16, 16 + bytes);
  }

  private checkErrors(err: Uint32Array): void {
    if (this.gpuError) {
      const msg = this.gpuError;
      this.gpuError = null;
      throw new DeviceError(`webgpu: a GPU command failed: ${msg}`);
    }
    if (err[0] !== 0) {
      this.device.queue.writeBuffer(this.errorBuffer, 0, new Uint32Array(4));
      const op = ERROR_OPS[err[1]] || 'an indexing op';
      const index = err[2] | 0;
      throw new IndexError(
        `${op}: index ${index} is out of bounds for a dimension of size ${err[3]} (found by the GPU kernel; reported at the next read-back)`,
      );
    }
  }
}
