/**
 * The WASM kernel set's float32 elementwise ops (`add`, `sub`, `mul`, `div`, `maximum`,
 * `minimum`; `neg`, `abs`, `relu`, `sqrt`, `square`) and `sum`, over `elementwise.wat`, with the
 * contracts of the JavaScript kernels in `../elementwise.ts` and `../reduce.ts` and the same
 * results (sums up to float64 rounding order).
 *
 * Covered: float32 operands of at least MIN_ELEMENTS elements whose layout, after merging
 * contiguous dims, is rows x cols with each input's columns contiguous or broadcast (a row, a
 * column or a scalar broadcast: bias adds, per-row scales); sums of a contiguous tensor over one
 * run of adjacent dims. Everything else goes to the JavaScript kernel. The operands are copied
 * into the module's memory and the result out of it; on 1024x1024 tensors that is still 1.2-1.5x
 * the JavaScript kernels for binary ops, 3x for relu, 1.5-3x for sums (bench/wasm.bench.mjs).
 * Kernels that keep tensors in WebAssembly memory (as tfjs-wasm does) would save the copies.
 */
import type { Kernel } from '../../../backend.js';
import type { Tensor } from '../../../tensor.js';
import { coalesce } from '../codegen.js';
import { cpuData, newCpuTensor } from '../memory.js';
import { contiguousSumBlock } from '../sum-block.js';
import { type WasmInstance, wasmRelease, wasmReserve } from './runtime.js';

/**
 * Where the copies start to pay: at 4096 elements `add` is level with the JavaScript loop and
 * `relu`/`sum` twice as fast; at 16384 all are 2-3x (measured here, one thread).
 */
const MIN_ELEMENTS = 4096;
/** Narrower rows (or sums over fewer values) run per-row overhead for little work: left to JavaScript. */
const MIN_ROW = 8;
/** Bytes after every region: the kernels may read and write up to 12 bytes past a row. */
const SLACK = 16;

/** Opcodes of elementwise.wat's `binary`. */
export const WASM_BINARY_OPS: Record<string, number> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  maximum: 4,
  minimum: 5,
};
/** Opcodes of elementwise.wat's `unary`. */
export const WASM_UNARY_OPS: Record<string, number> = { neg: 0, abs: 1, relu: 2, sqrt: 3, square: 4 };

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** An input of a rows x cols problem: storage, offset, and its row and column strides in elements. */
interface Input {
  data: Float32Array;
  offset: number;
  outer: number;
  inner: number;
}

/**
 * Bytes `x` takes in memory: the span of its rows (inner stride 1), or one value repeated 4 times
 * per row (inner stride 0); -1 for layouts left to JavaScript (sparse or negative strides).
 */
function inputBytes(x: Input, rows: number, cols: number): number {
  if (x.outer < 0) return -1;
  if (x.inner === 0) return align((x.outer === 0 ? 1 : rows) * 16 + SLACK);
  if (x.inner !== 1) return -1;
  const span = (rows - 1) * x.outer + cols;
  return span <= 2 * rows * cols + 64 ? align(span * 4 + SLACK) : -1;
}

/** Copies `x` to byte `at`; returns its row pitch and per-vector step in bytes (see elementwise.wat). */
function copyInput(x: Input, rows: number, cols: number, mem: Float32Array, at: number): [number, number] {
  const f = at / 4;
  if (x.inner === 1) {
    mem.set(x.data.subarray(x.offset, x.offset + (rows - 1) * x.outer + cols), f);
    return [x.outer * 4, 16];
  }
  const n = x.outer === 0 ? 1 : rows;
  for (let r = 0; r < n; r++) mem.fill(x.data[x.offset + r * x.outer], f + 4 * r, f + 4 * r + 4);
  return [x.outer === 0 ? 0 : 16, 0];
}

/**
 * The rows x cols problem of a contiguous output over `inputs` (all of the output's shape), or
 * null when it has more than two dims after merging.
 */
function problem(inputs: Tensor[]): { rows: number; cols: number; xs: Input[] } | null {
  const shape = inputs[0].shape;
  const contiguous: number[] = new Array(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; s *= shape[d], d--) contiguous[d] = s;
  const c = coalesce(shape, [contiguous, ...inputs.map((t) => t.strides)]);
  if (c.shape.length === 0 || c.shape.length > 2) return null;
  const two = c.shape.length === 2;
  const xs = inputs.map((t, k) => {
    const st = c.strides[k + 1];
    return {
      data: cpuData(t) as Float32Array,
      offset: t.offset,
      outer: two ? st[0] : 0,
      inner: st[st.length - 1],
    };
  });
  return { rows: two ? c.shape[0] : 1, cols: c.shape[c.shape.length - 1], xs };
}

