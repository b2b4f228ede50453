// The WebAssembly SIMD kernel set: the golden suites of the ops it covers (bmm, so matmul/linear
// and the convolutions built on it; elementwise ops; sums) re-run with `useKernels('wasm')`
// against PyTorch's numbers; bmm over every blocking edge and operand layout against float64
// products computed here, for both module variants (SIMD128, and relaxed-SIMD FMA, switched on in
// V8 where it is behind a flag); elementwise ops on large tensors (the golden ones are too small
// for the WASM path) bit for bit against float32 arithmetic done here, with NaN, infinities and
// signed zeros; sums against float64 sums; the committed module bytes against the .wat files;
// the kernel-set choice (useKernels, KINDLING_KERNELS, KINDLING_NATIVE=0, the default without the
// addon). Vitest isolates test files, so the switch affects this file only.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as K from '@kindling/core';
import { lcgValues } from './helpers/lcg.js';
import {
  setWasmVariant,
  type WasmVariant,
  wasmInstance,
  wasmStatus,
  wasmSupports,
} from '../src/backends/cpu/wasm/runtime.js';

K.useKernels('wasm');
const defaultVariant = wasmStatus().variant;

await import('./linalg.test.js');
await import('./nn-kernels.test.js');
await import('./elementwise.test.js');
await import('./reduce.test.js');

type T = K.Tensor;

const { values, rand } = lcgValues(11);

/**
 * Checks `out` (the product of a [.., M, K] and b [.., K, N], batch dims broadcast) against a
 * float64 product of the operands' raw storage, read with their strides: within float32 rounding
 * of the terms' magnitudes (non-finite results must match exactly).
 */
function checkProduct(a: T, b: T, out: T): void {
  const M = a.shape[a.ndim - 2];
  const Kd = a.shape[a.ndim - 1];
  const N = b.shape[b.ndim - 1];
  const batch = out.shape.slice(0, -2);
  expect(out.shape).toEqual([...batch, M, N]);
  const got = out.dataSync() as Float32Array;
  const A = a.storage.handle as Float32Array;
  const B = b.storage.handle as Float32Array;
  const [ars, acs] = a.strides.slice(-2);
  const [brs, bcs] = b.strides.slice(-2);
  /** Storage offset of batch entry `idx` of `t` (its leading dims broadcast against `batch`). */
  const base = (t: T, idx: number[]) => {
    let o = t.offset;
    const lead = t.ndim - 2;
    for (let d = 0; d < lead; d++) {
      if (t.shape[d] !== 1) o += idx[idx.length - lead + d] * t.strides[d];
    }
    return o;
  };
  const count = batch.reduce((x, y) => x * y, 1);
  for (let p = 0; p < count; p++) {
    const idx = batch.map((_, d) => Math.floor(p / batch.slice(d + 1).reduce((x, y) => x * y, 1)) % batch[d]);
    const ao = base(a, idx);
    const bo = base(b, idx);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        let mag = 0;
        for (let k = 0; k < Kd; k++) {
          const v = A[ao + i * ars + k * acs] * B[bo + k * brs + j * bcs];
          s += v;
          mag += Math.abs(v);
        }
        const g = got[(p * M + i) * N + j];
        const ok = Number.isFinite(s) ? Math.abs(g - s) <= 2e-6 * mag + 1e-7 : Object.is(g, s);
        if (!ok) throw new Error(`${a.shape} @ ${b.shape}: [${p},${i},${j}] = ${g}, expected ${s}`);
      }
    }
  }
}

const check = (a: T, b: T) => checkProduct(a, b, K.matmul(a, b));

it('runs the golden suites above on the WASM kernels', () => {
  expect(K.getBackendInfo()).toMatchObject({ kernels: 'wasm', wasmAvailable: true, threads: 1 });
  expect(['simd128', 'relaxed-simd']).toContain(K.getBackendInfo().isa);
});

