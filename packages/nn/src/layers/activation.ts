/** Activation modules, one per core activation (`nn.ReLU`, `nn.GELU`, `nn.Softmax`, ...). */
import {
  elu,
  gelu,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  silu,
  softmax,
  softplus,
  tanh,
  type Tensor,
  ValueError,
} from '@kindling/core';
import { hardtanh, mish, relu6 } from '../functional/activation.js';
import { Module } from '../module.js';
import { pyFloat, pyNumber } from './format.js';

/** `max(x, 0)` (`nn.ReLU`). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** `x` for positive inputs, `negativeSlope * x` otherwise (`nn.LeakyReLU`). */
export class LeakyReLU extends Module {
  constructor(
    /** Slope for negative inputs (default 0.01). */
    readonly negativeSlope = 0.01,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, { negativeSlope: this.negativeSlope });
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** `x` for positive inputs, `alpha (exp(x) - 1)` otherwise (`nn.ELU`). */
export class ELU extends Module {
  constructor(
    /** Scale of the negative part (default 1). */
    readonly alpha = 1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return elu(x, { alpha: this.alpha });
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** Gaussian error linear unit (`nn.GELU`), exact or with the tanh approximation. */
export class GELU extends Module {
  constructor(
    /** `'none'` (exact, default) or `'tanh'`. */
    readonly approximate: 'none' | 'tanh' = 'none',
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `x * sigmoid(x)` (`nn.SiLU`, swish). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Hyperbolic tangent (`nn.Tanh`). */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Logistic sigmoid (`nn.Sigmoid`). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** `log(1 + exp(beta x)) / beta`, linear above `threshold` (`nn.Softplus`). */
export class Softplus extends Module {
  constructor(
    /** Sharpness (default 1). */
    readonly beta = 1,
    /** Above `beta * x > threshold` the output is `x` (default 20). */
    readonly threshold = 20,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    return `beta=${pyNumber(this.beta)}, threshold=${pyNumber(this.threshold)}`;
  }
}

/** Softmax along `dim` (`nn.Softmax`). */
export class Softmax extends Module {
  constructor(
    /** The dim whose entries sum to 1. */
    readonly dim: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim` (`nn.LogSoftmax`). */
export class LogSoftmax extends Module {
  constructor(
    /** The dim normalised over. */
    readonly dim: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Clamps into `[minVal, maxVal]` (`nn.Hardtanh`, default [-1, 1]). */
export class Hardtanh extends Module {
  constructor(
    /** Lower bound (default -1). */
    readonly minVal = -1,
    /** Upper bound (default 1). */
    readonly maxVal = 1,
  ) {
    super();
    if (!(minVal <= maxVal))
      throw new ValueError(`Hardtanh: minVal (${minVal}) must be at most maxVal (${maxVal})`);
  }
  forward(x: Tensor): Tensor {
    return hardtanh(x, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}

/** `min(max(x, 0), 6)` (`nn.ReLU6`). */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}

/** `x * tanh(softplus(x))` (`nn.Mish`). */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return mish(x);
  }
}
