/**
 * Transform classes (`torchvision.transforms`): composable, each `call(x)` works on one image
 * `[C, H, W]` or a batch `[N, C, H, W]` (a batch shares one draw of the random parameters, as
 * torchvision's tensor transforms). Random transforms take an optional core `Generator`
 * (default: the global one seeded by `manualSeed`), so a seeded generator reproduces them.
 */
import { type DType, type Generator, type Tensor, ValueError } from '@kindling/core';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  convertImageDtype,
  normalize,
  rgbToGrayscale,
  toTensor,
} from './functional/color.js';
import { imageDims, pair, roundHalfEven } from './functional/common.js';
import {
  centerCrop,
  crop,
  hflip,
  type InterpolationMode,
  pad,
  type PaddingMode,
  resize,
  resizedCrop,
  type ResizeOptions,
  rotate,
  vflip,
} from './functional/geometry.js';
import { permutation, randInt, uniform } from './random.js';
import { applyTransform, type Transform, type TransformLike } from './transform.js';

/** Options of the random transforms. */
export interface RandomOptions {
  /** Source of randomness (default: the global generator). */
  generator?: Generator;
}

const fmt = (v: unknown): string => (Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : String(v));

function describe(t: TransformLike): string {
  return typeof t === 'function' ? `Lambda(${t.name || 'fn'})` : String(t);
}

/** Applies transforms in order (`Compose`). */
export class Compose implements Transform {
  /** The transforms. */
  readonly transforms: TransformLike[];
  constructor(transforms: readonly TransformLike[]) {
    this.transforms = [...transforms];
  }
  /** Applies each transform in turn. */
  call(x: Tensor): Tensor {
    for (const t of this.transforms) x = applyTransform(t, x);
    return x;
  }
  /** torchvision-style multi-line repr. */
  toString(): string {
    return `Compose(\n${this.transforms.map((t) => `    ${describe(t)}`).join('\n')}\n)`;
  }
}

/** Wraps a function as a transform (`Lambda`). */
export class Lambda implements Transform {
  /** The function. */
  readonly fn: (x: Tensor) => Tensor;
  constructor(fn: (x: Tensor) => Tensor) {
    if (typeof fn !== 'function') throw new ValueError('Lambda: expected a function');
    this.fn = fn;
  }
  /** Calls the function. */
  call(x: Tensor): Tensor {
    return this.fn(x);
  }
  /** `Lambda()`. */
  toString(): string {
    return 'Lambda()';
  }
}

/** int32 images (uint8 values) to float32 in [0, 1]; float images pass through (`ToTensor`). */
export class ToTensor implements Transform {
  /** Applies `toTensor`. */
  call(x: Tensor): Tensor {
    return toTensor(x);
  }
  /** `ToTensor()`. */
  toString(): string {
    return 'ToTensor()';
  }
}

/** Converts between int32 (uint8 values) and float images (`ConvertImageDtype`). */
export class ConvertImageDtype implements Transform {
  /** Target dtype. */
  readonly dtype: DType;
  constructor(dtype: DType) {
    this.dtype = dtype;
  }
  /** Applies `convertImageDtype`. */
  call(x: Tensor): Tensor {
    return convertImageDtype(x, this.dtype);
  }
  /** `ConvertImageDtype(float32)`. */
  toString(): string {
    return `ConvertImageDtype(${this.dtype})`;
  }
}

/** `(x - mean[c]) / std[c]` per channel (`Normalize`). */
export class Normalize implements Transform {
  /** Per-channel means. */
  readonly mean: number[];
  /** Per-channel standard deviations. */
  readonly std: number[];
  constructor(mean: readonly number[], std: readonly number[]) {
    this.mean = [...mean];
    this.std = [...std];
  }
  /** Applies `normalize`. */
  call(x: Tensor): Tensor {
    return normalize(x, this.mean, this.std);
  }
  /** `Normalize(mean=[...], std=[...])`. */
  toString(): string {
    return `Normalize(mean=${fmt(this.mean)}, std=${fmt(this.std)})`;
  }
}

