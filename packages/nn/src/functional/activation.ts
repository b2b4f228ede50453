/** Activation functionals that core does not define itself, written as composites of core ops. */
import { clamp, softplus, type Tensor, ValueError } from '@kindling/core';

/** HardTanh (`F.hardtanh`): clamps into `[minVal, maxVal]` (default [-1, 1]). */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (!(minVal <= maxVal))
    throw new ValueError(`hardtanh: minVal (${minVal}) must be at most maxVal (${maxVal})`);
  return clamp(x, minVal, maxVal);
}

/** ReLU6 (`F.relu6`): `min(max(x, 0), 6)`. */
export function relu6(x: Tensor): Tensor {
  return clamp(x, 0, 6);
}

/** Mish (`F.mish`): `x * tanh(softplus(x))`. */
export function mish(x: Tensor): Tensor {
  return x.mul(softplus(x).tanh());
}
