/**
 * Transform classes: seeded random transforms reproduce exactly with the same Generator seed and
 * vary with another; single images and batches; parameters stay in range; Compose/Lambda/repr;
 * deterministic classes agree with the functional ops (themselves checked against torchvision in
 * transforms-golden.test.ts); argument errors.
 */
import { describe, expect, it } from 'vitest';
import { Generator, KindlingError, manualSeed, rand, randint, type Tensor } from '@kindling/core';
import {
  CenterCrop,
  ColorJitter,
  Compose,
  ConvertImageDtype,
  Grayscale,
  Lambda,
  Normalize,
  Pad,
  RandomCrop,
  RandomHorizontalFlip,
  RandomResizedCrop,
  RandomRotation,
  RandomVerticalFlip,
  Resize,
  TF,
  ToTensor,
  type Transform,
} from '../src/index.js';

manualSeed(0);
const img = randint(0, 256, [3, 20, 24]);
const batch = rand([4, 3, 20, 24]);
const values = (t: Tensor) => Array.from(t.dataSync());
const same = (a: Tensor, b: Tensor) =>
  a.shape.join() === b.shape.join() && values(a).join() === values(b).join();

const RANDOM: [string, (g: Generator) => Transform][] = [
  ['RandomCrop', (g) => new RandomCrop([12, 10], { padding: 2, generator: g })],
  ['RandomHorizontalFlip', (g) => new RandomHorizontalFlip(0.5, { generator: g })],
  ['RandomVerticalFlip', (g) => new RandomVerticalFlip(0.5, { generator: g })],
  ['RandomResizedCrop', (g) => new RandomResizedCrop(16, { generator: g })],
  [
    'ColorJitter',
    (g) => new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, generator: g }),
  ],
  ['RandomRotation', (g) => new RandomRotation(30, { generator: g })],
];

describe('seeded random transforms', () => {
  for (const [name, make] of RANDOM) {
    it(`${name}: same seed, same outputs; another seed, other outputs`, () => {
      const run = (seed: number, x: Tensor) => {
        const t = make(new Generator(seed));
        return Array.from({ length: 6 }, () => t.call(x));
      };
      for (const x of [img, batch]) {
        const a = run(7, x);
        const b = run(7, x);
        for (const [i, t] of a.entries()) expect(same(t, b[i]), `${name} call ${i}`).toBe(true);
        const c = run(8, x);
        expect(a.some((t, i) => !same(t, c[i]))).toBe(true);
        expect(
          a.some((t, i) => i > 0 && !same(t, a[0])),
          `${name} varies between calls`,
        ).toBe(true);
        for (const t of a) {
          expect(t.ndim).toBe(x.ndim);
          expect(t.dtype).toBe(x.dtype);
          if (x.ndim === 4) expect(t.shape[0]).toBe(4);
        }
      }
    });
  }
  it('uses the global generator seeded by manualSeed when none is given', () => {
    const t = new RandomResizedCrop(8);
    manualSeed(3);
    const a = t.call(img);
    manualSeed(3);
    expect(same(t.call(img), a)).toBe(true);
  });
  it('a batch shares one draw, as torchvision', () => {
    const out = new RandomRotation(45, { generator: new Generator(1) }).call(batch);
    for (let i = 0; i < 4; i++) {
      const single = new RandomRotation(45, { generator: new Generator(1) }).call(batch.select(0, i));
      expect(same(out.select(0, i), single)).toBe(true);
    }
  });
});