it('the committed module bytes are gemm.wat assembled (npm run wasm:gen)', () => {
  const script = fileURLToPath(new URL('../src/backends/cpu/wasm/generate.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

for (const variant of ['simd128', 'relaxed-simd'] as WasmVariant[]) {
  describe(`wasm bmm (${variant})`, () => {
    beforeAll(() => {
      // Node 20's V8 has relaxed SIMD behind a flag; later engines have it on (then this is a no-op).
      if (variant === 'relaxed-simd') setFlagsFromString('--experimental-wasm-relaxed-simd');
      expect(wasmSupports(variant)).toBe(true);
      expect(setWasmVariant(variant)).toBe(true);
      expect(K.getBackendInfo().isa).toBe(variant);
    });
    afterAll(() => {
      if (defaultVariant) setWasmVariant(defaultVariant);
    });
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('runs the products on the WASM GEMM', () => {
      const macro = vi.spyOn(wasmInstance()!.gemm, 'macro');
      check(rand([5, 9]), rand([9, 7]));
      expect(macro).toHaveBeenCalled();
    });

    it('M and N over every tile edge (4x8 and 3x12 tiles)', () => {
      const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 24, 25, 33];
      for (const m of sizes) for (const n of sizes) check(rand([m, 9]), rand([9, n]));
    });

    it('depth over the K block, rows over the M block, columns over the N block', () => {
      check(rand([20, 1000]), rand([1000, 37])); // KC = 256: three full blocks and a partial one
      check(rand([300, 3]), rand([3, 50])); // MC = 128 (120 for 3x12 tiles)
      check(rand([3, 5]), rand([5, 2100])); // NC = 2048 (2040)
      check(rand([130, 257]), rand([257, 2049])); // all three edges at once
    });

    it('1xN, Kx1 (the JavaScript matrix-vector path), K = 1', () => {
      check(rand([1, 64]), rand([64, 300]));
      check(rand([300, 64]), rand([64, 1]));
      check(rand([2, 30, 1]), rand([2, 1, 40]));
      check(rand([1, 1]), rand([1, 1]));
    });

    it('transposed, sliced and row-broadcast operands', () => {
      check(rand([2, 40, 30]).transpose(1, 2), rand([2, 50, 40]).transpose(1, 2));
      check(rand([37, 19]).t(), rand([37, 23]));
      check(rand([19, 37]), rand([29, 37]).t());
      // A few columns of a wide matrix (gathered, not copied whole) and a strided row slice.
      const wide = rand([2, 30, 500]);
      check(wide.index([K.sliceOf(), K.sliceOf(1, 25, 2), K.sliceOf(3, 43)]), rand([2, 40, 21]));
      check(rand([1, 9]).expand([6, 9]), rand([9, 11])); // row stride 0
      check(rand([6, 9]), rand([9, 1]).expand([9, 11])); // column stride 0
    });

    it('batch broadcasting and expanded (batch-stride 0) operands', () => {
      check(rand([3, 7, 33]), rand([33, 19]));
      check(rand([16, 8]), rand([4, 8, 70]));
      check(rand([3, 1, 7, 9]), rand([4, 9, 5]));
      const shared = rand([1, 16, 8]).expand([4, 16, 8]);
      const b = rand([4, 8, 70]);
      checkProduct(shared, b, K.bmm(shared, b));
      const sharedB = rand([1, 8, 70]).expand([4, 8, 70]);
      checkProduct(b.transpose(1, 2), sharedB, K.bmm(b.transpose(1, 2), sharedB));
    });

    it('propagates NaN and infinity to the rows and columns they touch only', () => {
      const a = rand([6, 10]);
      const b = rand([10, 9]);
      (a.storage.handle as Float32Array)[2 * 10 + 3] = Number.NaN;
      (b.storage.handle as Float32Array)[4 * 9 + 5] = Number.POSITIVE_INFINITY;
      check(a, b);
      const out = K.matmul(a, b).tolistSync() as number[][];
      expect(out[2].every(Number.isNaN)).toBe(true);
      expect(out[0][5]).not.toBe(0);
      expect(Number.isFinite(out[0][4]) && Number.isFinite(out[5][8])).toBe(true);
    });

    it('float64 and int32 products take the JavaScript kernel, exactly', () => {
      const macro = vi.spyOn(wasmInstance()!.gemm, 'macro');
      const a = K.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(K.matmul(a.int(), a.t().int()).tolistSync()).toEqual([
        [14, 32],
        [32, 77],
      ]);
      expect(K.matmul(a.double(), a.t().double()).tolistSync()).toEqual([
        [14, 32],
        [32, 77],
      ]);
      expect(macro).not.toHaveBeenCalled();
    });

    it('gives the memory of a product over 64 MiB back afterwards', () => {
      // A: 4200 x 4096 ones (69 MB in the module's memory), so each row of C is B's column sums.
      const before = wasmInstance();
      const b = rand([4096, 8]);
      const out = K.matmul(K.ones([4200, 4096]), b).dataSync() as Float32Array;
      const colSums = (b.dataSync() as Float32Array).reduce((s, v, i) => {
        s[i % 8] += v;
        return s;
      }, new Float64Array(8));
      for (const row of [0, 4199]) {
        for (let j = 0; j < 8; j++) expect(out[row * 8 + j]).toBeCloseTo(colSums[j], 3);
      }
      const after = wasmInstance()!;
      expect(after).not.toBe(before);
      expect(after.memory.buffer.byteLength).toBeLessThan(1 << 20);
      check(rand([9, 9]), rand([9, 9]));
    });
  });
}

// Values with every special case the kernels must keep: NaN, infinities, signed zeros, subnormals.
const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-40, -3e-39];
function special(shape: number[]): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = values(n);
  for (let i = 0; i < n; i += 23) v[i] = SPECIAL[(i / 23) % SPECIAL.length];
  return K.tensor(v).reshape(shape);
}

/** PyTorch's float32 results, as float32 arithmetic in JavaScript (Math.fround rounds once). */
const BINARY_REF: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  // PyTorch picks with `a > b ? a : b` (so maximum(0, -0) is -0), unlike Math.max.
  // biome-ignore lint/complexity/useMathMinMax: the ternary is the rule under test
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : a > b ? a : b),
  // biome-ignore lint/complexity/useMathMinMax: the ternary is the rule under test
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : a < b ? a : b),
};
const UNARY_REF: Record<string, (a: number) => number> = {
  neg: (a) => -a,
  abs: Math.abs,
  relu: (a) => (Number.isNaN(a) ? a : Math.max(a, 0)),
  sqrt: Math.sqrt,
  square: (a) => a * a,
};

