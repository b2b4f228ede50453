import '@kindling/autograd';
import { Tensor } from '@kindling/core';

/**
 * A tensor that is a module's learnable weight: a leaf that requires grad by default, found by
 * `Module.parameters()`. It shares storage with the tensor it was made from.
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.storage, data.shape, data.strides, data.offset);
    if (requiresGrad) this.requiresGrad = true;
  }
}
