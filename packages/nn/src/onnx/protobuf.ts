/**
 * Protocol Buffers wire format (proto2/proto3), just what ONNX needs: varints (including 64-bit
 * two's-complement negatives), fixed32/fixed64, length-delimited fields and packed repeated
 * scalars. The reader checks every length against the enclosing message, so truncated or hostile
 * input ends in a `ValueError` naming the field, never in an out-of-bounds read or a huge
 * allocation. Groups (wire types 3/4) are refused.
 */
import { ValueError } from '@kindling/core';

/** Wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/** Reads one message's fields; nested messages get their own bounded reader. */
export class PbReader {
  private pos: number;
  private readonly dv: DataView;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
    /** What is being decoded (for errors), e.g. `ModelProto.graph.node[3]`. */
    readonly where = 'message',
    /** Nesting depth, capped to stop stack exhaustion on hostile input. */
    readonly depth = 0,
  ) {
    this.pos = start;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (depth > 64) this.fail('messages are nested more than 64 levels deep');
  }

  /** Throws a ValueError naming the position. */
  fail(msg: string): never {
    throw new ValueError(`onnx: malformed protobuf in ${this.where} at byte ${this.pos}: ${msg}`);
  }

  /** Whether all fields were read. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a varint as [low 32 bits, high 32 bits] (both unsigned). */
  private varint64(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) return [lo >>> 0, hi >>> 0];
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** A varint as an unsigned number (exact below 2^53). */
  uint(): number {
    const [lo, hi] = this.varint64();
    return hi * 4294967296 + lo;
  }

  /** A varint as a signed 64-bit integer, as the nearest double (exact within ±2^53). */
  int64(): number {
    const [lo, hi] = this.varint64();
    return (hi | 0) * 4294967296 + lo;
  }

  /** A varint as a signed 32-bit integer (int32 and enum fields). */
  int32(): number {
    const [lo] = this.varint64();
    return lo | 0;
  }

  /** A little-endian float. */
  float(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.dv.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A little-endian double. */
  double(): number {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The next field's number and wire type, or null at the end of the message. */
  tag(): [number, number] | null {
    if (this.pos >= this.end) return null;
    const t = this.uint();
    const field = Math.floor(t / 8);
    const wire = t & 7;
    if (field === 0) this.fail('field number 0');
    return [field, wire];
  }

  /** The bytes of a length-delimited field (a view, not a copy). */
  bytes(): Uint8Array {
    const n = this.uint();
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end of the message (truncated input?)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A UTF-8 string field. */
  string(): string {
    try {
      return utf8.decode(this.bytes());
    } catch (err) {
      if (err instanceof ValueError) throw err;
      return this.fail('string field is not valid UTF-8');
    }
  }

  /** A reader over a nested message field. */
  message(where: string): PbReader {
    const n = this.uint();
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end of the message (truncated input?)`);
    const r = new PbReader(this.buf, this.pos, this.pos + n, where, this.depth + 1);
    this.pos += n;
    return r;
  }

  /** Skips a field of the given wire type. */
  skip(wire: number): void {
    if (wire === VARINT) this.varint64();
    else if (wire === FIXED64) {
      if (this.pos + 8 > this.end) this.fail('truncated fixed64');
      this.pos += 8;
    } else if (wire === LEN) this.bytes();
    else if (wire === FIXED32) {
      if (this.pos + 4 > this.end) this.fail('truncated fixed32');
      this.pos += 4;
    } else this.fail(`unsupported wire type ${wire}`);
  }

  /** Reads a repeated scalar field, packed (LEN) or not, pushing onto `out`. */
  repeated(wire: number, scalarWire: number, read: (r: PbReader) => number, out: number[]): void {
    if (wire === LEN) {
      const r = this.message(this.where);
      while (!r.done) out.push(read(r));
    } else if (wire === scalarWire) out.push(read(this));
    else this.fail(`wire type ${wire} for a repeated field of wire type ${scalarWire}`);
  }

  /** Checks a field's wire type. */
  expect(wire: number, want: number, field: string): void {
    if (wire !== want) this.fail(`field ${field} has wire type ${wire}, expected ${want}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8enc = new TextEncoder();

/** Builds a message; nested messages are written into their own writer and then embedded. */
export class PbWriter {
  private buf = new Uint8Array(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Writes a varint of a non-negative integer or a negative int64 (as 10 two's-complement bytes). */
  varint(v: number): void {
    if (!Number.isInteger(v)) throw new ValueError(`onnx: cannot encode ${v} as a varint`);
    this.ensure(10);
    if (v >= 0 && v < 0x80000000) {
      while (v >= 0x80) {
        this.buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.pos++] = v;
      return;
    }
    // Doubles at or beyond 2^63 (INT64_MAX as a double) saturate to INT64_MAX.
    let big = v >= 2 ** 63 ? 0x7fffffffffffffffn : BigInt.asUintN(64, BigInt(v));
    while (big >= 0x80n) {
      this.buf[this.pos++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.buf[this.pos++] = Number(big);
  }

  /** Writes a field tag. */
  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A varint field (int32, int64, enum, bool). */
  intField(field: number, v: number): void {
    this.tag(field, VARINT);
    this.varint(v);
  }

  /** A float (fixed32) field. */
  floatField(field: number, v: number): void {
    this.tag(field, FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  /** A bytes field. */
  bytesField(field: number, data: Uint8Array): void {
    this.tag(field, LEN);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A string field. */
  stringField(field: number, s: string): void {
    this.bytesField(field, utf8enc.encode(s));
  }

  /** An embedded message field. */
  messageField(field: number, msg: PbWriter): void {
    this.bytesField(field, msg.finish());
  }

  /** A packed repeated varint field. */
  packedInts(field: number, values: readonly number[]): void {
    const w = new PbWriter();
    for (const v of values) w.varint(v);
    this.messageField(field, w);
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): void {
    const data = new Uint8Array(values.length * 4);
    const dv = new DataView(data.buffer);
    values.forEach((v, i) => {
      dv.setFloat32(i * 4, v, true);
    });
    this.bytesField(field, data);
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
