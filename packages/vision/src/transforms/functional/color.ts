/**
 * Value and colour transforms on image tensors, with torchvision 0.14's tensor arithmetic (float32
 * steps for int32/float32 images, truncation back to integers): `toTensor`,
 * `convertImageDtype`, `normalize`, `rgbToGrayscale`, `adjustBrightness`, `adjustContrast`,
 * `adjustSaturation`, `adjustHue`.
 */
import {
  type DType,
  DTypeError,
  fromHost,
  isFloating,
  type Tensor,
  tensor,
  ValueError,
} from '@kindling/core';
import { checkChannels, imageDims, like, newArray, rounder } from './common.js';

/**
 * Converts an int32 image of uint8 values to float32 in [0, 1] (`ToTensor` for tensors); float
 * images are returned as they are.
 */
export function toTensor(x: Tensor): Tensor {
  imageDims('toTensor', x);
  return x.dtype === 'int32' ? x.div(255) : x;
}

/**
 * Converts between int32 (uint8 values) and float images (`convert_image_dtype`): int to float
 * divides by 255; float to int multiplies by 255.999 and truncates; float to float casts.
 */
export function convertImageDtype(x: Tensor, dtype: DType = 'float32'): Tensor {
  imageDims('convertImageDtype', x);
  if (dtype !== 'int32' && dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(`convertImageDtype: target dtype must be int32, float32 or float64, got ${dtype}`);
  }
  if (x.dtype === dtype) return x;
  if (isFloating(x.dtype)) {
    if (dtype !== 'int32') return x.to(dtype);
    const f = rounder(x);
    const src = x.dataSync();
    const out = new Int32Array(src.length);
    const m = f(255 + 1 - 1e-3);
    for (let i = 0; i < src.length; i++) out[i] = Math.trunc(f((src[i] as number) * m));
    return fromHost(out, x.shape, 'int32');
  }
  return x.to(dtype).div(255);
}

/**
 * Normalizes each channel: `(x - mean[c]) / std[c]` (`F.normalize`). Needs a float image; `mean`
 * and `std` have one value per channel (or one for all).
 */
export function normalize(x: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  const op = 'normalize';
  const { c } = imageDims(op, x);
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`${op}: expected a float image, got ${x.dtype}; apply toTensor first`);
  }
  for (const [name, v] of [
    ['mean', mean],
    ['std', std],
  ] as const) {
    if (v.length !== 1 && v.length !== c) {
      throw new ValueError(`${op}: ${name} must have 1 or ${c} values (one per channel), got ${v.length}`);
    }
  }
  const s = tensor([...std], { dtype: x.dtype });
  if (s.dataSync().some((v) => v === 0)) {
    throw new ValueError(
      `${op}: std evaluated to zero after conversion to ${x.dtype}, leading to division by zero`,
    );
  }
  const m = tensor([...mean], { dtype: x.dtype }).reshape([-1, 1, 1]);
  return x.sub(m).div(s.reshape([-1, 1, 1]));
}

/** Per-pixel luma of RGB planes as torchvision (`0.2989 R + 0.587 G + 0.114 B`, float32 steps). */
function lumaPlanes(x: Tensor): Float64Array {
  const { n, h, w } = imageDims('rgbToGrayscale', x);
  const f = rounder(x);
  const src = x.dataSync();
  const hw = h * w;
  const out = new Float64Array(n * hw);
  const [cr, cg, cb] = [f(0.2989), f(0.587), f(0.114)];
  const int = x.dtype === 'int32';
  for (let k = 0; k < n; k++) {
    const base = k * 3 * hw;
    for (let i = 0; i < hw; i++) {
      const r = src[base + i] as number;
      const g = src[base + hw + i] as number;
      const b = src[base + 2 * hw + i] as number;
      const l = f(f(f(cr * r) + f(cg * g)) + f(cb * b));
      out[k * hw + i] = int ? Math.trunc(l) : l;
    }
  }
  return out;
}

