/**
 * sklearn's 8x8 handwritten digits (`sklearn.datasets.load_digits`): 1797 images, 64 pixel values
 * 0-16 and a label per row of `digits.csv.gz`. The repository ships the file in `data/`.
 */
import type { Dataset } from '@kindling/nn';
import { fromHost, IndexError, type Tensor, ValueError } from '@kindling/core';
import { maybeGunzip } from '../io/gzip.js';
import { isFile, nodePath, readBytes } from '../io/node.js';
import { applyTransform } from '../transforms/transform.js';
import type { VisionDatasetOptions } from './types.js';

/** Options of `Digits`. */
export interface DigitsOptions<L = number> extends VisionDatasetOptions<L> {
  /**
   * Path of `digits.csv.gz` (or an uncompressed `digits.csv`). Default: the repository's
   * `data/digits.csv.gz`, found by walking up from this package's folder.
   */
  path?: string;
  /** The CSV bytes (gzip or plain) themselves, instead of a file. */
  bytes?: Uint8Array;
}

const DATA_FILE = 'data/digits.csv.gz';

/** The repository's `data/digits.csv.gz`, searched for in the folders above this module. */
export function defaultDigitsPath(): string | undefined {
  let here: string;
  try {
    const url = (
      globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
    ).process?.getBuiltinModule?.('node:url') as typeof import('node:url') | undefined;
    if (!url || !import.meta.url.startsWith('file:')) return undefined;
    here = url.fileURLToPath(import.meta.url);
  } catch {
    return undefined;
  }
  const path = nodePath('Digits');
  let dir = path.dirname(here);
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, DATA_FILE);
    if (isFile(candidate, 'Digits')) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * sklearn's digits as a dataset: `get(i)` returns `[image, label]`, the image an int32 `[1, 8, 8]`
 * tensor of values 0-16 (divide by `Digits.maxValue` for [0, 1]), the label 0-9.
 */
export class Digits<L = number> implements Dataset<[Tensor, L]> {
  /** Largest pixel value. */
  static readonly maxValue = 16;
  /** Class names (the digits). */
  readonly classes: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  /** Where the CSV was read from (undefined when built from bytes). */
  readonly path: string | undefined;
  /** Pixels, `[N, 64]` row-major. */
  readonly pixels: Int32Array;
  /** Labels. */
  readonly labels: Int32Array;
  /** Applied to each image by `get`. */
  readonly transform: DigitsOptions<L>['transform'];
  /** Applied to each label by `get`. */
  readonly targetTransform: DigitsOptions<L>['targetTransform'];

  constructor(options: DigitsOptions<L> = {}) {
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    let bytes: Uint8Array;
    let name: string;
    if (options.bytes) {
      bytes = options.bytes;
      name = 'Digits (bytes)';
    } else {
      const path = options.path ?? defaultDigitsPath();
      if (path === undefined) {
        throw new ValueError(
          'Digits: no path given and data/digits.csv.gz was not found above this package; pass ' +
            "{ path } to sklearn's digits.csv.gz (Debian python3-sklearn ships it in sklearn/datasets/data/)",
        );
      }
      if (!isFile(path, 'Digits')) throw new ValueError(`Digits: file ${path} does not exist`);
      bytes = readBytes(path, 'Digits');
      name = path;
    }
    this.path = options.bytes ? undefined : name;
    const text = new TextDecoder().decode(maybeGunzip(bytes, name));
    const rows = text.split('\n').filter((r) => r.trim() !== '');
    this.pixels = new Int32Array(rows.length * 64);
    this.labels = new Int32Array(rows.length);
    rows.forEach((row, i) => {
      const v = row.split(',');
      if (v.length !== 65) {
        throw new ValueError(
          `${name}: row ${i + 1} has ${v.length} values, expected 65 (64 pixels and a label)`,
        );
      }
      for (let j = 0; j < 65; j++) {
        const x = Number(v[j]);
        const max = j === 64 ? 9 : Digits.maxValue;
        if (!Number.isInteger(x) || x < 0 || x > max) {
          throw new ValueError(
            `${name}: row ${i + 1}, column ${j + 1}: '${v[j].trim()}' is not an integer in 0..${max}`,
          );
        }
        if (j < 64) this.pixels[i * 64 + j] = x;
        else this.labels[i] = x;
      }
    });
  }

  /** Number of samples (1797 for the full file). */
  get length(): number {
    return this.labels.length;
  }

  /** All images, int32 `[N, 8, 8]`. */
  get data(): Tensor {
    return fromHost(this.pixels.slice(), [this.length, 8, 8], 'int32');
  }

  /** All labels, int32 `[N]`. */
  get targets(): Tensor {
    return fromHost(this.labels.slice(), [this.length], 'int32');
  }

  /** Sample `index`: `[image [1, 8, 8], label]` after the transforms. */
  get(index: number): [Tensor, L] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new IndexError(
        `Digits.get: index ${index} is out of range for a dataset of length ${this.length}`,
      );
    }
    let image = fromHost(this.pixels.slice(index * 64, index * 64 + 64), [1, 8, 8], 'int32');
    if (this.transform) image = applyTransform(this.transform, image);
    const label = this.labels[index];
    return [image, this.targetTransform ? this.targetTransform(label) : (label as L)];
  }
}
