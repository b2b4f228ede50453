/**
 * safetensors, the Hugging Face checkpoint format: an 8-byte little-endian header length, a JSON
 * header (`{ name: { dtype, shape, data_offsets }, __metadata__: { string: string } }`, padded
 * with spaces to a multiple of 8 bytes), then the raw little-endian tensor data. Writers order
 * tensors as Hugging Face's does (by dtype alignment, largest first, then by name), so the same
 * tensors give the same bytes; readers validate the whole header before touching the data.
 */
import { getBackend } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { DeviceError, ValueError } from '../errors.js';
import { contiguous } from '../ops/copy.js';
import { fromHost } from '../ops/creation.js';
import { fmtShape, shapeNumel } from '../shape.js';
import type { DeviceName } from '../storage.js';
import { Tensor } from '../tensor.js';
import { readFileBytes, writeFileAtomic } from './atomic-write.js';

/** Readers refuse headers larger than this (as Hugging Face's do). */
export const MAX_HEADER_BYTES = 100_000_000;

/** safetensors dtype names and their byte sizes, in Hugging Face's order (increasing alignment). */
const ST_DTYPES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};
const ST_RANK: Record<string, number> = Object.fromEntries(Object.keys(ST_DTYPES).map((k, i) => [k, i]));

const TO_ST: Record<DType, string> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
  float16: 'F16',
  bfloat16: 'BF16',
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** What `loadSafetensors` returns: the tensors by name and the header's `__metadata__`. */
export interface SafetensorsContent {
  /** Tensors by name. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` string map (empty when the file has none). */
  metadata: Record<string, string>;
}

/** Options of the safetensors readers. */
export interface LoadSafetensorsOptions {
  /** Device to create the tensors on (default `cpu`). */
  device?: DeviceName;
}

interface Entry {
  name: string;
  nameBytes: Uint8Array;
  tensor: Tensor;
  st: string;
}

const utf8 = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function checkInputs(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> | null | undefined,
): Entry[] {
  const op = 'saveSafetensors';
  if (typeof tensors !== 'object' || tensors === null)
    throw new ValueError(`${op}: expected a record of tensors, got ${String(tensors)}`);
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object') throw new ValueError(`${op}: metadata must be a record of strings`);
    for (const [k, v] of Object.entries(metadata))
      if (typeof v !== 'string')
        throw new ValueError(`${op}: metadata value of '${k}' must be a string, got ${typeof v}`);
  }
  const entries: Entry[] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    if (!(tensor instanceof Tensor)) throw new ValueError(`${op}: '${name}' is not a Tensor`);
    if (name === '__metadata__')
      throw new ValueError(`${op}: '__metadata__' is reserved and cannot name a tensor`);
    entries.push({ name, nameBytes: utf8.encode(name), tensor, st: TO_ST[tensor.dtype] });
  }
  // Hugging Face's order: larger alignment first, then by name (byte-wise, as Rust compares strings).
  entries.sort((a, b) => ST_RANK[b.st] - ST_RANK[a.st] || compareBytes(a.nameBytes, b.nameBytes));
  return entries;
}

function leBytes(values: TypedArray): Uint8Array {
  if (LITTLE_ENDIAN || values.BYTES_PER_ELEMENT === 1)
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const dv = new DataView(out.buffer);
  const size = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float64Array) dv.setFloat64(i * 8, values[i], true);
    else if (values instanceof Float32Array) dv.setFloat32(i * 4, values[i], true);
    else if (values instanceof Int32Array) dv.setInt32(i * 4, values[i], true);
    else if (size === 2) dv.setUint16(i * 2, values[i], true);
  }
  return out;
}

