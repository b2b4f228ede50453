/**
 * The blob store interface: file contents addressed by their sha256, stored once whatever how many
 * repos or commits use them. The embedded default is {@link FsBlobStore} (a folder);
 * {@link S3BlobStore} (an S3-compatible bucket) is the scale-out one; both pass the same
 * conformance suite (`test/conformance/blob-store.ts`). Writes verify the content's sha256 (and size) while
 * streaming and store nothing on a mismatch; resumable uploads go through a staging area that is
 * never visible as a blob until {@link BlobStore.stagingFinalize} verifies it.
 */
import type { Readable } from 'node:stream';

/** An inclusive byte range (as in HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  /** First byte. */
  start: number;
  /** Last byte (inclusive). */
  end: number;
}

/** Options of {@link BlobStore.put}. */
export interface PutOptions {
  /** The sha256 the content must have. */
  sha256: string;
  /** The size it must have (checked while streaming: extra bytes abort at once). */
  size?: number;
  /** Called with every chunk before it is stored; throwing aborts the write (nothing stored). */
  inspect?: (chunk: Buffer) => void;
  /** Called with the total size once everything arrived, before the blob becomes visible; may throw. */
  onEnd?: (size: number) => void;
}

/** A stored blob, as {@link BlobStore.stat} reports it. */
export interface BlobStat {
  /** Size in bytes. */
  size: number;
}

/** What {@link BlobStore.put} stored. */
export interface PutResult {
  /** Size in bytes of the verified content. */
  size: number;
  /** False when the blob already existed (deduplicated: nothing new was written). */
  created: boolean;
}

/** Content-addressed storage of file contents. */
export interface BlobStore {
  /** Releases resources. */
  close(): Promise<void>;
  /** The blob's size, or null when absent. */
  stat(sha256: string): Promise<BlobStat | null>;
  /** Streams a blob (or a range of it); 404 NotFoundError when absent. */
  read(sha256: string, range?: ByteRange): Promise<Readable>;
  /**
   * Stores `source` under `sha256` after verifying it while streaming; an IntegrityError (422) on a
   * sha256 or size mismatch, or whatever `inspect`/`onEnd` throw, leaves nothing stored.
   * `created` is false when the blob already existed (deduplicated).
   */
  put(source: Readable, opts: PutOptions): Promise<PutResult>;
  /** Deletes a blob (for a garbage collector); false when absent. */
  delete(sha256: string): Promise<boolean>;

  /** Creates an empty staging area for a resumable upload. */
  stagingCreate(id: string): Promise<void>;
  /** Bytes staged so far, or null when there is no such staging area. */
  stagingSize(id: string): Promise<number | null>;
  /**
   * Appends `source` at `offset` (which must equal the staged size, else a 409 ConflictError with
   * the current `offset`). Bytes received before an aborted request stay staged, so the upload
   * resumes from {@link BlobStore.stagingSize}. Refuses to grow past `maxBytes`. Returns the new size.
   */
  stagingAppend(id: string, offset: number, source: Readable, opts: { maxBytes: number }): Promise<number>;
  /** Streams staged bytes (to check a header before finalizing). */
  stagingRead(id: string, range?: ByteRange): Promise<Readable>;
  /**
   * Verifies the staged bytes' size and sha256 and moves them into the store as that blob. On a
   * mismatch the staging area is discarded and an IntegrityError thrown.
   */
  stagingFinalize(id: string, expect: { sha256: string; size: number }): Promise<Pick<PutResult, 'created'>>;
  /** Discards a staging area (no error when absent). */
  stagingDelete(id: string): Promise<void>;
}