/**
 * Converts RGB images to greyscale (`F.rgb_to_grayscale`): `L = 0.2989 R + 0.587 G + 0.114 B`,
 * truncated for int32 images; one-channel images are copied. `numOutputChannels` 3 repeats L.
 */
export function rgbToGrayscale(x: Tensor, numOutputChannels: 1 | 3 = 1): Tensor {
  const op = 'rgbToGrayscale';
  const { n, c, h, w } = imageDims(op, x);
  checkChannels(op, c, [1, 3]);
  if (numOutputChannels !== 1 && numOutputChannels !== 3) {
    throw new ValueError(`${op}: numOutputChannels must be 1 or 3, got ${numOutputChannels}`);
  }
  const hw = h * w;
  const l = c === 3 ? lumaPlanes(x) : Float64Array.from(x.dataSync() as ArrayLike<number>);
  const out = newArray(x, n * numOutputChannels * hw);
  for (let k = 0; k < n; k++) {
    for (let ch = 0; ch < numOutputChannels; ch++)
      out.set(l.subarray(k * hw, (k + 1) * hw), (k * numOutputChannels + ch) * hw);
  }
  const shape = x.ndim === 4 ? [n, numOutputChannels, h, w] : [numOutputChannels, h, w];
  return like(x, out, shape);
}

/**
 * torchvision's `_blend`: `clamp(ratio * a + (1 - ratio) * b, 0, bound)` cast back to the image
 * dtype. b is 0 (`other` null), one value per image (`other.length === n`), or a plane per image
 * shared by its channels (`other.length === n * h * w`).
 */
function blend(x: Tensor, ratio: number, other: Float64Array | null): Tensor {
  const { n, h, w } = imageDims('blend', x);
  const f = rounder(x);
  const int = x.dtype === 'int32';
  const bound = int ? 255 : 1;
  const src = x.dataSync();
  const per = src.length / n;
  const hw = h * w;
  const out = newArray(x, src.length);
  const r1 = f(ratio);
  const r2 = f(1 - ratio);
  const perImage = other !== null && other.length === n;
  for (let k = 0; k < n; k++) {
    const base = k * per;
    const scalar = other === null ? 0 : perImage ? f(r2 * other[k]) : 0;
    for (let i = 0; i < per; i++) {
      const b = other === null || perImage ? scalar : f(r2 * other[k * hw + (i % hw)]);
      let v = f(f(r1 * (src[base + i] as number)) + b);
      v = v < 0 ? 0 : Math.min(v, bound);
      out[base + i] = int ? Math.trunc(v) : v;
    }
  }
  return like(x, out);
}

function clamp01(v: number): number {
  return v < 0 ? 0 : Math.min(v, 1);
}

function checkFactor(op: string, name: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new ValueError(`${op}: ${name} (${v}) is not non-negative`);
}

/** Multiplies the values by `factor` (0 black, 1 unchanged) and clamps (`F.adjust_brightness`). */
export function adjustBrightness(x: Tensor, factor: number): Tensor {
  const op = 'adjustBrightness';
  checkFactor(op, 'brightnessFactor', factor);
  checkChannels(op, imageDims(op, x).c, [1, 3]);
  return blend(x, factor, null);
}

/**
 * Blends each image with the mean of its greyscale version (`F.adjust_contrast`): 0 gives a grey
 * image, 1 the original, 2 doubles the contrast.
 */
export function adjustContrast(x: Tensor, factor: number): Tensor {
  const op = 'adjustContrast';
  checkFactor(op, 'contrastFactor', factor);
  const { n, c, h, w } = imageDims(op, x);
  checkChannels(op, c, [1, 3]);
  const grey = c === 3 ? lumaPlanes(x) : Float64Array.from(x.dataSync() as ArrayLike<number>);
  const per = grey.length / n;
  const f = rounder(x);
  const means = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let i = 0; i < per; i++) s += grey[k * per + i];
    means[k] = f(s / (h * w));
  }
  return blend(x, factor, means);
}

