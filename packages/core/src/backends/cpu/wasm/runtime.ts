/**
 * The WebAssembly SIMD kernels' runtime: which variant of the modules this engine runs (relaxed
 * SIMD with fused multiply-adds, plain SIMD128, or none), their instance and the linear memory
 * that kernels copy operands into.
 *
 * Modules are compiled synchronously (`new WebAssembly.Module`), which browsers allow on the
 * main thread for modules this small (1-2 KB each), once, when the kernel set is chosen. Nothing
 * here throws: an engine without WebAssembly SIMD, or a page whose Content-Security-Policy forbids
 * compiling WebAssembly, reports why, and the JavaScript kernels stay in use.
 */
import { ELEMENTWISE_SIMD128 } from './elementwise-module.js';
import { GEMM_RELAXED_SIMD, GEMM_SIMD128 } from './gemm-module.js';

/** A variant of the WASM kernels: with relaxed-SIMD FMA, or SIMD128 alone. */
export type WasmVariant = 'relaxed-simd' | 'simd128';

/** The GEMM module's exports (see gemm.wat). */
export interface GemmExports {
  packA(src: number, rs: number, cs: number, mc: number, kc: number, dst: number, mr: number): void;
  packB(src: number, rs: number, cs: number, kc: number, nc: number, dst: number, nr: number): void;
  macro(
    pa: number,
    pb: number,
    c: number,
    kc: number,
    mcp: number,
    ncp: number,
    ldc: number,
    add: number,
    mr: number,
  ): void;
}

/** The elementwise module's exports (see elementwise.wat). */
export interface ElementwiseExports {
  binary(
    op: number,
    a: number,
    aRow: number,
    aStep: number,
    b: number,
    bRow: number,
    bStep: number,
    out: number,
    rows: number,
    cols: number,
  ): void;
  unary(op: number, a: number, aRow: number, aStep: number, out: number, rows: number, cols: number): void;
  sumRows(x: number, out: number, rows: number, n: number): void;
  sumCols(x: number, out: number, acc: number, outer: number, n: number, inner: number): void;
}

/** The instantiated kernels over one linear memory. */
export interface WasmInstance {
  variant: WasmVariant;
  memory: WebAssembly.Memory;
  gemm: GemmExports;
  elementwise: ElementwiseExports;
}

/** Which variant runs, or why none does. */
export interface WasmStatus {
  variant: WasmVariant | null;
  /** Why the WASM kernels are unavailable (absent when they are available). */
  reason?: string;
}

const PAGE = 65536;
/** Memory kept between calls; a call that needed more drops the instance afterwards. */
const KEEP_BYTES = 64 * 1024 * 1024;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

const BYTES: Record<WasmVariant, string> = { 'relaxed-simd': GEMM_RELAXED_SIMD, simd128: GEMM_SIMD128 };
const compiled = new Map<WasmVariant, WebAssembly.Module>();
let elementwiseModule: WebAssembly.Module | null = null;
let status: WasmStatus | undefined;
let instance: WasmInstance | null = null;

/** Whether this engine validates the modules of `variant`. */
export function wasmSupports(variant: WasmVariant): boolean {
  return (
    typeof WebAssembly === 'object' &&
    WebAssembly.validate(decode(BYTES[variant])) &&
    WebAssembly.validate(decode(ELEMENTWISE_SIMD128))
  );
}

/** Compiles the modules of `variant` (once); the error message when the engine refuses. */
function compile(variant: WasmVariant): string | null {
  try {
    if (!compiled.has(variant)) compiled.set(variant, new WebAssembly.Module(decode(BYTES[variant])));
    elementwiseModule ??= new WebAssembly.Module(decode(ELEMENTWISE_SIMD128));
    return null;
  } catch (e) {
    // A Content-Security-Policy without 'wasm-unsafe-eval' refuses any compilation.
    return e instanceof Error ? e.message : String(e);
  }
}

/** The best variant this engine supports and compiles (detected once), or why there is none. */
export function wasmStatus(): WasmStatus {
  if (!status) {
    let variant: WasmVariant | null = null;
    if (typeof WebAssembly !== 'object') status = { variant, reason: 'WebAssembly is not available' };
    else if (wasmSupports('relaxed-simd')) variant = 'relaxed-simd';
    else if (wasmSupports('simd128')) variant = 'simd128';
    else status = { variant, reason: 'this engine does not support WebAssembly SIMD' };
    if (variant) {
      const error = compile(variant);
      status = error
        ? { variant: null, reason: `WebAssembly kernels failed to compile (${error})` }
        : { variant };
    }
  }
  return status as WasmStatus;
}

/**
 * Runs `variant` from now on (tests use it to check both; a browser already picks the best).
 * Returns false, changing nothing, when the engine does not validate or compile it.
 */
export function setWasmVariant(variant: WasmVariant): boolean {
  if (!wasmSupports(variant) || compile(variant) !== null) return false;
  status = { variant };
  instance = null;
  return true;
}

/** The kernels' instance (created on first use), or null when WASM SIMD is unavailable. */
export function wasmInstance(): WasmInstance | null {
  const { variant } = wasmStatus();
  if (!variant) return null;
  if (!instance || instance.variant !== variant) {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const imports = { env: { memory } };
    const g = new WebAssembly.Instance(compiled.get(variant)!, imports).exports as unknown as GemmExports;
    const e = new WebAssembly.Instance(elementwiseModule!, imports).exports as unknown as ElementwiseExports;
    // Plain objects rather than the (frozen) exports, so tests can watch the calls.
    instance = {
      variant,
      memory,
      gemm: { packA: g.packA, packB: g.packB, macro: g.macro },
      elementwise: { binary: e.binary, unary: e.unary, sumRows: e.sumRows, sumCols: e.sumCols },
    };
  }
  return instance;
}

/**
 * The instance with at least `bytes` of linear memory, or null when the memory cannot grow that
 * far (the caller then falls back to the JavaScript kernel). Views of the memory taken before
 * this call may be stale: take them after.
 */
export function wasmReserve(bytes: number): WasmInstance | null {
  const inst = wasmInstance();
  if (!inst) return null;
  const have = inst.memory.buffer.byteLength;
  if (bytes <= have) return inst;
  try {
    inst.memory.grow(Math.ceil((bytes - have) / PAGE));
    return inst;
  } catch {
    return null;
  }
}

/** Lets the garbage collector take the memory back after a call that grew it past the budget. */
export function wasmRelease(): void {
  if (instance && instance.memory.buffer.byteLength > KEEP_BYTES) instance = null;
}
