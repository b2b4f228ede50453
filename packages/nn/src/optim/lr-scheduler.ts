/**
 * Learning-rate schedulers (`torch.optim.lr_scheduler`), with PyTorch 1.13's semantics: the
 * constructor applies step 0, each `step()` (called after `optimizer.step()`) advances one epoch
 * and writes the new rates into the optimizer's groups, using PyTorch's chainable (recursive)
 * formulas so the numbers match, and its closed forms where PyTorch uses them (`step(epoch)`).
 */
import { ValueError } from '@kindling/core';
import { Optimizer, type ParamGroup, toCamel, toSnake } from './optimizer.js';

/** Any optimizer, whatever its options (schedulers only touch `lr` and momentum keys). */
export type AnyOptimizer = Optimizer<any>;

/** What every scheduler offers: advancing, the last rates, and saving/restoring its state. */
export interface Scheduler {
  /** The optimizer whose rates it sets. */
  readonly optimizer: AnyOptimizer;
  /** The learning rate of each group after the last step. */
  getLastLr(): number[];
  /** Its state as a plain object with PyTorch's key names (functions are not saved). */
  stateDict(): Record<string, unknown>;
  /** Restores a state from `stateDict()`. */
  loadStateDict(state: Record<string, unknown>): void;
}

function copyPlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyPlain);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, copyPlain(x)]),
    );
  }
  return v;
}

function checkOptimizer(name: string, optimizer: unknown): AnyOptimizer {
  if (!(optimizer instanceof Optimizer)) {
    throw new ValueError(
      `${name}: expected an Optimizer, got ${optimizer === null ? 'null' : typeof optimizer}`,
    );
  }
  return optimizer;
}

/**
 * Serializes the own fields of a scheduler (minus the optimizer and functions) under PyTorch's
 * snake_case names; `rename` maps fields whose PyTorch name differs (e.g. `tMax` -> `T_max`); fields in
 * `skip` are left out.
 */
export function schedulerState(
  obj: object,
  rename: Record<string, string> = {},
  skip: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'optimizer' || typeof v === 'function' || skip.includes(k)) continue;
    out[rename[k] ?? toSnake(k)] = copyPlain(v);
  }
  return out;
}

/** Restores fields written by `schedulerState`; unknown keys are an error. */
export function loadSchedulerState(
  obj: object,
  state: Record<string, unknown>,
  rename: Record<string, string> = {},
  skip: readonly string[] = [],
): void {
  const back = Object.fromEntries(Object.entries(rename).map(([field, key]) => [key, field]));
  const target = obj as Record<string, unknown>;
  for (const [key, v] of Object.entries(state)) {
    if (skip.includes(key)) continue;
    const field = back[key] ?? toCamel(key);
    if (!(field in target) || typeof target[field] === 'function' || field === 'optimizer') {
      throw new ValueError(`${obj.constructor.name}.loadStateDict: unexpected key '${key}'`);
    }
    target[field] = copyPlain(v);
  }
}

/** Options every epoch-based scheduler accepts. */
export interface SchedulerOptions {
  /** Index of the last epoch when resuming (default -1: start; the groups need `initialLr` otherwise). */
  lastEpoch?: number;
}

/**
 * Base class of the epoch-based schedulers (`_LRScheduler`). Subclasses set their fields and then
 * call `init()`, which records the base rates and applies step 0.
 */
export abstract class LRScheduler implements Scheduler {
  /** The optimizer whose rates it sets. */
  readonly optimizer: AnyOptimizer;
  /** Each group's initial learning rate. */
  baseLrs: number[] = [];
  /** Index of the current epoch (0 after construction). */
  lastEpoch: number;
  /** @internal Steps taken, including the constructor's (PyTorch's `_step_count`). */
  _stepCount = 0;
  /** @internal Rates after the last step (PyTorch's `_last_lr`). */
  _lastLr: number[] = [];

