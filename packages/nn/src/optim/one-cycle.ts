/** The 1cycle policy (`torch.optim.lr_scheduler.OneCycleLR`). */
import { ValueError } from '@kindling/core';
import { type AnyOptimizer, LRScheduler, type SchedulerOptions } from './lr-scheduler.js';

/** Options of `OneCycleLR`. Give `totalSteps`, or `epochs` and `stepsPerEpoch`. */
export interface OneCycleLROptions extends SchedulerOptions {
  /** Total number of steps in the cycle. */
  totalSteps?: number;
  /** Number of epochs (with `stepsPerEpoch`). */
  epochs?: number;
  /** Steps per epoch (with `epochs`). */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the rate (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's beta1) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum, reached at the peak rate (default 0.85; one per group allowed). */
  baseMomentum?: number | readonly number[];
  /** Highest momentum, at the start and end (default 0.95; one per group allowed). */
  maxMomentum?: number | readonly number[];
  /** Initial rate = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** Final rate = initial rate / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** A third phase: rise, fall back to the initial rate, then anneal to the minimum (default false). */
  threePhase?: boolean;
}

/** One phase of the cycle: which group keys it anneals between, up to which step. */
interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

function perGroup(name: string, optimizer: AnyOptimizer, v: number | readonly number[]): number[] {
  const n = optimizer.paramGroups.length;
  if (Array.isArray(v)) {
    if (v.length !== n) throw new ValueError(`OneCycleLR: expected ${n} values for ${name}, got ${v.length}`);
    return [...v];
  }
  return new Array(n).fill(v);
}

/**
 * The 1cycle policy: the rate rises from `maxLr / divFactor` to `maxLr` over `pctStart` of the
 * steps, then anneals to `initial / finalDivFactor` (with `threePhase`, back to the initial rate
 * first); momentum (SGD's `momentum` or Adam's `betas[0]`) moves the opposite way. Call `step()`
 * after every batch. Adds `initialLr`, `maxLr`, `minLr`, `maxMomentum`, `baseMomentum` to the groups.
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle. */
  totalSteps: number;
  /** The phases (keys name group fields). */
  _schedulePhases: Phase[];
  /** 'cos' or 'linear'. */
  annealStrategy: 'cos' | 'linear';
  /** Whether momentum is cycled. */
  cycleMomentum: boolean;
  /** Whether the optimizer's momentum is `betas[0]` (Adam) rather than `momentum`. */
  useBeta1 = false;

  constructor(optimizer: AnyOptimizer, maxLr: number | readonly number[], options?: OneCycleLROptions) {
    super(optimizer, options?.lastEpoch);
    const o = options ?? {};
    if (o.totalSteps === undefined && (o.epochs === undefined || o.stepsPerEpoch === undefined)) {
      throw new ValueError('OneCycleLR: you must define either totalSteps OR (epochs AND stepsPerEpoch)');
    }
    const positiveInt = (name: string, v: number) => {
      if (!Number.isInteger(v) || v <= 0)
        throw new ValueError(`OneCycleLR: expected a positive integer ${name}, but got ${v}`);
      return v;
    };
    this.totalSteps =
      o.totalSteps !== undefined
        ? positiveInt('totalSteps', o.totalSteps)
        : positiveInt('epochs', o.epochs as number) * positiveInt('stepsPerEpoch', o.stepsPerEpoch as number);
    const pct = o.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1))
      throw new ValueError(`OneCycleLR: expected pctStart between 0 and 1, but got ${pct}`);
    const n = this.totalSteps;
    this._schedulePhases = o.threePhase
      ? [
          {
            endStep: pct * n - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: 2 * pct * n - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
          {
            endStep: n - 1,
            startLr: 'initialLr',
            endLr: 'minLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'maxMomentum',
          },
        ]
      : [
          {
            endStep: pct * n - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: n - 1,
            startLr: 'maxLr',
            endLr: 'minLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
        ];
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') {
      throw new ValueError(
        `OneCycleLR: annealStrategy must be one of 'cos' or 'linear', instead got ${String(strategy)}`,
      );
    }
    this.annealStrategy = strategy;
    const divFactor = o.divFactor ?? 25;
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    const maxLrs = perGroup('maxLr', this.optimizer, maxLr);
    if (this.lastEpoch === -1) {
      this.groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
    }
    this.cycleMomentum = o.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      const d = this.optimizer.defaults as Record<string, unknown>;
      if (!('momentum' in d) && !('betas' in d)) {
        throw new ValueError(
          'OneCycleLR: optimizer must support momentum with the cycleMomentum option enabled',
        );
      }
      this.useBeta1 = 'betas' in d;
      const maxM = perGroup('maxMomentum', this.optimizer, o.maxMomentum ?? 0.95);
      const baseM = perGroup('baseMomentum', this.optimizer, o.baseMomentum ?? 0.85);
      if (this.lastEpoch === -1) {
        this.groups.forEach((g, i) => {
          if (this.useBeta1) g.betas = [maxM[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    this.init();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected override getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ValueError(
        `OneCycleLR: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`,
      );
    }
    return this.groups.map((g) => {
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      const phases = this._schedulePhases;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        if (stepNum <= phase.endStep || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          lr = this.anneal(g[phase.startLr] as number, g[phase.endLr] as number, pct);
          if (this.cycleMomentum) {
            momentum = this.anneal(g[phase.startMomentum] as number, g[phase.endMomentum] as number, pct);
          }
          break;
        }
        startStep = phase.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, ...(g.betas as number[]).slice(1)];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}
