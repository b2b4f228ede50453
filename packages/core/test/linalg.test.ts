import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { goldenTests } from './helpers/golden.js';
import { impls } from './impls/linalg.js';

describe('linear algebra matches PyTorch 1.13', () => {
  goldenTests('core_linalg', impls);
});

/** Naive float64 reference product of row-major arrays (for the randomized layout test). */
function naive(a: ArrayLike<number>, b: ArrayLike<number>, M: number, Kd: number, N: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < Kd; k++) s += a[i * Kd + k] * b[k * N + j];
      out.push(s);
    }
  return out;
}

describe('matmul kernel layouts', () => {
  it('matches a naive product for many sizes and strided layouts (exact, integer-valued)', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed % 9) - 4;
    };
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [1, 5, 7],
      [7, 5, 1],
      [4, 4, 4],
      [5, 3, 9],
      [9, 300, 6],
      [3, 513, 2],
      [17, 260, 33],
    ];
    for (const [M, Kd, N] of sizes) {
      const av = Array.from({ length: M * Kd }, rnd);
      const bv = Array.from({ length: Kd * N }, rnd);
      const want = naive(av, bv, M, Kd, N);
      for (const dtype of ['float32', 'float64', 'int32'] as const) {
        const a = K.tensor(av, { dtype }).reshape([M, Kd]);
        const b = K.tensor(bv, { dtype }).reshape([Kd, N]);
        // Same values through transposed storage: both operands then need packing.
        const at = K.tensor(av, { dtype }).reshape([M, Kd]).t().contiguous().t();
        const bt = K.tensor(bv, { dtype }).reshape([Kd, N]).t().contiguous().t();
        for (const [x, y] of [
          [a, b],
          [at, bt],
          [a, bt],
        ]) {
          const got = Array.from(K.matmul(x, y).dataSync());
          expect(got, `${M}x${Kd}x${N} ${dtype}`).toEqual(want);
        }
      }
    }
  });

  it('uses a stride-0 batch without copying it and still gives each batch entry its product', () => {
    const a = K.tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = K.tensor([
      [
        [1, 0],
        [0, 1],
      ],
      [
        [0, 1],
        [1, 0],
      ],
      [
        [2, 0],
        [0, 2],
      ],
    ]);
    expect(K.matmul(a, b).tolistSync()).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [2, 1],
        [4, 3],
      ],
      [
        [2, 4],
        [6, 8],
      ],
    ]);
    // Primitive contract: an expanded (stride-0) batch goes to the kernel as is.
    const ex = a.unsqueeze(0).expand([3, 2, 2]);
    expect(ex.stride(0)).toBe(0);
    const out = K.dispatch1('bmm', [ex, b]);
    expect(out.isContiguous()).toBe(true);
    expect(out.tolistSync()).toEqual(K.matmul(a, b).tolistSync());
  });

  it('int32 products wrap around like 32-bit integers', () => {
    const a = K.tensor([[65536, 65536]], { dtype: 'int32' });
    const b = K.tensor([[65536], [65536]], { dtype: 'int32' });
    expect(K.matmul(a, b).tolistSync()).toEqual([[0]]);
  });
});

describe('linear algebra errors name the problem', () => {
  const f = (...s: number[]) => K.zeros(s);
  it('matmul shape mismatch names both shapes', () => {
    expect(() => K.matmul(f(2, 3), f(4, 5))).toThrow(
      new K.ShapeError('matmul: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)'),
    );
    expect(() => K.matmul(f(2, 2, 3), f(2, 4, 2))).toThrow(/\[2, 2, 3\] and \[2, 4, 2\]/);
    expect(() => K.matmul(f(2, 2, 3), f(3, 3, 2))).toThrow(K.ShapeError);
    expect(() => K.mm(f(2, 3), f(4, 5))).toThrow(
      /mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/,
    );
  });
  it('dtype mismatches name both dtypes; bool is refused', () => {
    expect(() => K.matmul(f(2, 3), f(3, 2).double())).toThrow(K.DTypeError);
    expect(() => K.matmul(f(2, 3), f(3, 2).double())).toThrow(/float32 and float64/);
    expect(() => K.matmul(f(2, 3).bool(), f(3, 2).bool())).toThrow(/bool/);
    expect(() => K.einsum('ij,jk', f(2, 3), f(3, 2).int())).toThrow(/float32 .*int32/);
  });
  it('addmm refuses fractional scales for integer tensors', () => {
    const i = K.zeros([2, 2], { dtype: 'int32' });
    expect(() => K.addmm(i, i, i, { alpha: 0.5 })).toThrow(K.ValueError);
  });
  it('einsum errors say what is wrong', () => {
    const x = f(2, 3);
    expect(() => K.einsum('i1', x)).toThrow(K.ValueError);
    expect(() => K.einsum('i1', x)).toThrow(/invalid subscript '1' at index 1/);
    expect(() => K.einsum('ij', x, x)).toThrow(/more operands/);
    expect(() => K.einsum('ij,jk', x)).toThrow(/fewer operands/);
    expect(() => K.einsum('ijk', x)).toThrow(K.ShapeError);
    expect(() => K.einsum('ijk', x)).toThrow(/number of subscripts in the equation \(3\)/);
    expect(() => K.einsum('ij->iz', x)).toThrow(/output subscript z does not appear/);
    expect(() => K.einsum('ij->ii', x)).toThrow(/output subscript i appears more than once/);
    expect(() => K.einsum('ij,jk', x, x)).toThrow(K.ShapeError);
    expect(() => K.einsum('ij,jk', x, x)).toThrow(/subscript j has size 2 for operand 1/);
    expect(() => K.einsum('ii', x)).toThrow(
      /subscript i is repeated for operand 0 but the sizes don't match, 2 != 3/,
    );
    expect(() => K.einsum('i..j', x)).toThrow(/not part of any ellipsis/);
    expect(() => K.einsum('ij')).toThrow(/at least one operand/);
  });
  it('einsum accepts its operands as one array', () => {
    const a = K.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(K.einsum('ij,jk->ik', [a, a]).tolistSync()).toEqual([
      [7, 10],
      [15, 22],
    ]);
  });
});
