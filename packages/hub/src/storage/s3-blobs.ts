/**
 * The scale-out blob store: an S3-compatible bucket (AWS S3, MinIO, OpenStack Swift's s3api...).
 *
 * Layout under an optional key prefix: `blobs/ab/cd/<sha256>` for blobs, `staging/<id>/` for
 * resumable uploads. Nothing partial is ever visible as a blob: a write small enough for one part
 * is verified in memory and then stored with one `PUT`; a larger one streams into a multipart
 * upload of the final key (bounded parts, constant memory) that is completed (the object appears
 * whole, atomically) only once the sha256 and size check out, and aborted otherwise. A blob that
 * already exists is verified but not sent again.
 *
 * A staging area is a marker object plus segments named by their start offset
 * (`staging/<id>/<offset>`); each append writes the bytes it received as segments, also when the
 * request breaks off, so the staged size (the resume offset) is the end of the contiguous segments.
 * Finalizing streams the segments through the hash into a multipart upload of the blob. Every
 * server instance sees the same state, so resumable uploads work across instances (the metadata
 * store's upload leases keep two instances from appending to one session at once).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ConflictError, IntegrityError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import { checkSha256 } from '../validate.js';
import type { BlobStat, BlobStore, ByteRange, PutOptions, PutResult } from './blob.js';
import { S3Client, type S3Config } from './s3-client.js';

const STAGING_ID = /^[A-Za-z0-9_-]{8,128}$/;
const MIN_PART = 5 * 1024 * 1024;

/** Options of {@link S3BlobStore.open}. */
export interface S3BlobStoreOptions extends S3Config {
  /** Bucket (created when missing). */
  bucket: string;
  /** Key prefix for everything this hub stores (e.g. `hub/`; default none). */
  prefix?: string;
  /** Multipart part size and staging segment size in bytes (default 8 MiB, at least 5 MiB). */
  partBytes?: number;
}

/** Collects chunks up to a size, then hands them over as one Buffer. */
class PartBuffer {
  private chunks: Buffer[] = [];
  size = 0;
  push(c: Buffer) {
    this.chunks.push(c);
    this.size += c.length;
  }
  take(): Buffer {
    const b = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    return b;
  }
}

function toBuffer(chunk: unknown): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
}

/** {@link BlobStore} on an S3-compatible bucket. */
export class S3BlobStore implements BlobStore {
  /** The S3 client (for tests and tools). */
  readonly s3: S3Client;
  /** Bucket. */
  readonly bucket: string;
  /** Key prefix. */
  readonly prefix: string;
  private readonly partBytes: number;

  private constructor(opts: S3BlobStoreOptions) {
    this.s3 = new S3Client(opts);
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? '';
    this.partBytes = Math.max(opts.partBytes ?? 8 * 1024 * 1024, MIN_PART);
  }

  /** Connects, creating the bucket when it does not exist. */
  static async open(opts: S3BlobStoreOptions): Promise<S3BlobStore> {
    const store = new S3BlobStore(opts);
    await store.s3.ensureBucket(store.bucket);
    return store;
  }