/** Resizes (`Resize`): a number sets the shorter side (aspect kept), `[h, w]` the exact size. */
export class Resize implements Transform {
  /** Requested size. */
  readonly size: number | number[];
  /** Resize options. */
  readonly options: ResizeOptions;
  constructor(size: number | readonly number[], options: ResizeOptions = {}) {
    this.size = typeof size === 'number' ? size : [...size];
    this.options = { ...options };
    if (typeof size !== 'number' && size.length !== 1 && size.length !== 2) {
      throw new ValueError(`Resize: size must be a number, [n] or [h, w], got ${JSON.stringify(size)}`);
    }
  }
  /** Applies `resize`. */
  call(x: Tensor): Tensor {
    return resize(x, this.size, this.options);
  }
  /** `Resize(size=..., interpolation=...)`. */
  toString(): string {
    return `Resize(size=${fmt(this.size)}, interpolation=${this.options.interpolation ?? 'bilinear'}, max_size=${this.options.maxSize ?? 'None'})`;
  }
}

/** Crops the centre (`CenterCrop`). */
export class CenterCrop implements Transform {
  /** `[h, w]`. */
  readonly size: [number, number];
  constructor(size: number | readonly number[]) {
    this.size = pair('CenterCrop', size);
  }
  /** Applies `centerCrop`. */
  call(x: Tensor): Tensor {
    return centerCrop(x, this.size);
  }
  /** `CenterCrop(size=(h, w))`. */
  toString(): string {
    return `CenterCrop(size=(${this.size.join(', ')}))`;
  }
}

/** Options of `Pad`. */
export interface PadTransformOptions {
  /** Constant fill value (default 0). */
  fill?: number;
  /** `constant` (default), `edge`, `reflect` or `symmetric`. */
  paddingMode?: PaddingMode;
}

/** Pads the borders (`Pad`). */
export class Pad implements Transform {
  /** n, `[lr, tb]` or `[l, t, r, b]`. */
  readonly padding: number | number[];
  /** Fill value. */
  readonly fill: number;
  /** Padding mode. */
  readonly paddingMode: PaddingMode;
  constructor(padding: number | readonly number[], options: PadTransformOptions = {}) {
    this.padding = typeof padding === 'number' ? padding : [...padding];
    this.fill = options.fill ?? 0;
    this.paddingMode = options.paddingMode ?? 'constant';
  }
  /** Applies `pad`. */
  call(x: Tensor): Tensor {
    return pad(x, this.padding, { fill: this.fill, paddingMode: this.paddingMode });
  }
  /** `Pad(padding=..., fill=..., padding_mode=...)`. */
  toString(): string {
    return `Pad(padding=${fmt(this.padding)}, fill=${this.fill}, padding_mode=${this.paddingMode})`;
  }
}

/** Converts to greyscale (`Grayscale`). */
export class Grayscale implements Transform {
  /** 1 or 3. */
  readonly numOutputChannels: 1 | 3;
  constructor(numOutputChannels: 1 | 3 = 1) {
    this.numOutputChannels = numOutputChannels;
  }
  /** Applies `rgbToGrayscale`. */
  call(x: Tensor): Tensor {
    return rgbToGrayscale(x, this.numOutputChannels);
  }
  /** `Grayscale(num_output_channels=1)`. */
  toString(): string {
    return `Grayscale(num_output_channels=${this.numOutputChannels})`;
  }
}

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`${op}: p must be a probability in [0, 1], got ${p}`);
}

/** Flips horizontally with probability `p` (`RandomHorizontalFlip`). */
export class RandomHorizontalFlip implements Transform {
  /** Flip probability. */
  readonly p: number;
  private readonly generator: Generator | undefined;
  constructor(p = 0.5, options: RandomOptions = {}) {
    checkP('RandomHorizontalFlip', p);
    this.p = p;
    this.generator = options.generator;
  }
  /** Flips or not. */
  call(x: Tensor): Tensor {
    imageDims('RandomHorizontalFlip', x);
    return uniform(0, 1, this.generator) < this.p ? hflip(x) : x;
  }
  /** `RandomHorizontalFlip(p=0.5)`. */
  toString(): string {
    return `RandomHorizontalFlip(p=${this.p})`;
  }
}

