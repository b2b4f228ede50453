/** Stochastic gradient descent with momentum (`torch.optim.SGD`). */
import { sgdUpdate_, type Tensor, ValueError, zerosLike } from '@kindling/core';
import { checkOption, Optimizer, type ParamGroup, type Params } from './optimizer.js';

/** Options of `SGD`. */
export interface SGDOptions {
  /** Learning rate (required). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

type SGDDefaults = Required<SGDOptions>;

/**
 * SGD as PyTorch 1.13 computes it: `g = grad (+ weightDecay * p)`; with momentum
 * `buf = momentum * buf + (1 - dampening) * g` (the first step sets `buf = g`), then `g = buf` or,
 * with Nesterov, `g + momentum * buf`; finally `p -= lr * g`. State: `momentum_buffer`.
 */
export class SGD extends Optimizer<SGDDefaults> {
  constructor(params: Params<SGDDefaults>, options: SGDOptions) {
    super(params, {
      lr: options?.lr,
      momentum: options?.momentum ?? 0,
      dampening: options?.dampening ?? 0,
      weightDecay: options?.weightDecay ?? 0,
      nesterov: options?.nesterov ?? false,
      maximize: options?.maximize ?? false,
    });
  }

  protected override validateGroup(group: ParamGroup<SGDDefaults>): void {
    super.validateGroup(group);
    checkOption('SGD', 'momentum value', group.momentum);
    checkOption('SGD', 'weight_decay value', group.weightDecay);
    if (typeof group.dampening !== 'number')
      throw new ValueError(`SGD: invalid dampening: ${String(group.dampening)}`);
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new ValueError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected override updateGroup(group: ParamGroup<SGDDefaults>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const p of group.params) {
      if (!p.grad) continue;
      const state = this.stateOf(p);
      let buf: Tensor | null = null;
      let initBuffer = false;
      if (momentum !== 0) {
        buf = (state.momentum_buffer as Tensor | null | undefined) ?? null;
        if (!buf) {
          buf = zerosLike(p);
          state.momentum_buffer = buf;
          initBuffer = true;
        }
      } else {
        state.momentum_buffer = null;
      }
      sgdUpdate_(p, p.grad, buf, { lr, momentum, dampening, weightDecay, nesterov, maximize, initBuffer });
    }
  }
}
