/** The `Optimizer` base class: parameter groups, `step`, `zeroGrad` and PyTorch-layout state dicts. */
import { enableGrad, noGrad } from '@kindling/autograd';
import { isFloating, KindlingError, Tensor, ValueError } from '@kindling/core';

/** One entry of an optimizer's per-parameter state (PyTorch's names: `exp_avg`, `momentum_buffer`, `step`...). */
export type StateValue = Tensor | number | null;

/** An optimizer's state for one parameter, keyed by PyTorch's names. */
export type ParamState = Record<string, StateValue>;

/** A parameter group: its parameters and its own values of the optimizer's options. */
export type ParamGroup<O = Record<string, unknown>> = O & {
  /** The parameters this group's options apply to. */
  params: Tensor[];
  /** Learning rate (schedulers change it). */
  lr: number;
  /** Other keys: options, and what schedulers add (`initialLr`, `maxLr`...). */
  [key: string]: unknown;
};

/** A parameter group as passed to a constructor or `addParamGroup`: params plus any option overrides. */
export type ParamGroupInput<O> = Partial<O> & {
  /** The group's parameters: one tensor or any iterable of them (e.g. `layer.parameters()`). */
  params: Iterable<Tensor> | Tensor;
  /** Option overrides for this group; options left out take the optimizer's `defaults`. */
  [key: string]: unknown;
};

/** What an optimizer is given: parameters (e.g. `model.parameters()`), or a list of parameter groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * An optimizer's state in PyTorch's layout: `state` keyed by parameter index (numbered through the
 * groups in order) and `param_groups` with their options (PyTorch's snake_case names) and `params`
 * as index lists. Tensors are shared with the optimizer, as PyTorch's `state_dict()`; `loadStateDict`
 * copies them.
 */
export interface OptimizerStateDict {
  /** Per-parameter state by parameter index. */
  state: Record<number, Record<string, StateValue>>;
  /** Group options with `params` as parameter indices. */
  param_groups: (Record<string, unknown> & {
    /** Indices of the group's parameters into `state`, numbered through all groups in order. */
    params: number[];
  })[];
}

/** camelCase option name to PyTorch's snake_case (`weightDecay` -> `weight_decay`). */
export function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** PyTorch's snake_case name to camelCase (`weight_decay` -> `weightDecay`; a leading `_` is kept). */
export function toCamel(key: string): string {
  return key.replace(/(?!^)_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function copyValue(v: unknown): unknown {
  return Array.isArray(v) ? v.map(copyValue) : v;
}

/** Throws a ValueError unless `value` is a finite number >= `min` (or > `min` when `strict`). */
export function checkOption(op: string, name: string, value: unknown, min = 0, strict = false): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || (strict && value === min)) {
    throw new ValueError(
      `${op}: invalid ${name}: ${String(value)} (expected a number ${strict ? '>' : '>='} ${min})`,
    );
  }
}

/** The option every optimizer has: the bound on the type `O` of an {@link Optimizer}'s options. */
export interface OptimizerDefaults {
  /** Learning rate: the factor each update is scaled by (a group's value; schedulers change it). */
  lr: number;
}

/**
 * Base class of the optimizers (`torch.optim.Optimizer`). Holds parameter groups, each with its own
 * options (filled from `defaults`), and per-parameter state. Subclasses implement `updateGroup`,
 * which `step()` runs under `noGrad` for every group.
 */
