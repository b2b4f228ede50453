/** Adam and AdamW (`torch.optim.Adam`, `torch.optim.AdamW`). */
import { adamUpdate_, type Tensor, ValueError, zerosLike } from '@kindling/core';
import { checkOption, Optimizer, type ParamGroup, type Params } from './optimizer.js';

/** Options of `Adam` and `AdamW`. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay: L2 penalty for Adam (default 0), decoupled decay for AdamW (default 1e-2). */
  weightDecay?: number;
  /** Use the AMSGrad variant (the running maximum of the second moment; default false). */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

type AdamDefaults = Required<AdamOptions>;

abstract class AdamBase extends Optimizer<AdamDefaults> {
  /** Whether weight decay is decoupled (AdamW) rather than added to the gradient (Adam). */
  protected abstract readonly decoupled: boolean;

  protected override validateGroup(group: ParamGroup<AdamDefaults>): void {
    const name = this.constructor.name;
    super.validateGroup(group);
    checkOption(name, 'epsilon value', group.eps);
    checkOption(name, 'weight_decay value', group.weightDecay);
    const b = group.betas;
    if (!Array.isArray(b) || b.length !== 2)
      throw new ValueError(`${name}: betas must be a pair, got ${String(b)}`);
    for (let i = 0; i < 2; i++) {
      if (!(b[i] >= 0 && b[i] < 1))
        throw new ValueError(`${name}: invalid beta parameter at index ${i}: ${b[i]}`);
    }
  }

  protected override updateGroup(group: ParamGroup<AdamDefaults>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      if (!p.grad) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.exp_avg = zerosLike(p);
        state.exp_avg_sq = zerosLike(p);
        if (amsgrad) state.max_exp_avg_sq = zerosLike(p);
      }
      // A state dict saved without AMSGrad may be resumed with it.
      if (amsgrad && !state.max_exp_avg_sq) state.max_exp_avg_sq = zerosLike(p);
      const step = (state.step as number) + 1;
      state.step = step;
      adamUpdate_(
        p,
        p.grad,
        state.exp_avg as Tensor,
        state.exp_avg_sq as Tensor,
        amsgrad ? (state.max_exp_avg_sq as Tensor) : null,
        { lr, beta1, beta2, eps, weightDecay, step, decoupled: this.decoupled, maximize },
      );
    }
  }
}

function adamDefaults(options: AdamOptions | undefined, weightDecay: number): AdamDefaults {
  return {
    lr: options?.lr ?? 1e-3,
    betas: options?.betas ? [options.betas[0], options.betas[1]] : [0.9, 0.999],
    eps: options?.eps ?? 1e-8,
    weightDecay: options?.weightDecay ?? weightDecay,
    amsgrad: options?.amsgrad ?? false,
    maximize: options?.maximize ?? false,
  };
}

/**
 * Adam as PyTorch 1.13 computes it: `g = grad (+ weightDecay * p)`, `m = b1 m + (1 - b1) g`,
 * `v = b2 v + (1 - b2) g^2` (AMSGrad: `vmax = max(vmax, v)`), then
 * `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
 * State: `step`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`.
 */
export class Adam extends AdamBase {
  protected override readonly decoupled = false;
  constructor(params: Params<AdamDefaults>, options?: AdamOptions) {
    super(params, adamDefaults(options, 0));
  }
}

/**
 * AdamW: Adam with decoupled weight decay (`p *= 1 - lr * weightDecay` before the Adam update,
 * instead of adding `weightDecay * p` to the gradient). `weightDecay` defaults to 1e-2.
 */
export class AdamW extends AdamBase {
  protected override readonly decoupled = true;
  constructor(params: Params<AdamDefaults>, options?: AdamOptions) {
    super(params, adamDefaults(options, 1e-2));
  }
}
