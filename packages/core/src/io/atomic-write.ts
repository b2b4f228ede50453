/**
 * Node-only file helpers. `node:fs` is imported dynamically (with a computed specifier that bundlers
 * leave alone), so importing `@kindling/core` in a browser never pulls it in; calling these
 * functions outside Node throws a clear error.
 */
import { NotSupportedError } from '../errors.js';

type FsPromises = typeof import('node:fs/promises');
type PathModule = typeof import('node:path');

async function nodeModule<T>(name: string, op: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ name)) as T;
  } catch {
    throw new NotSupportedError(`${op}: file access needs Node.js (module ${name} is not available here)`);
  }
}

/**
 * Writes `data` to `path` atomically: into a temporary file in the same folder, flushed to disk
 * with fsync, then renamed over `path`, so a crash never leaves a half-written file behind.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const fs = await nodeModule<FsPromises>('node:fs/promises', 'writeFileAtomic');
  const p = await nodeModule<PathModule>('node:path', 'writeFileAtomic');
  const dir = p.dirname(p.resolve(path));
  const rand = Math.floor(Math.random() * 0x100000000).toString(16);
  const tmp = p.join(dir, `.${p.basename(path)}.${process.pid}.${rand}.tmp`);
  const handle = await fs.open(tmp, 'wx');
  try {
    try {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written);
        written += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  // Persist the rename itself; not every platform can open a folder, so this is best effort.
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // ignored: the data is already on disk
  }
}

/** Reads a whole file as bytes (Node only). */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const fs = await nodeModule<FsPromises>('node:fs/promises', 'readFile');
  const buf = await fs.readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
