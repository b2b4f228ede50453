import '@kindling/autograd';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tensor, ValueError, zeros } from '@kindling/core';
import { expectMatches, type TensorSpec } from '../../core/test/helpers/golden.js';
import * as nn from '../src/index.js';

interface Case {
  attrs: Record<string, any>;
  out: TensorSpec[];
}
const here = dirname(fileURLToPath(import.meta.url));
const all: Record<string, Case> = JSON.parse(
  readFileSync(join(here, 'fixtures', 'nn_optim.json'), 'utf8'),
).cases;
const cases = Object.entries(all).filter(([k]) => k.startsWith('sched_'));

/** The fixture's lambdas, by name (same functions as in tools/golden/nn_optim.py). */
const LAMBDAS: Record<string, nn.LrLambda> = {
  pow095: (e) => 0.95 ** e,
  inverse: (e) => 1 / (e + 1),
  warmup5: (e) => Math.min(1, (e + 1) / 5),
};

interface Spec {
  type: string;
  args?: any[];
  opts?: Record<string, any>;
  schedulers?: Spec[];
  milestones?: number[];
}

function build(spec: Spec, opt: nn.Optimizer<any>): nn.Scheduler {
  const args = spec.args ?? [];
  const o = spec.opts;
  switch (spec.type) {
    case 'StepLR':
      return new nn.StepLR(opt, args[0], o);
    case 'MultiStepLR':
      return new nn.MultiStepLR(opt, args[0], o);
    case 'ExponentialLR':
      return new nn.ExponentialLR(opt, args[0], o);
    case 'CosineAnnealingLR':
      return new nn.CosineAnnealingLR(opt, args[0], o);
    case 'LinearLR':
      return new nn.LinearLR(opt, o);
    case 'LambdaLR':
      return new nn.LambdaLR(
        opt,
        Array.isArray(args[0]) ? args[0].map((n: string) => LAMBDAS[n]) : LAMBDAS[args[0]],
      );
    case 'OneCycleLR':
      return new nn.OneCycleLR(opt, args[0], o);
    case 'ReduceLROnPlateau':
      return new nn.ReduceLROnPlateau(opt, o);
    case 'SequentialLR':
      return new nn.SequentialLR(
        opt,
        (spec.schedulers ?? []).map((s) => build(s, opt) as nn.LRScheduler),
        spec.milestones ?? [],
      );
    default:
      throw new Error(`unknown scheduler ${spec.type}`);
  }
}

function makeOptimizer(attrs: Record<string, any>): nn.Optimizer<any> {
  const groups = (attrs.lrs as number[]).map((lr) => ({ params: [new nn.Parameter(zeros([2]))], lr }));
  return attrs.optim === 'SGD'
    ? new nn.SGD(groups, { lr: attrs.lrs[0], momentum: 0.9 })
    : new nn.Adam(groups);
}

const momentaOf = (opt: nn.Optimizer<any>, attrs: Record<string, any>) =>
  opt.paramGroups.map((g) => (attrs.optim === 'Adam' ? (g.betas as number[])[0] : (g.momentum as number)));

function advance(sched: nn.Scheduler, attrs: Record<string, any>, i: number): void {
  sched.optimizer.step();
  if (sched instanceof nn.ReduceLROnPlateau) sched.step(attrs.metrics[i]);
  else (sched as nn.LRScheduler).step();
}

