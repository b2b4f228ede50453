/** Every case of the core_elementwise golden fixture, run on the WebGPU backend. */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { gpuGoldenTests, useWebGPU } from './harness.js';

import { impls, fns } from '../impls/elementwise.js';

useWebGPU();

describe('elementwise ops on webgpu match PyTorch 1.13', () => {
  gpuGoldenTests('core_elementwise', impls, {
    all: true,
    tol: (name) => (name.startsWith('tan_') || name.includes('geluTanh') ? { rtol: 1e-4, atol: 1e-5 } : {}),
  });
});

/** Distance in float32 ulps (NaN equals NaN). */
function ulps(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.POSITIVE_INFINITY;
  const i = new Int32Array(new Float32Array([a, b]).buffer);
  const key = (v: number) => (v < 0 ? -2147483648 - v : v);
  return Math.abs(key(i[0]) - key(i[1]));
}

describe('WGSL math library accuracy against the CPU (float64 computation rounded once)', () => {
  const gen = new K.Generator(1);
  const ranges: [string, K.Tensor][] = [
    ['[-1, 1]', K.rand([2048], { generator: gen }).mul(2).sub(1)],
    ['[-10, 10]', K.rand([2048], { generator: gen }).mul(20).sub(10)],
    ['[-100, 100]', K.rand([2048], { generator: gen }).mul(200).sub(100)],
    ['[-1e-3, 1e-3]', K.rand([2048], { generator: gen }).mul(2e-3).sub(1e-3)],
    ['[0, 1000]', K.rand([2048], { generator: gen }).mul(1000)],
  ];
  // Allowed error: `ulp` float32 ulps, or an absolute error below `abs` (results near zero). WGSL
  // lets GPUs flush subnormals to zero, so results that pass through subnormal values (below ~1e-36) may differ.
  const unary: Record<string, { ulp: number; abs?: number }> = {
    exp: { ulp: 2 },
    expm1: { ulp: 2 },
    log: { ulp: 2 },
    log1p: { ulp: 2 },
    log2: { ulp: 2 },
    log10: { ulp: 3 },
    sin: { ulp: 2 },
    cos: { ulp: 2 },
    tan: { ulp: 4 },
    asin: { ulp: 3 },
    acos: { ulp: 3 },
    atan: { ulp: 3 },
    sinh: { ulp: 4 },
    cosh: { ulp: 4 },
    tanh: { ulp: 3 },
    sigmoid: { ulp: 3 },
    erf: { ulp: 3 },
    gelu: { ulp: 16, abs: 1e-15 },
    silu: { ulp: 4 },
    softplus: { ulp: 4 },
    sqrt: { ulp: 0 },
    rsqrt: { ulp: 2 },
  };
  for (const [op, tol] of Object.entries(unary)) {
    it(`${op} is within ${tol.ulp} ulp over several ranges`, async () => {
      for (const [name, x] of ranges) {
        const c = fns[op](x).dataSync();
        const g = await fns[op](x.to('webgpu')).data();
        const xv = x.dataSync();
        for (let i = 0; i < c.length; i++) {
          const u = ulps(g[i], c[i]);
          if (u > tol.ulp && !(Math.abs(g[i] - c[i]) <= Math.max(tol.abs ?? 0, 1e-36)))
            expect.fail(`${op}(${xv[i]}) in ${name}: webgpu ${g[i]}, cpu ${c[i]} (${u} ulp)`);
        }
      }
    });
  }
  it('binary float ops (pow, atan2, remainder, fmod, floorDivide, div) are within 2 ulp', async () => {
    const a = ranges[2][1];
    const b = ranges[1][1];
    for (const op of ['pow', 'atan2', 'remainder', 'fmod', 'floorDivide', 'div']) {
      const c = fns[op](a, b).dataSync();
      const g = await fns[op](a.to('webgpu'), b.to('webgpu')).data();
      for (let i = 0; i < c.length; i++) {
        if (ulps(g[i], c[i]) > 2) expect.fail(`${op} element ${i}: webgpu ${g[i]}, cpu ${c[i]}`);
      }
    }
  });
});
