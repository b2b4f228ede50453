/** `makeGrid` and `saveImage` (`torchvision.utils.make_grid` / `save_image`). */
import { fromHost, isFloating, ShapeError, stack, type Tensor, ValueError } from '@kindling/core';
import { encodeJpeg, encodePng } from '../io/image.js';
import { nodeFs } from '../io/node.js';

/** Options of `makeGrid`. */
export interface MakeGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Pixels between and around the images (default 2). */
  padding?: number;
  /** Shift the values to [0, 1] using `valueRange`, or the min and max of the images (default false). */
  normalize?: boolean;
  /** `[low, high]` mapped to [0, 1] by `normalize` (values are clamped to it first). */
  valueRange?: readonly [number, number];
  /** Normalize each image by its own min and max (default false). */
  scaleEach?: boolean;
  /** Value of the padding pixels (default 0). */
  padValue?: number;
}

function checkInt(v: number, name: string, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new ValueError(`makeGrid: ${name} must be an integer >= ${min}, got ${v}`);
  }
}

/**
 * Tiles a batch of images `[N, C, H, W]` (or a list of `[C, H, W]`, or one `[C, H, W]` or `[H, W]`
 * image) into one image `[C, H', W']`, `nrow` per row, as `torchvision.utils.make_grid`:
 * one-channel images become three-channel, and a batch of one is returned without padding. The
 * result keeps the input dtype (float32 when `normalize` is set).
 */
export function makeGrid(images: Tensor | readonly Tensor[], options?: MakeGridOptions): Tensor {
  const nrow = options?.nrow ?? 8;
  const padding = options?.padding ?? 2;
  const padValue = options?.padValue ?? 0;
  checkInt(nrow, 'nrow', 1);
  checkInt(padding, 'padding', 0);
  let x: Tensor = Array.isArray(images) ? stack(images as Tensor[], 0) : (images as Tensor);
  if (x.ndim === 2) x = x.unsqueeze(0);
  if (x.ndim === 3) x = x.unsqueeze(0);
  if (x.ndim !== 4) {
    throw new ShapeError(
      `makeGrid: expected images [N, C, H, W], [C, H, W] or [H, W], got shape [${x.shape.join(', ')}]`,
    );
  }
  const [n0, c0, h, w] = x.shape;
  if (n0 === 0) throw new ShapeError('makeGrid: got an empty batch');
  const ch = c0 === 1 ? 3 : c0;
  const floatOut = options?.normalize === true || isFloating(x.dtype);
  const src = x.dataSync();
  const imgSize = c0 * h * w;
  // Per image: value mapping (identity unless normalize).
  const lows = new Float64Array(n0);
  const denoms = new Float64Array(n0).fill(1);
  const clampLo = new Float64Array(n0).fill(-Infinity);
  const clampHi = new Float64Array(n0).fill(Infinity);
  if (options?.normalize) {
    const range = options.valueRange;
    if (range !== undefined && (range.length !== 2 || !(range[0] <= range[1]))) {
      throw new ValueError(`makeGrid: valueRange must be [low, high] with low <= high, got [${range}]`);
    }
    const minmax = (from: number, to: number): [number, number] => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = from; i < to; i++) {
        const v = src[i] as number;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      return [lo, hi];
    };
    const all = options.scaleEach ? undefined : (range ?? minmax(0, n0 * imgSize));
    for (let k = 0; k < n0; k++) {
      const [lo, hi] = all ?? range ?? minmax(k * imgSize, (k + 1) * imgSize);
      lows[k] = lo;
      denoms[k] = Math.fround(Math.max(hi - lo, 1e-5));
      clampLo[k] = lo;
      clampHi[k] = hi;
    }
  }
  const map = (k: number, v: number): number => {
    if (!options?.normalize) return v;
    const c = v < clampLo[k] ? clampLo[k] : Math.min(v, clampHi[k]);
    return Math.fround(Math.fround(c - Math.fround(lows[k])) / denoms[k]);
  };
  if (n0 === 1) {
    const out = floatOut ? new Float32Array(ch * h * w) : new Int32Array(ch * h * w);
    for (let c = 0; c < ch; c++) {
      const sc = c0 === 1 ? 0 : c;
      for (let i = 0; i < h * w; i++) out[c * h * w + i] = map(0, src[sc * h * w + i] as number);
    }
    return fromHost(out, [ch, h, w], floatOut ? 'float32' : x.dtype);
  }
  const xmaps = Math.min(nrow, n0);
  const ymaps = Math.ceil(n0 / xmaps);
  const cellH = h + padding;
  const cellW = w + padding;
  const H = cellH * ymaps + padding;
  const W = cellW * xmaps + padding;
  const out = floatOut ? new Float32Array(ch * H * W) : new Int32Array(ch * H * W);
  out.fill(padValue);
  for (let k = 0; k < n0; k++) {
    const y0 = Math.floor(k / xmaps) * cellH + padding;
    const x0 = (k % xmaps) * cellW + padding;
    for (let c = 0; c < ch; c++) {
      const sc = c0 === 1 ? 0 : c;
      const srcBase = k * imgSize + sc * h * w;
      for (let yy = 0; yy < h; yy++) {
        const dst = c * H * W + (y0 + yy) * W + x0;
        for (let xx = 0; xx < w; xx++) out[dst + xx] = map(k, src[srcBase + yy * w + xx] as number);
      }
    }
  }
  return fromHost(out, [ch, H, W], floatOut ? 'float32' : x.dtype);
}

/** Options of `saveImage`: `makeGrid`'s, plus the file format. */
export interface SaveImageOptions extends MakeGridOptions {
  /** `png` or `jpeg` (default: from the file extension, PNG when it has none). */
  format?: 'png' | 'jpeg';
  /** JPEG quality 1-100 (default 75). */
  quality?: number;
}

/**
 * Saves an image `[C, H, W]` or a batch `[N, C, H, W]` (tiled with `makeGrid`) to a PNG or JPEG
 * file (`torchvision.utils.save_image`; Node only). Float values are taken as [0, 1]; int32 as
 * 0-255.
 */
export function saveImage(
  images: Tensor | readonly Tensor[],
  path: string,
  options?: SaveImageOptions,
): void {
  const grid = makeGrid(images, options);
  const ext = path.toLowerCase().split('.').pop();
  const format = options?.format ?? (ext === 'jpg' || ext === 'jpeg' ? 'jpeg' : 'png');
  if (format !== 'png' && format !== 'jpeg') {
    throw new ValueError(`saveImage: format must be 'png' or 'jpeg', got '${String(format)}'`);
  }
  const bytes = format === 'png' ? encodePng(grid) : encodeJpeg(grid, { quality: options?.quality ?? 75 });
  nodeFs('saveImage').writeFileSync(path, bytes);
}