/** Flips vertically with probability `p` (`RandomVerticalFlip`). */
export class RandomVerticalFlip implements Transform {
  /** Flip probability. */
  readonly p: number;
  private readonly generator: Generator | undefined;
  constructor(p = 0.5, options: RandomOptions = {}) {
    checkP('RandomVerticalFlip', p);
    this.p = p;
    this.generator = options.generator;
  }
  /** Flips or not. */
  call(x: Tensor): Tensor {
    imageDims('RandomVerticalFlip', x);
    return uniform(0, 1, this.generator) < this.p ? vflip(x) : x;
  }
  /** `RandomVerticalFlip(p=0.5)`. */
  toString(): string {
    return `RandomVerticalFlip(p=${this.p})`;
  }
}

/** Options of `RandomCrop`. */
export interface RandomCropOptions extends RandomOptions, PadTransformOptions {
  /** Padding applied before cropping (n, `[lr, tb]` or `[l, t, r, b]`). */
  padding?: number | readonly number[];
  /** Pad an image smaller than the crop up to its size (default false). */
  padIfNeeded?: boolean;
}

/** Crops a random `size` box, after optional padding (`RandomCrop`). */
export class RandomCrop implements Transform {
  /** `[h, w]`. */
  readonly size: [number, number];
  /** Options. */
  readonly options: RandomCropOptions;
  constructor(size: number | readonly number[], options: RandomCropOptions = {}) {
    this.size = pair('RandomCrop', size);
    this.options = { ...options };
  }
  /** `[top, left, h, w]` of a random crop of an `h` x `w` image. */
  static getParams(h: number, w: number, size: readonly [number, number], generator?: Generator): number[] {
    const [th, tw] = size;
    if (h < th || w < tw) {
      throw new ValueError(
        `RandomCrop: required crop size ${th}x${tw} is larger than the input image size ${h}x${w}`,
      );
    }
    if (h === th && w === tw) return [0, 0, h, w];
    const i = randInt(0, h - th + 1, generator);
    const j = randInt(0, w - tw + 1, generator);
    return [i, j, th, tw];
  }
  /** Pads as configured, then crops. */
  call(x: Tensor): Tensor {
    const o = this.options;
    const padOpts = { fill: o.fill ?? 0, paddingMode: o.paddingMode ?? 'constant' };
    if (o.padding !== undefined) x = pad(x, o.padding, padOpts);
    let { h, w } = imageDims('RandomCrop', x);
    const [th, tw] = this.size;
    if (o.padIfNeeded && w < tw) {
      x = pad(x, [tw - w, 0], padOpts);
      w = x.shape[x.ndim - 1];
    }
    if (o.padIfNeeded && h < th) {
      x = pad(x, [0, th - h], padOpts);
      h = x.shape[x.ndim - 2];
    }
    const [i, j, ch, cw] = RandomCrop.getParams(h, w, this.size, o.generator);
    return crop(x, i, j, ch, cw);
  }
  /** `RandomCrop(size=(h, w), padding=...)`. */
  toString(): string {
    return `RandomCrop(size=(${this.size.join(', ')}), padding=${fmt(this.options.padding ?? 'None')})`;
  }
}

/** Options of `RandomResizedCrop`. */
export interface RandomResizedCropOptions extends RandomOptions {
  /** Range of the crop's area as a fraction of the image's (default [0.08, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w/h (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
  /** `bilinear` (default) or `nearest`. */
  interpolation?: InterpolationMode;
}

