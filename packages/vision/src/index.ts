/** Public surface of @kindling/vision. */
export const VERSION = '0.0.0';
// Datasets
export { MNIST, FashionMNIST, FASHION_MNIST_DEBIAN_ROOT, type MNISTOptions } from './datasets/mnist.js';
export { Digits, defaultDigitsPath, type DigitsOptions } from './datasets/digits.js';
export { ImageFolder, type ImageFolderOptions } from './datasets/image-folder.js';
export type { VisionDatasetOptions } from './datasets/types.js';
// Image I/O
export { parseIdx, type IdxArray, type IdxType } from './io/idx.js';
export {
  decodeImage,
  decodePng,
  decodeJpeg,
  encodePng,
  encodeJpeg,
  readImage,
  writePng,
  writeJpeg,
  type DecodeImageOptions,
  type ImageReadMode,
} from './io/image.js';
export type { PngEncodeOptions } from './io/png.js';
export type { JpegEncodeOptions } from './io/jpeg.js';
export { makeGrid, saveImage, type MakeGridOptions, type SaveImageOptions } from './utils/grid.js';
// Transforms
export type { Transform, TransformLike } from './transforms/transform.js';
export * from './transforms/transforms.js';
export * as TF from './transforms/functional/index.js';
export type {
  InterpolationMode,
  PaddingMode,
  ResizeOptions,
  RotateOptions,
  AffineOptions,
  PadOptions,
} from './transforms/functional/geometry.js';
export * from './models/index.js';
export { accuracy, topKAccuracy, confusionMatrix } from './metrics.js';
