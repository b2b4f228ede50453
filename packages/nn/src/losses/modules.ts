/** Loss modules (`torch.nn.*Loss`): a loss function with its options, run with `loss.call(input, target)`. */
import type { Tensor } from '@kindling/core';
import { Module } from '../module.js';
import {
  type BCELossOptions,
  type BCEWithLogitsLossOptions,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
} from './binary.js';
import { type CrossEntropyOptions, crossEntropy, type NLLLossOptions, nllLoss } from './classification.js';
import {
  type CosineEmbeddingLossOptions,
  cosineEmbeddingLoss,
  type KLDivLossOptions,
  klDiv,
} from './divergence.js';
import { checkReduction, type Reduction } from './reduction.js';
import { huberLoss, l1Loss, mseLoss, type RegressionLossOptions, smoothL1Loss } from './regression.js';

/** Base of the loss modules: holds the `reduction` option. */
export abstract class Loss extends Module {
  /** 'mean', 'sum' or 'none' (or 'batchmean' for KLDivLoss). */
  readonly reduction: string;
  constructor(reduction: string | undefined, extra: readonly string[] = []) {
    super();
    this.reduction = checkReduction(new.target.name, reduction, extra);
  }
  /** Computes the loss. Run the module with `call`. */
  abstract override forward(input: Tensor, target: Tensor, ...rest: Tensor[]): Tensor;
}

/** A loss with an optional per-class `weight`, registered as a buffer as PyTorch's `_WeightedLoss`. */
abstract class WeightedLoss extends Loss {
  constructor(weight: Tensor | null | undefined, reduction: string | undefined) {
    super(reduction);
    this.registerBuffer('weight', weight ?? null);
  }
  /** The per-class weight buffer, or null. */
  get weight(): Tensor | null {
    return this.getBuffer('weight') ?? null;
  }
}

/** Mean squared error module (`nn.MSELoss`); see `mseLoss`. */
export class MSELoss extends Loss {
  constructor(options?: RegressionLossOptions) {
    super(options?.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction as Reduction });
  }
}

/** Mean absolute error module (`nn.L1Loss`); see `l1Loss`. */
export class L1Loss extends Loss {
  constructor(options?: RegressionLossOptions) {
    super(options?.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction as Reduction });
  }
}

/** Smooth L1 module (`nn.SmoothL1Loss`); see `smoothL1Loss`. */
export class SmoothL1Loss extends Loss {
  /** Where the loss changes from quadratic to linear (default 1). */
  readonly beta: number;
  constructor(options?: RegressionLossOptions & { beta?: number }) {
    super(options?.reduction);
    this.beta = options?.beta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction as Reduction, beta: this.beta });
  }
}

/** Huber loss module (`nn.HuberLoss`); see `huberLoss`. */
export class HuberLoss extends Loss {
  /** Where the loss changes from quadratic to linear (default 1). */
  readonly delta: number;
  constructor(options?: RegressionLossOptions & { delta?: number }) {
    super(options?.reduction);
    this.delta = options?.delta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction as Reduction, delta: this.delta });
  }
}

/** Cross entropy module (`nn.CrossEntropyLoss`); see `crossEntropy`. */
export class CrossEntropyLoss extends WeightedLoss {
  /** Target class index that is ignored (default -100). */
  readonly ignoreIndex: number;
  /** Label smoothing amount in [0, 1] (default 0). */
  readonly labelSmoothing: number;
  constructor(options?: CrossEntropyOptions) {
    super(options?.weight, options?.reduction);
    this.ignoreIndex = options?.ignoreIndex ?? -100;
    this.labelSmoothing = options?.labelSmoothing ?? 0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
      reduction: this.reduction as Reduction,
    });
  }
}

/** Negative log likelihood module (`nn.NLLLoss`); see `nllLoss`. */
export class NLLLoss extends WeightedLoss {
  /** Target class index that is ignored (default -100). */
  readonly ignoreIndex: number;
  constructor(options?: NLLLossOptions) {
    super(options?.weight, options?.reduction);
    this.ignoreIndex = options?.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction as Reduction,
    });
  }
}

/** Binary cross entropy module on probabilities (`nn.BCELoss`); see `binaryCrossEntropy`. */
export class BCELoss extends WeightedLoss {
  constructor(options?: BCELossOptions) {
    super(options?.weight, options?.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction as Reduction });
  }
}

/** Binary cross entropy module on logits (`nn.BCEWithLogitsLoss`); see `binaryCrossEntropyWithLogits`. */
export class BCEWithLogitsLoss extends WeightedLoss {
  constructor(options?: BCEWithLogitsLossOptions) {
    super(options?.weight, options?.reduction);
    this.registerBuffer('pos_weight', options?.posWeight ?? null);
  }
  /** The positive-class weight buffer (state dict key `pos_weight`, as PyTorch), or null. */
  get posWeight(): Tensor | null {
    return this.getBuffer('pos_weight') ?? null;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight,
      posWeight: this.posWeight,
      reduction: this.reduction as Reduction,
    });
  }
}

/** KL divergence module (`nn.KLDivLoss`); see `klDiv`. */
export class KLDivLoss extends Loss {
  /** Whether the target holds log-probabilities. */
  readonly logTarget: boolean;
  constructor(options?: KLDivLossOptions) {
    super(options?.reduction, ['batchmean']);
    this.logTarget = options?.logTarget ?? false;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, {
      reduction: this.reduction as KLDivLossOptions['reduction'],
      logTarget: this.logTarget,
    });
  }
}

/** Cosine embedding loss module (`nn.CosineEmbeddingLoss`); `call(x1, x2, y)`; see `cosineEmbeddingLoss`. */
export class CosineEmbeddingLoss extends Loss {
  /** Margin for dissimilar pairs (default 0). */
  readonly margin: number;
  constructor(options?: CosineEmbeddingLossOptions) {
    super(options?.reduction);
    this.margin = options?.margin ?? 0;
  }
  override forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor {
    return cosineEmbeddingLoss(x1, x2, y, { margin: this.margin, reduction: this.reduction as Reduction });
  }
}
