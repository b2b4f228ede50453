/**
 * Philox4x32-10, the counter-based generator of Salmon et al. 2011 ("Parallel random numbers: as
 * easy as 1, 2, 3"), plus the stream layout every backend follows. A draw is a pure function of
 * (key, counter), so the same seed gives the same numbers on every device and in any chunking.
 *
 * Stream layout (the contract a GPU kernel must reproduce):
 * - key = the generator's 64-bit seed as two u32 words `[lo, hi]`; counter = `[c0, c1, 0, 0]` where
 *   `c0 + 2^32 * c1 = offset + block`.
 * - float32 uniform: element `i` uses block `floor(i / 4)`, lane `i % 4`: `(u32 >>> 8) * 2^-24`.
 * - float64 uniform: element `i` uses block `floor(i / 2)`, lanes `2 (i % 2)` (high) and `+1` (low):
 *   `((a >>> 5) * 2^26 + (b >>> 6)) * 2^-53`.
 * - float32 normal (Box–Muller): element `i` uses block `floor(i / 4)` and the lane pair
 *   `(i % 4) & ~1`: `u1 = ((a >>> 8) + 1) * 2^-24`, `u2 = (b >>> 8) * 2^-24`,
 *   `r = sqrt(-2 ln u1)`; even elements take `r cos(2 pi u2)`, odd ones `r sin(2 pi u2)`.
 * - float64 normal: element `i` uses block `floor(i / 2)`: `u1` is the 53-bit value of lanes 0,1
 *   plus one ulp (in (0, 1]), `u2` the 53-bit value of lanes 2,3; even → cos, odd → sin.
 * - A draw of `n` elements advances the generator's offset by `blocksFor(n, dtype)`.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

const TWO_POW_32 = 4294967296;
const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;
const TWO_PI = 2 * Math.PI;

/** High 32 bits of the 64-bit product of two u32 values (exact, via 16-bit halves). */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

const M0L = M0 & 0xffff;
const M0H = M0 >>> 16;
const M1L = M1 & 0xffff;
const M1H = M1 >>> 16;

/**
 * One Philox4x32-10 block: writes the four u32 outputs for counter `(c0, c1, c2, c3)` and key
 * `(k0, k1)` into `out[0..3]`. State stays in int32 registers; the high product words use
 * `mulhi32`'s 16-bit-halves method with the multipliers' halves precomputed.
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  let x0 = c0 | 0;
  let x1 = c1 | 0;
  let x2 = c2 | 0;
  let x3 = c3 | 0;
  let ka = k0 | 0;
  let kb = k1 | 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      ka = (ka + W0) | 0;
      kb = (kb + W1) | 0;
    }
    let b0 = x0 & 0xffff;
    let b1 = x0 >>> 16;
    let t = M0H * b0 + ((M0L * b0) >>> 16);
    let w = (t & 0xffff) + M0L * b1;
    const hi0 = M0H * b1 + (t >>> 16) + (w >>> 16);
    const lo0 = Math.imul(M0, x0);
    b0 = x2 & 0xffff;
    b1 = x2 >>> 16;
    t = M1H * b0 + ((M1L * b0) >>> 16);
    w = (t & 0xffff) + M1L * b1;
    const hi1 = M1H * b1 + (t >>> 16) + (w >>> 16);
    const lo1 = Math.imul(M1, x2);
    x0 = hi1 ^ x1 ^ ka;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ kb;
    x3 = lo0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/** The Philox key of a draw: a 64-bit seed as `[lo, hi]` u32 words. */
export type PhiloxKey = readonly [number, number];

/** The floating types the RNG kernels produce directly (others are cast from float32). */
export type RandomDType = 'float32' | 'float64';

/** Philox blocks (counter increments) a draw of `n` elements of `dtype` consumes. */
export function blocksFor(n: number, dtype: RandomDType): number {
  return dtype === 'float64' ? Math.ceil(n / 2) : Math.ceil(n / 4);
}

/** Writable numeric arrays the fill functions accept. */
export type FloatArray = Float32Array | Float64Array;

/** Fills `out` with uniform values in `[low, high)` from the stream at `offset` (layout above). */
export function fillUniform(
  out: FloatArray | number[],
  key: PhiloxKey,
  offset: number,
  dtype: RandomDType,
  low = 0,
  high = 1,
): void {
  const n = out.length;
  const buf = new Uint32Array(4);
  const span = high - low;
  const [k0, k1] = key;
  let c0 = offset % TWO_POW_32;
  let c1 = Math.floor(offset / TWO_POW_32);
  if (dtype === 'float32') {
    for (let i = 0; i < n; i += 4) {
      philox4x32(c0, c1, 0, 0, k0, k1, buf);
      if (++c0 === TWO_POW_32) {
        c0 = 0;
        c1++;
      }
      const m = Math.min(4, n - i);
      for (let l = 0; l < m; l++) {
        const u = (buf[l] >>> 8) * TWO_POW_M24;
        out[i + l] = u * span + low;
      }
    }
  } else {
    for (let i = 0; i < n; i += 2) {
      philox4x32(c0, c1, 0, 0, k0, k1, buf);
      if (++c0 === TWO_POW_32) {
        c0 = 0;
        c1++;
      }
      const u0 = ((buf[0] >>> 5) * 67108864 + (buf[1] >>> 6)) * TWO_POW_M53;
      out[i] = u0 * span + low;
      if (i + 1 < n) {
        const u1 = ((buf[2] >>> 5) * 67108864 + (buf[3] >>> 6)) * TWO_POW_M53;
        out[i + 1] = u1 * span + low;
      }
    }
  }
}

/** Fills `out` with normal values `mean + std * z` (Box–Muller, layout above). */
export function fillNormal(
  out: FloatArray | number[],
  key: PhiloxKey,
  offset: number,
  dtype: RandomDType,
  mean = 0,
  std = 1,
): void {
  const n = out.length;
  const buf = new Uint32Array(4);
  const [k0, k1] = key;
  let c0 = offset % TWO_POW_32;
  let c1 = Math.floor(offset / TWO_POW_32);
  if (dtype === 'float32') {
    for (let i = 0; i < n; i += 4) {
      philox4x32(c0, c1, 0, 0, k0, k1, buf);
      if (++c0 === TWO_POW_32) {
        c0 = 0;
        c1++;
      }
      const m = Math.min(4, n - i);
      for (let p = 0; p < m; p += 2) {
        const u1 = ((buf[p] >>> 8) + 1) * TWO_POW_M24;
        const u2 = (buf[p + 1] >>> 8) * TWO_POW_M24;
        const r = Math.sqrt(-2 * Math.log(u1));
        const t = TWO_PI * u2;
        out[i + p] = mean + std * r * Math.cos(t);
        if (p + 1 < m) out[i + p + 1] = mean + std * r * Math.sin(t);
      }
    }
  } else {
    for (let i = 0; i < n; i += 2) {
      philox4x32(c0, c1, 0, 0, k0, k1, buf);
      if (++c0 === TWO_POW_32) {
        c0 = 0;
        c1++;
      }
      const u1 = ((buf[0] >>> 5) * 67108864 + (buf[1] >>> 6) + 1) * TWO_POW_M53;
      const u2 = ((buf[2] >>> 5) * 67108864 + (buf[3] >>> 6)) * TWO_POW_M53;
      const r = Math.sqrt(-2 * Math.log(u1));
      const t = TWO_PI * u2;
      out[i] = mean + std * r * Math.cos(t);
      if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(t);
    }
  }
}
