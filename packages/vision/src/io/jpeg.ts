/**
 * JPEG decoding and encoding through `jpeg-js` (pure JavaScript: baseline and progressive
 * decoding, baseline encoding). The component count is read from the frame header so greyscale
 * JPEGs decode to one channel.
 */
import { ValueError } from '@kindling/core';
import jpeg from 'jpeg-js';
import type { RawImage } from './png.js';

/** Number of colour components in the JPEG's frame header (SOFn), or 0 if none was found. */
export function jpegComponents(bytes: Uint8Array): number {
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return 0;
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    const len = (bytes[pos + 2] << 8) | bytes[pos + 3];
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return pos + 9 < bytes.length ? bytes[pos + 9] : 0;
    if (marker === 0xda) return 0;
    pos += 2 + len;
  }
  return 0;
}

/** Whether `bytes` start with the JPEG SOI marker `ff d8 ff`. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Decodes JPEG bytes to 8-bit samples: one channel for greyscale JPEGs, else RGB. */
export function decodeJpegRaw(bytes: Uint8Array, name = 'JPEG data'): RawImage {
  if (!isJpeg(bytes)) throw new ValueError(`${name}: not a JPEG file (no SOI marker)`);
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxMemoryUsageInMB: 1024,
    });
  } catch (e) {
    throw new ValueError(`${name}: cannot decode JPEG: ${(e as Error).message}`);
  }
  const { width, height, data } = img;
  if (!(width > 0 && height > 0) || data.length !== width * height * 3) {
    throw new ValueError(`${name}: cannot decode JPEG: corrupt or truncated data`);
  }
  if (jpegComponents(bytes) === 1) {
    const grey = new Uint8Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = data[3 * i];
    return { width, height, channels: 1, data: grey };
  }
  return { width, height, channels: 3, data };
}

/** Options of `encodeJpeg`. */
export interface JpegEncodeOptions {
  /** Quality 1-100 (default 75, as PIL and torchvision). */
  quality?: number;
}

/**
 * Encodes 8-bit samples as a baseline YCbCr JPEG (grey images are written as three equal
 * channels; alpha is dropped). In a browser this needs a `Buffer` global (jpeg-js returns one).
 */
export function encodeJpegRaw(image: RawImage, options?: JpegEncodeOptions): Uint8Array {
  const quality = options?.quality ?? 75;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new ValueError(`encodeJpeg: quality must be an integer in 1..100, got ${quality}`);
  }
  const { width, height, channels, data } = image;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const grey = channels <= 2;
    rgba[4 * i] = data[i * channels];
    rgba[4 * i + 1] = data[i * channels + (grey ? 0 : 1)];
    rgba[4 * i + 2] = data[i * channels + (grey ? 0 : 2)];
    rgba[4 * i + 3] = 255;
  }
  const out = jpeg.encode({ width, height, data: rgba }, quality).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
