/**
 * A PNG decoder and encoder in pure TypeScript (zlib streams through fflate), so they run in
 * browsers as well as Node. The decoder reads every standard PNG: colour types 0/2/3/4/6, bit
 * depths 1-16, Adam7 interlacing, palettes and `tRNS` transparency, and checks every chunk's CRC.
 * The encoder writes 8-bit grey, grey+alpha, RGB or RGBA with per-row adaptive filtering.
 */
import { ValueError } from '@kindling/core';
import { unzlibSync, zlibSync } from 'fflate';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309), as PNG chunks use it. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Decoded pixels: 8-bit samples, interleaved (`[H, W, channels]` row-major). */
export interface RawImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Samples per pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  /** `height * width * channels` samples. */
  data: Uint8Array;
}

/** Channels per PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Allowed bit depths per colour type. */
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Adam7 passes: [x0, y0, dx, dy]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Reverses the per-row filters of one (sub-)image in place; returns the offset after it. */
function unfilter(
  buf: Uint8Array,
  offset: number,
  rowBytes: number,
  rows: number,
  bpp: number,
  name: string,
): number {
  let prev = -1;
  for (let y = 0; y < rows; y++) {
    const ft = buf[offset];
    const row = offset + 1;
    if (ft > 4) throw new ValueError(`${name}: corrupt PNG: unknown filter type ${ft} on row ${y}`);
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? buf[row + i - bpp] : 0;
      const b = prev >= 0 ? buf[prev + i] : 0;
      const c = prev >= 0 && i >= bpp ? buf[prev + i - bpp] : 0;
      let v = buf[row + i];
      if (ft === 1) v += a;
      else if (ft === 2) v += b;
      else if (ft === 3) v += (a + b) >> 1;
      else if (ft === 4) v += paeth(a, b, c);
      buf[row + i] = v;
    }
    prev = row;
    offset = row + rowBytes;
  }
  return offset;
}

/**
 * Decodes PNG bytes to 8-bit samples. Grey at depths below 8 is scaled to 0-255, 16-bit samples
 * are rounded to 8 bits, palette images become RGB (RGBA when the palette has transparency), and a
 * `tRNS` colour key adds an alpha channel to grey and RGB images. `name` labels errors.
 */
