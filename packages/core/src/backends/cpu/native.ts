/**
 * Loader of the optional native CPU kernels: a Node-API addon (`packages/core/native`, C++ with
 * runtime AVX-512 / AVX2 / baseline dispatch) that `scripts/build-native.mjs` builds with node-gyp
 * when the package is installed.
 *
 * Loading never throws. In a browser (or any host without Node's `process.getBuiltinModule`) the
 * addon is simply absent; under Node, a missing or broken build prints one line (once per
 * process) and the next kernel set is used (WebAssembly SIMD, else JavaScript; see kernel-set.ts).
 * `KINDLING_NATIVE=0` in the environment turns
 * the addon off without a notice.
 */

/** What the addon reports about itself. */
export interface NativeAddonInfo {
  /** Instruction set the kernels use now: `avx512`, `avx2` or `generic`. */
  isa: string;
  /** Best instruction set this CPU supports. */
  detectedIsa: string;
  /** Threads the native kernels may use. */
  threads: number;
  /** Hardware threads of the machine. */
  hardwareThreads: number;
}

/**
 * The addon's functions (see `native/src/addon.cc`). Each kernel takes typed arrays and one
 * Float64Array `spec` of sizes, offsets and strides; the addon checks every index it will touch.
 */
export interface NativeAddon {
  readonly abiVersion: number;
  info(): NativeAddonInfo;
  setNumThreads(n: number): number;
  setIsa(name: string): string;
  /** `out += a @ b`; spec `[batch, M, K, N, aOff, asb, asm, ask, bOff, bsb, bsk, bsn]`. */
  bmm(a: Float32Array, b: Float32Array, out: Float32Array, spec: Float64Array): void;
  /** spec `[ndim, shape..., aOff, aStrides..., bOff, bStrides...]`; out is contiguous. */
  binary(
    op: number,
    out: Float32Array | Uint8Array,
    a: Float32Array,
    b: Float32Array,
    spec: Float64Array,
  ): void;
  /** spec `[ndim, shape..., aOff, aStrides...]`. */
  unary(op: number, out: Float32Array, a: Float32Array, spec: Float64Array): void;
  /** spec `[ndim, shape..., then offset and strides of cond, a, b]`. */
  where(out: Float32Array, cond: Uint8Array, a: Float32Array, b: Float32Array, spec: Float64Array): void;
  /** spec `[outer, reduce, inner, xOff]`: sums a contiguous block over its middle dim. */
  sum(x: Float32Array, out: Float32Array, spec: Float64Array): void;
  /** spec `[N, C, H, W, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow, padValue]`. */
  im2col(img: Float32Array, cols: Float32Array, spec: Float64Array): void;
  /** spec `[N, C, H, W, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow]`; img must be zero-filled. */
  col2im(cols: Float32Array, img: Float32Array, spec: Float64Array): void;
  /** spec as col2im; values and indices are contiguous `[N, C, oh, ow]`. */
  maxPool2d(x: Float32Array, values: Float32Array, indices: Int32Array, spec: Float64Array): void;
  /**
   * Adam step in place; spec `[n, lr, beta1, beta2, eps, weightDecay, step, decoupled, maximize]`,
   * `vmax` empty unless AMSGrad.
   */
  adamUpdate(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vmax: Float32Array,
    spec: Float64Array,
  ): void;
  /**
   * SGD step in place; spec `[n, lr, momentum, dampening, weightDecay, nesterov, maximize,
   * initBuffer]`, `buf` empty when momentum is 0.
   */
  sgdUpdate(p: Float32Array, g: Float32Array, buf: Float32Array, spec: Float64Array): void;
  /**
   * Fused convolution (groups 1); spec `[N, C, H, W, Cout, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow]`,
   * `bias` empty when absent.
   */
  conv2dForward(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array,
    out: Float32Array,
    spec: Float64Array,
  ): void;
  /** Input gradient of `conv2dForward` into a zero-filled `dx`; spec as conv2dForward. */
  conv2dBackwardInput(g: Float32Array, w: Float32Array, dx: Float32Array, spec: Float64Array): void;
  /** Weight gradient of `conv2dForward` (overwrites `dw`); spec as conv2dForward. */
  conv2dBackwardWeight(g: Float32Array, x: Float32Array, dw: Float32Array, spec: Float64Array): void;
  /** Max-pooling gradient into a zero-filled `dx`; spec `[planes, H*W, oh*ow]`. */
  maxPool2dBackward(g: Float32Array, indices: Int32Array, dx: Float32Array, spec: Float64Array): void;
  /** `out = g * gelu'(x)` over contiguous arrays; spec `[n, tanhForm]`. */
  geluBackward(g: Float32Array, x: Float32Array, out: Float32Array, spec: Float64Array): void;
  /** Layer normalisation of `rows` rows of `size`; spec `[rows, size, eps]`, w/b empty when absent. */
  layerNorm(
    x: Float32Array,
    w: Float32Array,
    b: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    spec: Float64Array,
  ): void;
  /** Softmax (or log-softmax, spec[2] = 1) of contiguous rows; spec `[rows, size, log]`. */
  softmax(x: Float32Array, y: Float32Array, spec: Float64Array): void;
  /** Its gradient from the output gradient and the output; spec as softmax. */
  softmaxBackward(g: Float32Array, y: Float32Array, dx: Float32Array, spec: Float64Array): void;
  /** Layer-norm gradients; spec `[rows, size]`, w/dw/db empty when absent. */
  layerNormBackward(
    g: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    w: Float32Array,
    dx: Float32Array,
    dw: Float32Array,
    db: Float32Array,
    spec: Float64Array,
  ): void;
}