/** Crops a random area and aspect ratio, resized to `size` (`RandomResizedCrop`). */
export class RandomResizedCrop implements Transform {
  /** Output `[h, w]`. */
  readonly size: [number, number];
  /** Area range. */
  readonly scale: [number, number];
  /** Aspect-ratio range. */
  readonly ratio: [number, number];
  /** Resampling. */
  readonly interpolation: InterpolationMode;
  private readonly generator: Generator | undefined;
  constructor(size: number | readonly number[], options: RandomResizedCropOptions = {}) {
    this.size = pair('RandomResizedCrop', size);
    this.scale = [...(options.scale ?? [0.08, 1])] as [number, number];
    this.ratio = [...(options.ratio ?? [3 / 4, 4 / 3])] as [number, number];
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1]) {
      throw new ValueError('RandomResizedCrop: scale and ratio must be [min, max] ranges');
    }
    this.interpolation = options.interpolation ?? 'bilinear';
    this.generator = options.generator;
  }
  /** `[top, left, h, w]` of a random crop (torchvision's algorithm: 10 tries, then a central crop). */
  static getParams(
    height: number,
    width: number,
    scale: readonly [number, number],
    ratio: readonly [number, number],
    generator?: Generator,
  ): number[] {
    const area = height * width;
    const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = area * uniform(scale[0], scale[1], generator);
      const aspect = Math.exp(uniform(logRatio[0], logRatio[1], generator));
      const w = roundHalfEven(Math.sqrt(targetArea * aspect));
      const h = roundHalfEven(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        const i = randInt(0, height - h + 1, generator);
        const j = randInt(0, width - w + 1, generator);
        return [i, j, h, w];
      }
    }
    const inRatio = width / height;
    let w: number;
    let h: number;
    if (inRatio < Math.min(...ratio)) {
      w = width;
      h = roundHalfEven(w / Math.min(...ratio));
    } else if (inRatio > Math.max(...ratio)) {
      h = height;
      w = roundHalfEven(h * Math.max(...ratio));
    } else {
      w = width;
      h = height;
    }
    return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
  }
  /** Crops and resizes. */
  call(x: Tensor): Tensor {
    const { h, w } = imageDims('RandomResizedCrop', x);
    const [i, j, ch, cw] = RandomResizedCrop.getParams(h, w, this.scale, this.ratio, this.generator);
    return resizedCrop(x, i, j, ch, cw, this.size, { interpolation: this.interpolation });
  }
  /** `RandomResizedCrop(size=..., scale=..., ratio=...)`. */
  toString(): string {
    return `RandomResizedCrop(size=(${this.size.join(', ')}), scale=(${this.scale.join(', ')}), ratio=(${this.ratio.join(', ')}), interpolation=${this.interpolation})`;
  }
}

type Range = [number, number] | undefined;

function jitterRange(
  name: string,
  value: number | readonly [number, number] | undefined,
  center: number,
  bound: [number, number],
  clipFirstOnZero: boolean,
): Range {
  if (value === undefined) return undefined;
  let r: [number, number];
  if (typeof value === 'number') {
    if (value < 0)
      throw new ValueError(
        `ColorJitter: if ${name} is a single number, it must be non negative, got ${value}`,
      );
    r = [center - value, center + value];
    if (clipFirstOnZero) r[0] = Math.max(r[0], 0);
  } else if (value.length === 2) {
    r = [value[0], value[1]];
    if (!(bound[0] <= r[0] && r[0] <= r[1] && r[1] <= bound[1])) {
      throw new ValueError(
        `ColorJitter: ${name} values should be between [${bound.join(', ')}], got [${r.join(', ')}]`,
      );
    }
  } else {
    throw new ValueError(`ColorJitter: ${name} should be a single number or a [min, max] pair`);
  }
  if (!(bound[0] <= r[0] && r[1] <= bound[1])) {
    throw new ValueError(
      `ColorJitter: ${name} values should be between [${bound.join(', ')}], got [${r.join(', ')}]`,
    );
  }
  return r[0] === center && r[1] === center ? undefined : r;
}

/** Options of `ColorJitter`: each a number v (range [1 - v, 1 + v], hue [-v, v]) or a [min, max] range. */
export interface ColorJitterOptions extends RandomOptions {
  /** Brightness factor range. */
  brightness?: number | readonly [number, number];
  /** Contrast factor range. */
  contrast?: number | readonly [number, number];
  /** Saturation factor range. */
  saturation?: number | readonly [number, number];
  /** Hue shift range, within [-0.5, 0.5]. */
  hue?: number | readonly [number, number];
}

