import { noGrad } from '@kindling/autograd';
import { type DeviceName, type DType, isFloating, KindlingError, type Tensor } from '@kindling/core';
import { Parameter } from './parameter.js';

/** A checkpoint: parameter and buffer tensors by their PyTorch-style dotted names. */
export type StateDict = Record<string, Tensor>;

/** The keys `loadStateDict` could not match (PyTorch's `_IncompatibleKeys`); empty when strict loading succeeds. */
export interface IncompatibleKeys {
  /** Keys of the module's state dict that the loaded state dict lacks (left untouched). */
  missingKeys: string[];
  /** Keys of the loaded state dict that the module does not have (ignored). */
  unexpectedKeys: string[];
}

/** Thrown by `loadStateDict` when keys are missing, unexpected or mis-shaped; lists all of them. */
export class StateDictError extends KindlingError {
  constructor(
    message: string,
    /** Keys the module has but the checkpoint lacks. */
    readonly missingKeys: string[],
    /** Keys the checkpoint has but the module lacks. */
    readonly unexpectedKeys: string[],
    /** Keys whose shapes differ, with both shapes. */
    readonly shapeMismatches: string[],
  ) {
    super(message);
  }
}

/** Called after `forward` with the module, its inputs and output; may return a replacement output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;
/** Called before `forward` with the module and its inputs; may return replacement inputs. */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown[] | undefined;

const BUFFERS = Symbol('buffers');
const NON_PERSISTENT = Symbol('nonPersistent');
const HOOKS = Symbol('hooks');
const PRE_HOOKS = Symbol('preHooks');

/**
 * Base class of every layer and model, like `torch.nn.Module`. Parameters and submodules are found
 * from the instance's own fields (`fc1 = new Linear(784, 128)`), in declaration order; buffers are
 * registered with `registerBuffer`. Run a module with `module.call(...)`, which runs hooks around
 * `forward`.
 */
export abstract class Module {
  /** Whether the module is in training mode (`train()` / `eval()`). */
  training = true;
  private [BUFFERS] = new Map<string, Tensor | null>();
  private [NON_PERSISTENT] = new Set<string>();
  private [HOOKS] = new Map<number, ForwardHook>();
  private [PRE_HOOKS] = new Map<number, ForwardPreHook>();

  /** The computation. Call the module with `call`, not `forward`, so hooks run. */
  abstract forward(...inputs: any[]): any;

  /** Runs forward pre-hooks, `forward`, then forward hooks. */
  call(...inputs: Parameters<this['forward']>): ReturnType<this['forward']> {
    let args: unknown[] = inputs;
    for (const hook of this[PRE_HOOKS].values()) args = hook(this, args) ?? args;
    let out = this.forward(...args);
    for (const hook of this[HOOKS].values()) {
      const replaced = hook(this, args, out);
      if (replaced !== undefined) out = replaced;
    }
    return out;
  }

  /** Registers a hook run after `forward`; returns a remover. */
  registerForwardHook(hook: ForwardHook): () => void {
    const id = nextHookId++;
    this[HOOKS].set(id, hook);
    return () => this[HOOKS].delete(id);
  }

  /** Registers a hook run before `forward`; returns a remover. */
  registerForwardPreHook(hook: ForwardPreHook): () => void {
    const id = nextHookId++;
    this[PRE_HOOKS].set(id, hook);
    return () => this[PRE_HOOKS].delete(id);
  }

  /** Registers (or replaces) a buffer: state that is not learned, such as BatchNorm's running mean. */
  registerBuffer(name: string, value: Tensor | null, options?: { persistent?: boolean }): void {
    if (name.includes('.') || name === '')
      throw new KindlingError(`registerBuffer: invalid buffer name '${name}'`);
    this[BUFFERS].set(name, value);
    if (options?.persistent === false) this[NON_PERSISTENT].add(name);
    else this[NON_PERSISTENT].delete(name);
  }

  /** Registers a parameter under `name` (same as assigning a `Parameter` to a field). */
  registerParameter(name: string, param: Parameter | null): void {
    (this as Record<string, unknown>)[name] = param;
  }

  /** Registers a submodule under `name` (same as assigning a `Module` to a field). */
  registerModule(name: string, module: Module | null): void {
    (this as Record<string, unknown>)[name] = module;
  }

  /** A buffer by name, or undefined. */
  getBuffer(name: string): Tensor | null | undefined {
    return this[BUFFERS].get(name);
  }

  /** This module's own parameters (not its children's), in declaration order. */
  protected *ownParameters(): Generator<[string, Parameter]> {
    for (const [k, v] of Object.entries(this)) if (v instanceof Parameter) yield [k, v];
  }

  /** Direct children with their names. */
  *namedChildren(): Generator<[string, Module]> {
    for (const [k, v] of Object.entries(this)) if (v instanceof Module) yield [k, v];
  }