  private blobKey(sha256: string): string {
    checkSha256(sha256);
    return `${this.prefix}blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  private stagingPrefix(id: string): string {
    if (!STAGING_ID.test(id)) throw new NotFoundError(`no upload staging area '${id}'`, 'upload_not_found');
    return `${this.prefix}staging/${id}/`;
  }

  /** Multipart uploads of blobs still open (for tests: empty once writes settle). */
  async pendingUploads(): Promise<string[]> {
    return (await this.s3.listMultipart(this.bucket, `${this.prefix}blobs/`)).map((u) => u.key);
  }

  async close(): Promise<void> {
    this.s3.destroy();
  }

  async stat(sha256: string): Promise<BlobStat | null> {
    const h = await this.s3.head(this.bucket, this.blobKey(sha256));
    return h ? { size: h.size } : null;
  }

  async read(sha256: string, range?: ByteRange): Promise<Readable> {
    const r = await this.s3.get(this.bucket, this.blobKey(sha256), range);
    if (!r) throw new NotFoundError(`blob ${sha256} not found`, 'blob_not_found');
    return r;
  }

  /**
   * Streams `chunks` into the blob `sha256`: `check` sees every chunk first (it hashes and may
   * throw), `verify` runs once everything arrived. Only a verified blob becomes visible.
   */
  private async write(
    sha256: string,
    chunks: AsyncIterable<unknown>,
    check: (chunk: Buffer) => void,
    verify: () => void,
  ): Promise<boolean> {
    const key = this.blobKey(sha256);
    const exists = (await this.s3.head(this.bucket, key)) !== null;
    const buf = new PartBuffer();
    let uploadId: string | null = null;
    const etags: string[] = [];
    try {
      for await (const raw of chunks) {
        const chunk = toBuffer(raw);
        check(chunk);
        if (exists) continue; // verify only: the bytes are already stored
        buf.push(chunk);
        if (buf.size >= this.partBytes) {
          uploadId ??= await this.s3.createMultipart(this.bucket, key);
          etags.push(await this.s3.uploadPart(this.bucket, key, uploadId, etags.length + 1, buf.take()));
        }
      }
      verify();
      if (exists) return false;
      if (uploadId === null) await this.s3.put(this.bucket, key, buf.take());
      else {
        if (buf.size > 0 || etags.length === 0)
          etags.push(await this.s3.uploadPart(this.bucket, key, uploadId, etags.length + 1, buf.take()));
        await this.s3.completeMultipart(this.bucket, key, uploadId, etags);
        uploadId = null;
      }
      return true;
    } finally {
      if (uploadId !== null) await this.s3.abortMultipart(this.bucket, key, uploadId).catch(() => {});
    }
  }

  async put(source: Readable, opts: PutOptions): Promise<PutResult> {
    const sha256 = checkSha256(opts.sha256);
    const hash = createHash('sha256');
    let size = 0;
    const created = await this.write(
      sha256,
      // Stopping early does not destroy `source`, so an HTTP server can still answer the request.
      source.iterator({ destroyOnReturn: false }),
      (chunk) => {
        size += chunk.length;
        if (opts.size !== undefined && size > opts.size)
          throw new IntegrityError(`received more than the declared ${opts.size} bytes`, 'size_mismatch', {
            expected: opts.size,
          });
        opts.inspect?.(chunk);
        hash.update(chunk);
      },
      () => {
        if (opts.size !== undefined && size !== opts.size)
          throw new IntegrityError(`received ${size} bytes, expected ${opts.size}`, 'size_mismatch', {
            expected: opts.size,
            actual: size,
          });
        const digest = hash.digest('hex');
        if (digest !== sha256)
          throw new IntegrityError(
            `content has sha256 ${digest}, not the declared ${sha256}`,
            'sha256_mismatch',
            { expected: sha256, actual: digest },
          );
        opts.onEnd?.(size);
      },
    );
    return { size, created };
  }

  async delete(sha256: string): Promise<boolean> {
    const key = this.blobKey(sha256);
    if (!(await this.s3.head(this.bucket, key))) return false;
    await this.s3.delete(this.bucket, key);
    return true;
  }

  /**
   * The staging area's segments in offset order plus every key under it, or null when it does not
   * exist. A listing may lag a just-written segment, so the run is probed past its listed end.
   */
  private async scan(
    id: string,
  ): Promise<{ segments: Array<{ key: string; start: number; size: number }>; keys: string[] } | null> {
    const prefix = this.stagingPrefix(id);
    const listed = await this.s3.list(this.bucket, prefix);
    const keys = listed.map((o) => o.key);
    const marker = `${prefix}session`;
    if (!keys.includes(marker) && !(await this.s3.head(this.bucket, marker))) return null;
    const byStart = new Map<number, number>();
    for (const o of listed) {
      const name = o.key.slice(prefix.length);
      if (/^\d{16}$/.test(name)) byStart.set(Number(name), o.size);
    }
    const segments: Array<{ key: string; start: number; size: number }> = [];
    let at = 0;
    for (;;) {
      const key = this.segmentKey(prefix, at);
      let size = byStart.get(at);
      if (size === undefined) {
        const h = await this.s3.head(this.bucket, key);
        if (!h) break;
        size = h.size;
        keys.push(key);
      }
      if (size === 0) break;
      segments.push({ key, start: at, size });
      at += size;
    }
    return { segments, keys };
  }

  private async segments(id: string): Promise<Array<{ key: string; start: number; size: number }> | null> {
    return (await this.scan(id))?.segments ?? null;
  }

  private segmentKey(prefix: string, offset: number): string {
    return `${prefix}${String(offset).padStart(16, '0')}`;
  }

  async stagingCreate(id: string): Promise<void> {
    await this.s3.put(this.bucket, `${this.stagingPrefix(id)}session`, Buffer.alloc(0));
  }

  async stagingSize(id: string): Promise<number | null> {
    const segs = await this.segments(id);
    if (!segs) return null;
    const last = segs[segs.length - 1];
    return last ? last.start + last.size : 0;
  }

  async stagingAppend(
    id: string,
    offset: number,
    source: Readable,
    opts: { maxBytes: number },
  ): Promise<number> {
    const prefix = this.stagingPrefix(id);
    const current = await this.stagingSize(id);
    if (current === null) throw new NotFoundError(`no upload staging area '${id}'`, 'upload_not_found');
    if (current !== offset)
      throw new ConflictError(`upload is at offset ${current}, not ${offset}`, 'offset_mismatch', {
        offset: current,
      });
    let at = current;
    const buf = new PartBuffer();
    const flush = async () => {
      if (buf.size === 0) return;
      const size = buf.size;
      await this.s3.put(this.bucket, this.segmentKey(prefix, at), buf.take());
      at += size;
    };
    try {
      for await (const raw of source.iterator({ destroyOnReturn: false })) {
        const chunk = toBuffer(raw);
        if (at + buf.size + chunk.length > opts.maxBytes)
          throw new PayloadTooLargeError(`upload would exceed its declared ${opts.maxBytes} bytes`);
        buf.push(chunk);
        if (buf.size >= this.partBytes) await flush();
      }
    } finally {
      // What arrived before an error stays staged: the upload resumes from there.
      await flush();
    }
    return at;
  }

  async stagingRead(id: string, range?: ByteRange): Promise<Readable> {
    const segs = await this.segments(id);
    if (!segs) throw new NotFoundError(`upload staging area '${id}' not found`, 'blob_not_found');
    const total = segs.length ? segs[segs.length - 1].start + segs[segs.length - 1].size : 0;
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? total - 1, total - 1);
    const s3 = this.s3;
    const bucket = this.bucket;
    async function* gen() {
      for (const seg of segs!) {
        const segEnd = seg.start + seg.size - 1;
        if (segEnd < start || seg.start > end) continue;
        const r = await s3.get(bucket, seg.key, {
          start: Math.max(start, seg.start) - seg.start,
          end: Math.min(end, segEnd) - seg.start,
        });
        if (!r) throw new NotFoundError(`upload staging area '${id}' lost a segment`, 'blob_not_found');
        yield* r;
      }
    }
    return Readable.from(gen(), { objectMode: false });
  }

  async stagingFinalize(
    id: string,
    expect: { sha256: string; size: number },
  ): Promise<Pick<PutResult, 'created'>> {
    const segs = await this.segments(id);
    if (!segs) throw new NotFoundError(`no upload staging area '${id}'`, 'upload_not_found');
    const size = segs.length ? segs[segs.length - 1].start + segs[segs.length - 1].size : 0;
    const fail = async (msg: string, code: string, details: Record<string, unknown>): Promise<never> => {
      await this.stagingDelete(id);
      throw new IntegrityError(msg, code, details);
    };
    if (size !== expect.size)
      await fail(`staged ${size} bytes, expected ${expect.size}`, 'size_mismatch', {
        expected: expect.size,
        actual: size,
      });
    const hash = createHash('sha256');
    let created: boolean;
    try {
      created = await this.write(
        checkSha256(expect.sha256),
        await this.stagingRead(id),
        (chunk) => hash.update(chunk),
        () => {
          const digest = hash.digest('hex');
          if (digest !== expect.sha256)
            throw new IntegrityError(
              `content has sha256 ${digest}, not the declared ${expect.sha256}`,
              'sha256_mismatch',
              { expected: expect.sha256, actual: digest },
            );
        },
      );
    } catch (err) {
      if (err instanceof IntegrityError) await this.stagingDelete(id);
      throw err;
    }
    await this.stagingDelete(id);
    return { created };
  }

  async stagingDelete(id: string): Promise<void> {
    const prefix = this.stagingPrefix(id);
    const found = await this.scan(id);
    const marker = `${prefix}session`;
    // The marker goes first: from then on the session is gone, whatever happens to the segments.
    await this.s3.delete(this.bucket, marker);
    const rest = (found?.keys ?? (await this.s3.list(this.bucket, prefix)).map((o) => o.key)).filter(
      (k) => k !== marker,
    );
    if (rest.length) await this.s3.deleteMany(this.bucket, rest);
  }
}
