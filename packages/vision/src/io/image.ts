/**
 * Images as tensors: PNG/JPEG bytes to and from `[C, H, W]` tensors (uint8 values stored as
 * int32, or float32 in [0, 1]), colour-mode conversion, and Node file helpers (`readImage`,
 * `writePng`, `writeJpeg`).
 */
import { DTypeError, fromHost, isFloating, ShapeError, type Tensor, ValueError } from '@kindling/core';
import { decodeJpegRaw, encodeJpegRaw, isJpeg, type JpegEncodeOptions } from './jpeg.js';
import { nodeFs, readBytes } from './node.js';
import { decodePngRaw, encodePngRaw, type PngEncodeOptions, type RawImage } from './png.js';

/**
 * Channel layout to decode to (torchvision's `ImageReadMode`): `unchanged` keeps the file's
 * channels; `gray` (1), `grayAlpha` (2), `rgb` (3) and `rgba` (4) convert. Colour to grey uses
 * ITU-R 601-2 luma (`L = R*299/1000 + G*587/1000 + B*114/1000`, as PIL's `convert('L')`).
 */
export type ImageReadMode = 'unchanged' | 'gray' | 'grayAlpha' | 'rgb' | 'rgba';

/** Options of the image decoders. */
export interface DecodeImageOptions {
  /** Channel layout (default `unchanged`). */
  mode?: ImageReadMode;
  /** `int32` (default: uint8 values 0-255) or `float32` (values / 255, in [0, 1]). */
  dtype?: 'int32' | 'float32';
  /** Name used in error messages (default: the format name). */
  name?: string;
}

const MODE_CHANNELS: Record<ImageReadMode, number> = { unchanged: 0, gray: 1, grayAlpha: 2, rgb: 3, rgba: 4 };

function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/** Converts interleaved 8-bit samples to another channel layout. */
export function convertRaw(img: RawImage, mode: ImageReadMode): RawImage {
  if (!(mode in MODE_CHANNELS)) {
    throw new ValueError(
      `decodeImage: unknown mode '${String(mode)}', expected unchanged, gray, grayAlpha, rgb or rgba`,
    );
  }
  const to = MODE_CHANNELS[mode];
  const from = img.channels;
  if (to === 0 || to === from) return img;
  const n = img.width * img.height;
  const src = img.data;
  const out = new Uint8Array(n * to);
  const hasAlpha = from === 2 || from === 4;
  for (let i = 0; i < n; i++) {
    const s = i * from;
    let r: number;
    let g: number;
    let b: number;
    if (from <= 2) r = g = b = src[s];
    else {
      r = src[s];
      g = src[s + 1];
      b = src[s + 2];
    }
    const a = hasAlpha ? src[s + from - 1] : 255;
    const d = i * to;
    if (to <= 2) out[d] = from <= 2 ? r : luma(r, g, b);
    else {
      out[d] = r;
      out[d + 1] = g;
      out[d + 2] = b;
    }
    if (to === 2 || to === 4) out[d + to - 1] = a;
  }
  return { width: img.width, height: img.height, channels: to as 1 | 2 | 3 | 4, data: out };
}

/** Interleaved `[H, W, C]` 8-bit samples to a `[C, H, W]` tensor. */
export function rawToTensor(img: RawImage, dtype: 'int32' | 'float32' = 'int32'): Tensor {
  const { width, height, channels, data } = img;
  const n = width * height;
  const out = dtype === 'int32' ? new Int32Array(n * channels) : new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    if (dtype === 'int32') for (let i = 0; i < n; i++) out[base + i] = data[i * channels + c];
    else for (let i = 0; i < n; i++) out[base + i] = data[i * channels + c] / 255;
  }
  return fromHost(out, [channels, height, width], dtype);
}

/**
 * A `[C, H, W]` image tensor to interleaved 8-bit samples. int32 values must be in 0-255; float
 * values are taken as [0, 1] and converted as torchvision's `save_image` does
 * (`floor(x * 255 + 0.5)`, clamped to 0-255).
 */
