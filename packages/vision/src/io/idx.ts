/**
 * The IDX format of MNIST-style datasets: two zero bytes, a type code (0x08 ubyte, 0x09 byte,
 * 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of dims, each dim as a
 * big-endian uint32, then the values, big-endian, row-major. Raw or gzip-compressed.
 */
import { ValueError } from '@kindling/core';
import { maybeGunzip } from './gzip.js';

/** An element type of the IDX format. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX file. */
export interface IdxArray {
  /** Element type from the header. */
  type: IdxType;
  /** Dims from the header. */
  shape: number[];
  /** The values, row-major, in host byte order. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, [IdxType, number]> = {
  8: ['uint8', 1],
  9: ['int8', 1],
  11: ['int16', 2],
  12: ['int32', 4],
  13: ['float32', 4],
  14: ['float64', 8],
};

/**
 * Parses IDX bytes (gunzipping them first when they are gzip data). Validates the magic number,
 * the type code, the dims and the exact file length; `name` (usually the file path) is named in
 * every error.
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  const raw = maybeGunzip(bytes, name);
  if (raw.length < 4) {
    throw new ValueError(
      `${name}: not an IDX file: ${raw.length} bytes is shorter than the 4-byte magic number`,
    );
  }
  const magicHex = Array.from(raw.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
  if (raw[0] !== 0 || raw[1] !== 0 || !(raw[2] in TYPES) || raw[3] === 0) {
    throw new ValueError(
      `${name}: bad IDX magic number 0x${magicHex}: expected 0x0000TTNN with type TT in ` +
        '08/09/0b/0c/0d/0e and NN >= 1 dims (e.g. 0x00000803 for images, 0x00000801 for labels)',
    );
  }
  const [type, size] = TYPES[raw[2]];
  const ndim = raw[3];
  const headerBytes = 4 + 4 * ndim;
  if (raw.length < headerBytes) {
    throw new ValueError(
      `${name}: truncated IDX header: ${ndim} dims need ${headerBytes} header bytes, the file has ${raw.length}`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  let numel = 1;
  for (let d = 0; d < ndim; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    numel *= n;
  }
  const expected = headerBytes + numel * size;
  if (raw.length !== expected) {
    const what = raw.length < expected ? 'truncated' : 'has trailing bytes';
    throw new ValueError(
      `${name}: IDX file ${what}: header says ${type} [${shape.join(', ')}], which needs ${expected} bytes, but the file has ${raw.length}`,
    );
  }
  const body = raw.subarray(headerBytes);
  let data: IdxArray['data'];
  if (type === 'uint8') data = body;
  else if (type === 'int8') data = new Int8Array(body.buffer, body.byteOffset, body.byteLength);
  else {
    const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[type];
    const out = new Ctor(numel);
    const get = {
      int16: (o: number) => view.getInt16(o, false),
      int32: (o: number) => view.getInt32(o, false),
      float32: (o: number) => view.getFloat32(o, false),
      float64: (o: number) => view.getFloat64(o, false),
    }[type];
    for (let i = 0; i < numel; i++) out[i] = get(headerBytes + i * size);
    data = out;
  }
  return { type, shape, data };
}