function serialize(
  entries: Entry[],
  raw: TypedArray[],
  metadata: Record<string, string> | null | undefined,
): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) {
    const keys = Object.keys(metadata).sort((a, b) => compareBytes(utf8.encode(a), utf8.encode(b)));
    parts.push(
      `"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`,
    );
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  entries.forEach((e, i) => {
    const bytes = leBytes(raw[i]);
    chunks.push(bytes);
    const end = offset + bytes.length;
    parts.push(
      `${JSON.stringify(e.name)}:{"dtype":"${e.st}","shape":[${e.tensor.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  });
  let header = utf8.encode(`{${parts.join(',')}}`);
  const pad = (8 - (header.length % 8)) % 8;
  if (pad) {
    const padded = new Uint8Array(header.length + pad).fill(0x20);
    padded.set(header);
    header = padded;
  }
  const out = new Uint8Array(8 + header.length + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, header.length % 4294967296, true);
  dv.setUint32(4, Math.floor(header.length / 4294967296), true);
  out.set(header, 8);
  let pos = 8 + header.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

function rawElements(t: Tensor, raw: TypedArray): TypedArray {
  return raw.subarray(t.offset, t.offset + t.numel);
}

/**
 * Serializes tensors (any layout; saved contiguously) and optional string metadata to safetensors
 * bytes. The tensors' device must be readable synchronously (the CPU); use
 * `saveSafetensorsAsync` for others.
 */
export function saveSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string> | null,
): Uint8Array {
  const entries = checkInputs(tensors, metadata);
  const raw = entries.map((e) => {
    const c = contiguous(e.tensor);
    const backend = getBackend(c.device);
    if (!backend.readSync)
      throw new DeviceError(
        `saveSafetensors: '${e.name}' is on ${c.device}, which cannot be read synchronously; use saveSafetensorsAsync`,
      );
    return rawElements(c, backend.readSync(c.storage));
  });
  return serialize(entries, raw, metadata);
}

/** `saveSafetensors` for tensors on any device (reads device memory asynchronously). */
export async function saveSafetensorsAsync(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string> | null,
): Promise<Uint8Array> {
  const entries = checkInputs(tensors, metadata);
  const raw: TypedArray[] = [];
  for (const e of entries) {
    const c = contiguous(e.tensor);
    raw.push(rawElements(c, await getBackend(c.device).read(c.storage)));
  }
  return serialize(entries, raw, metadata);
}

interface HeaderEntry {
  name: string;
  st: string;
  shape: number[];
  begin: number;
  end: number;
}

function bad(msg: string): never {
  throw new ValueError(`loadSafetensors: ${msg}`);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseHeader(bytes: Uint8Array): {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  dataStart: number;
} {
  if (bytes.length < 8) bad(`file is ${bytes.length} bytes, too small to hold the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const n = hi * 4294967296 + lo;
  if (n > MAX_HEADER_BYTES) bad(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + n > bytes.length) bad(`header length ${n} runs past the end of the ${bytes.length}-byte file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    bad('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) bad(`header must start with '{', found ${JSON.stringify(text.slice(0, 1))}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    bad(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) bad('header must be a JSON object');
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null) continue;
      if (typeof info !== 'object' || Array.isArray(info)) bad('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(info as Record<string, unknown>))
        if (typeof v !== 'string')
          bad(`__metadata__ value of '${k}' must be a string, got ${JSON.stringify(v)}`);
      metadata = Object.fromEntries(Object.entries(info as Record<string, string>));
      continue;
    }
    if (typeof info !== 'object' || info === null || Array.isArray(info))
      bad(`entry '${name}' must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in ST_DTYPES))
      bad(
        `tensor '${name}' has unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(ST_DTYPES).join(', ')}`,
      );
    if (!Array.isArray(shape) || !shape.every(isIndex))
      bad(
        `tensor '${name}' has invalid shape ${JSON.stringify(shape)}; expected an array of non-negative integers`,
      );
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1])
      bad(
        `tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with begin <= end`,
      );
    const want = shapeNumel(shape) * ST_DTYPES[dtype];
    if (offsets[1] - offsets[0] !== want)
      bad(
        `tensor '${name}' (${dtype}, shape ${fmtShape(shape)}) needs ${want} bytes but data_offsets [${offsets[0]}, ${offsets[1]}] span ${offsets[1] - offsets[0]}`,
      );
    entries.push({ name, st: dtype, shape, begin: offsets[0], end: offsets[1] });
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of sorted) {
    if (e.begin !== expected)
      bad(
        e.begin > expected
          ? `data_offsets leave a hole: tensor '${e.name}' starts at ${e.begin}, expected ${expected}`
          : `data_offsets overlap: tensor '${e.name}' starts at ${e.begin}, before the previous tensor ends at ${expected}`,
      );
    expected = e.end;
  }
  if (expected !== dataLength)
    bad(`the data section is ${dataLength} bytes but the tensors cover ${expected}`);
  return { entries, metadata, dataStart };
}

type Elements =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

const NATURAL: Record<string, new (n: number) => Elements> = {
  F64: Float64Array,
  F32: Float32Array,
  I32: Int32Array,
  U32: Uint32Array,
  I16: Int16Array,
  U16: Uint16Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I8: Int8Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
};

/** Copies little-endian elements of safetensors dtype `st` into a fresh typed array of its type. */
function readLE(src: Uint8Array, st: string): Elements {
  const size = ST_DTYPES[st];
  const n = src.length / size;
  const out = new NATURAL[st](n);
  if (LITTLE_ENDIAN || size === 1) {
    new Uint8Array(out.buffer).set(src);
    return out;
  }
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    if (st === 'F64') out[i] = dv.getFloat64(o, true);
    else if (st === 'F32') out[i] = dv.getFloat32(o, true);
    else if (st === 'I32') out[i] = dv.getInt32(o, true);
    else if (st === 'U32') out[i] = dv.getUint32(o, true);
    else if (st === 'I16') out[i] = dv.getInt16(o, true);
    else out[i] = dv.getUint16(o, true);
  }
  return out;
}

/** Decodes one tensor's bytes into Kindling storage values and dtype. */
function decodeTensor(name: string, st: string, src: Uint8Array): { values: TypedArray; dtype: DType } {
  switch (st) {
    case 'F64':
      return { values: readLE(src, st) as Float64Array, dtype: 'float64' };
    case 'F32':
      return { values: readLE(src, st) as Float32Array, dtype: 'float32' };
    case 'I32':
      return { values: readLE(src, st) as Int32Array, dtype: 'int32' };
    case 'F16':
      return { values: readLE(src, st) as Uint16Array, dtype: 'float16' };
    case 'BF16':
      return { values: readLE(src, st) as Uint16Array, dtype: 'bfloat16' };
    case 'BOOL':
      return { values: Uint8Array.from(src, (v) => (v !== 0 ? 1 : 0)), dtype: 'bool' };
    case 'U8':
    case 'I8':
    case 'I16':
    case 'U16':
      return { values: Int32Array.from(readLE(src, st)), dtype: 'int32' };
    case 'U32': {
      const v = readLE(src, st);
      for (let i = 0; i < v.length; i++)
        if (v[i] > 2147483647) bad(`tensor '${name}' (U32) holds ${v[i]}, which does not fit in int32`);
      return { values: Int32Array.from(v), dtype: 'int32' };
    }
    case 'I64':
    case 'U64': {
      const n = src.length / 8;
      const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = dv.getInt32(i * 8, true);
        const hi = dv.getInt32(i * 8 + 4, true);
        if (hi !== lo >> 31 || (st === 'U64' && lo < 0)) {
          const v = st === 'I64' ? dv.getBigInt64(i * 8, true) : dv.getBigUint64(i * 8, true);
          bad(`tensor '${name}' (${st}) holds ${v}, which does not fit in int32`);
        }
        out[i] = lo;
      }
      return { values: out, dtype: 'int32' };
    }
    default:
      return bad(
        `tensor '${name}' has dtype ${st}, which Kindling cannot load (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)`,
      );
  }
}

/**
 * Parses safetensors bytes. Validates the header first (length, JSON, dtypes, shapes, offsets that
 * start at 0 and leave no holes or overlaps, string metadata) and throws a ValueError naming the
 * problem. I64/U64/U32 load as int32 when every value fits; U8/I8/I16/U16 load as int32.
 */
export function loadSafetensors(
  bytes: Uint8Array | ArrayBuffer,
  options?: LoadSafetensorsOptions,
): SafetensorsContent {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer))
    bad('expected a Uint8Array or ArrayBuffer');
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const { entries, metadata, dataStart } = parseHeader(b);
  // Object.fromEntries defines own properties, so names like '__proto__' stay plain keys.
  const tensors: Record<string, Tensor> = Object.fromEntries(
    entries.map((e) => {
      const { values, dtype } = decodeTensor(
        e.name,
        e.st,
        b.subarray(dataStart + e.begin, dataStart + e.end),
      );
      return [e.name, fromHost(values, e.shape, dtype, { device: options?.device })];
    }),
  );
  return { tensors, metadata };
}

/** Saves tensors to a safetensors file, atomically (temp file, fsync, rename). Node only. */
export async function saveFile(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string> | null,
): Promise<void> {
  await writeFileAtomic(path, await saveSafetensorsAsync(tensors, metadata));
}

/** Loads a safetensors file. Node only. */
export async function loadFile(path: string, options?: LoadSafetensorsOptions): Promise<SafetensorsContent> {
  return loadSafetensors(await readFileBytes(path), options);
}