const BINARY_OPS: Record<string, (a: T, b: T) => T> = {
  add: K.add,
  sub: K.sub,
  mul: K.mul,
  div: K.div,
  maximum: K.maximum,
  minimum: K.minimum,
};
const UNARY_OPS: Record<string, (a: T) => T> = {
  neg: K.neg,
  abs: K.abs,
  relu: K.relu,
  sqrt: K.sqrt,
  square: K.square,
};

/** Every element of a contiguous result equals `ref` of the inputs' elements (signed zeros too). */
function checkElementwise(out: T, inputs: T[], ref: (...v: number[]) => number): void {
  const got = out.dataSync() as Float32Array;
  const shape = out.shape;
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < got.length; i++) {
    const want = Math.fround(ref(...inputs.map((t) => at(t, idx))));
    if (!Object.is(got[i], want)) throw new Error(`[${idx}] = ${got[i]}, expected ${want}`);
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
}

/** An element of a tensor (broadcast: any size-1 or stride-0 dim) read from its storage. */
function at(t: T, idx: number[]): number {
  let p = t.offset;
  const lead = idx.length - t.ndim;
  for (let d = 0; d < t.ndim; d++) p += (t.shape[d] === 1 ? 0 : idx[lead + d]) * t.strides[d];
  return (t.storage.handle as Float32Array)[p];
}

