/**
 * A read-only zip reader for `torch.save` archives (and any other zip): central directory, ZIP64,
 * STORED and DEFLATE entries, CRC-32 checks. It never writes anything and never touches the file
 * system: it takes bytes. Entry names that could escape a folder (absolute paths, `..` segments,
 * backslashes, drive letters, NUL) are refused, and decompressed sizes are capped, so a hostile
 * archive can neither traverse paths nor inflate into a memory bomb.
 */
import { ValueError } from '../../errors.js';
import { inflateRaw } from './inflate.js';

/** Limits applied while reading an archive. */
export interface ZipLimits {
  /** Largest decompressed size of one DEFLATE entry, in bytes (default 1 GiB). */
  maxEntryBytes?: number;
  /** Largest number of entries (default 100 000). */
  maxEntries?: number;
}

/** One file in the archive, as its central directory describes it. */
export interface ZipEntry {
  /** Path inside the archive (validated: relative, no `..`). */
  name: string;
  /** 0 = STORED, 8 = DEFLATE. */
  method: number;
  /** Size of the stored (possibly compressed) data. */
  compressedSize: number;
  /** Size once decompressed. */
  size: number;
  /** CRC-32 of the decompressed data. */
  crc32: number;
  /** Offset of the entry's local header. */
  localOffset: number;
}

const DEFAULT_MAX_ENTRY = 1 << 30;
const DEFAULT_MAX_ENTRIES = 100_000;

let crcTable: Int32Array | null = null;

/** CRC-32 (IEEE) of `data`, as an unsigned number. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  const t = crcTable;
  let c = -1;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function bad(msg: string): never {
  throw new ValueError(`zip: ${msg}`);
}

/** Refuses names that could escape the archive's folder if anyone extracted it. */
function checkName(name: string): void {
  if (name.length === 0) bad('an entry has an empty name');
  if (name.includes('\0')) bad(`entry name ${JSON.stringify(name)} contains a NUL byte`);
  if (name.includes('\\')) bad(`entry name ${JSON.stringify(name)} contains a backslash`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name))
    bad(`entry name ${JSON.stringify(name)} is an absolute path (path traversal refused)`);
  if (name.split('/').some((s) => s === '..'))
    bad(`entry name ${JSON.stringify(name)} contains a '..' segment (path traversal refused)`);
}

/** A parsed zip archive: its entries by name, and a way to read their contents. */
export class ZipArchive {
  /** Entries by name, in central-directory order. */
  readonly entries = new Map<string, ZipEntry>();
  private readonly maxEntryBytes: number;

