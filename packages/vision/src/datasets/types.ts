/** Options shared by the vision datasets. */
import type { TransformLike } from '../transforms/transform.js';

/** Options every vision dataset accepts (torchvision's `transform` / `target_transform`). */
export interface VisionDatasetOptions<L = number> {
  /** Applied to each image (an int32 `[C, H, W]` tensor of uint8 values) by `get`. */
  transform?: TransformLike;
  /** Applied to each integer label by `get`. */
  targetTransform?: (label: number) => L;
}
