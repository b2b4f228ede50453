/**
 * The WebAssembly SIMD kernel set: the CPU backend's kernels in browsers, and under Node when the
 * native addon is not built. Each kernel has the contract of the JavaScript kernel it replaces and
 * hands the cases it does not cover to it.
 */
import type { Kernel } from '../../../backend.js';
import {
  WASM_BINARY_OPS,
  WASM_UNARY_OPS,
  wasmBinaryKernel,
  wasmSumKernel,
  wasmUnaryKernel,
} from './elementwise.js';
import { wasmBmmKernel } from './gemm.js';

export { type WasmStatus, type WasmVariant, wasmStatus } from './runtime.js';

/** The WASM kernel table: an entry per op it implements, each falling back to `js[op]`. */
export function wasmKernels(js: Record<string, Kernel>): Record<string, Kernel> {
  const table: Record<string, Kernel> = {};
  const add = (op: string, make: (fallback: Kernel) => Kernel) => {
    if (js[op]) table[op] = make(js[op]);
  };
  add('bmm', wasmBmmKernel);
  add('sum', wasmSumKernel);
  for (const [op, code] of Object.entries(WASM_BINARY_OPS)) add(op, (f) => wasmBinaryKernel(code, f));
  for (const [op, code] of Object.entries(WASM_UNARY_OPS)) add(op, (f) => wasmUnaryKernel(code, f));
  return table;
}
