/**
 * loadPt against checkpoints written by PyTorch 1.13's torch.save (tools/golden/interop_pt.py):
 * values, strides, storage offsets and shared storages as PyTorch reports them in
 * fixtures/pt/pt_expected.json; nested containers; dtypes; and hostile or legacy files.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  KindlingError,
  loadPt,
  loadPtFile,
  type PtValue,
  ptStateDict,
  Tensor,
  ValueError,
} from '@kindling/core';
import { inflateRaw } from '../src/io/pytorch/inflate.js';
import { unpickle } from '../src/io/pytorch/unpickle.js';
import { crc32, ZipArchive } from '../src/io/pytorch/zip.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'pt');
const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const EXPECTED = JSON.parse(readFileSync(join(dir, 'pt_expected.json'), 'utf8'));

type Desc =
  | { tensor: TensorDesc }
  | { dict: [string, Desc][] }
  | { list: Desc[] }
  | { tuple: Desc[] }
  | { value: string | boolean | null }
  | { int: string }
  | { float: number | string };
interface TensorDesc {
  dtype: string;
  shape: number[];
  stride: number[];
  offset: number;
  storage: number;
  data?: (number | string | boolean)[];
  head?: (number | string)[];
  sum?: number | string;
}

const num = (v: number | string | boolean) =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);

function closeTo(got: number, want: number, dtype: string, where: string): void {
  if (Number.isNaN(want)) {
    expect(Number.isNaN(got), where).toBe(true);
    return;
  }
  if (!Number.isFinite(want)) {
    expect(got, where).toBe(want);
    return;
  }
  // Values are stored exactly; only float32 rounding of the JSON text is tolerated.
  const tol = dtype === 'float64' || dtype === 'int32' || dtype === 'bool' ? 0 : Math.abs(want) * 1e-7;
  expect(Math.abs(got - want), `${where}: ${got} vs ${want}`).toBeLessThanOrEqual(tol);
}

/** Checks a loaded value against PyTorch's description; `storages` maps PyTorch storage ids. */
function check(v: PtValue, d: Desc, where: string, storages: Map<number, unknown>) {
  if ('tensor' in d) {
    const e = d.tensor;
    expect(v instanceof Tensor, `${where}: a Tensor`).toBe(true);
    const t = v as Tensor;
    expect(t.dtype, `${where}: dtype`).toBe(e.dtype);
    expect([...t.shape], `${where}: shape`).toEqual(e.shape);
    expect([...t.strides], `${where}: strides`).toEqual(e.stride);
    expect(t.offset, `${where}: offset`).toBe(e.offset);
    const known = storages.get(e.storage);
    if (known) expect(t.storage === known, `${where}: shares storage ${e.storage}`).toBe(true);
    else {
      for (const s of storages.values()) expect(s === t.storage, `${where}: distinct storage`).toBe(false);
      storages.set(e.storage, t.storage);
    }
    const got = Array.from(t.dataSync(), Number);
    if (e.data) {
      expect(got.length, `${where}: numel`).toBe(e.data.length);
      e.data.forEach((w, i) => {
        closeTo(got[i], num(w), e.dtype, `${where}[${i}]`);
      });
    } else {
      e.head?.forEach((w, i) => {
        closeTo(got[i], num(w), e.dtype, `${where}[${i}]`);
      });
      const sum = got.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - num(e.sum ?? 0)), `${where}: sum`).toBeLessThan(1e-4 * (1 + Math.abs(sum)));
    }
    return;
  }
  if ('dict' in d) {
    expect(typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor), where).toBe(
      true,
    );
    const o = v as Record<string, PtValue>;
    expect(Object.keys(o), `${where}: keys in order`).toEqual(d.dict.map(([k]) => k));
    for (const [k, x] of d.dict) check(o[k], x, `${where}.${k}`, storages);
    return;
  }
  if ('list' in d || 'tuple' in d) {
    const items = 'list' in d ? d.list : d.tuple;
    expect(Array.isArray(v), `${where}: an array`).toBe(true);
    expect(Object.isFrozen(v), `${where}: frozen iff a tuple`).toBe('tuple' in d);
    const arr = v as PtValue[];
    expect(arr.length, `${where}: length`).toBe(items.length);
    for (let i = 0; i < items.length; i++) check(arr[i], items[i], `${where}[${i}]`, storages);
    return;
  }
  if ('int' in d) {
    const big = BigInt(d.int);
    const safe = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
    expect(v, where).toBe(safe ? Number(big) : big);
    return;
  }
  if ('float' in d) {
    closeTo(v as number, num(d.float), 'float64', where);
    return;
  }
  expect(v, where).toBe(d.value);
}