export abstract class Optimizer<O extends OptimizerDefaults = OptimizerDefaults> {
  /** The options every group starts from. */
  readonly defaults: O;
  /** Parameter groups; change `lr` or other options here (schedulers do). */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created lazily by `step()` (e.g. Adam's `exp_avg`). */
  readonly state = new Map<Tensor, ParamState>();
  /** Number of `step()` calls made (schedulers read it). */
  stepCount = 0;

  protected constructor(params: Params<O>, defaults: O) {
    this.defaults = defaults;
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0)
      throw new ValueError(`${this.constructor.name}: optimizer got an empty parameter list`);
    const groups =
      list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g as ParamGroupInput<O>);
  }

  /** Validates one group's options (subclasses check ranges such as `lr >= 0`). */
  protected validateGroup(group: ParamGroup<O>): void {
    checkOption(this.constructor.name, 'learning rate', group.lr);
  }

  /** Updates the parameters of one group from their `.grad` (called by `step()` under `noGrad`). */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /** Adds a parameter group (e.g. to unfreeze layers during fine-tuning); missing options come from `defaults`. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const name = this.constructor.name;
    if (typeof group !== 'object' || group === null || !('params' in group)) {
      throw new ValueError(`${name}: a parameter group must be an object with a 'params' key`);
    }
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    for (const p of params) {
      if (!(p instanceof Tensor))
        throw new ValueError(`${name}: optimizer can only optimize Tensors, got ${typeof p}`);
      if (!p.isLeaf) throw new ValueError(`${name}: can't optimize a non-leaf Tensor`);
      if (!isFloating(p.dtype))
        throw new ValueError(`${name}: can only optimize floating-point tensors, got ${p.dtype}`);
    }
    if (new Set(params).size !== params.length) {
      throw new ValueError(`${name}: a parameter group contains the same parameter twice`);
    }
    for (const g of this.paramGroups) {
      if (g.params.some((p) => params.includes(p))) {
        throw new ValueError(`${name}: some parameters appear in more than one parameter group`);
      }
    }
    const full: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.defaults)) full[k] = copyValue(v);
    for (const [k, v] of Object.entries(group)) if (k !== 'params' && v !== undefined) full[k] = copyValue(v);
    if (full.lr === undefined) {
      throw new ValueError(
        `${name}: parameter group didn't specify a value of required optimization parameter lr`,
      );
    }
    full.params = params;
    this.validateGroup(full as ParamGroup<O>);
    this.paramGroups.push(full as ParamGroup<O>);
  }

  /**
   * Performs one optimization step. `closure`, when given, re-evaluates the model and returns the
   * loss (it runs with gradients enabled, as PyTorch's); its result is returned.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
    this.stepCount++;
    return loss;
  }

  /**
   * Clears the gradients of every optimized parameter: sets them to null (default, as PyTorch 2 and
   * `Module.zeroGrad`) or, with `setToNone: false`, fills them with zeros.
   */
  zeroGrad(options?: { setToNone?: boolean }): void {
    const setToNone = options?.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        if (setToNone) p.grad = null;
        else {
          const g = p.grad.detach();
          noGrad(() => g.zero_());
          p.grad = g;
        }
      }
    }
  }

  /** The state of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** The optimizer's state in PyTorch's layout (see `OptimizerStateDict`), sharing its tensors. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') packed[toSnake(k)] = copyValue(v);
      const ids = g.params.map((p) => {
        if (!index.has(p)) index.set(p, next++);
        return index.get(p) as number;
      });
      return { ...packed, params: ids };
    });
    const state: Record<number, Record<string, StateValue>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Restores state from `stateDict()` (this optimizer's or a PyTorch-layout one): group options are
   * replaced by the saved ones, and state tensors are copied, floating ones cast to their
   * parameter's dtype and device. Groups must have the same sizes as when saved.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const name = this.constructor.name;
    const saved = stateDict?.param_groups;
    if (!Array.isArray(saved) || typeof stateDict.state !== 'object' || stateDict.state === null) {
      throw new ValueError(`${name}.loadStateDict: expected { state, param_groups }`);
    }
    if (saved.length !== this.paramGroups.length) {
      throw new ValueError(
        `${name}.loadStateDict: loaded state dict has ${saved.length} parameter groups, the optimizer has ${this.paramGroups.length}`,
      );
    }
    const byId = new Map<number, Tensor>();
    saved.forEach((g, gi) => {
      const own = this.paramGroups[gi].params;
      if (!Array.isArray(g.params) || g.params.length !== own.length) {
        throw new ValueError(
          `${name}.loadStateDict: loaded parameter group ${gi} has ${g.params?.length} parameters, the optimizer's has ${own.length}`,
        );
      }
      g.params.forEach((id, k) => {
        byId.set(id, own[k]);
      });
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [key, values] of Object.entries(stateDict.state)) {
      const p = byId.get(Number(key));
      if (!p)
        throw new ValueError(
          `${name}.loadStateDict: state for parameter ${key}, which no parameter group lists`,
        );
      const s: ParamState = {};
      for (const [k, v] of Object.entries(values)) s[k] = castState(k, v, p);
      newState.set(p, s);
    }
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
    saved.forEach((g, gi) => {
      const group: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') group[toCamel(k)] = copyValue(v);
      group.params = this.paramGroups[gi].params;
      this.paramGroups[gi] = group as ParamGroup<O>;
    });
  }
}

/** A copy of a saved state value: `step` as a number, floating tensors in the parameter's dtype/device. */
function castState(key: string, v: StateValue, p: Tensor): StateValue {
  if (!(v instanceof Tensor)) {
    if (v === null || typeof v === 'number') return v;
    throw new KindlingError(
      `loadStateDict: state '${key}' must be a Tensor, a number or null, got ${typeof v}`,
    );
  }
  if (key === 'step') return Number(v.to('cpu').itemSync());
  const dtype = isFloating(v.dtype) ? p.dtype : v.dtype;
  return v.to({ dtype, device: p.device }).clone();
}