/** Where an input lies in memory: byte address, row pitch and per-vector step (see elementwise.wat). */
interface Placed {
  at: number;
  row: number;
  step: number;
}

/**
 * Copies the inputs into memory (the output goes at byte 0), runs `call` and copies the result
 * into `out`; false, having done nothing, when the layout is not covered or memory cannot grow.
 */
function runElementwise(
  inputs: Tensor[],
  out: Float32Array,
  call: (w: WasmInstance, xs: Placed[], rows: number, cols: number) => void,
): boolean {
  const p = problem(inputs);
  if (!p || p.cols < MIN_ROW) return false;
  const sizes = p.xs.map((x) => inputBytes(x, p.rows, p.cols));
  if (sizes.some((s) => s < 0)) return false;
  const outBytes = align(p.rows * p.cols * 4 + SLACK);
  const w = wasmReserve(outBytes + sizes.reduce((a, b) => a + b, 0));
  if (!w) return false;
  const mem = new Float32Array(w.memory.buffer);
  let at = outBytes;
  const placed = p.xs.map((x, k): Placed => {
    const [row, step] = copyInput(x, p.rows, p.cols, mem, at);
    const where = { at, row, step };
    at += sizes[k];
    return where;
  });
  call(w, placed, p.rows, p.cols);
  out.set(mem.subarray(0, p.rows * p.cols));
  wasmRelease();
  return true;
}

const isF32 = (t: Tensor) => t.dtype === 'float32';

/** A binary op (opcode in WASM_BINARY_OPS) over the JavaScript kernel `fallback`. */
export function wasmBinaryKernel(op: number, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [a, b] = inputs;
    if (
      inputs.length !== 2 ||
      !isF32(a) ||
      !isF32(b) ||
      attrs.dtype !== 'float32' ||
      attrs.params !== undefined ||
      a.numel < MIN_ELEMENTS
    ) {
      return fallback(inputs, attrs);
    }
    const { tensor, data } = newCpuTensor(a.shape, 'float32');
    const ran = runElementwise(inputs, data as Float32Array, (w, [x, y], rows, cols) => {
      w.elementwise.binary(op, x.at, x.row, x.step, y.at, y.row, y.step, 0, rows, cols);
    });
    return ran ? [tensor] : fallback(inputs, attrs);
  };
}

/** A unary op (opcode in WASM_UNARY_OPS) over the JavaScript kernel `fallback`. */
export function wasmUnaryKernel(op: number, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [a] = inputs;
    if (
      inputs.length !== 1 ||
      !isF32(a) ||
      attrs.dtype !== 'float32' ||
      attrs.params !== undefined ||
      a.numel < MIN_ELEMENTS
    ) {
      return fallback(inputs, attrs);
    }
    const { tensor, data } = newCpuTensor(a.shape, 'float32');
    const ran = runElementwise(inputs, data as Float32Array, (w, [x], rows, cols) => {
      w.elementwise.unary(op, x.at, x.row, x.step, 0, rows, cols);
    });
    return ran ? [tensor] : fallback(inputs, attrs);
  };
}

/** `sum` of a contiguous float32 tensor over one run of adjacent dims, over the JavaScript kernel. */
export function wasmSumKernel(fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [x] = inputs;
    const block = contiguousSumBlock(x, attrs, MIN_ELEMENTS);
    if (!block) return fallback(inputs, attrs);
    const { outer, reduce: n, inner, shape } = block;
    // Short rows (inner 1) or narrow columns (inner > 1) are per-row overhead: JavaScript's.
    if (inner === 1 ? n < MIN_ROW : inner < 4) return fallback(inputs, attrs);
    const outBytes = align(outer * inner * 4 + SLACK);
    const accBytes = inner === 1 ? 0 : align(Math.ceil(inner / 4) * 32 + SLACK);
    const w = wasmReserve(outBytes + accBytes + align(x.numel * 4 + SLACK));
    if (!w) return fallback(inputs, attrs);
    const mem = new Float32Array(w.memory.buffer);
    const at = outBytes + accBytes;
    mem.set((cpuData(x) as Float32Array).subarray(x.offset, x.offset + x.numel), at / 4);
    if (inner === 1) w.elementwise.sumRows(at, 0, outer, n);
    else w.elementwise.sumCols(at, 0, outBytes, outer, n, inner);
    const { tensor, data } = newCpuTensor(shape, 'float32');
    data.set(mem.subarray(0, outer * inner));
    wasmRelease();
    return [tensor];
  };
}