export function tensorToRaw(x: Tensor, op = 'encodeImage'): RawImage {
  if (x.ndim !== 3) {
    throw new ShapeError(`${op}: expected an image tensor [C, H, W], got shape [${x.shape.join(', ')}]`);
  }
  const [channels, height, width] = x.shape;
  if (channels < 1 || channels > 4) {
    throw new ShapeError(`${op}: expected 1 (grey), 2, 3 (RGB) or 4 (RGBA) channels, got ${channels}`);
  }
  if (height === 0 || width === 0) throw new ShapeError(`${op}: cannot encode an empty image [${x.shape}]`);
  const floating = isFloating(x.dtype);
  if (!floating && x.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected an int32 (0-255) or float (0-1) image, got dtype ${x.dtype}`);
  }
  const src = x.dataSync();
  const n = width * height;
  const out = new Uint8Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let i = 0; i < n; i++) {
      let v = src[base + i] as number;
      if (floating) {
        v = Math.floor(v * 255 + 0.5);
        v = v < 0 ? 0 : Math.min(v, 255);
        if (Number.isNaN(v)) v = 0;
      } else if (v < 0 || v > 255) {
        throw new ValueError(`${op}: int32 image values must be in 0..255, found ${v}`);
      }
      out[i * channels + c] = v;
    }
  }
  return { width, height, channels: channels as 1 | 2 | 3 | 4, data: out };
}

function finish(raw: RawImage, options: DecodeImageOptions | undefined): Tensor {
  const dtype = options?.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'float32') {
    throw new DTypeError(`decodeImage: dtype must be 'int32' or 'float32', got '${String(dtype)}'`);
  }
  return rawToTensor(convertRaw(raw, options?.mode ?? 'unchanged'), dtype);
}

/** Decodes PNG bytes to a `[C, H, W]` tensor (`torchvision.io.decode_png`). */
export function decodePng(bytes: Uint8Array, options?: DecodeImageOptions): Tensor {
  return finish(decodePngRaw(bytes, options?.name ?? 'decodePng'), options);
}

/** Decodes JPEG bytes to a `[C, H, W]` tensor (`torchvision.io.decode_jpeg`). */
export function decodeJpeg(bytes: Uint8Array, options?: DecodeImageOptions): Tensor {
  return finish(decodeJpegRaw(bytes, options?.name ?? 'decodeJpeg'), options);
}

/** Decodes PNG or JPEG bytes (detected from their signature) to a `[C, H, W]` tensor. */
export function decodeImage(bytes: Uint8Array, options?: DecodeImageOptions): Tensor {
  const name = options?.name ?? 'decodeImage';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    return finish(decodePngRaw(bytes, name), options);
  }
  if (isJpeg(bytes)) return finish(decodeJpegRaw(bytes, name), options);
  throw new ValueError(`${name}: unsupported image format: expected PNG or JPEG data`);
}

/** Encodes a `[C, H, W]` image tensor (1-4 channels) as PNG bytes (`torchvision.io.encode_png`). */
export function encodePng(image: Tensor, options?: PngEncodeOptions): Uint8Array {
  return encodePngRaw(tensorToRaw(image, 'encodePng'), options);
}

/** Encodes a `[C, H, W]` image tensor (1 or 3 channels) as JPEG bytes (`torchvision.io.encode_jpeg`). */
export function encodeJpeg(image: Tensor, options?: JpegEncodeOptions): Uint8Array {
  const raw = tensorToRaw(image, 'encodeJpeg');
  if (raw.channels === 2 || raw.channels === 4) {
    throw new ShapeError(
      `encodeJpeg: JPEG has no alpha channel: expected 1 or 3 channels, got ${raw.channels}`,
    );
  }
  return encodeJpegRaw(raw, options);
}

/** Reads a PNG or JPEG file to a `[C, H, W]` tensor (`torchvision.io.read_image`; Node only). */
export function readImage(path: string, options?: Omit<DecodeImageOptions, 'name'>): Tensor {
  return decodeImage(readBytes(path, 'readImage'), { ...options, name: path });
}

/** Writes a `[C, H, W]` image tensor to a PNG file (Node only). */
export function writePng(image: Tensor, path: string, options?: PngEncodeOptions): void {
  nodeFs('writePng').writeFileSync(path, encodePng(image, options));
}

/** Writes a `[C, H, W]` image tensor to a JPEG file (Node only). */
export function writeJpeg(image: Tensor, path: string, options?: JpegEncodeOptions): void {
  nodeFs('writeJpeg').writeFileSync(path, encodeJpeg(image, options));
}