  protected constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    this.optimizer = checkOptimizer(new.target.name, optimizer);
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) {
      throw new ValueError(`${new.target.name}: lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    }
    this.lastEpoch = lastEpoch;
  }

  /** Records `initialLr` and the base rates, then takes step 0 (PyTorch's constructor tail). */
  protected init(): void {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new ValueError(
            `${this.constructor.name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`,
          );
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.initialStep();
  }

  /** @internal Resets the step count and applies the current epoch's rates. */
  initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /** The rates for `lastEpoch`, from the current ones (PyTorch's chainable `get_lr`). */
  protected abstract getLr(): number[];

  /** The rates for `lastEpoch` in closed form, for `step(epoch)`; defaults to `getLr`. */
  protected closedFormLr(): number[] {
    return this.getLr();
  }

  /** The optimizer's groups. */
  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }

  /**
   * Advances one epoch and sets each group's `lr`. Passing `epoch` jumps to that epoch using the
   * closed form (deprecated in PyTorch, but SequentialLR relies on it).
   */
  step(epoch?: number): void {
    this._stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr();
    }
    this.groups.forEach((g, i) => {
      g.lr = values[i];
    });
    this._lastLr = this.groups.map((g) => g.lr);
  }

  /** The learning rate of each group after the last step. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** The scheduler's state with PyTorch's key names (the optimizer and functions excluded). */
  stateDict(): Record<string, unknown> {
    return schedulerState(this);
  }

  /** Restores a state from `stateDict()`. */
  loadStateDict(state: Record<string, unknown>): void {
    loadSchedulerState(this, state);
  }
}

/** Multiplies the rate by `gamma` every `stepSize` epochs (`StepLR`). */
export class StepLR extends LRScheduler {
  /** Period of the decay, in epochs. */
  stepSize: number;
  /** Multiplicative factor (default 0.1). */
  gamma: number;
  constructor(optimizer: AnyOptimizer, stepSize: number, options?: SchedulerOptions & { gamma?: number }) {
    super(optimizer, options?.lastEpoch);
    if (!Number.isInteger(stepSize) || stepSize <= 0) {
      throw new ValueError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    }
    this.stepSize = stepSize;
    this.gamma = options?.gamma ?? 0.1;
    this.init();
  }
  protected override getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Multiplies the rate by `gamma` at each milestone epoch (`MultiStepLR`; a repeated milestone applies twice). */
export class MultiStepLR extends LRScheduler {
  /** Milestone epochs, sorted (repeats kept). */
  milestones: number[];
  /** Multiplicative factor (default 0.1). */
  gamma: number;
  constructor(
    optimizer: AnyOptimizer,
    milestones: readonly number[],
    options?: SchedulerOptions & { gamma?: number },
  ) {
    super(optimizer, options?.lastEpoch);
    if (!Array.isArray(milestones) || milestones.some((m) => !Number.isInteger(m))) {
      throw new ValueError(`MultiStepLR: milestones must be a list of integers, got ${String(milestones)}`);
    }
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = options?.gamma ?? 0.1;
    this.init();
  }
  protected override getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** count);
  }
  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/** Multiplies the rate by `gamma` every epoch (`ExponentialLR`). */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative factor. */
  gamma: number;
  constructor(optimizer: AnyOptimizer, gamma: number, options?: SchedulerOptions) {
    super(optimizer, options?.lastEpoch);
    if (typeof gamma !== 'number')
      throw new ValueError(`ExponentialLR: gamma must be a number, got ${String(gamma)}`);
    this.gamma = gamma;
    this.init();
  }
  protected override getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Cosine annealing from the base rate to `etaMin` over `tMax` epochs (`CosineAnnealingLR`), with
 * PyTorch's recursive update (past `tMax` the rate rises again, periodically).
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half-period, in epochs. */
  tMax: number;
  /** Minimum rate (default 0). */
  etaMin: number;
  constructor(optimizer: AnyOptimizer, tMax: number, options?: SchedulerOptions & { etaMin?: number }) {
    super(optimizer, options?.lastEpoch);
    if (!(tMax > 0)) throw new ValueError(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    this.tMax = tMax;
    this.etaMin = options?.etaMin ?? 0;
    this.init();
  }
  protected override getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return this.groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) +
        etaMin,
    );
  }
  protected override closedFormLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * e) / T))) / 2);
  }
  override stateDict(): Record<string, unknown> {
    return schedulerState(this, { tMax: 'T_max' });
  }
  override loadStateDict(state: Record<string, unknown>): void {
    loadSchedulerState(this, state, { tMax: 'T_max' });
  }
}

/** Options of `LinearLR`. */
export interface LinearLROptions extends SchedulerOptions {
  /** Factor applied at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor reached after `totalIters` epochs, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs of the linear change (default 5). */
  totalIters?: number;
}

/** Scales the rate by a factor changing linearly from `startFactor` to `endFactor` (`LinearLR`, e.g. warmup). */
export class LinearLR extends LRScheduler {
  /** Factor at epoch 0. */
  startFactor: number;
  /** Factor from `totalIters` on. */
  endFactor: number;
  /** Length of the ramp, in epochs. */
  totalIters: number;
  constructor(optimizer: AnyOptimizer, options?: LinearLROptions) {
    super(optimizer, options?.lastEpoch);
    const start = options?.startFactor ?? 1 / 3;
    const end = options?.endFactor ?? 1;
    if (!(start > 0 && start <= 1)) {
      throw new ValueError(`LinearLR: startFactor must be in (0, 1], got ${start}`);
    }
    if (!(end >= 0 && end <= 1)) throw new ValueError(`LinearLR: endFactor must be in [0, 1], got ${end}`);
    this.startFactor = start;
    this.endFactor = end;
    this.totalIters = options?.totalIters ?? 5;
    this.init();
  }
  protected override getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.groups.map((g) => g.lr * s);
    if (e > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
  protected override closedFormLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(n, e)) / n));
  }
}

/** A factor of the base rate as a function of the epoch. */
export type LrLambda = (epoch: number) => number;

/** Sets each group's rate to `baseLr * lrLambda(epoch)` (`LambdaLR`); one function, or one per group. */
export class LambdaLR extends LRScheduler {
  /** The factor functions, one per group (not saved by `stateDict`). */
  lrLambdas: LrLambda[];
  constructor(optimizer: AnyOptimizer, lrLambda: LrLambda | readonly LrLambda[], options?: SchedulerOptions) {
    super(optimizer, options?.lastEpoch);
    const n = this.optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== n)
        throw new ValueError(`LambdaLR: expected ${n} lrLambdas, but got ${lrLambda.length}`);
      this.lrLambdas = [...lrLambda];
    } else {
      this.lrLambdas = new Array(n).fill(lrLambda);
    }
    if (this.lrLambdas.some((f) => typeof f !== 'function'))
      throw new ValueError('LambdaLR: lrLambda must be a function');
    this.init();
  }
  protected override getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }
  override stateDict(): Record<string, unknown> {
    const out = schedulerState(this, {}, ['lrLambdas']);
    out.lr_lambdas = this.lrLambdas.map(() => null);
    return out;
  }
  override loadStateDict(state: Record<string, unknown>): void {
    loadSchedulerState(this, state, {}, ['lr_lambdas']);
  }
}