describe('loadPt: files written by torch.save (PyTorch 1.13)', () => {
  for (const name of ['views.pt', 'dtypes.pt', 'nested.pt', 'adam.pt', 'mobilenet_v2.pt']) {
    it(`reads ${name} as PyTorch describes it`, () => {
      check(loadPt(read(name)), EXPECTED.files[name], name.replace('.pt', ''), new Map());
    });
  }

  it('keeps views of one storage sharing it, so writes show through', () => {
    const v = loadPt(read('views.pt')) as Record<string, Tensor>;
    expect(v.base).toBe(v.tied);
    expect(v.transposed.storage).toBe(v.base.storage);
    expect(v.base.storage.length).toBe(24);
    expect(v.transposed.isContiguous()).toBe(false);
    expect(v.strided.tolistSync()).toEqual([
      [0, 2, 4],
      [6, 8, 10],
      [12, 14, 16],
      [18, 20, 22],
    ]);
    expect([...v.expanded.strides]).toEqual([0, 1]);
    expect(v.other_slice.offset).toBe(1);
    expect(v.other_slice.storage).toBe(v.expanded.storage);
  });

  it('loads a DEFLATE-compressed archive like the stored one', () => {
    const a = loadPt(read('views.pt')) as Record<string, Tensor>;
    const b = loadPt(read('deflate.pt')) as Record<string, Tensor>;
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const k of Object.keys(a)) {
      expect(b[k].tolistSync(), k).toEqual(a[k].tolistSync());
      expect([...b[k].strides], k).toEqual([...a[k].strides]);
    }
  });

  it('ptStateDict returns the tensors of a state dict and rejects other values', () => {
    const sd = ptStateDict(loadPt(read('mobilenet_v2.pt')));
    expect(sd['features.0.0.weight'].shape).toEqual([8, 3, 3, 3]);
    expect(sd['features.0.1.num_batches_tracked'].dtype).toBe('int32');
    expect(sd['features.0.1.num_batches_tracked'].itemSync()).toBe(7);
    expect(() => ptStateDict(loadPt(read('nested.pt')))).toThrow(/do not hold tensors: list/);
    expect(() => ptStateDict(loadPt(read('adam.pt')))).toThrow(ValueError);
  });

  it('loadPtFile reads from disk', async () => {
    const sd = (await loadPtFile(join(dir, 'dtypes.pt'))) as Record<string, Tensor>;
    expect(sd.i64.tolistSync()).toEqual([
      [0, -1],
      [2147483647, -2147483648],
    ]);
  });

  it('accepts an ArrayBuffer', () => {
    const b = read('dtypes.pt');
    const sd = loadPt(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) as Record<string, Tensor>;
    expect(sd.b.tolistSync()).toEqual([true, false, true]);
  });
});

