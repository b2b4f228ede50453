import * as K from '@kindling/core';

/**
 * A deterministic source of test values in [-1, 1) with an exact zero every 17th element (a linear
 * congruential generator, so the data does not depend on Kindling's RNG).
 */
export function lcgValues(seed: number): {
  values: (n: number) => Float32Array;
  rand: (shape: number[]) => K.Tensor;
} {
  let state = seed;
  const values = (n: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      out[i] = i % 17 === 0 ? 0 : (state / 2 ** 32) * 2 - 1;
    }
    return out;
  };
  const rand = (shape: number[]) => K.tensor(values(shape.reduce((a, b) => a * b, 1))).reshape(shape);
  return { values, rand };
}
