/**
 * Which kernel set the CPU backend runs, over the JavaScript kernels (which cover every op and
 * take whatever a faster set leaves to them):
 * - `native`: the C++ addon (see `native.ts`), when it is built and loads (Node);
 * - `wasm`: the WebAssembly SIMD kernels (see `wasm/`), when the engine validates SIMD128;
 * - `js`: the JavaScript kernels alone.
 * The default is the first available in that order; `KINDLING_KERNELS=native|wasm|js` in the
 * environment picks one at load, `useKernels` at run time. Also the native kernels' thread count.
 */
import type { Kernel } from '../../backend.js';
import { NotSupportedError, ValueError } from '../../errors.js';
import { nativeAddon, nativeStatus } from './native.js';
import { nativeKernels } from './native-kernels.js';
import { wasmKernels, wasmStatus } from './wasm/index.js';

/** A CPU kernel set: the native addon's, the WebAssembly SIMD ones, or the JavaScript ones alone. */
export type KernelSet = 'native' | 'wasm' | 'js';

const KERNEL_SETS: readonly KernelSet[] = ['native', 'wasm', 'js'];

/** What `getBackendInfo()` reports. */
export interface BackendInfo {
  /** The device described (the CPU backend). */
  device: 'cpu';
  /** The kernel set in use (see `KernelSet`); ops a set does not cover run on the JavaScript kernels. */
  kernels: KernelSet;
  /**
   * Instruction set of the kernels in use: for `native`, `avx512`, `avx2` or `generic`; for
   * `wasm`, `relaxed-simd` (fused multiply-adds) or `simd128`; null for `js`.
   */
  isa: string | null;
  /** Threads the CPU kernels use (the WASM and JavaScript kernels always use one). */
  threads: number;
  /** Whether the native addon is loaded (it may still be switched off with `useKernels`). */
  nativeAvailable: boolean;
  /** Whether this engine runs the WebAssembly SIMD kernels. */
  wasmAvailable: boolean;
  /** Why the native kernels are not in use, when they are not (and why not WASM, on `js`). */
  reason?: string;
}

let table: Record<string, Kernel> | null = null;
let jsTable: Record<string, Kernel> = {};
let setTables: Record<Exclude<KernelSet, 'js'>, Record<string, Kernel>> = { native: {}, wasm: {} };
let active: KernelSet = 'js';
/** How the active set was chosen, when that is why a faster one is not in use. */
let chosenBy = '';

/** The kernel sets this process can run, fastest first (always ends with `js`). */
function availableSets(): KernelSet[] {
  const sets: KernelSet[] = [];
  if (nativeAddon()) sets.push('native');
  if (wasmStatus().variant) sets.push('wasm');
  sets.push('js');
  return sets;
}

/** Points every op of the non-JS sets at the active set's kernel, or the JavaScript one. */
function activate(set: KernelSet, how: string): void {
  active = set;
  chosenBy = how;
  if (!table) return;
  const chosen: Record<string, Kernel> = set === 'js' ? {} : setTables[set];
  for (const op of new Set([...Object.keys(setTables.native), ...Object.keys(setTables.wasm)])) {
    table[op] = chosen[op] ?? jsTable[op];
  }
}

/** The set the environment asks for (`KINDLING_KERNELS`, or `KINDLING_NATIVE=0` for `js`), if any. */
function requestedByEnv(): { set: KernelSet; how: string } | null {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.KINDLING_KERNELS;
  if (value) {
    if ((KERNEL_SETS as readonly string[]).includes(value)) {
      return { set: value as KernelSet, how: `chosen by KINDLING_KERNELS=${value}` };
    }
    console.warn(`kindling: ignoring KINDLING_KERNELS=${value} (expected one of ${KERNEL_SETS.join(', ')})`);
  }
  if (env?.KINDLING_NATIVE === '0') return { set: 'js', how: 'disabled by KINDLING_NATIVE=0' };
  return null;
}