/** Blends with the greyscale image (`F.adjust_saturation`): 0 grey, 1 unchanged, 2 doubly saturated. */
export function adjustSaturation(x: Tensor, factor: number): Tensor {
  const op = 'adjustSaturation';
  checkFactor(op, 'saturationFactor', factor);
  const { c, h, w } = imageDims(op, x);
  checkChannels(op, c, [1, 3]);
  if (c === 1) return x;
  if (h * w === 0) return x;
  return blend(x, factor, lumaPlanes(x));
}

/**
 * Shifts the hue by `factor` turns (in [-0.5, 0.5]) through HSV (`F.adjust_hue`); one-channel
 * images are returned unchanged.
 */
export function adjustHue(x: Tensor, factor: number): Tensor {
  const op = 'adjustHue';
  if (!(factor >= -0.5 && factor <= 0.5))
    throw new ValueError(`${op}: hueFactor (${factor}) is not in [-0.5, 0.5]`);
  const { n, c, h, w } = imageDims(op, x);
  checkChannels(op, c, [1, 3]);
  if (c === 1) return x;
  const f = rounder(x);
  const int = x.dtype === 'int32';
  const src = x.dataSync();
  const hw = h * w;
  const out = newArray(x, src.length);
  const hue = f(factor);
  for (let k = 0; k < n; k++) {
    const base = k * 3 * hw;
    for (let p = 0; p < hw; p++) {
      let r = src[base + p] as number;
      let g = src[base + hw + p] as number;
      let b = src[base + 2 * hw + p] as number;
      if (int) {
        r = f(r / 255);
        g = f(g / 255);
        b = f(b / 255);
      }
      // _rgb2hsv
      const maxc = Math.max(r, g, b);
      const minc = Math.min(r, g, b);
      const eqc = maxc === minc;
      const cr = f(maxc - minc);
      const s = f(cr / (eqc ? 1 : maxc));
      const crd = eqc ? 1 : cr;
      const rc = f(f(maxc - r) / crd);
      const gc = f(f(maxc - g) / crd);
      const bc = f(f(maxc - b) / crd);
      const hr = maxc === r ? f(bc - gc) : 0;
      const hg = maxc === g && maxc !== r ? f(f(2 + rc) - bc) : 0;
      const hb = maxc !== g && maxc !== r ? f(f(4 + gc) - rc) : 0;
      let hh = f(f(hr + hg) + hb);
      hh = f(f(hh / 6) + 1) % 1;
      // shift
      let hs = f(hh + hue);
      hs = f(hs - Math.floor(hs));
      // _hsv2rgb
      const h6 = f(hs * 6);
      const fi = Math.floor(h6);
      const fr = f(h6 - fi);
      const v = maxc;
      const pp = clamp01(f(v * f(1 - s)));
      const qq = clamp01(f(v * f(1 - f(s * fr))));
      const tt = clamp01(f(v * f(1 - f(s * f(1 - fr)))));
      const i = ((fi % 6) + 6) % 6;
      let ro = v;
      let go = tt;
      let bo = pp;
      if (i === 1) [ro, go, bo] = [qq, v, pp];
      else if (i === 2) [ro, go, bo] = [pp, v, tt];
      else if (i === 3) [ro, go, bo] = [pp, qq, v];
      else if (i === 4) [ro, go, bo] = [tt, pp, v];
      else if (i === 5) [ro, go, bo] = [v, pp, qq];
      if (int) {
        ro = Math.trunc(f(ro * 255));
        go = Math.trunc(f(go * 255));
        bo = Math.trunc(f(bo * 255));
      }
      out[base + p] = ro;
      out[base + hw + p] = go;
      out[base + 2 * hw + p] = bo;
    }
  }
  return like(x, out);
}
