/**
 * A small, dependency-free raw DEFLATE decoder (RFC 1951) for zip entries, usable in Node and in
 * browsers. It writes into an output buffer of a size fixed in advance (the entry's declared
 * uncompressed size) and throws instead of growing it, so a decompression bomb cannot allocate
 * more than the caller allowed. Torch's own zip files store entries uncompressed; this covers
 * archives that were re-zipped with compression.
 */
import { ValueError } from '../../errors.js';

/** Canonical Huffman table: `counts[len]` codes of each length, `symbols` in code order. */
interface Huffman {
  counts: Uint16Array;
  symbols: Uint16Array;
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

function fail(name: string, msg: string): never {
  throw new ValueError(`inflate: entry '${name}': ${msg}`);
}

function buildHuffman(lengths: ArrayLike<number>, n: number, name: string): Huffman {
  const counts = new Uint16Array(16);
  for (let i = 0; i < n; i++) counts[lengths[i]]++;
  counts[0] = 0;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = left * 2 - counts[len];
    if (left < 0) fail(name, 'over-subscribed Huffman code');
  }
  const offs = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + counts[len];
  const symbols = new Uint16Array(n);
  for (let i = 0; i < n; i++) if (lengths[i] !== 0) symbols[offs[lengths[i]]++] = i;
  return { counts, symbols };
}

let fixedLit: Huffman | null = null;
let fixedDist: Huffman | null = null;

function fixedTables(): [Huffman, Huffman] {
  if (!fixedLit || !fixedDist) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    fixedLit = buildHuffman(l, 288, 'fixed');
    fixedDist = buildHuffman(new Uint8Array(30).fill(5), 30, 'fixed');
  }
  return [fixedLit, fixedDist];
}

/**
 * Decodes raw DEFLATE `src` into exactly `outSize` bytes. Throws a ValueError if the stream is
 * corrupt, ends early, or would produce more or fewer bytes than `outSize`.
 */
export function inflateRaw(src: Uint8Array, outSize: number, name = '?'): Uint8Array {
  const out = new Uint8Array(outSize);
  let pos = 0; // next input byte
  let bitBuf = 0;
  let bitCnt = 0;
  let o = 0;

  const bits = (need: number): number => {
    while (bitCnt < need) {
      if (pos >= src.length) fail(name, 'compressed data ends early (truncated entry?)');
      bitBuf |= src[pos++] << bitCnt;
      bitCnt += 8;
    }
    const v = bitBuf & ((1 << need) - 1);
    bitBuf >>>= need;
    bitCnt -= need;
    return v;
  };

  const decode = (h: Huffman): number => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bits(1);
      const count = h.counts[len];
      if (code - count < first) return h.symbols[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return fail(name, 'invalid Huffman code');
  };

  const codes = (lit: Huffman, dist: Huffman): void => {
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        if (o >= outSize) fail(name, `inflates to more than the declared ${outSize} bytes`);
        out[o++] = sym;
      } else if (sym === 256) {
        return;
      } else {
        const li = sym - 257;
        if (li >= 29) fail(name, `invalid length symbol ${sym}`);
        const len = LENGTH_BASE[li] + bits(LENGTH_EXTRA[li]);
        const di = decode(dist);
        if (di >= 30) fail(name, `invalid distance symbol ${di}`);
        const d = DIST_BASE[di] + bits(DIST_EXTRA[di]);
        if (d > o) fail(name, `distance ${d} reaches before the start of the output`);
        if (o + len > outSize) fail(name, `inflates to more than the declared ${outSize} bytes`);
        for (let k = 0; k < len; k++, o++) out[o] = out[o - d];
      }
    }
  };

  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      bitBuf = 0;
      bitCnt = 0;
      if (pos + 4 > src.length) fail(name, 'compressed data ends early (truncated entry?)');
      const len = src[pos] | (src[pos + 1] << 8);
      const nlen = src[pos + 2] | (src[pos + 3] << 8);
      pos += 4;
      if ((len ^ 0xffff) !== nlen) fail(name, 'stored block length check failed');
      if (pos + len > src.length) fail(name, 'compressed data ends early (truncated entry?)');
      if (o + len > outSize) fail(name, `inflates to more than the declared ${outSize} bytes`);
      out.set(src.subarray(pos, pos + len), o);
      pos += len;
      o += len;
    } else if (type === 1) {
      const [lit, dist] = fixedTables();
      codes(lit, dist);
    } else if (type === 2) {
      const nlen = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      if (nlen > 286 || ndist > 30) fail(name, 'bad dynamic block header');
      const lengths = new Uint8Array(320);
      for (let i = 0; i < ncode; i++) lengths[CODE_LENGTH_ORDER[i]] = bits(3);
      const lencode = buildHuffman(lengths, 19, name);
      lengths.fill(0);
      let i = 0;
      while (i < nlen + ndist) {
        const sym = decode(lencode);
        if (sym < 16) lengths[i++] = sym;
        else {
          let rep: number;
          let val = 0;
          if (sym === 16) {
            if (i === 0) fail(name, 'repeat with no previous length');
            val = lengths[i - 1];
            rep = 3 + bits(2);
          } else if (sym === 17) rep = 3 + bits(3);
          else rep = 11 + bits(7);
          if (i + rep > nlen + ndist) fail(name, 'too many code lengths');
          while (rep--) lengths[i++] = val;
        }
      }
      if (lengths[256] === 0) fail(name, 'no end-of-block code');
      const lit = buildHuffman(lengths.subarray(0, nlen), nlen, name);
      const dist = buildHuffman(lengths.subarray(nlen, nlen + ndist), ndist, name);
      codes(lit, dist);
    } else {
      fail(name, 'invalid block type 3');
    }
  }
  if (o !== outSize) fail(name, `inflated to ${o} bytes but the zip directory declares ${outSize}`);
  return out;
}