export function decodePngRaw(bytes: Uint8Array, name = 'PNG data'): RawImage {
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== SIGNATURE[i]) throw new ValueError(`${name}: not a PNG file (bad signature)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let interlace = 0;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new ValueError(`${name}: truncated PNG chunk at byte ${pos}`);
    const len = view.getUint32(pos, false);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    if (pos + 12 + len > bytes.length) {
      throw new ValueError(`${name}: truncated PNG: chunk ${type} needs ${len} bytes, the file ends first`);
    }
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    const crc = view.getUint32(pos + 8 + len, false);
    if (crc32(bytes, pos + 4, pos + 8 + len) !== crc) {
      throw new ValueError(`${name}: corrupt PNG: CRC mismatch in chunk ${type}`);
    }
    if (type === 'IHDR') {
      if (len !== 13) throw new ValueError(`${name}: corrupt PNG: IHDR has ${len} bytes, expected 13`);
      width = view.getUint32(pos + 8, false);
      height = view.getUint32(pos + 12, false);
      depth = data[8];
      colorType = data[9];
      interlace = data[12];
      if (!(colorType in DEPTHS) || !DEPTHS[colorType].includes(depth)) {
        throw new ValueError(`${name}: unsupported PNG colour type ${colorType} with bit depth ${depth}`);
      }
      if (data[10] !== 0 || data[11] !== 0 || interlace > 1) {
        throw new ValueError(`${name}: unsupported PNG compression/filter/interlace method`);
      }
      if (width === 0 || height === 0) throw new ValueError(`${name}: PNG has zero width or height`);
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      sawEnd = true;
      break;
    } else if ((bytes[pos + 4] & 0x20) === 0) {
      throw new ValueError(`${name}: unsupported critical PNG chunk ${type}`);
    }
    pos += 12 + len;
  }
  if (colorType < 0) throw new ValueError(`${name}: corrupt PNG: no IHDR chunk`);
  if (!sawEnd) throw new ValueError(`${name}: truncated PNG: no IEND chunk`);
  if (idat.length === 0) throw new ValueError(`${name}: corrupt PNG: no IDAT chunk`);
  if (colorType === 3 && !palette) throw new ValueError(`${name}: corrupt PNG: palette image without PLTE`);

  const total = idat.reduce((s, c) => s + c.length, 0);
  const zdata = new Uint8Array(total);
  let o = 0;
  for (const c of idat) {
    zdata.set(c, o);
    o += c.length;
  }
  let filtered: Uint8Array;
  try {
    filtered = unzlibSync(zdata);
  } catch (e) {
    throw new ValueError(`${name}: corrupt PNG image data: ${(e as Error).message}`);
  }

  const spp = CHANNELS[colorType];
  const bitsPP = spp * depth;
  const bpp = Math.max(1, bitsPP >> 3);
  // Samples (before palette/tRNS expansion) at the original depth, [H, W, spp].
  const samples = new Uint16Array(width * height * spp);
  const passes = interlace ? ADAM7 : [[0, 0, 1, 1]];
  let offset = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * bitsPP) / 8);
    const need = offset + ph * (rowBytes + 1);
    if (filtered.length < need) {
      throw new ValueError(
        `${name}: truncated PNG image data: ${filtered.length} bytes, expected at least ${need}`,
      );
    }
    unfilter(filtered, offset, rowBytes, ph, bpp, name);
    for (let y = 0; y < ph; y++) {
      const row = offset + y * (rowBytes + 1) + 1;
      const outRow = (y0 + y * dy) * width;
      for (let x = 0; x < pw; x++) {
        const dst = (outRow + x0 + x * dx) * spp;
        for (let s = 0; s < spp; s++) {
          const k = x * spp + s;
          let v: number;
          if (depth === 8) v = filtered[row + k];
          else if (depth === 16) v = (filtered[row + 2 * k] << 8) | filtered[row + 2 * k + 1];
          else {
            const bit = k * depth;
            v = (filtered[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
          }
          samples[dst + s] = v;
        }
      }
    }
    offset = need;
  }

  const n = width * height;
  const to8 = (v: number): number =>
    depth === 8 ? v : depth === 16 ? Math.round(v / 257) : Math.round((v * 255) / ((1 << depth) - 1));
  if (colorType === 3) {
    const pal = palette as Uint8Array;
    const entries = Math.floor(pal.length / 3);
    const alpha = trns !== undefined;
    const ch = alpha ? 4 : 3;
    const out = new Uint8Array(n * ch);
    for (let i = 0; i < n; i++) {
      const idx = samples[i];
      if (idx >= entries) throw new ValueError(`${name}: corrupt PNG: palette index ${idx} >= ${entries}`);
      out[i * ch] = pal[idx * 3];
      out[i * ch + 1] = pal[idx * 3 + 1];
      out[i * ch + 2] = pal[idx * 3 + 2];
      if (alpha) out[i * ch + 3] = idx < (trns as Uint8Array).length ? (trns as Uint8Array)[idx] : 255;
    }
    return { width, height, channels: ch as 3 | 4, data: out };
  }
  const key = trns && (colorType === 0 || colorType === 2) ? trns : undefined;
  const outCh = spp + (key ? 1 : 0);
  const out = new Uint8Array(n * outCh);
  for (let i = 0; i < n; i++) {
    let transparent = key !== undefined;
    for (let s = 0; s < spp; s++) {
      const v = samples[i * spp + s];
      out[i * outCh + s] = to8(v);
      if (key && ((key[2 * s] << 8) | key[2 * s + 1]) !== v) transparent = false;
    }
    if (key) out[i * outCh + spp] = transparent ? 0 : 255;
  }
  return { width, height, channels: outCh as 1 | 2 | 3 | 4, data: out };
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, false);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length), false);
  return out;
}

/** Options of `encodePngRaw`. */
export interface PngEncodeOptions {
  /** zlib level 0-9 (default 6). */
  compressionLevel?: number;
}

/** Encodes 8-bit interleaved samples as a PNG (colour type from the channel count). */
export function encodePngRaw(image: RawImage, options?: PngEncodeOptions): Uint8Array {
  const { width, height, channels, data } = image;
  const level = options?.compressionLevel ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new ValueError(`encodePng: compressionLevel must be an integer in 0..9, got ${level}`);
  }
  const colorType = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const rowBytes = width * channels;
  const filtered = new Uint8Array(height * (rowBytes + 1));
  const trial = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    const prev = row - rowBytes;
    let best = Infinity;
    let bestType = 0;
    const dst = y * (rowBytes + 1);
    for (let ft = 0; ft <= 4; ft++) {
      let cost = 0;
      for (let i = 0; i < rowBytes; i++) {
        const x = data[row + i];
        const a = i >= channels ? data[row + i - channels] : 0;
        const b = y > 0 ? data[prev + i] : 0;
        const c = y > 0 && i >= channels ? data[prev + i - channels] : 0;
        let v = x;
        if (ft === 1) v = x - a;
        else if (ft === 2) v = x - b;
        else if (ft === 3) v = x - ((a + b) >> 1);
        else if (ft === 4) v = x - paeth(a, b, c);
        v &= 0xff;
        trial[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < best) {
        best = cost;
        bestType = ft;
        filtered[dst] = ft;
        filtered.set(trial, dst + 1);
      }
    }
    filtered[dst] = bestType;
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width, false);
  hv.setUint32(4, height, false);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  const parts = [
    Uint8Array.from(SIGNATURE),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibSync(filtered, { level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