describe('wasm elementwise ops and sums', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  // Layouts the WASM path covers: contiguous, a broadcast row (bias), a broadcast column, a
  // scalar, rows of a wider matrix; odd widths exercise the partial last vector of each row.
  const layouts = (): [string, T, T][] => [
    ['contiguous', special([61, 97]), special([61, 97])],
    ['row broadcast', special([50, 130]), special([130])],
    ['column broadcast', special([40, 203]), special([40, 1])],
    ['scalar', special([4099]), K.tensor([1.5])],
    ['scalar first', K.tensor([-0]), special([4099])],
    ['sliced rows', special([70, 150]).index([K.sliceOf(), K.sliceOf(3, 140)]), special([70, 137])],
  ];

  for (const [op, ref] of Object.entries(BINARY_REF)) {
    it(`${op} equals float32 arithmetic bit for bit`, () => {
      const spy = vi.spyOn(wasmInstance()!.elementwise, 'binary');
      for (const [layout, a, b] of layouts()) {
        try {
          checkElementwise(BINARY_OPS[op](a, b), [a, b], ref);
        } catch (e) {
          throw new Error(`${op} (${layout}): ${(e as Error).message}`);
        }
      }
      expect(spy).toHaveBeenCalledTimes(layouts().length);
    });
  }

  for (const [op, ref] of Object.entries(UNARY_REF)) {
    it(`${op} equals float32 arithmetic bit for bit`, () => {
      const spy = vi.spyOn(wasmInstance()!.elementwise, 'unary');
      const inputs = [
        special([33, 257]),
        special([60, 200]).index([K.sliceOf(), K.sliceOf(5, 190)]),
        special([8, 1]).expand([8, 1000]),
      ];
      for (const x of inputs) checkElementwise(UNARY_OPS[op](x), [x], ref);
      expect(spy).toHaveBeenCalledTimes(inputs.length);
    });
  }

  it('sums over leading, middle, trailing and all dims within float32 rounding of float64 sums', () => {
    const spy = vi.spyOn(wasmInstance()!.elementwise, 'sumRows');
    const spyCols = vi.spyOn(wasmInstance()!.elementwise, 'sumCols');
    const x = rand([6, 37, 41]);
    const data = x.dataSync() as Float32Array;
    const cases: [number[], number[]][] = [
      [[2], [6, 37]],
      [[1, 2], [6]],
      [[0, 1, 2], []],
      [[1], [6, 41]],
      [[0], [37, 41]],
      [[0, 1], [41]],
    ];
    for (const [dims, shape] of cases) {
      const out = K.sum(x, dims);
      expect(out.shape).toEqual(shape);
      const got = out.dataSync() as Float32Array;
      const sums = new Float64Array(got.length);
      const mags = new Float64Array(got.length);
      for (let i = 0; i < data.length; i++) {
        const c = [Math.floor(i / (37 * 41)), Math.floor(i / 41) % 37, i % 41];
        let o = 0;
        for (let d = 0; d < 3; d++) if (!dims.includes(d)) o = o * x.shape[d] + c[d];
        sums[o] += data[i];
        mags[o] += Math.abs(data[i]);
      }
      for (let o = 0; o < got.length; o++) {
        expect(Math.abs(got[o] - sums[o])).toBeLessThanOrEqual(1e-6 * mags[o] + 1e-30);
      }
    }
    expect(K.sum(x, [1], { keepdim: true }).shape).toEqual([6, 1, 41]);
    expect(spy.mock.calls.length).toBeGreaterThan(0);
    expect(spyCols.mock.calls.length).toBeGreaterThan(0);
  });

  it('sums propagate NaN and infinities', () => {
    const x = special([50, 120]);
    const got = K.sum(x, [1]).dataSync() as Float32Array;
    const cols = K.sum(x, [0]).dataSync() as Float32Array;
    const ref = (vals: number[]) => Math.fround(vals.reduce((a, b) => a + b, 0));
    const d = x.dataSync() as Float32Array;
    for (let r = 0; r < 50; r++) {
      const want = ref(Array.from(d.subarray(r * 120, r * 120 + 120)));
      if (!Number.isFinite(want)) expect(got[r]).toBe(want);
    }
    for (let c = 0; c < 120; c++) {
      const want = ref(Array.from({ length: 50 }, (_, r) => d[r * 120 + c]));
      if (!Number.isFinite(want)) expect(cols[c]).toBe(want);
    }
  });

  it('small, non-float32 and uncovered layouts take the JavaScript kernels', () => {
    const spy = vi.spyOn(wasmInstance()!.elementwise, 'binary');
    const [a, b] = [special([10, 10]), special([10, 10])];
    checkElementwise(K.add(a, b), [a, b], BINARY_REF.add);
    const [c, d] = [special([2, 30, 70]).transpose(0, 2), special([70, 30, 2])]; // 3 dims after merging
    checkElementwise(K.mul(c, d), [c, d], BINARY_REF.mul);
    K.add(special([100, 100]).double(), special([100, 100]).double());
    K.add(special([100, 100]).int(), special([100, 100]).int());
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('choosing the kernel set', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    K.useKernels('wasm');
    vi.unstubAllEnvs();
    vi.doUnmock('../src/backends/cpu/native.js');
    vi.resetModules();
  });

  /** A fresh copy of the library, loaded under the current (stubbed) environment and mocks. */
  const freshLibrary = async () => {
    vi.resetModules();
    return (await import('../src/index.js')) as typeof K;
  };

  it('useKernels switches sets and refuses unknown names', () => {
    expect(K.useKernels('js')).toBe('js');
    expect(K.getBackendInfo()).toMatchObject({ kernels: 'js', isa: null, threads: 1 });
    expect(K.useKernels('wasm')).toBe('wasm');
    expect(() => K.useKernels('cuda' as K.KernelSet)).toThrow(K.ValueError);
    expect(() => K.useKernels('cuda' as K.KernelSet)).toThrow(/expected one of native, wasm, js, got cuda/);
    expect(K.getBackendInfo().kernels).toBe('wasm');
  });

  it('useNativeKernels(false) runs the JavaScript kernels, (true) the fastest available', () => {
    expect(K.useNativeKernels(false)).toBe(false);
    expect(K.getBackendInfo().kernels).toBe('js');
    const native = K.getBackendInfo().nativeAvailable;
    expect(K.useNativeKernels(true)).toBe(native);
    expect(K.getBackendInfo().kernels).toBe(native ? 'native' : 'wasm');
  });

  it('without the addon, WASM is the default and native is refused with the reason', async () => {
    vi.doMock('../src/backends/cpu/native.js', () => ({
      nativeAddon: () => null,
      nativeStatus: () => ({ addon: null, reason: 'native CPU kernels are not built' }),
    }));
    const L = await freshLibrary();
    expect(L.getBackendInfo()).toMatchObject({
      kernels: 'wasm',
      nativeAvailable: false,
      wasmAvailable: true,
      reason: 'native CPU kernels are not built',
    });
    expect(() => L.useKernels('native')).toThrow(L.NotSupportedError);
    expect(() => L.useKernels('native')).toThrow(
      'useKernels: the native kernels are not available here (native CPU kernels are not built)',
    );
    expect(L.useNativeKernels(true)).toBe(false);
    expect(L.getBackendInfo().kernels).toBe('wasm');
  });

  it('an engine that refuses to compile WebAssembly (CSP) keeps the JavaScript kernels', async () => {
    vi.doMock('../src/backends/cpu/native.js', () => ({
      nativeAddon: () => null,
      nativeStatus: () => ({ addon: null, reason: 'not running on Node.js' }),
    }));
    vi.spyOn(WebAssembly, 'Module').mockImplementation(function refuse() {
      throw new WebAssembly.CompileError("Refused to compile: 'wasm-unsafe-eval' is not allowed");
    });
    const L = await freshLibrary();
    expect(L.getBackendInfo()).toMatchObject({ kernels: 'js', wasmAvailable: false });
    expect(L.getBackendInfo().reason).toContain('WebAssembly kernels failed to compile (Refused to compile');
    expect((L.matmul(L.ones([20, 30]), L.ones([30, 40])).tolistSync() as number[][])[19][39]).toBe(30);
    expect(() => L.useKernels('wasm')).toThrow(/the wasm kernels are not available here/);
  });

  it('KINDLING_KERNELS picks the set at load; KINDLING_NATIVE=0 means the JavaScript kernels', async () => {
    vi.stubEnv('KINDLING_KERNELS', 'js');
    expect((await freshLibrary()).getBackendInfo()).toMatchObject({
      kernels: 'js',
      reason: expect.stringContaining('KINDLING_KERNELS=js'),
    });
    vi.stubEnv('KINDLING_KERNELS', 'wasm');
    expect((await freshLibrary()).getBackendInfo().kernels).toBe('wasm');
    vi.stubEnv('KINDLING_KERNELS', '');
    vi.stubEnv('KINDLING_NATIVE', '0');
    const L = await freshLibrary();
    expect(L.getBackendInfo()).toMatchObject({
      kernels: 'js',
      nativeAvailable: false,
      reason: 'disabled by KINDLING_NATIVE=0',
    });
    expect(L.useKernels('wasm')).toBe('wasm');
  });

  it('an unknown KINDLING_KERNELS value is ignored with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubEnv('KINDLING_KERNELS', 'gpu');
    const L = await freshLibrary();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('ignoring KINDLING_KERNELS=gpu'));
    expect(L.getBackendInfo().kernels).toBe(L.getBackendInfo().nativeAvailable ? 'native' : 'wasm');
  });
});
