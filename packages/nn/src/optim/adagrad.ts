/** Adagrad (`torch.optim.Adagrad`). */
import { fullLike, type Tensor } from '@kindling/core';
import { checkOption, Optimizer, type ParamGroup, type ParamGroupInput, type Params } from './optimizer.js';

/** Options of `Adagrad`. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay: step t uses `lr / (1 + (t - 1) lrDecay)` (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the squared-gradient sums (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps?: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

type AdagradDefaults = Required<AdagradOptions>;

/**
 * Adagrad as PyTorch 1.13 computes it: `sum += g^2`, `p -= clr * g / (sqrt(sum) + eps)` with
 * `clr = lr / (1 + (step - 1) lrDecay)`. State (created for every parameter up front, as PyTorch):
 * `step`, `sum`.
 */
export class Adagrad extends Optimizer<AdagradDefaults> {
  constructor(params: Params<AdagradDefaults>, options?: AdagradOptions) {
    super(params, {
      lr: options?.lr ?? 1e-2,
      lrDecay: options?.lrDecay ?? 0,
      weightDecay: options?.weightDecay ?? 0,
      initialAccumulatorValue: options?.initialAccumulatorValue ?? 0,
      eps: options?.eps ?? 1e-10,
      maximize: options?.maximize ?? false,
    });
  }

  protected override validateGroup(group: ParamGroup<AdagradDefaults>): void {
    super.validateGroup(group);
    checkOption('Adagrad', 'lr_decay value', group.lrDecay);
    checkOption('Adagrad', 'weight_decay value', group.weightDecay);
    checkOption('Adagrad', 'initial_accumulator_value value', group.initialAccumulatorValue);
    checkOption('Adagrad', 'epsilon value', group.eps);
  }

  /** Adds a group and creates its parameters' state (`sum` starts at `initialAccumulatorValue`). */
  override addParamGroup(group: ParamGroupInput<AdagradDefaults>): void {
    super.addParamGroup(group);
    this.initGroup(this.paramGroups[this.paramGroups.length - 1]);
  }

  private initGroup(group: ParamGroup<AdagradDefaults>): void {
    for (const p of group.params) {
      if (this.state.has(p)) continue;
      this.state.set(p, { step: 0, sum: fullLike(p, group.initialAccumulatorValue) });
    }
  }

  protected override updateGroup(group: ParamGroup<AdagradDefaults>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    for (const p of group.params) {
      if (!p.grad) continue;
      if (!this.state.has(p)) this.initGroup(group);
      const state = this.stateOf(p);
      const step = (state.step as number) + 1;
      state.step = step;
      let grad: Tensor = maximize ? p.grad.neg() : p.grad;
      if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
      const clr = lr / (1 + (step - 1) * lrDecay);
      const sum = state.sum as Tensor;
      sum.addcmul_(grad, grad, { value: 1 });
      const std = sum.sqrt().add(eps);
      p.addcdiv_(grad, std, { value: -clr });
    }
  }
}
