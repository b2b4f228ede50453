/**
 * The BlobStore conformance suite: every implementation (a folder, an S3 bucket) must pass it.
 * Call it from a test file with a factory that returns a fresh, empty store.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, IntegrityError, NotFoundError, PayloadTooLargeError } from '../../src/errors.js';
import type { BlobStore } from '../../src/storage/blob.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const src = (...parts: Array<Buffer | string>) => Readable.from(parts.map((p) => Buffer.from(p)));
async function text(r: Readable) {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function bytesOf(r: Readable) {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** `n` pseudo-random bytes, as 64 KiB chunks. */
function bigChunks(n: number, seed: number): Buffer[] {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.writeUInt32LE(x, i - (i + 4 > n ? i + 4 - n : 0));
  }
  const chunks: Buffer[] = [];
  for (let i = 0; i < n; i += 65536) chunks.push(out.subarray(i, Math.min(n, i + 65536)));
  return chunks;
}

/** Registers the suite for one implementation. */
export function blobStoreSuite(name: string, open: () => Promise<BlobStore>) {
  describe(`BlobStore conformance: ${name}`, () => {
    let s: BlobStore;
    beforeEach(async () => {
      s = await open();
    });

    it('stores verified content once and reads it back, whole or by range', async () => {
      const data = 'hello, content-addressed world';
      expect(
        await s.put(src('hello, ', 'content-addressed world'), { sha256: sha(data), size: data.length }),
      ).toEqual({
        size: data.length,
        created: true,
      });
      expect(await s.put(src(data), { sha256: sha(data) })).toEqual({ size: data.length, created: false });
      expect(await s.stat(sha(data))).toEqual({ size: data.length });
      expect(await text(await s.read(sha(data)))).toBe(data);
      expect(await text(await s.read(sha(data), { start: 7, end: 13 }))).toBe('content');
      await expect(s.read(sha('absent'))).rejects.toBeInstanceOf(NotFoundError);
      expect(await s.delete(sha(data))).toBe(true);
      expect(await s.stat(sha(data))).toBeNull();
    });

    it('stores nothing on a hash or size mismatch or when inspection fails', async () => {
      await expect(s.put(src('abc'), { sha256: sha('abd') })).rejects.toMatchObject({
        code: 'sha256_mismatch',
      });
      await expect(s.put(src('abc'), { sha256: sha('abc'), size: 2 })).rejects.toBeInstanceOf(IntegrityError);
      await expect(s.put(src('abc'), { sha256: sha('abc'), size: 4 })).rejects.toMatchObject({
        code: 'size_mismatch',
      });
      await expect(
        s.put(src('abc'), {
          sha256: sha('abc'),
          inspect: () => {
            throw new IntegrityError('nope', 'invalid_safetensors');
          },
        }),
      ).rejects.toMatchObject({ code: 'invalid_safetensors' });
      await expect(
        s.put(src('abc'), {
          sha256: sha('abc'),
          onEnd: () => {
            throw new IntegrityError('late', 'late');
          },
        }),
      ).rejects.toMatchObject({ code: 'late' });
      const broken = new Readable({
        read() {
          this.push(Buffer.from('ab'));
          this.destroy(new Error('connection reset'));
        },
      });
      await expect(s.put(broken, { sha256: sha('abc') })).rejects.toThrow('connection reset');
      expect(await s.stat(sha('abc'))).toBeNull();
    });

    it('stages resumable uploads, keeping what arrived before an interruption', async () => {
      const data = '0123456789abcdef';
      await s.stagingCreate('up_session1');
      expect(await s.stagingSize('up_session1')).toBe(0);
      expect(await s.stagingAppend('up_session1', 0, src('01234'), { maxBytes: 16 })).toBe(5);
      let sent = false;
      const broken = new Readable({
        read() {
          if (sent) return;
          sent = true;
          this.push(Buffer.from('567'));
          setImmediate(() => this.destroy(new Error('aborted')));
        },
      });
      await expect(s.stagingAppend('up_session1', 5, broken, { maxBytes: 16 })).rejects.toThrow('aborted');
      expect(await s.stagingSize('up_session1')).toBe(8);
      const err = await s.stagingAppend('up_session1', 5, src('x'), { maxBytes: 16 }).catch((e) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err.details.offset).toBe(8);
      await expect(
        s.stagingAppend('up_session1', 8, src('89abcdefXX'), { maxBytes: 16 }),
      ).rejects.toBeInstanceOf(PayloadTooLargeError);
      const at = (await s.stagingSize('up_session1'))!;
      await s.stagingAppend('up_session1', at, src(data.slice(at)), { maxBytes: 16 });
      expect(await text(await s.stagingRead('up_session1', { start: 0, end: 3 }))).toBe('0123');
      expect(await s.stat(sha(data))).toBeNull();
      expect(await s.stagingFinalize('up_session1', { sha256: sha(data), size: 16 })).toEqual({
        created: true,
      });
      expect(await text(await s.read(sha(data)))).toBe(data);
      expect(await s.stagingSize('up_session1')).toBeNull();
    });

    it('streams blobs larger than any buffer or part, whole or not at all', async () => {
      const chunks = bigChunks(11 * 1024 * 1024 + 5, 7);
      const big = Buffer.concat(chunks);
      expect(await s.put(Readable.from(chunks), { sha256: sha(big), size: big.length })).toEqual({
        size: big.length,
        created: true,
      });
      const at = 5 * 1024 * 1024 - 3;
      expect(
        (await bytesOf(await s.read(sha(big), { start: at, end: at + 9 }))).equals(big.subarray(at, at + 10)),
      ).toBe(true);
      expect((await bytesOf(await s.read(sha(big)))).equals(big)).toBe(true);
      // A large write whose hash is wrong leaves nothing behind.
      const other = bigChunks(6 * 1024 * 1024 + 1, 9);
      await expect(s.put(Readable.from(other), { sha256: sha('nope') })).rejects.toMatchObject({
        code: 'sha256_mismatch',
      });
      expect(await s.stat(sha(Buffer.concat(other)))).toBeNull();
      // A staged upload larger than a part, in two appends, finalizes to the existing blob.
      await s.stagingCreate('up_big_one');
      const half = 6 * 1024 * 1024;
      await s.stagingAppend('up_big_one', 0, Readable.from([big.subarray(0, half)]), {
        maxBytes: big.length,
      });
      expect(
        await s.stagingAppend('up_big_one', half, Readable.from([big.subarray(half)]), {
          maxBytes: big.length,
        }),
      ).toBe(big.length);
      expect(
        (await bytesOf(await s.stagingRead('up_big_one', { start: half - 2, end: half + 1 }))).equals(
          big.subarray(half - 2, half + 2),
        ),
      ).toBe(true);
      expect(await s.stagingFinalize('up_big_one', { sha256: sha(big), size: big.length })).toEqual({
        created: false,
      });
      expect(await s.stagingSize('up_big_one')).toBeNull();
    });

    it('discards a staged upload whose hash is wrong', async () => {
      await s.stagingCreate('up_session2');
      await s.stagingAppend('up_session2', 0, src('abc'), { maxBytes: 3 });
      await expect(s.stagingFinalize('up_session2', { sha256: sha('abd'), size: 3 })).rejects.toMatchObject({
        code: 'sha256_mismatch',
      });
      expect(await s.stagingSize('up_session2')).toBeNull();
      expect(await s.stat(sha('abd'))).toBeNull();
      await s.stagingDelete('up_session2');
      await expect(s.stagingAppend('missing-session', 0, src('a'), { maxBytes: 1 })).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });
  });
}
