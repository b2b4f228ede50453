/** gzip detection and decompression (pure JS, fflate), so it also works in browsers. */
import { ValueError } from '@kindling/core';
import { gunzipSync } from 'fflate';

/** Whether `bytes` start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses `bytes` when they are gzip data, else returns them as they are; `name` labels errors. */
export function maybeGunzip(bytes: Uint8Array, name: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new ValueError(
      `${name}: corrupt or truncated gzip data (${bytes.length} bytes): ${(e as Error).message}`,
    );
  }
}