describe('LR schedulers match PyTorch over 30 steps', () => {
  for (const [name, c] of cases) {
    it(name, () => {
      const opt = makeOptimizer(c.attrs);
      const sched = build(c.attrs.spec, opt);
      const lrs = [opt.paramGroups.map((g) => g.lr)];
      const momenta = [momentaOf(opt, c.attrs)];
      for (let i = 0; i < c.attrs.steps; i++) {
        advance(sched, c.attrs, i);
        lrs.push(sched.getLastLr());
        expect(sched.getLastLr()).toEqual(opt.paramGroups.map((g) => g.lr));
        momenta.push(momentaOf(opt, c.attrs));
      }
      expectMatches(tensor(lrs, { dtype: 'float64' }), c.out[0], {}, 'lr');
      if (c.out[1]) expectMatches(tensor(momenta, { dtype: 'float64' }), c.out[1], {}, 'momentum');
    });
    it(`${name}: resumes from stateDict after 12 steps`, () => {
      const opt = makeOptimizer(c.attrs);
      const sched = build(c.attrs.spec, opt);
      for (let i = 0; i < 12; i++) advance(sched, c.attrs, i);
      const savedOpt = opt.stateDict();
      const savedSched = structuredClone(sched.stateDict());
      const opt2 = makeOptimizer(c.attrs);
      const sched2 = build(c.attrs.spec, opt2);
      opt2.loadStateDict(savedOpt);
      sched2.loadStateDict(savedSched);
      const lrs = [];
      for (let i = 12; i < c.attrs.steps; i++) {
        advance(sched2, c.attrs, i);
        lrs.push(sched2.getLastLr());
      }
      const want = c.out[0];
      const groups = c.attrs.lrs.length;
      const tail = { ...want, shape: [c.attrs.steps - 12, groups], data: want.data.slice(13 * groups) };
      expectMatches(tensor(lrs, { dtype: 'float64' }), tail, {}, 'lr after resume');
    });
  }
});

describe('scheduler state dicts and errors', () => {
  const opt = () => new nn.SGD([new nn.Parameter(zeros([1]))], { lr: 0.1, momentum: 0.9 });
  it('use PyTorch key names', () => {
    const s = new nn.StepLR(opt(), 3, { gamma: 0.5 });
    expect(s.stateDict()).toEqual({
      base_lrs: [0.1],
      last_epoch: 0,
      _step_count: 1,
      _last_lr: [0.1],
      step_size: 3,
      gamma: 0.5,
    });
    expect(Object.keys(new nn.CosineAnnealingLR(opt(), 5).stateDict())).toContain('T_max');
    expect(new nn.LambdaLR(opt(), (e) => e).stateDict().lr_lambdas).toEqual([null]);
  });
  it('refuse unknown keys', () => {
    expect(() => new nn.StepLR(opt(), 3).loadStateDict({ T_max: 3 })).toThrow(ValueError);
  });
  it('validate their arguments', () => {
    expect(() => new nn.StepLR(opt(), 0)).toThrow(ValueError);
    expect(() => new nn.LambdaLR(opt(), [(e) => e, (e) => e])).toThrow(/expected 1 lrLambdas/);
    expect(() => new nn.ReduceLROnPlateau(opt(), { factor: 1 })).toThrow(/factor should be < 1.0/);
    expect(() => new nn.ReduceLROnPlateau(opt(), { mode: 'up' as 'min' })).toThrow(ValueError);
    expect(() => new nn.OneCycleLR(opt(), 0.1)).toThrow(/totalSteps/);
    expect(
      () => new nn.OneCycleLR(new nn.Adagrad([new nn.Parameter(zeros([1]))]), 0.1, { totalSteps: 5 }),
    ).toThrow(/momentum/);
    expect(() => new nn.LinearLR(opt(), { startFactor: 0 })).toThrow(ValueError);
    const o = opt();
    expect(() => new nn.SequentialLR(o, [new nn.StepLR(o, 2), new nn.StepLR(o, 2)], [])).toThrow(
      /one milestone fewer/,
    );
    expect(() => new nn.SequentialLR(o, [new nn.StepLR(opt(), 2)], [])).toThrow(/same optimizer/);
    expect(() => new nn.SequentialLR(o, [], [])).toThrow(/non-empty/);
    expect(() => new nn.StepLR(opt(), 2, { lastEpoch: 3 })).toThrow(/initialLr/);
  });
  it('OneCycleLR refuses to step past totalSteps', () => {
    const s = new nn.OneCycleLR(opt(), 0.1, { totalSteps: 3 });
    for (let i = 0; i < 3; i++) s.step();
    expect(() => s.step()).toThrow(/tried to step 5 times/);
  });
  it('ReduceLROnPlateau accepts a one-element tensor metric', () => {
    const o = opt();
    const s = new nn.ReduceLROnPlateau(o, { patience: 0 });
    s.step(tensor(1.5));
    s.step(tensor(2.5));
    expect(s.getLastLr()[0]).toBeCloseTo(0.01, 12);
  });
});