  /** Direct children. */
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and every descendant, with dotted names ('' for this one); each module once. */
  *namedModules(prefix = '', seen = new Set<Module>()): Generator<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) {
      yield* child.namedModules(prefix ? `${prefix}.${name}` : name, seen);
    }
  }

  /** This module and every descendant. */
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** Every parameter with its dotted name (shared parameters once). */
  *namedParameters(options?: { prefix?: string; recurse?: boolean }): Generator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    const mods: Iterable<[string, Module]> = options?.recurse === false ? [['', this]] : this.namedModules();
    for (const [modName, mod] of mods) {
      for (const [k, p] of mod.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [joinName(options?.prefix, modName, k), p];
      }
    }
  }

  /** Every parameter (shared parameters once). */
  *parameters(options?: { recurse?: boolean }): Generator<Parameter> {
    for (const [, p] of this.namedParameters(options)) yield p;
  }

  /** Every buffer with its dotted name. */
  *namedBuffers(options?: { prefix?: string; recurse?: boolean }): Generator<[string, Tensor]> {
    const mods: Iterable<[string, Module]> = options?.recurse === false ? [['', this]] : this.namedModules();
    for (const [modName, mod] of mods) {
      for (const [k, b] of mod[BUFFERS]) if (b) yield [joinName(options?.prefix, modName, k), b];
    }
  }

  /** Every buffer. */
  *buffers(options?: { recurse?: boolean }): Generator<Tensor> {
    for (const [, b] of this.namedBuffers(options)) yield b;
  }

  /** Number of parameter elements (only those requiring grad with `trainableOnly`). */
  numParameters(options?: { trainableOnly?: boolean }): number {
    let n = 0;
    for (const p of this.parameters()) if (!options?.trainableOnly || p.requiresGrad) n += p.numel;
    return n;
  }

  /** Calls `fn` on every descendant and then on this module (as PyTorch's `apply`). */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Sets training mode on this module and its descendants. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Clears gradients: to null (default, like PyTorch 2) or to zeros. */
  zeroGrad(options?: { setToNone?: boolean }): void {
    for (const p of this.parameters()) {
      if (options?.setToNone === false) p.grad?.detach().zero_();
      else p.grad = null;
    }
  }

  /** Sets `requiresGrad` on every parameter. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /** Converts parameters and buffers (floating ones only, for a dtype) to a device and/or dtype, in place. */
  to(target: DeviceName | DType | { device?: DeviceName; dtype?: DType }): this {
    const t =
      typeof target === 'string'
        ? target === 'cpu' || target === 'webgpu'
          ? { device: target }
          : { dtype: target as DType }
        : target;
    const convert = (x: Tensor) => {
      const dtype = t.dtype && isFloating(x.dtype) ? t.dtype : undefined;
      return x.to({ device: t.device, dtype });
    };
    // Shared (tied) parameters and buffers are converted once, so they stay shared.
    const done = new Map<Tensor, Tensor>();
    noGrad(() => {
      for (const m of this.modules()) {
        for (const [k, p] of [...m.ownParameters()]) {
          let np = done.get(p);
          if (!np) {
            const c = convert(p);
            np = c === p ? p : new Parameter(c.detach(), p.requiresGrad);
            done.set(p, np);
          }
          if (np !== p) (m as unknown as Record<string, unknown>)[k] = np;
        }
        for (const [k, b] of m[BUFFERS]) {
          if (!b) continue;
          let nb = done.get(b);
          if (!nb) {
            nb = convert(b);
            done.set(b, nb);
          }
          m[BUFFERS].set(k, nb);
        }
      }
    });
    return this;
  }

  /** Parameters and persistent buffers by dotted name, detached (sharing storage). */
  stateDict(options?: { prefix?: string }): StateDict {
    const out: StateDict = {};
    // Like PyTorch, a module reachable by several paths (or a shared parameter) appears under every
    // name, so tied weights save and load by all their keys; only cycles are cut.
    const visit = (mod: Module, modName: string, path: Set<Module>) => {
      if (path.has(mod)) return;
      path.add(mod);
      for (const [k, p] of mod.ownParameters()) out[joinName(options?.prefix, modName, k)] = p.detach();
      for (const [k, b] of mod[BUFFERS]) {
        if (b && !mod[NON_PERSISTENT].has(k)) out[joinName(options?.prefix, modName, k)] = b.detach();
      }
      for (const [name, child] of mod.namedChildren())
        visit(child, modName ? `${modName}.${name}` : name, path);
      path.delete(mod);
    };
    visit(this, '', new Set());
    return out;
  }

  /**
   * Copies a state dict into this module's parameters and buffers. With `strict` (default) every
   * key must match; all missing, unexpected and mis-shaped keys are reported together.
   */
  loadStateDict(stateDict: StateDict, options?: { strict?: boolean }): IncompatibleKeys {
    const strict = options?.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in stateDict));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !(k in own));
    const shapeMismatches: string[] = [];
    for (const [k, dst] of Object.entries(own)) {
      const src = stateDict[k];
      if (!src) continue;
      if (src.shape.length !== dst.shape.length || src.shape.some((s, i) => s !== dst.shape[i])) {
        shapeMismatches.push(
          `${k}: checkpoint has [${src.shape.join(', ')}], model has [${dst.shape.join(', ')}]`,
        );
      }
    }
    if (shapeMismatches.length || (strict && (missingKeys.length || unexpectedKeys.length))) {
      const parts = [];
      if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      if (shapeMismatches.length) parts.push(`size mismatch: ${shapeMismatches.join('; ')}`);
      throw new StateDictError(
        `loadStateDict: error(s) loading state dict for ${this.constructor.name}: ${parts.join('. ')}`,
        missingKeys,
        unexpectedKeys,
        shapeMismatches,
      );
    }
    noGrad(() => {
      for (const [k, dst] of Object.entries(own)) {
        const src = stateDict[k];
        if (src) dst.copy_(src.to({ device: dst.device }));
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Extra text shown in this module's line of the printed tree (e.g. `in_features=4, ...`). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style printed tree of the module. */
  toString(): string {
    const children = [...this.namedChildren()];
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([name, child]) => `  (${name}): ${String(child).split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}

let nextHookId = 0;

function joinName(prefix: string | undefined, modName: string, key: string): string {
  return [prefix, modName, key].filter((s) => s).join('.');
}
