import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  arange,
  loadFile,
  loadSafetensors,
  saveFile,
  saveSafetensors,
  saveSafetensorsAsync,
  type Tensor,
  tensor,
  ValueError,
} from '@kindling/core';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The record shared with tools/golden/core_safetensors.py (keep in sync). */
function record(): Record<string, Tensor> {
  return {
    weight: tensor(
      [
        [1.5, -2.25, 3.0],
        [0.1, 1e-8, -Infinity],
      ],
      { dtype: 'float32' },
    ),
    bias: tensor([0.1, -1e300, Number.NaN], { dtype: 'float64' }),
    count: tensor(
      [
        [1, -2],
        [3, -4],
      ],
      { dtype: 'int32' },
    ),
    mask: tensor([true, false, true]),
    half: tensor([0.5, -65504], { dtype: 'float16' }),
    brain: tensor([1.0, -3.140625], { dtype: 'bfloat16' }),
    scalar: tensor(42, { dtype: 'float32' }),
    empty: tensor(new Float32Array(0)).reshape(0, 3),
    // A transposed, non-contiguous view: saved contiguously as [[1, 2], [3, 4]].
    'layers.0.attn.in_proj_weight': tensor(
      [
        [1, 3],
        [2, 4],
      ],
      { dtype: 'float32' },
    ).t(),
    'na\u00efve': tensor([-0], { dtype: 'float32' }),
  };
}
const METADATA = { format: 'pt', note: 'kindling fixture \u2713' };

/** Expected contents (dtype, shape, values) of the record after loading. */
const EXPECTED: Record<string, { dtype: string; shape: number[]; data: (number | boolean)[] }> = {
  weight: {
    dtype: 'float32',
    shape: [2, 3],
    data: [1.5, -2.25, 3, Math.fround(0.1), Math.fround(1e-8), -Infinity],
  },
  bias: { dtype: 'float64', shape: [3], data: [0.1, -1e300, Number.NaN] },
  count: { dtype: 'int32', shape: [2, 2], data: [1, -2, 3, -4] },
  mask: { dtype: 'bool', shape: [3], data: [1, 0, 1] },
  half: { dtype: 'float16', shape: [2], data: [0.5, -65504] },
  brain: { dtype: 'bfloat16', shape: [2], data: [1, -3.140625] },
  scalar: { dtype: 'float32', shape: [], data: [42] },
  empty: { dtype: 'float32', shape: [0, 3], data: [] },
  'layers.0.attn.in_proj_weight': { dtype: 'float32', shape: [2, 2], data: [1, 2, 3, 4] },
  'na\u00efve': { dtype: 'float32', shape: [1], data: [-0] },
};

function expectTensor(
  t: Tensor,
  want: { dtype: string; shape: number[]; data: (number | boolean)[] },
  name: string,
) {
  expect(t.dtype, name).toBe(want.dtype);
  expect([...t.shape], name).toEqual(want.shape);
  const got = Array.from(t.dataSync() as ArrayLike<number>);
  expect(got.length, name).toBe(want.data.length);
  // Object.is: NaN matches NaN and -0 is told from 0.
  for (let i = 0; i < got.length; i++) {
    const w = Number(want.data[i]);
    expect(Object.is(got[i], w), `${name}[${i}]: ${got[i]} vs ${w}`).toBe(true);
  }
}

function header(bytes: Uint8Array): { text: string; length: number } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { text: new TextDecoder().decode(bytes.subarray(8, 8 + length)), length };
}

/** Builds a safetensors file by hand: header JSON (object or raw text) and data bytes. */
function makeFile(h: object | string, data: ArrayLike<number> = [], lengthOverride?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof h === 'string' ? h : JSON.stringify(h));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

if (process.env.KINDLING_WRITE_FIXTURES) {
  // Regenerates the Kindling-written fixture; tools/golden/core_safetensors.py then checks it.
  writeFileSync(join(fixtures, 'kindling_written.safetensors'), saveSafetensors(record(), METADATA));
}

