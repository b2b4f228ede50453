/**
 * The embedded blob store: a folder. Blobs live at `blobs/ab/cd/<sha256>`; a write streams into
 * `tmp/<random>` while hashing, is fsynced, verified, and only then renamed into place (rename is
 * atomic), so a crash or an aborted request never leaves a partial blob visible. `tmp/` is wiped
 * when the store opens. Resumable uploads stage in `staging/<id>` (kept across restarts: their
 * size is the resume offset) until {@link FsBlobStore.stagingFinalize} hashes and moves them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError, IntegrityError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import { checkSha256 } from '../validate.js';
import type { BlobStat, BlobStore, ByteRange, PutOptions, PutResult } from './blob.js';

const STAGING_ID = /^[A-Za-z0-9_-]{8,128}$/;

/**
 * Writes `source` to `file` (opened with `flags`) chunk by chunk, calling `check(chunk, total)`
 * before each write (it may throw to stop), and fsyncs what was written. Stopping early does not
 * destroy `source`, so an HTTP server can still answer the request. Returns the file's new size.
 */
async function appendFrom(
  file: string,
  flags: 'wx' | 'a',
  source: Readable,
  start: number,
  check: (chunk: Buffer, total: number) => void,
): Promise<number> {
  const fh = await open(file, flags);
  let total = start;
  try {
    for await (const chunk of source.iterator({ destroyOnReturn: false })) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      check(buf, total + buf.length);
      let written = 0;
      while (written < buf.length)
        written += (await fh.write(buf, written, buf.length - written)).bytesWritten;
      total += buf.length;
    }
  } finally {
    await fh.sync().catch(() => {});
    await fh.close();
  }
  return total;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** {@link BlobStore} in a local folder. */
export class FsBlobStore implements BlobStore {
  /** Root folder. */
  readonly root: string;
  private readonly blobDir: string;
  private readonly tmpDir: string;
  private readonly stagingDir: string;

  /** Opens (creating if needed) the store in `root` and removes leftovers of interrupted writes. */
  constructor(root: string) {
    this.root = root;
    this.blobDir = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
    this.stagingDir = join(root, 'staging');
    for (const d of [this.blobDir, this.tmpDir, this.stagingDir]) mkdirSync(d, { recursive: true });
    for (const f of readdirSync(this.tmpDir)) rmSync(join(this.tmpDir, f), { force: true, recursive: true });
  }

  /** Where a blob lives. */
  blobPath(sha256: string): string {
    checkSha256(sha256);
    return join(this.blobDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  private stagingPath(id: string): string {
    if (!STAGING_ID.test(id)) throw new NotFoundError(`no upload staging area '${id}'`, 'upload_not_found');
    return join(this.stagingDir, id);
  }

  /** Names of files currently in `tmp/` (for tests: empty once writes settle). */
  tmpEntries(): string[] {
    return readdirSync(this.tmpDir);
  }

  async close(): Promise<void> {}

  async stat(sha256: string): Promise<BlobStat | null> {
    try {
      return { size: (await stat(this.blobPath(sha256))).size };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  private async openRead(file: string, range: ByteRange | undefined, what: string): Promise<Readable> {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`${what} not found`, 'blob_not_found');
      throw err;
    }
    return fh.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async read(sha256: string, range?: ByteRange): Promise<Readable> {
    return this.openRead(this.blobPath(sha256), range, `blob ${sha256}`);
  }

  /** Moves a verified file into the store; false (and the file removed) when the blob already existed. */
  private async install(file: string, sha256: string): Promise<boolean> {
    const dest = this.blobPath(sha256);
    if (await this.stat(sha256)) {
      await rm(file, { force: true });
      return false;
    }
    await mkdir(join(dest, '..'), { recursive: true });
    await rename(file, dest);
    return true;
  }

  async put(source: Readable, opts: PutOptions): Promise<PutResult> {
    const sha256 = checkSha256(opts.sha256);
    const tmp = join(this.tmpDir, randomUUID());
    const hash = createHash('sha256');
    let ok = false;
    try {
      const size = await appendFrom(tmp, 'wx', source, 0, (chunk, total) => {
        if (opts.size !== undefined && total > opts.size)
          throw new IntegrityError(`received more than the declared ${opts.size} bytes`, 'size_mismatch', {
            expected: opts.size,
          });
        opts.inspect?.(chunk);
        hash.update(chunk);
      });
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
          {
            expected: sha256,
            actual: digest,
          },
        );
      opts.onEnd?.(size);
      const created = await this.install(tmp, sha256);
      ok = true;
      return { size, created };
    } finally {
      if (!ok) await unlink(tmp).catch(() => {});
    }
  }

  async delete(sha256: string): Promise<boolean> {
    try {
      await unlink(this.blobPath(sha256));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async stagingCreate(id: string): Promise<void> {
    const fh = await open(this.stagingPath(id), 'wx');
    await fh.close();
  }

  async stagingSize(id: string): Promise<number | null> {
    try {
      return (await stat(this.stagingPath(id))).size;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async stagingAppend(
    id: string,
    offset: number,
    source: Readable,
    opts: { maxBytes: number },
  ): Promise<number> {
    const file = this.stagingPath(id);
    const current = await this.stagingSize(id);
    if (current === null) throw new NotFoundError(`no upload staging area '${id}'`, 'upload_not_found');
    if (current !== offset)
      throw new ConflictError(`upload is at offset ${current}, not ${offset}`, 'offset_mismatch', {
        offset: current,
      });
    // Every chunk is written before the next is read, so after an abort the file holds exactly
    // the bytes that arrived: a prefix of the upload, and the offset to resume from.
    return appendFrom(file, 'a', source, current, (_chunk, total) => {
      if (total > opts.maxBytes)
        throw new PayloadTooLargeError(`upload would exceed its declared ${opts.maxBytes} bytes`);
    });
  }

  async stagingRead(id: string, range?: ByteRange): Promise<Readable> {
    return this.openRead(this.stagingPath(id), range, `upload staging area '${id}'`);
  }

  async stagingFinalize(
    id: string,
    expect: { sha256: string; size: number },
  ): Promise<Pick<PutResult, 'created'>> {
    const file = this.stagingPath(id);
    const size = await this.stagingSize(id);
    if (size === null) throw new NotFoundError(`no upload staging area '${id}'`, 'upload_not_found');
    const fail = async (msg: string, code: string, details: Record<string, unknown>): Promise<never> => {
      await rm(file, { force: true });
      throw new IntegrityError(msg, code, details);
    };
    if (size !== expect.size)
      await fail(`staged ${size} bytes, expected ${expect.size}`, 'size_mismatch', {
        expected: expect.size,
        actual: size,
      });
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const digest = hash.digest('hex');
    if (digest !== expect.sha256)
      await fail(`content has sha256 ${digest}, not the declared ${expect.sha256}`, 'sha256_mismatch', {
        expected: expect.sha256,
        actual: digest,
      });
    return { created: await this.install(file, expect.sha256) };
  }

  async stagingDelete(id: string): Promise<void> {
    await rm(this.stagingPath(id), { force: true });
  }
}