/**
 * Installs the native and WASM kernels (where available) into the CPU backend's kernel `target`,
 * remembering the JavaScript kernels `js` to fall back to and to restore, and activates the
 * default set. Called once by the CPU backend.
 */
export function installKernelSets(target: Record<string, Kernel>, js: Record<string, Kernel>): void {
  table = target;
  jsTable = { ...js };
  const addon = nativeAddon();
  setTables = {
    native: addon ? nativeKernels(addon, jsTable) : {},
    wasm: wasmStatus().variant ? wasmKernels(jsTable) : {},
  };
  const sets = availableSets();
  const asked = requestedByEnv();
  // A set asked for but unavailable gives the best one available (the loaders said why).
  if (asked && sets.includes(asked.set)) activate(asked.set, asked.how);
  else activate(sets[0], '');
}

/**
 * Chooses the CPU kernel set: `'native'` (the C++ addon), `'wasm'` (WebAssembly SIMD) or `'js'`
 * (the JavaScript kernels, the reference the others are tested against). Returns the set now
 * active. Throws a `ValueError` for another name and a `NotSupportedError`, saying why, for a set
 * this process cannot run (no addon built, or no WebAssembly SIMD in this engine).
 */
export function useKernels(set: KernelSet): KernelSet {
  if (!(KERNEL_SETS as readonly unknown[]).includes(set)) {
    throw new ValueError(`useKernels: expected one of ${KERNEL_SETS.join(', ')}, got ${String(set)}`);
  }
  if (!availableSets().includes(set)) {
    const why = set === 'native' ? nativeStatus().reason : wasmStatus().reason;
    throw new NotSupportedError(`useKernels: the ${set} kernels are not available here (${why})`);
  }
  activate(set, `switched off with useKernels('${set}')`);
  return active;
}

/**
 * Switches the CPU backend between its fastest kernels (`true`: native where built, else WASM)
 * and the JavaScript kernels (`false`; for debugging or comparing). Returns whether the native
 * kernels are active afterwards: always false when the addon is not available. Setting the
 * environment variable `KINDLING_NATIVE=0` before loading the library has the same effect as
 * `false`. `useKernels` chooses among all three sets.
 */
export function useNativeKernels(enabled: boolean): boolean {
  if (!table) return false;
  activate(enabled ? availableSets()[0] : 'js', enabled ? '' : 'switched off with useNativeKernels(false)');
  return active === 'native';
}

/** Which CPU kernels are active and how they run (`kernels: 'native' | 'wasm' | 'js'`, ISA, threads). */
export function getBackendInfo(): BackendInfo {
  const { addon, reason: nativeReason } = nativeStatus();
  const wasm = wasmStatus();
  const common = {
    device: 'cpu' as const,
    nativeAvailable: addon !== null,
    wasmAvailable: wasm.variant !== null,
  };
  if (addon && active === 'native') {
    const info = addon.info();
    return { ...common, kernels: 'native', isa: info.isa, threads: info.threads };
  }
  const reasons = [addon ? chosenBy : nativeReason];
  if (active === 'js') reasons.push(wasm.variant ? chosenBy : wasm.reason);
  const reason = [...new Set(reasons.filter(Boolean))].join('; ');
  const isa = active === 'wasm' ? wasm.variant : null;
  return { ...common, kernels: active, isa, threads: 1, ...(reason ? { reason } : {}) };
}

/**
 * Sets how many threads the native CPU kernels use (`torch.set_num_threads`); the default is 1.
 * `n` must be a positive integer; values above 256 are clamped. Has no effect on the WASM and
 * JavaScript kernels, which are single-threaded. Returns the count now in effect.
 */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new ValueError(`setNumThreads: expected a positive integer number of threads, got ${n}`);
  }
  const addon = nativeAddon();
  return addon ? addon.setNumThreads(n) : 1;
}

/** The number of threads the CPU kernels use (1 for the WASM and JavaScript kernels). */
export function getNumThreads(): number {
  const addon = nativeAddon();
  return addon && active === 'native' ? addon.info().threads : 1;
}