describe('random transform parameters', () => {
  it('RandomHorizontalFlip flips about p of the time and only flips', () => {
    const g = new Generator(5);
    const t = new RandomHorizontalFlip(0.3, { generator: g });
    const flipped = TF.hflip(img);
    let n = 0;
    for (let i = 0; i < 400; i++) {
      const out = t.call(img);
      if (same(out, flipped)) n++;
      else expect(same(out, img)).toBe(true);
    }
    expect(n).toBeGreaterThan(90);
    expect(n).toBeLessThan(150);
    expect(same(new RandomHorizontalFlip(1).call(img), flipped)).toBe(true);
    expect(same(new RandomHorizontalFlip(0).call(img), img)).toBe(true);
  });
  it('RandomCrop crops a box of the image (with padding and padIfNeeded)', () => {
    const g = new Generator(2);
    for (let i = 0; i < 20; i++) {
      const [top, left] = RandomCrop.getParams(20, 24, [5, 7], g);
      expect(top).toBeGreaterThanOrEqual(0);
      expect(top).toBeLessThanOrEqual(15);
      expect(left).toBeLessThanOrEqual(17);
    }
    const out = new RandomCrop(8, { generator: g }).call(img);
    expect([...out.shape]).toEqual([3, 8, 8]);
    const padded = new RandomCrop([24, 30], { padIfNeeded: true, fill: 9, generator: g }).call(img);
    expect([...padded.shape]).toEqual([3, 24, 30]);
    expect(values(padded).filter((v) => v === 9).length).toBeGreaterThanOrEqual(3 * (24 * 30 - 20 * 24));
    expect(() => new RandomCrop(30).call(img)).toThrow(
      /required crop size 30x30 is larger than the input image size 20x24/,
    );
  });
  it('RandomResizedCrop always gives the requested size; params respect scale and ratio', () => {
    const g = new Generator(4);
    for (let i = 0; i < 30; i++) {
      const [top, left, h, w] = RandomResizedCrop.getParams(20, 24, [0.3, 0.6], [0.75, 4 / 3], g);
      expect(top + h).toBeLessThanOrEqual(20);
      expect(left + w).toBeLessThanOrEqual(24);
      expect((h * w) / (20 * 24)).toBeGreaterThan(0.2);
      expect((h * w) / (20 * 24)).toBeLessThan(0.7);
    }
    // impossible ratio: falls back to a central crop
    expect(RandomResizedCrop.getParams(20, 24, [1, 1], [5, 6], g)).toEqual([7, 0, 5, 24]); // h = round(24 / 5), top = (20 - 5) // 2
    const t = new RandomResizedCrop([9, 11], { generator: g });
    for (let i = 0; i < 5; i++) expect([...t.call(img).shape]).toEqual([3, 9, 11]);
  });
  it('ColorJitter ranges follow torchvision', () => {
    const t = new ColorJitter({ brightness: 0.5, contrast: [0.2, 1.5], saturation: 0, hue: 0.2 });
    expect(t.brightness).toEqual([0.5, 1.5]);
    expect(t.contrast).toEqual([0.2, 1.5]);
    expect(t.saturation).toBeUndefined();
    expect(t.hue).toEqual([-0.2, 0.2]);
    expect(new ColorJitter({ brightness: 2 }).brightness).toEqual([0, 3]);
    expect(() => new ColorJitter({ hue: 0.7 })).toThrow(/hue values should be between/);
    expect(() => new ColorJitter({ brightness: -1 })).toThrow(/non negative/);
    // identity when nothing is set
    expect(same(new ColorJitter().call(img), img)).toBe(true);
    // values stay in range
    const out = new ColorJitter({
      brightness: 0.9,
      contrast: 0.9,
      saturation: 0.9,
      hue: 0.5,
      generator: new Generator(0),
    });
    for (let i = 0; i < 5; i++) {
      const v = values(out.call(img));
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThanOrEqual(255);
      expect(v.every(Number.isInteger)).toBe(true);
    }
  });
  it('RandomRotation angles stay in range; zero range is the identity', () => {
    expect(new RandomRotation(10).degrees).toEqual([-10, 10]);
    expect(new RandomRotation([5, 20]).degrees).toEqual([5, 20]);
    expect(same(new RandomRotation([0, 0]).call(img), img)).toBe(true);
    expect([...new RandomRotation(30, { expand: true }).call(img).shape][0]).toBe(3);
    expect(() => new RandomRotation(-3)).toThrow(KindlingError);
  });
});

describe('deterministic transform classes', () => {
  it('match the functional ops and compose', () => {
    expect(same(new Resize(10).call(img), TF.resize(img, 10))).toBe(true);
    expect([...new Resize(10).call(img).shape]).toEqual([3, 10, 12]); // shorter side 10
    expect([...new Resize([7, 9], { interpolation: 'nearest' }).call(batch).shape]).toEqual([4, 3, 7, 9]);
    expect(same(new CenterCrop(5).call(img), TF.centerCrop(img, 5))).toBe(true);
    expect(
      same(
        new Pad([1, 2], { paddingMode: 'reflect' }).call(img),
        TF.pad(img, [1, 2], { paddingMode: 'reflect' }),
      ),
    ).toBe(true);
    expect(same(new Grayscale(3).call(img), TF.rgbToGrayscale(img, 3))).toBe(true);
    expect(same(new ConvertImageDtype('float32').call(img), new ToTensor().call(img))).toBe(true);
    const pipeline = new Compose([
      new Resize(16),
      new CenterCrop(12),
      new ToTensor(),
      new Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]),
      new Lambda((x) => x.mul(2)),
      (x: Tensor) => x.add(1),
    ]);
    const manual = TF.normalize(
      TF.toTensor(TF.centerCrop(TF.resize(img, 16), 12)),
      [0.5, 0.5, 0.5],
      [0.25, 0.25, 0.25],
    )
      .mul(2)
      .add(1);
    expect(same(pipeline.call(img), manual)).toBe(true);
    expect(same(pipeline.call(img.unsqueeze(0)).squeeze(0), manual)).toBe(true);
    expect(String(pipeline)).toBe(
      'Compose(\n    Resize(size=16, interpolation=bilinear, max_size=None)\n    CenterCrop(size=(12, 12))\n    ToTensor()\n' +
        '    Normalize(mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25])\n    Lambda()\n    Lambda(fn)\n)',
    );
  });
  it('reject bad inputs with KindlingErrors naming the op', () => {
    expect(() => new ToTensor().call(randint(0, 2, [5, 5]))).toThrow(
      /toTensor: expected an image \[C, H, W\] or a batch/,
    );
    expect(() => new Normalize([0.5], [0.5]).call(img)).toThrow(
      /normalize: expected a float image, got int32/,
    );
    expect(() => new Normalize([0.5, 0.5], [0.5, 0.5]).call(batch)).toThrow(/mean must have 1 or 3 values/);
    expect(() => new Resize([1, 2, 3])).toThrow(KindlingError);
    expect(() => new CenterCrop(0)).toThrow(KindlingError);
    expect(() => new RandomHorizontalFlip(1.5)).toThrow(/p must be a probability/);
    expect(() => TF.resize(img, 8, { antialias: true as never })).toThrow(/antialias/);
    expect(() => TF.rotate(img, 10, { interpolation: 'bicubic' as never })).toThrow(/interpolation must be/);
    expect(() => TF.rotate(img, 10, { fill: [1, 2] })).toThrow(/fill must have 1 or 3 values/);
    expect(() => TF.adjustBrightness(img.to('bool'), 0.5)).toThrow(/dtype bool/);
  });
});
