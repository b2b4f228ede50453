/** Reduce the learning rate when a metric stops improving (`ReduceLROnPlateau`). */
import { Tensor, ValueError } from '@kindling/core';
import { type AnyOptimizer, loadSchedulerState, type Scheduler, schedulerState } from './lr-scheduler.js';
import { Optimizer } from './optimizer.js';

/** Options of `ReduceLROnPlateau`. */
export interface ReduceLROnPlateauOptions {
  /** 'min' (default: the metric should decrease, e.g. a loss) or 'max' (e.g. accuracy). */
  mode?: 'min' | 'max';
  /** Factor applied to the rate on a plateau, < 1 (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** How much better counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default: relative to the best value) or 'abs'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound on the rate, one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Multiplies the rate by `factor` once the metric passed to `step(metric)` has not improved for
 * more than `patience` epochs, as PyTorch 1.13.
 */
export class ReduceLROnPlateau implements Scheduler {
  /** The optimizer whose rates it sets. */
  readonly optimizer: AnyOptimizer;
  /** Reduction factor. */
  factor: number;
  /** Lower bound of each group's rate. */
  minLrs: number[];
  /** Bad epochs tolerated. */
  patience: number;
  /** Cooldown length after a reduction. */
  cooldown: number;
  /** Cooldown epochs left. */
  cooldownCounter = 0;
  /** 'min' or 'max'. */
  mode: 'min' | 'max';
  /** Improvement threshold. */
  threshold: number;
  /** 'rel' or 'abs'. */
  thresholdMode: 'rel' | 'abs';
  /** Best metric so far. */
  best: number;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** The worst value for the mode (the initial `best`). */
  modeWorse: number;
  /** Minimal rate change applied. */
  eps: number;
  /** Epochs stepped. */
  lastEpoch = 0;
  /** @internal Rates after the last step. */
  _lastLr: number[];

  constructor(optimizer: AnyOptimizer, options?: ReduceLROnPlateauOptions) {
    if (!(optimizer instanceof Optimizer))
      throw new ValueError(`ReduceLROnPlateau: expected an Optimizer, got ${typeof optimizer}`);
    const o = options ?? {};
    this.factor = o.factor ?? 0.1;
    if (!(this.factor < 1))
      throw new ValueError(`ReduceLROnPlateau: factor should be < 1.0, got ${this.factor}`);
    this.optimizer = optimizer;
    const n = optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n)
        throw new ValueError(`ReduceLROnPlateau: expected ${n} minLrs, got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else {
      this.minLrs = new Array(n).fill(minLr);
    }
    this.patience = o.patience ?? 10;
    this.cooldown = o.cooldown ?? 0;
    this.mode = o.mode ?? 'min';
    this.threshold = o.threshold ?? 1e-4;
    this.thresholdMode = o.thresholdMode ?? 'rel';
    this.eps = o.eps ?? 1e-8;
    if (this.mode !== 'min' && this.mode !== 'max')
      throw new ValueError(`ReduceLROnPlateau: mode ${String(this.mode)} is unknown`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new ValueError(`ReduceLROnPlateau: threshold mode ${String(this.thresholdMode)} is unknown`);
    }
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Whether a cooldown is running. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and reduces the rates on a plateau. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? Number(metric.to('cpu').itemSync()) : Number(metric);
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - newLr > this.eps) g.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rate of each group after the last step. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** Its state with PyTorch's key names. */
  stateDict(): Record<string, unknown> {
    return schedulerState(this);
  }

  /** Restores a state from `stateDict()`. */
  loadStateDict(state: Record<string, unknown>): void {
    loadSchedulerState(this, state);
  }
}
