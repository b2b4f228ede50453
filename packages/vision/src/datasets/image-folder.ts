/** `ImageFolder`: a class per sub-folder of PNG and JPEG files (`torchvision.datasets.ImageFolder`). */
import type { Dataset } from '@kindling/nn';
import { IndexError, type Tensor, ValueError } from '@kindling/core';
import { type ImageReadMode, readImage } from '../io/image.js';
import { isDir, nodeFs, nodePath } from '../io/node.js';
import { applyTransform } from '../transforms/transform.js';
import type { VisionDatasetOptions } from './types.js';

/** Options of `ImageFolder`. */
export interface ImageFolderOptions<L = number> extends VisionDatasetOptions<L> {
  /** File extensions to load, lower case with the dot (default `.png`, `.jpg`, `.jpeg`). */
  extensions?: readonly string[];
  /** Channel layout images are decoded to (default `rgb`, as torchvision's PIL loader). */
  mode?: ImageReadMode;
  /** Allow class folders without any image (default false: an error, as torchvision). */
  allowEmpty?: boolean;
}

/**
 * Images arranged as `root/<class>/**\/<file>.png|jpg|jpeg`. Classes are the sub-folders of
 * `root` in sorted order (index = position); files are found recursively and sorted. `get(i)`
 * reads and decodes the file (int32 `[C, H, W]`, RGB by default) and returns `[image, classIndex]`.
 */
export class ImageFolder<L = number> implements Dataset<[Tensor, L]> {
  /** The root folder. */
  readonly root: string;
  /** Class names (sorted sub-folder names). */
  readonly classes: string[];
  /** Class name to index. */
  readonly classToIdx: Record<string, number>;
  /** `[path, classIndex]` of every sample. */
  readonly samples: [string, number][];
  /** Class index of every sample. */
  readonly targets: number[];
  /** Applied to each image by `get`. */
  readonly transform: ImageFolderOptions<L>['transform'];
  /** Applied to each label by `get`. */
  readonly targetTransform: ImageFolderOptions<L>['targetTransform'];
  private readonly mode: ImageReadMode;

  constructor(root: string, options: ImageFolderOptions<L> = {}) {
    const op = 'ImageFolder';
    const fs = nodeFs(op);
    const path = nodePath(op);
    if (!isDir(root, op)) throw new ValueError(`${op}: root folder ${root} does not exist`);
    this.root = root;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    this.mode = options.mode ?? 'rgb';
    const extensions = (options.extensions ?? ['.png', '.jpg', '.jpeg']).map((e) => e.toLowerCase());
    this.classes = fs
      .readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() || (d.isSymbolicLink() && isDir(path.join(root, d.name), op)))
      .map((d) => d.name)
      .sort();
    if (this.classes.length === 0) throw new ValueError(`${op}: couldn't find any class folder in ${root}`);
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = [];
    const empty: string[] = [];
    this.classes.forEach((cls, idx) => {
      const files: string[] = [];
      const walk = (dir: string, depth: number) => {
        if (depth > 32) return;
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, entry.name);
          if (entry.isDirectory() || (entry.isSymbolicLink() && isDir(p, op))) walk(p, depth + 1);
          else if (extensions.includes(path.extname(entry.name).toLowerCase())) files.push(p);
        }
      };
      walk(path.join(root, cls), 0);
      files.sort();
      if (files.length === 0) empty.push(cls);
      for (const f of files) this.samples.push([f, idx]);
    });
    if (this.samples.length === 0 || (empty.length > 0 && !options.allowEmpty)) {
      throw new ValueError(
        `${op}: found no valid file for the classes ${(empty.length ? empty : this.classes).join(', ')} in ${root}; supported extensions are ${extensions.join(', ')}`,
      );
    }
    this.targets = this.samples.map((s) => s[1]);
  }

  /** Number of images. */
  get length(): number {
    return this.samples.length;
  }

  /** Sample `index`: `[image, classIndex]` after the transforms. */
  get(index: number): [Tensor, L] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new IndexError(
        `ImageFolder.get: index ${index} is out of range for a dataset of length ${this.length}`,
      );
    }
    const [file, target] = this.samples[index];
    let image = readImage(file, { mode: this.mode });
    if (this.transform) image = applyTransform(this.transform, image);
    return [image, this.targetTransform ? this.targetTransform(target) : (target as L)];
  }
}