describe('loadPt: refused input', () => {
  const err = (f: () => unknown, re: RegExp) => {
    let caught: unknown;
    try {
      f();
    } catch (e) {
      caught = e;
    }
    expect(caught, `expected a KindlingError matching ${re}`).toBeInstanceOf(KindlingError);
    expect((caught as Error).message).toMatch(re);
  };

  it('int64 values beyond int32', () => {
    err(
      () => loadPt(read('int64_overflow.pt')),
      /\(int64\) holds 1099511627776 at element 1, which does not fit/,
    );
  });

  it('the legacy pickle format, with a clear message', () => {
    err(() => loadPt(read('legacy.pt')), /legacy \(pre-1\.6.*re-save it with torch\.save/);
  });

  it('the legacy tar format', () => {
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('sys_info'), 0);
    tar.set(new TextEncoder().encode('ustar'), 257);
    err(() => loadPt(tar), /legacy tar checkpoint/);
  });

  it('a pickle calling os.system through REDUCE: refused, nothing executed', () => {
    rmSync('/tmp/kindling_pwned', { force: true });
    err(() => loadPt(read('evil_reduce.pt')), /global 'posix\.system' is not allowed; nothing was executed/);
    expect(existsSync('/tmp/kindling_pwned')).toBe(false);
  });

  it('other disallowed globals, named in the error', () => {
    for (const [mod, name] of [
      ['builtins', 'eval'],
      ['torch', 'load'],
      ['__torch__', 'Model'],
      ['collections', 'defaultdict'],
    ]) {
      const pkl = bytes(`\x80\x02c${mod}\n${name}\n)R.`);
      err(
        () => unpickle(pkl, { resolveGlobal: () => undefined }),
        new RegExp(`'${mod}\\.${name}' is not allowed`),
      );
    }
  });

  it('unsupported opcodes and malformed pickles', () => {
    const enc = bytes;
    const opts = { resolveGlobal: () => undefined };
    err(() => unpickle(enc('\x80\x02(i__builtin__\nobject\n.'), opts), /opcode INST/);
    err(() => unpickle(enc('\x80\x02}q\x00'), opts), /truncated pickle/);
    err(() => unpickle(enc('\x80\x02h\x05.'), opts), /memo index 5 was never stored/);
    err(() => unpickle(enc('\x80\x02a.'), opts), /stack underflow/);
    err(() => unpickle(enc('\x80\x02K\x01K\x02.'), opts), /STOP with 2 values/);
    err(() => unpickle(enc('\x80\x02]K\x01s.'), opts), /stack underflow|expected a dict/);
    expect(unpickle(enc('\x80\x02]q\x00(K\x01\x8a\x01\xffe.'), opts)).toEqual([1, -1]);
    // 100 000 nested lists: refused with a clear error, not a stack overflow.
    const deep = `\x80\x02${']'.repeat(100000)}${'a'.repeat(99999)}.`;
    err(() => loadPt(zip([['d/data.pkl', enc(deep)]])), /nested more than 1000 levels/);
  });

  it('path traversal in entry names', () => {
    err(() => loadPt(read('traversal.pt')), /'\.\.' segment \(path traversal refused\)/);
    for (const name of ['/etc/passwd', 'C:/x', 'a\\b', 'x/../../y']) {
      err(() => loadPt(zip([[name, new Uint8Array(1)]])), /path traversal|backslash/);
    }
  });

  it('a DEFLATE entry over the size cap (zip bomb)', () => {
    expect(() => loadPt(read('bomb.pt'))).not.toThrow();
    err(
      () => loadPt(read('bomb.pt'), { maxEntryBytes: 65536 }),
      /decompress to 1048576 bytes, over the 65536-byte limit/,
    );
  });

  it('a DEFLATE entry that inflates past its declared size', () => {
    const big = new Uint8Array(100000);
    const bytes = zip([['a/data.pkl', big]], { deflate: true, lieSize: 1000 });
    err(() => new ZipArchive(bytes).read('a/data.pkl'), /inflates to more than the declared 1000 bytes/);
  });

  it('truncated and corrupt archives', () => {
    const good = read('views.pt');
    for (const n of [0, 3, 100, good.length - 30, good.length - 1]) {
      err(() => loadPt(good.subarray(0, n)), /loadPt|zip/);
    }
    const flipped = good.slice();
    flipped[200] ^= 0xff; // inside data.pkl: caught by the CRC
    err(() => loadPt(flipped), /CRC-32|unpickle/);
    err(() => loadPt(new TextEncoder().encode('hello world')), /not a PyTorch checkpoint/);
  });

  it('an archive without data.pkl, or with a storage missing', () => {
    err(() => loadPt(zip([['x/version', new TextEncoder().encode('3')]])), /no '<root>\/data\.pkl'/);
    const pkl = bytes(
      '\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x009X\x03\x00\x00\x00cpuK\x02tQK\x00K\x02\x85K\x01\x85\x89NtR.',
    );
    err(() => loadPt(zip([['m/data.pkl', pkl]])), /storage record 'm\/data\/9' is missing/);
    err(
      () =>
        loadPt(
          zip([
            ['m/data.pkl', pkl],
            ['m/data/9', new Uint8Array(4)],
          ]),
        ),
      /has 4 bytes, expected 8/,
    );
    // A view reaching past its storage.
    const past = bytes(
      '\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x01K\x02\x85K\x01\x85\x89NtR.',
    );
    err(
      () =>
        loadPt(
          zip([
            ['m/data.pkl', past],
            ['m/data/0', new Uint8Array(8)],
          ]),
        ),
      /reaches element 2 of storage 'data\/0', which has 2 elements/,
    );
  });
});

describe('inflate and zip internals', () => {
  it('inflateRaw matches zlib on stored, fixed and dynamic blocks', () => {
    const text = new TextEncoder().encode(
      'kindling '.repeat(5000) + Array.from({ length: 3000 }, (_, i) => i).join(','),
    );
    const random = Uint8Array.from({ length: 70000 }, (_, i) => (i * 2654435761) >>> 24);
    for (const data of [text, random, new Uint8Array(0), new Uint8Array([7])]) {
      for (const level of [0, 1, 9]) {
        const z = new Uint8Array(deflateRawSync(data, { level }));
        // Buffer.equals: vitest's deep equality is slow on large typed arrays.
        expect(Buffer.from(inflateRaw(z, data.length)).equals(Buffer.from(data))).toBe(true);
      }
    }
    err2(() => inflateRaw(new Uint8Array(deflateRawSync(text)).subarray(0, 50), text.length), /ends early/);
    err2(() => inflateRaw(new Uint8Array([0xff, 0xff]), 10), /invalid block type|Huffman|ends early/);
  });

  it('crc32 of a known string', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

function err2(f: () => unknown, re: RegExp) {
  expect(f).toThrow(KindlingError);
  expect(f).toThrow(re);
}

/** The bytes of a string of byte values (pickles written inline). */
function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** A minimal zip writer for hostile test archives (STORED or DEFLATE, optionally lying about sizes). */
function zip(entries: [string, Uint8Array][], opts?: { deflate?: boolean; lieSize?: number }): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameB = enc.encode(name);
    const body = opts?.deflate ? new Uint8Array(deflateRawSync(data)) : data;
    const size = opts?.lieSize ?? data.length;
    const crc = crc32(data);
    const lh = new Uint8Array(30 + nameB.length);
    const lv = new DataView(lh.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, opts?.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, nameB.length, true);
    lh.set(nameB, 30);
    const ch = new Uint8Array(46 + nameB.length);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, opts?.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, nameB.length, true);
    cv.setUint32(42, offset, true);
    ch.set(nameB, 46);
    locals.push(lh, body);
    centrals.push(ch);
    offset += lh.length + body.length;
  }
  const cdSize = centrals.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const parts = [...locals, ...centrals, eocd];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