describe('safetensors interop with an independent (Python) implementation', () => {
  it('loads the Python-written file exactly, converting I64 and U8 to int32', () => {
    const { tensors, metadata } = loadSafetensors(readFileSync(join(fixtures, 'python_written.safetensors')));
    expect(metadata).toEqual(METADATA);
    expect(Object.keys(tensors).sort()).toEqual([...Object.keys(EXPECTED), 'idx', 'bytes'].sort());
    for (const [name, want] of Object.entries(EXPECTED)) expectTensor(tensors[name], want, name);
    expectTensor(tensors.idx, { dtype: 'int32', shape: [4], data: [0, -1, 2147483647, -2147483648] }, 'idx');
    expectTensor(tensors.bytes, { dtype: 'int32', shape: [3], data: [0, 255, 7] }, 'bytes');
  });

  it('writes byte-for-byte the committed Kindling file (which the Python reader verified)', () => {
    const committed = new Uint8Array(readFileSync(join(fixtures, 'kindling_written.safetensors')));
    expect(Buffer.from(saveSafetensors(record(), METADATA)).equals(Buffer.from(committed))).toBe(true);
  });
});

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips every dtype, shape and layout', () => {
    const bytes = saveSafetensors(record(), METADATA);
    const { tensors, metadata } = loadSafetensors(bytes);
    expect(metadata).toEqual(METADATA);
    for (const [name, want] of Object.entries(EXPECTED)) expectTensor(tensors[name], want, name);
    // A view with an offset into a larger storage.
    const narrowed = arange(10, undefined, 1, { dtype: 'float64' }).narrow(0, 3, 4);
    const back = loadSafetensors(saveSafetensors({ x: narrowed })).tensors.x;
    expectTensor(back, { dtype: 'float64', shape: [4], data: [3, 4, 5, 6] }, 'x');
  });

  it('keeps float16/bfloat16 bit patterns exactly', () => {
    const words = new Uint16Array([0x0001, 0x7bff, 0xfc00, 0x7e00, 0x8000, 0x3c00]);
    const bytes = saveSafetensors({
      h: tensor([6e-8, 65504, -Infinity, Number.NaN, -0, 1], { dtype: 'float16' }),
      b: tensor([1e-40, 3.3e38, -Infinity, Number.NaN, -0, 1], { dtype: 'bfloat16' }),
    });
    const { text } = header(bytes);
    const info = JSON.parse(text);
    const dataStart = 8 + header(bytes).length;
    const hBytes = bytes.slice(dataStart + info.h.data_offsets[0], dataStart + info.h.data_offsets[1]);
    expect(Array.from(new Uint16Array(hBytes.buffer))).toEqual(Array.from(words));
    const { tensors } = loadSafetensors(bytes);
    expect(tensors.h.dtype).toBe('float16');
    expect(Array.from(tensors.h.storage.handle as Uint16Array)).toEqual(Array.from(words));
    expect(tensors.b.dtype).toBe('bfloat16');
    expect(Array.from(tensors.b.dataSync()).slice(2, 5).map(String)).toEqual(['-Infinity', 'NaN', '0']);
  });

  it('lays out the header as Hugging Face does: dtype alignment then name, padded to 8 with spaces', () => {
    const f = (v: number[]) => tensor(v, { dtype: 'float32' });
    const bytes = saveSafetensors(
      {
        b: f([1]),
        a: f([1, 2]),
        c: tensor([1], { dtype: 'float64' }),
        d: tensor([true]),
        '10': f([3]),
        e: tensor([1], { dtype: 'int32' }),
      },
      { z: '1', a: '2' },
    );
    const { text, length } = header(bytes);
    expect(length % 8).toBe(0);
    const json = text.trimEnd();
    expect(text.slice(json.length)).toMatch(/^ *$/);
    expect(json).toBe(
      '{"__metadata__":{"a":"2","z":"1"},' +
        '"c":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
        '"10":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
        '"a":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},' +
        '"b":{"dtype":"F32","shape":[1],"data_offsets":[20,24]},' +
        '"e":{"dtype":"I32","shape":[1],"data_offsets":[24,28]},' +
        '"d":{"dtype":"BOOL","shape":[1],"data_offsets":[28,29]}}',
    );
    expect(bytes.length).toBe(8 + length + 29);
    const empty = saveSafetensors({});
    expect(header(empty).text.trimEnd()).toBe('{}');
    expect(loadSafetensors(empty)).toEqual({ tensors: {}, metadata: {} });
  });

  it('works from the async writer, ArrayBuffers and unaligned views', async () => {
    const bytes = await saveSafetensorsAsync(record(), METADATA);
    expect(Buffer.from(bytes).equals(Buffer.from(saveSafetensors(record(), METADATA)))).toBe(true);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expectTensor(loadSafetensors(shifted.subarray(3)).tensors.bias, EXPECTED.bias, 'bias');
    const ab = new Uint8Array(bytes).buffer;
    expectTensor(loadSafetensors(ab).tensors.count, EXPECTED.count, 'count');
  });

  it('loads the other integer dtypes as int32 and normalises BOOL bytes', () => {
    const data = [
      ...new Uint8Array(new BigInt64Array([-5n, 7n]).buffer),
      ...new Uint8Array(new BigUint64Array([9n]).buffer),
      ...new Uint8Array(new Uint32Array([4000000]).buffer),
      ...new Uint8Array(new Int16Array([-300, 300]).buffer),
      ...new Uint8Array(new Uint16Array([65535]).buffer),
      ...new Uint8Array(new Int8Array([-128]).buffer),
      2,
    ];
    const file = makeFile(
      {
        a: { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
        b: { dtype: 'U64', shape: [1], data_offsets: [16, 24] },
        c: { dtype: 'U32', shape: [1], data_offsets: [24, 28] },
        d: { dtype: 'I16', shape: [2], data_offsets: [28, 32] },
        e: { dtype: 'U16', shape: [1], data_offsets: [32, 34] },
        f: { dtype: 'I8', shape: [1], data_offsets: [34, 35] },
        g: { dtype: 'BOOL', shape: [], data_offsets: [35, 36] },
        __metadata__: null,
      },
      data,
    );
    const { tensors, metadata } = loadSafetensors(file);
    expect(metadata).toEqual({});
    expectTensor(tensors.a, { dtype: 'int32', shape: [2], data: [-5, 7] }, 'a');
    expectTensor(tensors.b, { dtype: 'int32', shape: [1], data: [9] }, 'b');
    expectTensor(tensors.c, { dtype: 'int32', shape: [1], data: [4000000] }, 'c');
    expectTensor(tensors.d, { dtype: 'int32', shape: [2], data: [-300, 300] }, 'd');
    expectTensor(tensors.e, { dtype: 'int32', shape: [1], data: [65535] }, 'e');
    expectTensor(tensors.f, { dtype: 'int32', shape: [1], data: [-128] }, 'f');
    expectTensor(tensors.g, { dtype: 'bool', shape: [], data: [1] }, 'g');
  });

  it('refuses 64-bit integers that do not fit in int32, naming the tensor', () => {
    const big = makeFile(
      { ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } },
      new Uint8Array(new BigInt64Array([1n, 2n ** 31n]).buffer),
    );
    expect(() => loadSafetensors(big)).toThrow(/ids.*2147483648.*int32/);
    const neg = makeFile(
      { ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } },
      new Uint8Array(new BigInt64Array([-(2n ** 31n) - 1n]).buffer),
    );
    expect(() => loadSafetensors(neg)).toThrow(ValueError);
    const u = makeFile(
      { u: { dtype: 'U64', shape: [1], data_offsets: [0, 8] } },
      new Uint8Array(new BigUint64Array([2n ** 31n]).buffer),
    );
    expect(() => loadSafetensors(u)).toThrow(ValueError);
  });

  const f32 = (n: number) => ({ dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] });
  const badFiles: [string, () => Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', () => new Uint8Array(5), /too small/],
    ['a header over 100 MB', () => makeFile('{}', [], 100_000_001n), /exceeds/],
    ['a header length past the end', () => makeFile('{}', [], 64n), /past the end/],
    ['a header not starting with {', () => makeFile(' {}'), /start with '\{'/],
    ['a JSON array header', () => makeFile('[1]'), /start with '\{'/],
    ['invalid JSON', () => makeFile('{"a":'), /not valid JSON/],
    ['invalid UTF-8', () => makeFile('{"a":1}').map((v, i) => (i === 10 ? 0xff : v)), /UTF-8/],
    [
      'an unknown dtype',
      () => makeFile({ a: { dtype: 'X9', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
      /unknown dtype "X9"/,
    ],
    [
      'an unsupported dtype',
      () => makeFile({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, [0]),
      /cannot load/,
    ],
    [
      'a negative size',
      () => makeFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }),
      /invalid shape/,
    ],
    [
      'a fractional size',
      () => makeFile({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
      /invalid shape/,
    ],
    [
      'missing data_offsets',
      () => makeFile({ a: { dtype: 'F32', shape: [1] } }, [0, 0, 0, 0]),
      /invalid data_offsets/,
    ],
    [
      'reversed data_offsets',
      () => makeFile({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, [0, 0, 0, 0]),
      /invalid data_offsets/,
    ],
    ['a non-object entry', () => makeFile({ a: 3 }), /must be an object/],
    [
      'offsets that disagree with shape x itemsize',
      () => makeFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
      /needs 8 bytes/,
    ],
    [
      'offsets not starting at 0',
      () => makeFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Array(8).fill(0)),
      /hole/,
    ],
    [
      'a hole between tensors',
      () =>
        makeFile(
          { a: f32(1), b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } },
          new Array(12).fill(0),
        ),
      /hole: tensor 'b'/,
    ],
    [
      'overlapping tensors',
      () =>
        makeFile({ a: f32(2), b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Array(8).fill(0)),
      /overlap/,
    ],
    [
      'trailing bytes after the data',
      () => makeFile({ a: f32(1) }, new Array(6).fill(0)),
      /data section is 6 bytes but the tensors cover 4/,
    ],
    [
      'data shorter than the offsets',
      () => makeFile({ a: f32(2) }, new Array(4).fill(0)),
      /data section is 4 bytes/,
    ],
    [
      'a non-string metadata value',
      () => makeFile({ __metadata__: { epoch: 3 } }),
      /__metadata__ value of 'epoch'/,
    ],
    ['a metadata array', () => makeFile({ __metadata__: ['x'] }), /__metadata__ must be an object/],
  ];
  for (const [what, build, message] of badFiles) {
    it(`rejects ${what} with a ValueError`, () => {
      const bytes = build();
      expect(() => loadSafetensors(bytes)).toThrow(ValueError);
      expect(() => loadSafetensors(bytes)).toThrow(message);
    });
  }

  it('rejects bad arguments when writing', () => {
    expect(() => saveSafetensors({ a: tensor([1]) }, { epoch: 3 as unknown as string })).toThrow(ValueError);
    expect(() => saveSafetensors({ __metadata__: tensor([1]) })).toThrow(ValueError);
    expect(() => saveSafetensors({ a: [1, 2] as unknown as Tensor })).toThrow(ValueError);
    expect(() => loadSafetensors('abc' as unknown as Uint8Array)).toThrow(ValueError);
  });
});

describe('saveFile / loadFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes atomically (no temp files left), overwrites and loads back', async () => {
    const path = join(dir, 'model.safetensors');
    await saveFile(path, { w: tensor([1, 2, 3], { dtype: 'float32' }) }, { format: 'pt' });
    await saveFile(path, record(), METADATA);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(saveSafetensors(record(), METADATA)))).toBe(
      true,
    );
    const { tensors, metadata } = await loadFile(path);
    expect(metadata).toEqual(METADATA);
    for (const [name, want] of Object.entries(EXPECTED)) expectTensor(tensors[name], want, name);
  });

  it('leaves the old file intact and no temp file when the folder is missing or the write fails', async () => {
    await expect(saveFile(join(dir, 'missing', 'x.safetensors'), { w: tensor([1]) })).rejects.toThrow();
    await expect(loadFile(join(dir, 'nope.safetensors'))).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });
});
