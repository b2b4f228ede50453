/** RMSprop (`torch.optim.RMSprop`). */
import { addcmul, type Tensor, zerosLike } from '@kindling/core';
import { checkOption, Optimizer, type ParamGroup, type Params } from './optimizer.js';

/** Options of `RMSprop`. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment (default false). */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

type RMSpropDefaults = Required<RMSpropOptions>;

/**
 * RMSprop as PyTorch 1.13 computes it: `v = alpha v + (1 - alpha) g^2`; centered: `ga = alpha ga +
 * (1 - alpha) g`, `avg = sqrt(v - ga^2) + eps`, else `avg = sqrt(v) + eps`; with momentum
 * `buf = momentum buf + g / avg`, `p -= lr buf`, else `p -= lr g / avg`.
 * State: `step`, `square_avg`, `momentum_buffer`, `grad_avg`.
 */
export class RMSprop extends Optimizer<RMSpropDefaults> {
  constructor(params: Params<RMSpropDefaults>, options?: RMSpropOptions) {
    super(params, {
      lr: options?.lr ?? 1e-2,
      alpha: options?.alpha ?? 0.99,
      eps: options?.eps ?? 1e-8,
      weightDecay: options?.weightDecay ?? 0,
      momentum: options?.momentum ?? 0,
      centered: options?.centered ?? false,
      maximize: options?.maximize ?? false,
    });
  }

  protected override validateGroup(group: ParamGroup<RMSpropDefaults>): void {
    super.validateGroup(group);
    checkOption('RMSprop', 'epsilon value', group.eps);
    checkOption('RMSprop', 'momentum value', group.momentum);
    checkOption('RMSprop', 'weight_decay value', group.weightDecay);
    checkOption('RMSprop', 'alpha value', group.alpha);
  }

  protected override updateGroup(group: ParamGroup<RMSpropDefaults>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    for (const p of group.params) {
      if (!p.grad) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.square_avg = zerosLike(p);
        if (momentum > 0) state.momentum_buffer = zerosLike(p);
        if (centered) state.grad_avg = zerosLike(p);
      }
      state.step = (state.step as number) + 1;
      let grad: Tensor = maximize ? p.grad.neg() : p.grad;
      if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
      const squareAvg = state.square_avg as Tensor;
      squareAvg.mul_(alpha).addcmul_(grad, grad, { value: 1 - alpha });
      let avg: Tensor;
      if (centered) {
        const gradAvg = (state.grad_avg ??= zerosLike(p)) as Tensor;
        gradAvg.mul_(alpha).add_(grad, { alpha: 1 - alpha });
        avg = addcmul(squareAvg, gradAvg, gradAvg, { value: -1 }).sqrt();
      } else {
        avg = squareAvg.sqrt();
      }
      avg = avg.add(eps);
      if (momentum > 0) {
        const buf = (state.momentum_buffer ??= zerosLike(p)) as Tensor;
        buf.mul_(momentum).addcdiv_(grad, avg);
        p.add_(buf, { alpha: -lr });
      } else {
        p.addcdiv_(grad, avg, { value: -lr });
      }
    }
  }
}
