/**
 * Which kernel set the CPU backend runs: the native addon's kernels (see `native.ts`) where they
 * exist, over the JavaScript kernels, or the JavaScript kernels alone. Also the native kernels'
 * settings (thread count).
 */
import type { Kernel } from '../../backend.js';
import { ValueError } from '../../errors.js';
import { nativeAddon, nativeStatus } from './native.js';
import { nativeKernels } from './native-kernels.js';

/** What `getBackendInfo()` reports. */
export interface BackendInfo {
  /** The device described (the CPU backend). */
  device: 'cpu';
  /** The kernel set in use: `native` (the C++ addon, over the JavaScript kernels) or `js`. */
  kernels: 'native' | 'js';
  /** Instruction set of the native kernels (`avx512`, `avx2`, `generic`), or null when not in use. */
  isa: string | null;
  /** Threads the CPU kernels use (the JavaScript kernels always use one). */
  threads: number;
  /** Whether the native addon is loaded (it may still be switched off with `useNativeKernels`). */
  nativeAvailable: boolean;
  /** Why the native kernels are not in use, when they are not. */
  reason?: string;
}

let table: Record<string, Kernel> | null = null;
let jsTable: Record<string, Kernel> = {};
let nativeTable: Record<string, Kernel> = {};
let nativeOn = false;

/**
 * Installs the native kernels (when the addon loads) into the CPU backend's kernel `target`,
 * remembering the JavaScript kernels `js` to fall back to and to restore. Called once by the CPU
 * backend.
 */
export function installKernelSets(target: Record<string, Kernel>, js: Record<string, Kernel>): void {
  table = target;
  jsTable = { ...js };
  const addon = nativeAddon();
  nativeTable = addon ? nativeKernels(addon, jsTable) : {};
  useNativeKernels(addon !== null);
}

/**
 * Switches the CPU backend between the native kernels and the JavaScript kernels (for debugging
 * or comparing; the native ones are on by default when built). Returns whether the native kernels
 * are active afterwards: always false when the addon is not available. Setting the environment
 * variable `KINDLING_NATIVE=0` before loading the library has the same effect as `false`.
 */
export function useNativeKernels(enabled: boolean): boolean {
  if (!table) return false;
  nativeOn = enabled && nativeAddon() !== null;
  for (const op of Object.keys(nativeTable)) table[op] = nativeOn ? nativeTable[op] : jsTable[op];
  return nativeOn;
}

/** Which CPU kernels are active and how they run (`kernels: 'native' | 'js'`, ISA, threads). */
export function getBackendInfo(): BackendInfo {
  const { addon, reason } = nativeStatus();
  if (addon && nativeOn) {
    const info = addon.info();
    return { device: 'cpu', kernels: 'native', isa: info.isa, threads: info.threads, nativeAvailable: true };
  }
  return {
    device: 'cpu',
    kernels: 'js',
    isa: null,
    threads: 1,
    nativeAvailable: addon !== null,
    reason: addon ? 'switched off with useNativeKernels(false)' : reason,
  };
}

/**
 * Sets how many threads the native CPU kernels use (`torch.set_num_threads`); the default is 1.
 * `n` must be a positive integer; values above 256 are clamped. Has no effect on the JavaScript
 * kernels, which are single-threaded. Returns the count now in effect.
 */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new ValueError(`setNumThreads: expected a positive integer number of threads, got ${n}`);
  }
  const addon = nativeAddon();
  return addon ? addon.setNumThreads(n) : 1;
}

/** The number of threads the CPU kernels use (1 for the JavaScript kernels). */
export function getNumThreads(): number {
  const addon = nativeAddon();
  return addon && nativeOn ? addon.info().threads : 1;
}