/** The ABI this loader expects (bumped with every change of the addon's functions). */
const ABI_VERSION = 8;

/** The addon, or why it is not available. */
export interface NativeStatus {
  addon: NativeAddon | null;
  /** Why the addon is not loaded (absent when it is). */
  reason?: string;
}

interface NodeProcess {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

let status: NativeStatus | undefined;

/** Loads the addon once; later calls return the same status. Never throws. */
export function nativeStatus(): NativeStatus {
  if (!status) {
    const r = load();
    status = { addon: r.addon, reason: r.reason };
    if (r.notice)
      console.warn(`kindling: ${r.reason}; using the WebAssembly SIMD (or JavaScript) CPU kernels`);
  }
  return status;
}

/** The loaded addon, or null. */
export function nativeAddon(): NativeAddon | null {
  return nativeStatus().addon;
}

function load(): NativeStatus & { notice: boolean } {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!proc?.versions?.node) return { addon: null, reason: 'not running on Node.js', notice: false };
  if (proc.env?.KINDLING_NATIVE === '0')
    return { addon: null, reason: 'disabled by KINDLING_NATIVE=0', notice: false };
  const mod = proc.getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
  const fs = proc.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
  const path = proc.getBuiltinModule?.('node:path') as typeof import('node:path') | undefined;
  const url = proc.getBuiltinModule?.('node:url') as typeof import('node:url') | undefined;
  if (!mod || !fs || !path || !url) {
    return {
      addon: null,
      reason: 'native kernels need Node.js >= 20.16 (process.getBuiltinModule)',
      notice: true,
    };
  }
  const here = path.dirname(url.fileURLToPath(import.meta.url));
  // The built file relative to dist/index.js, and to this source file (tests, `@kindling/source`).
  const file = ['native', 'build', 'Release', 'kindling_native.node'];
  const candidates = [path.join(here, '..', ...file), path.join(here, '..', '..', '..', ...file)];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    return {
      addon: null,
      reason: 'native CPU kernels are not built (`npm run build:native` in @kindling/core builds them)',
      notice: true,
    };
  }
  try {
    const addon = mod.createRequire(import.meta.url)(found) as NativeAddon;
    if (addon.abiVersion !== ABI_VERSION) {
      return {
        addon: null,
        reason: `native CPU kernels at ${found} are from another build (\`npm run build:native\` in @kindling/core rebuilds them)`,
        notice: true,
      };
    }
    return { addon, notice: false };
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { addon: null, reason: `native CPU kernels failed to load (${message})`, notice: true };
  }
}
