/**
 * PNG and JPEG I/O: decoding files written by Pillow (tools/golden/vision_images.py: grey, grey +
 * alpha, RGB, RGBA, 1-bit, 2/4/8-bit palettes with transparency, 16-bit, Adam7 interlacing, every
 * filter type; baseline and progressive JPEGs) against Pillow's decoded pixels, exact PNG round
 * trips, JPEG round trips within tolerance, colour modes, errors, and saveImage/readImage files.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KindlingError, manualSeed, randint, rand, type Tensor } from '@kindling/core';
import {
  decodeImage,
  decodeJpeg,
  decodePng,
  encodeJpeg,
  encodePng,
  makeGrid,
  readImage,
  saveImage,
  writeJpeg,
  writePng,
} from '../src/index.js';
import { fromSpec, type TensorSpec } from '../../core/test/helpers/golden.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const images: Record<string, { expected: TensorSpec; tol: number }> = JSON.parse(
  readFileSync(new URL('vision_images.json', FIXTURES), 'utf8'),
).cases;
const fileBytes = (name: string) => new Uint8Array(readFileSync(new URL(`images/${name}`, FIXTURES)));

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  return m;
}

function expectSame(a: Tensor, b: Tensor): void {
  expect(a.dtype).toBe(b.dtype);
  expect([...a.shape]).toEqual([...b.shape]);
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
}

describe('decoding files written by Pillow', () => {
  for (const [name, { expected, tol }] of Object.entries(images)) {
    it(name, () => {
      const got = decodeImage(fileBytes(name));
      const want = fromSpec(expected);
      expect(got.dtype).toBe('int32');
      expect([...got.shape]).toEqual(expected.shape);
      if (tol === 0) expectSame(got, want);
      else expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(tol);
    });
  }
  it('decodePng and decodeJpeg agree with decodeImage; float32 output is value / 255', () => {
    const png = fileBytes('rgb.png');
    expectSame(decodePng(png), decodeImage(png));
    const jpg = fileBytes('rgb_q90.jpg');
    expectSame(decodeJpeg(jpg), decodeImage(jpg));
    const f = decodePng(png, { dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    expect(maxAbsDiff(f, decodePng(png).div(255))).toBe(0);
  });
});

describe('colour modes', () => {
  const rgba = decodePng(fileBytes('rgba.png'));
  it('rgb drops alpha, rgba adds an opaque one, gray uses ITU-R 601-2 luma', () => {
    const bytes = fileBytes('rgba.png');
    expectSame(decodePng(bytes, { mode: 'rgb' }), rgba.narrow(0, 0, 3));
    const rgbBytes = fileBytes('rgb.png');
    const withAlpha = decodePng(rgbBytes, { mode: 'rgba' });
    expect([...withAlpha.shape]).toEqual([4, 13, 17]);
    expect(new Set(withAlpha.select(0, 3).dataSync())).toEqual(new Set([255]));
    const grey = decodePng(rgbBytes, { mode: 'gray' });
    const [r, g, b] = [0, 1, 2].map((c) => decodePng(rgbBytes).select(0, c).dataSync());
    const l = grey.dataSync();
    for (let i = 0; i < l.length; i++) {
      expect(l[i]).toBe((r[i] * 19595 + g[i] * 38470 + b[i] * 7471 + 0x8000) >> 16);
    }
    expectSame(decodePng(bytes, { mode: 'grayAlpha' }).select(0, 1), rgba.select(0, 3));
  });
  it('grey expands to rgb with equal channels', () => {
    const grey = decodePng(fileBytes('grey.png'));
    const rgb = decodePng(fileBytes('grey.png'), { mode: 'rgb' });
    for (let c = 0; c < 3; c++) expectSame(rgb.select(0, c), grey.select(0, 0));
  });
});

describe('round trips', () => {
  manualSeed(1);
  for (const c of [1, 2, 3, 4]) {
    it(`PNG with ${c} channel(s) is exact`, () => {
      const img = randint(0, 256, [c, 19, 23]);
      const back = decodePng(encodePng(img));
      expectSame(back, img);
    });
  }
  it('PNG of a low-entropy image compresses and stays exact at every compression level', () => {
    const img = randint(100, 104, [3, 32, 32]);
    const sizes = [0, 6, 9].map((level) => {
      const bytes = encodePng(img, { compressionLevel: level });
      expectSame(decodePng(bytes), img);
      return bytes.length;
    });
    expect(sizes[1]).toBeLessThan(sizes[0]);
  });
  it('float images are written as round(x * 255), clamped', () => {
    const x = rand([3, 5, 6]).mul(1.4).sub(0.2);
    const back = decodePng(encodePng(x)).dataSync();
    const src = x.dataSync();
    for (let i = 0; i < src.length; i++) {
      expect(back[i]).toBe(Math.min(255, Math.max(0, Math.floor(src[i] * 255 + 0.5))));
    }
  });
  it('JPEG round trip stays within tolerance (RGB and grey)', () => {
    const data = new Int32Array(3 * 40 * 48);
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 48; x++) {
        const px = [128 + 80 * Math.sin(x / 6), 100 + 60 * Math.cos(y / 5), (x + y) * 2];
        for (let c = 0; c < 3; c++) data[c * 40 * 48 + y * 48 + x] = Math.round(px[c]);
      }
    }
    const img = fromSpec({ shape: [3, 40, 48], dtype: 'int32', data: Array.from(data) });
    const back = decodeJpeg(encodeJpeg(img, { quality: 95 }));
    expect([...back.shape]).toEqual([3, 40, 48]);
    expect(maxAbsDiff(back, img)).toBeLessThanOrEqual(12);
    const grey = img.narrow(0, 0, 1);
    const greyBack = decodeJpeg(encodeJpeg(grey, { quality: 95 }), { mode: 'gray' });
    expect([...greyBack.shape]).toEqual([1, 40, 48]);
    expect(maxAbsDiff(greyBack, grey)).toBeLessThanOrEqual(6);
    // lower quality: smaller file, larger error
    expect(encodeJpeg(img, { quality: 30 }).length).toBeLessThan(encodeJpeg(img, { quality: 95 }).length);
  });
});

describe('errors', () => {
  it('rejects corrupt PNGs with messages naming the data', () => {
    const good = fileBytes('rgb.png');
    const badSig = good.slice();
    badSig[1] = 0;
    expect(() => decodeImage(badSig, { name: 'x.png' })).toThrow(/x\.png: unsupported image format/);
    expect(() => decodePng(badSig, { name: 'x.png' })).toThrow(/x\.png: not a PNG file/);
    const badCrc = good.slice();
    badCrc[20] ^= 0xff; // inside IHDR
    expect(() => decodePng(badCrc, { name: 'y.png' })).toThrow(
      /y\.png: corrupt PNG: CRC mismatch in chunk IHDR/,
    );
    expect(() => decodePng(good.slice(0, good.length - 20), { name: 'z.png' })).toThrow(
      /z\.png: truncated PNG/,
    );
    expect(() => decodePng(good.slice(0, 8))).toThrow(KindlingError);
  });
  it('rejects corrupt JPEGs and unsupported tensors', () => {
    const jpg = fileBytes('rgb_q90.jpg');
    expect(() => decodeJpeg(jpg.slice(0, 200), { name: 'cut.jpg' })).toThrow(/cut\.jpg: cannot decode JPEG/);
    expect(() => decodeJpeg(new Uint8Array([1, 2, 3]))).toThrow(/not a JPEG file/);
    expect(() => encodePng(randint(0, 256, [5, 4, 4]))).toThrow(
      /1 \(grey\), 2, 3 \(RGB\) or 4 \(RGBA\) channels, got 5/,
    );
    expect(() => encodePng(randint(0, 256, [4, 4]))).toThrow(/expected an image tensor \[C, H, W\]/);
    expect(() => encodePng(randint(0, 300, [1, 4, 4]).add(256))).toThrow(/0\.\.255/);
    expect(() => encodeJpeg(randint(0, 256, [4, 4, 4]))).toThrow(/no alpha channel/);
    expect(() => encodeJpeg(randint(0, 256, [3, 4, 4]), { quality: 0 })).toThrow(/quality/);
    expect(() => decodePng(fileBytes('rgb.png'), { mode: 'cmyk' as never })).toThrow(/unknown mode 'cmyk'/);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-vision-io-'));
  it('writePng/writeJpeg/readImage', () => {
    const img = randint(0, 256, [3, 9, 11]);
    writePng(img, join(dir, 'a.png'));
    expectSame(readImage(join(dir, 'a.png')), img);
    writeJpeg(img, join(dir, 'a.jpg'), { quality: 90 });
    expect([...readImage(join(dir, 'a.jpg'), { mode: 'rgb' }).shape]).toEqual([3, 9, 11]);
    expect(() => readImage(join(dir, 'missing.png'))).toThrow(/ENOENT|no such file/);
    writeFileSync(join(dir, 'junk.png'), 'not an image');
    expect(() => readImage(join(dir, 'junk.png'))).toThrow(
      new RegExp(`${dir}/junk\\.png: unsupported image format`),
    );
  });
  it('saveImage writes a batch as one grid image', () => {
    const batch = rand([6, 1, 8, 8]);
    saveImage(batch, join(dir, 'grid.png'), { nrow: 3, padding: 1 });
    const back = readImage(join(dir, 'grid.png'));
    expect([...back.shape]).toEqual([3, 2 * 9 + 1, 3 * 9 + 1]);
    expectSame(back, decodePng(encodePng(makeGrid(batch, { nrow: 3, padding: 1 }))));
    saveImage(batch, join(dir, 'grid.jpg'));
    expect(readFileSync(join(dir, 'grid.jpg'))[0]).toBe(0xff);
  });
});
