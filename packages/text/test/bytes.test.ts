import { ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, utf8Into } from '../src/tokenizers/bytes.js';
import { randomText, rng } from './helpers.js';

describe('byte helpers', () => {
  it('base64 round-trips every length and agrees with atob', () => {
    const rand = rng(8);
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      const b64 = toBase64(bytes);
      expect(Array.from(fromBase64(b64, 'test'))).toEqual(Array.from(bytes));
      expect(Array.from(fromBase64(b64, 'test'))).toEqual(Array.from(atob(b64), (c) => c.charCodeAt(0)));
    }
  });

  it('rejects malformed base64 with ValueError', () => {
    for (const bad of ['abc', 'a===', 'ab=c', 'ab c', '!!!!', 'é===', 'QQ==QQ==']) {
      expect(() => fromBase64(bad, 'where')).toThrow(ValueError);
    }
  });

  it('encodes UTF-8 like TextEncoder, lone surrogates as U+FFFD', () => {
    const enc = new TextEncoder();
    const rand = rng(12);
    for (let k = 0; k < 300; k++) {
      const s = randomText(rand, 15);
      const out = new Uint8Array(3 * s.length);
      const n = utf8Into(s, 0, s.length, out);
      expect(Array.from(out.subarray(0, n))).toEqual(Array.from(enc.encode(s)));
    }
  });
});
