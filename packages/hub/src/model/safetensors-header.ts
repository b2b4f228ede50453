/**
 * A streaming check of a `.safetensors` file's header, run while the bytes arrive (so a bad file
 * is refused before anything is stored) and on blobs already in the store. The format: an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON (`{ name: { dtype, shape, data_offsets },
 * __metadata__?: { string: string } }`), then the data section, which the tensors' offsets must
 * cover exactly (from 0, no holes, no overlaps). Only the header is buffered: memory stays bounded
 * by the header limit whatever the file size.
 */
import { IntegrityError } from '../errors.js';

/** Byte size of each safetensors dtype. */
const DTYPE_BYTES: Record<string, number> = {
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

/** Default limit on a safetensors header the hub accepts (16 MiB; the format's own cap is 100 MB). */
export const DEFAULT_MAX_SAFETENSORS_HEADER = 16 * 1024 * 1024;

/** True when a repo path names a safetensors file (the hub checks those files' headers). */
export function isSafetensorsPath(path: string): boolean {
  return path.toLowerCase().endsWith('.safetensors');
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Incremental safetensors header validator: `push` chunks, then `finish` with the total size. */
export class SafetensorsHeaderCheck {
  private readonly path: string;
  private readonly maxHeaderBytes: number;
  private prefix: Buffer[] = [];
  private prefixBytes = 0;
  private headerLength = -1;
  private dataBytes = -1;
  private seen = 0;

  /** `path` is used in messages; headers over `maxHeaderBytes` are refused. */
  constructor(path: string, maxHeaderBytes = DEFAULT_MAX_SAFETENSORS_HEADER) {
    this.path = path;
    this.maxHeaderBytes = maxHeaderBytes;
  }

  /** True once the whole header has been read and validated. */
  get headerDone(): boolean {
    return this.dataBytes >= 0;
  }

  /** Bytes of the file the header check needs (8 + header length), or 8 before the length is known. */
  get bytesNeeded(): number {
    return this.headerLength < 0 ? 8 : 8 + this.headerLength;
  }

  private bad(msg: string): never {
    throw new IntegrityError(`invalid safetensors file '${this.path}': ${msg}`, 'invalid_safetensors');
  }

  /** Feeds the next chunk of the file; throws an IntegrityError as soon as the header is wrong. */
  push(chunk: Uint8Array): void {
    this.seen += chunk.length;
    if (this.headerDone) return;
    this.prefix.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.prefixBytes += chunk.length;
    if (this.headerLength < 0 && this.prefixBytes >= 8) {
      const all = Buffer.concat(this.prefix);
      this.prefix = [all];
      const n = all.readUInt32LE(0) + all.readUInt32LE(4) * 4294967296;
      if (n > this.maxHeaderBytes)
        this.bad(`header length ${n} exceeds the ${this.maxHeaderBytes}-byte limit`);
      if (n < 2) this.bad(`header length ${n} is too small for a JSON object`);
      this.headerLength = n;
    }
    if (this.headerLength >= 0 && this.prefixBytes >= 8 + this.headerLength) {
      const all = Buffer.concat(this.prefix);
      this.prefix = [];
      this.parse(all.subarray(8, 8 + this.headerLength));
    }
  }

  private parse(bytes: Buffer): void {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      this.bad('header is not valid UTF-8');
    }
    if (!text.startsWith('{'))
      this.bad(`header must start with '{', found ${JSON.stringify(text.slice(0, 1))}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      this.bad(`header is not valid JSON (${(err as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      this.bad('header must be a JSON object');
    const spans: Array<[string, number, number]> = [];
    for (const [name, info] of Object.entries(json as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (info === null) continue;
        if (typeof info !== 'object' || Array.isArray(info))
          this.bad('__metadata__ must be an object of strings');
        for (const [k, v] of Object.entries(info as Record<string, unknown>))
          if (typeof v !== 'string') this.bad(`__metadata__ value of '${k}' must be a string`);
        continue;
      }
      if (typeof info !== 'object' || info === null || Array.isArray(info))
        this.bad(`entry '${name}' must be an object with dtype, shape and data_offsets`);
      const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
      if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES))
        this.bad(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype)}`);
      if (!Array.isArray(shape) || !shape.every(isIndex))
        this.bad(`tensor '${name}' has invalid shape ${JSON.stringify(shape)}`);
      if (
        !Array.isArray(offsets) ||
        offsets.length !== 2 ||
        !offsets.every(isIndex) ||
        offsets[0] > offsets[1]
      )
        this.bad(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
      let numel = 1;
      for (const d of shape as number[]) numel *= d;
      const want = numel * DTYPE_BYTES[dtype];
      if (offsets[1] - offsets[0] !== want)
        this.bad(
          `tensor '${name}' (${dtype}, shape [${shape.join(', ')}]) needs ${want} bytes but its data_offsets span ${offsets[1] - offsets[0]}`,
        );
      spans.push([name, offsets[0], offsets[1]]);
    }
    spans.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
    let expected = 0;
    for (const [name, begin, end] of spans) {
      if (begin !== expected)
        this.bad(
          begin > expected
            ? `data_offsets leave a hole before tensor '${name}'`
            : `data_offsets of tensor '${name}' overlap the previous tensor`,
        );
      expected = end;
    }
    this.dataBytes = expected;
  }

  /** Checks that the file (of `totalBytes`, default: the bytes pushed) ends exactly where the tensors do. */
  finish(totalBytes = this.seen): void {
    if (!this.headerDone)
      this.bad(
        this.headerLength < 0
          ? `file is ${totalBytes} bytes, too small to hold the 8-byte header length`
          : `header length ${this.headerLength} runs past the end of the ${totalBytes}-byte file`,
      );
    const data = totalBytes - 8 - this.headerLength;
    if (data !== this.dataBytes)
      this.bad(`the data section is ${data} bytes but the tensors cover ${this.dataBytes}`);
  }
}