  /** Parses the central directory of `bytes` (nothing is decompressed yet). */
  constructor(
    private readonly bytes: Uint8Array,
    limits?: ZipLimits,
  ) {
    this.maxEntryBytes = limits?.maxEntryBytes ?? DEFAULT_MAX_ENTRY;
    const maxEntries = limits?.maxEntries ?? DEFAULT_MAX_ENTRIES;
    const b = bytes;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const u16 = (o: number) => dv.getUint16(o, true);
    const u32 = (o: number) => dv.getUint32(o, true);
    const u64 = (o: number) => {
      const v = u32(o) + u32(o + 4) * 4294967296;
      if (!Number.isSafeInteger(v)) bad(`a 64-bit field at offset ${o} is too large`);
      return v;
    };
    // End of central directory: the last signature within the final 64 KiB + 22 bytes.
    let eocd = -1;
    for (let i = b.length - 22; i >= 0 && i >= b.length - 22 - 65535; i--) {
      if (u32(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0)
      bad(`no end-of-central-directory record found (not a zip file, or truncated; ${b.length} bytes)`);
    let count = u16(eocd + 10);
    let cdSize = u32(eocd + 12);
    let cdOffset = u32(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || u32(loc) !== 0x07064b50) bad('ZIP64 end-of-central-directory locator is missing');
      const z = u64(loc + 8);
      if (z + 56 > b.length || u32(z) !== 0x06064b50) bad('ZIP64 end-of-central-directory record is missing');
      count = u64(z + 32);
      cdSize = u64(z + 40);
      cdOffset = u64(z + 48);
    }
    if (count > maxEntries) bad(`archive has ${count} entries, more than the limit of ${maxEntries}`);
    if (cdOffset + cdSize > b.length)
      bad(
        `central directory (offset ${cdOffset}, ${cdSize} bytes) runs past the end of the ${b.length}-byte file (truncated?)`,
      );
    const decoder = new TextDecoder('utf-8', { fatal: false });
    let p = cdOffset;
    for (let n = 0; n < count; n++) {
      if (p + 46 > cdOffset + cdSize || u32(p) !== 0x02014b50) bad(`central directory entry ${n} is corrupt`);
      const flags = u16(p + 8);
      const method = u16(p + 10);
      const crc = u32(p + 16);
      let compressedSize = u32(p + 20);
      let size = u32(p + 24);
      const nameLen = u16(p + 28);
      const extraLen = u16(p + 30);
      const commentLen = u16(p + 32);
      let localOffset = u32(p + 42);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cdOffset + cdSize) bad(`central directory entry ${n} runs past the directory`);
      const name = decoder.decode(b.subarray(p + 46, p + 46 + nameLen));
      checkName(name);
      if (flags & 1) bad(`entry '${name}' is encrypted`);
      // ZIP64 extended information: the fields that are saturated in the fixed header, in order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = u16(e);
        const len = u16(e + 2);
        if (e + 4 + len > extraEnd) bad(`entry '${name}' has a corrupt extra field`);
        if (id === 0x0001) {
          let q = e + 4;
          const take = () => {
            if (q + 8 > e + 4 + len) bad(`entry '${name}' has a short ZIP64 extra field`);
            const v = u64(q);
            q += 8;
            return v;
          };
          if (size === 0xffffffff) size = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localOffset === 0xffffffff) localOffset = take();
        }
        e += 4 + len;
      }
      if (method !== 0 && method !== 8)
        bad(
          `entry '${name}' uses compression method ${method}; only STORED (0) and DEFLATE (8) are supported`,
        );
      if (method === 0 && compressedSize !== size)
        bad(`STORED entry '${name}' declares ${size} bytes but stores ${compressedSize}`);
      if (this.entries.has(name)) bad(`duplicate entry '${name}'`);
      this.entries.set(name, { name, method, compressedSize, size, crc32: crc, localOffset });
      p = end;
    }
  }

  /** Whether the archive has an entry named `name`. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * The decompressed contents of an entry (STORED entries are returned without copying). Checks
   * the CRC-32 and the size caps.
   */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) bad(`no entry named '${name}'`);
    const b = this.bytes;
    const o = entry.localOffset;
    if (o + 30 > b.length) bad(`entry '${name}' has a local header past the end of the file (truncated?)`);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (dv.getUint32(o, true) !== 0x04034b50) bad(`entry '${name}' has a corrupt local header`);
    const start = o + 30 + dv.getUint16(o + 26, true) + dv.getUint16(o + 28, true);
    const stop = start + entry.compressedSize;
    if (stop > b.length)
      bad(
        `entry '${name}' (${entry.compressedSize} bytes at offset ${start}) runs past the end of the ${b.length}-byte file (truncated?)`,
      );
    const raw = b.subarray(start, stop);
    let data: Uint8Array;
    if (entry.method === 0) data = raw;
    else {
      if (entry.size > this.maxEntryBytes)
        bad(
          `entry '${name}' would decompress to ${entry.size} bytes, over the ${this.maxEntryBytes}-byte limit`,
        );
      data = inflateRaw(raw, entry.size, name);
    }
    const c = crc32(data);
    if (c !== entry.crc32) bad(`entry '${name}' fails its CRC-32 check (corrupt file)`);
    return data;
  }
}
