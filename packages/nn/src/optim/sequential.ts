/** Chaining schedulers at milestones (`torch.optim.lr_scheduler.SequentialLR`), e.g. warmup then decay. */
import { ValueError } from '@kindling/core';
import { type AnyOptimizer, LRScheduler, loadSchedulerState, schedulerState } from './lr-scheduler.js';

/**
 * Runs `schedulers[0]` until `milestones[0]`, then `schedulers[1]` (restarted at its epoch 0 with
 * its closed form) until `milestones[1]`, and so on, exactly as PyTorch 1.13 does. All schedulers
 * must drive `optimizer`.
 */
export class SequentialLR extends LRScheduler {
  /** The chained schedulers (saved as nested state dicts). */
  _schedulers: LRScheduler[];
  /** Epochs at which the next scheduler takes over. */
  _milestones: number[];

  constructor(
    optimizer: AnyOptimizer,
    schedulers: readonly LRScheduler[],
    milestones: readonly number[],
    options?: { lastEpoch?: number },
  ) {
    super(optimizer, options?.lastEpoch);
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new ValueError('SequentialLR: expected a non-empty list of schedulers');
    }
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler))
        throw new ValueError(`SequentialLR: scheduler ${i} is not an epoch-based LRScheduler`);
      if (s.optimizer !== optimizer) {
        throw new ValueError(
          `SequentialLR: expects all schedulers to belong to the same optimizer, but scheduler ${i} drives a different one`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new ValueError(
        `SequentialLR: expects one milestone fewer than schedulers, but got ${schedulers.length} schedulers and ${milestones.length} milestones`,
      );
    }
    this._schedulers = [...schedulers];
    this._milestones = [...milestones];
    this.lastEpoch = (options?.lastEpoch ?? -1) + 1;
    for (const g of this.groups) g.lr = g.initialLr as number;
    for (const s of this._schedulers) s.lastEpoch -= 1;
    this._schedulers[0].initialStep();
    this._lastLr = this._schedulers[0].getLastLr();
  }

  protected override getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  /** Advances one epoch, handing over to the next scheduler at a milestone. */
  override step(): void {
    this.lastEpoch++;
    let idx = 0;
    while (idx < this._milestones.length && this._milestones[idx] <= this.lastEpoch) idx++;
    const scheduler = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this._lastLr = scheduler.getLastLr();
  }

  /** Its state, with each chained scheduler's state nested under `_schedulers`. */
  override stateDict(): Record<string, unknown> {
    const out = schedulerState(this, {}, ['_schedulers']);
    out._schedulers = this._schedulers.map((s) => s.stateDict());
    return out;
  }

  /** Restores its state and each chained scheduler's. */
  override loadStateDict(state: Record<string, unknown>): void {
    loadSchedulerState(this, state, {}, ['_schedulers']);
    const subs = state._schedulers as Record<string, unknown>[] | undefined;
    if (!Array.isArray(subs) || subs.length !== this._schedulers.length) {
      throw new ValueError(
        `SequentialLR.loadStateDict: expected ${this._schedulers.length} nested scheduler states`,
      );
    }
    subs.forEach((s, i) => {
      this._schedulers[i].loadStateDict(s);
    });
  }
}