/** Randomly changes brightness, contrast, saturation and hue, in a random order (`ColorJitter`). */
export class ColorJitter implements Transform {
  /** Brightness range (undefined: unchanged). */
  readonly brightness: Range;
  /** Contrast range. */
  readonly contrast: Range;
  /** Saturation range. */
  readonly saturation: Range;
  /** Hue range. */
  readonly hue: Range;
  private readonly generator: Generator | undefined;
  constructor(options: ColorJitterOptions = {}) {
    this.brightness = jitterRange('brightness', options.brightness, 1, [0, Infinity], true);
    this.contrast = jitterRange('contrast', options.contrast, 1, [0, Infinity], true);
    this.saturation = jitterRange('saturation', options.saturation, 1, [0, Infinity], true);
    this.hue = jitterRange('hue', options.hue, 0, [-0.5, 0.5], false);
    this.generator = options.generator;
  }
  /** Draws the order and the factors, then applies them. */
  call(x: Tensor): Tensor {
    imageDims('ColorJitter', x);
    const g = this.generator;
    const order = permutation(4, g);
    const draw = (r: Range) => (r === undefined ? undefined : uniform(r[0], r[1], g));
    const b = draw(this.brightness);
    const c = draw(this.contrast);
    const s = draw(this.saturation);
    const h = draw(this.hue);
    for (const k of order) {
      if (k === 0 && b !== undefined) x = adjustBrightness(x, b);
      else if (k === 1 && c !== undefined) x = adjustContrast(x, c);
      else if (k === 2 && s !== undefined) x = adjustSaturation(x, s);
      else if (k === 3 && h !== undefined) x = adjustHue(x, h);
    }
    return x;
  }
  /** `ColorJitter(brightness=..., ...)`. */
  toString(): string {
    const r = (v: Range) => (v ? `(${v.join(', ')})` : 'None');
    return `ColorJitter(brightness=${r(this.brightness)}, contrast=${r(this.contrast)}, saturation=${r(this.saturation)}, hue=${r(this.hue)})`;
  }
}

/** Options of `RandomRotation`. */
export interface RandomRotationOptions extends RandomOptions {
  /** `nearest` (default) or `bilinear`. */
  interpolation?: InterpolationMode;
  /** Grow the output to hold the whole rotated image (default false). */
  expand?: boolean;
  /** Centre `[x, y]` in pixels (default: the image centre). */
  center?: readonly [number, number];
  /** Fill for pixels from outside the image (default 0), one value or one per channel. */
  fill?: number | readonly number[];
}

/** Rotates by a random angle in `[-degrees, degrees]` or `[min, max]` (`RandomRotation`). */
export class RandomRotation implements Transform {
  /** Angle range in degrees. */
  readonly degrees: [number, number];
  /** Options. */
  readonly options: RandomRotationOptions;
  constructor(degrees: number | readonly [number, number], options: RandomRotationOptions = {}) {
    if (typeof degrees === 'number') {
      if (degrees < 0)
        throw new ValueError(
          `RandomRotation: if degrees is a single number, it must be positive, got ${degrees}`,
        );
      this.degrees = [-degrees, degrees];
    } else {
      if (degrees.length !== 2 || degrees[0] > degrees[1]) {
        throw new ValueError(
          `RandomRotation: degrees must be a number or a [min, max] pair, got ${JSON.stringify(degrees)}`,
        );
      }
      this.degrees = [degrees[0], degrees[1]];
    }
    this.options = { ...options };
  }
  /** Rotates by a random angle. */
  call(x: Tensor): Tensor {
    const { c } = imageDims('RandomRotation', x);
    const o = this.options;
    const fill = o.fill ?? 0;
    const fills = typeof fill === 'number' ? new Array<number>(c).fill(fill) : [...fill];
    const angle = uniform(this.degrees[0], this.degrees[1], o.generator);
    return rotate(x, angle, {
      interpolation: o.interpolation,
      expand: o.expand,
      center: o.center,
      fill: fills,
    });
  }
  /** `RandomRotation(degrees=[min, max], ...)`. */
  toString(): string {
    return `RandomRotation(degrees=[${this.degrees.join(', ')}], interpolation=${this.options.interpolation ?? 'nearest'}, expand=${this.options.expand ?? false})`;
  }
}
