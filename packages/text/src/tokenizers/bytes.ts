/** Byte helpers: UTF-8 encoding into a scratch buffer, base64 and Latin-1 keys for byte strings. */
import { ValueError } from '@kindling/core';

/**
 * Writes the UTF-8 bytes of `text[start, end)` into `out` (which must hold `3 * (end - start)`
 * bytes) and returns their count. A lone surrogate becomes U+FFFD (EF BF BD), as `TextEncoder`
 * (and so tiktoken) does.
 */
export function utf8Into(text: string, start: number, end: number, out: Uint8Array): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const lo = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
        c = ((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 63);
        out[n++] = 0x80 | ((c >> 6) & 63);
        out[n++] = 0x80 | (c & 63);
      } else {
        out[n++] = 0xef;
        out[n++] = 0xbf;
        out[n++] = 0xbd;
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}

/** The bytes as a string of char codes 0-255: a cheap Map key for a byte string. */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Decodes standard padded base64; throws `ValueError` (naming `where`) on malformed input. */
export function fromBase64(b64: string, where: string): Uint8Array {
  const len = b64.length;
  const pad = len > 0 && b64.charCodeAt(len - 1) === 61 ? (b64.charCodeAt(len - 2) === 61 ? 2 : 1) : 0;
  const bad = () => new ValueError(`${where}: '${b64.slice(0, 40)}' is not valid base64`);
  if (len % 4 !== 0) throw bad();
  const out = new Uint8Array((len / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    const c0 = b64.charCodeAt(i);
    const c1 = b64.charCodeAt(i + 1);
    const c2 = b64.charCodeAt(i + 2);
    const c3 = b64.charCodeAt(i + 3);
    const last = i + 4 === len;
    const v0 = c0 < 128 ? B64_INDEX[c0] : -1;
    const v1 = c1 < 128 ? B64_INDEX[c1] : -1;
    const v2 = last && pad === 2 ? 0 : c2 < 128 ? B64_INDEX[c2] : -1;
    const v3 = last && pad >= 1 ? 0 : c3 < 128 ? B64_INDEX[c3] : -1;
    if ((v0 | v1 | v2 | v3) < 0) throw bad();
    const n = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Standard base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  return btoa(latin1(bytes));
}
