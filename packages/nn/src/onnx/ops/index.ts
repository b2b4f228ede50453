/** The ONNX operators `loadOnnx` runs (default domain, opsets 7–17). */
import type { OpDef } from './context.js';
import { elementwiseOps } from './elementwise.js';
import { miscOps } from './misc.js';
import { nnOps } from './nn.js';
import { reduceOps } from './reduce.js';
import { resizeOps } from './resize.js';
import { rnnOps } from './rnn.js';
import { shapeOps } from './shape.js';

/** Every supported operator by ONNX name. */
export const ONNX_OPS: Readonly<Record<string, OpDef>> = {
  ...elementwiseOps,
  ...shapeOps,
  ...reduceOps,
  ...nnOps,
  ...resizeOps,
  ...rnnOps,
  ...miscOps,
};

/** Names of the supported ONNX operators, sorted. */
export function supportedOnnxOps(): string[] {
  return Object.keys(ONNX_OPS).sort();
}
