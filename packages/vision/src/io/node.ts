/**
 * Synchronous access to Node's `fs` and `path` without a static import: `process.getBuiltinModule`
 * (Node >= 20.16) returns them on demand, so importing `@kindling/vision` in a browser never pulls
 * them in, and calling a file-reading function there throws a clear error instead.
 */
import { NotSupportedError } from '@kindling/core';

/** Node's `fs` module (types only). */
export type NodeFs = typeof import('node:fs');
/** Node's `path` module (types only). */
export type NodePath = typeof import('node:path');

function builtin<T>(name: string, op: string): T {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.(name) as T | undefined;
  if (!mod) {
    throw new NotSupportedError(
      `${op}: reading and writing files needs Node.js >= 20.16 (module ${name} is not available here); ` +
        'in a browser, pass the file bytes to the decoding functions instead',
    );
  }
  return mod;
}

/** Node's `fs`, or a NotSupportedError naming `op` outside Node. */
export function nodeFs(op: string): NodeFs {
  return builtin<NodeFs>('node:fs', op);
}

/** Node's `path`, or a NotSupportedError naming `op` outside Node. */
export function nodePath(op: string): NodePath {
  return builtin<NodePath>('node:path', op);
}

/** Whether `path` is an existing regular file. */
export function isFile(path: string, op: string): boolean {
  try {
    return nodeFs(op).statSync(path).isFile();
  } catch (e) {
    if (e instanceof NotSupportedError) throw e;
    return false;
  }
}

/** Whether `path` is an existing folder. */
export function isDir(path: string, op: string): boolean {
  try {
    return nodeFs(op).statSync(path).isDirectory();
  } catch (e) {
    if (e instanceof NotSupportedError) throw e;
    return false;
  }
}

/** Reads a whole file as bytes. */
export function readBytes(path: string, op: string): Uint8Array {
  const buf = nodeFs(op).readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
