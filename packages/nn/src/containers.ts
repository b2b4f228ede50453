import { IndexError, type Tensor } from '@kindling/core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

function checkIndex(i: number, n: number, what: string): number {
  if (!Number.isInteger(i) || i < -n || i >= n)
    throw new IndexError(`${what}: index ${i} is out of range for length ${n}`);
  return i < 0 ? i + n : i;
}

/** Runs modules in order, feeding each one's output to the next; children are named `0`, `1`, ... */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    for (let i = 0; i < modules.length; i++) this.registerModule(String(i), modules[i]);
  }
  /** Number of modules. */
  get length(): number {
    return [...this.children()].length;
  }
  /** The module at position `i` (negative counts from the end). */
  at(i: number): Module {
    const all = [...this.children()];
    return all[checkIndex(i, all.length, 'Sequential.at')];
  }
  /** Appends a module. */
  append(module: Module): this {
    this.registerModule(String(this.length), module);
    return this;
  }
  forward(input: unknown): any {
    let x = input;
    for (const m of this.children()) x = m.call(x);
    return x;
  }
  /** Iterates over the modules. */
  [Symbol.iterator](): Iterator<Module> {
    return this.children();
  }
}

/** A list of submodules registered as `0`, `1`, ... (no forward of its own). */
export class ModuleList<M extends Module = Module> extends Module {
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }
  /** Number of modules. */
  get length(): number {
    return [...this.children()].length;
  }
  /** The module at position `i`. */
  at(i: number): M {
    const all = [...this.children()] as M[];
    return all[checkIndex(i, all.length, 'ModuleList.at')];
  }
  /** Appends a module. */
  append(module: M): this {
    this.registerModule(String(this.length), module);
    return this;
  }
  forward(): never {
    throw new Error('ModuleList has no forward(); iterate over it instead');
  }
  /** Iterates over the modules. */
  [Symbol.iterator](): Iterator<M> {
    return this.children() as Iterator<M>;
  }
}

/** Submodules by name (no forward of its own). */
export class ModuleDict<M extends Module = Module> extends Module {
  constructor(modules: Record<string, M> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }
  /** The module named `key`. */
  get(key: string): M | undefined {
    return [...this.namedChildren()].find(([k]) => k === key)?.[1] as M | undefined;
  }
  /** Adds or replaces a module. */
  set(key: string, module: M): this {
    this.registerModule(key, module);
    return this;
  }
  /** Names of the modules. */
  keys(): string[] {
    return [...this.namedChildren()].map(([k]) => k);
  }
  forward(): never {
    throw new Error('ModuleDict has no forward(); look modules up by key instead');
  }
}

/** A list of parameters registered as `0`, `1`, ... */
export class ParameterList extends Module {
  constructor(params: Iterable<Parameter | Tensor> = []) {
    super();
    for (const p of params) this.append(p);
  }
  /** Number of parameters. */
  get length(): number {
    return [...this.ownParameters()].length;
  }
  /** The parameter at position `i`. */
  at(i: number): Parameter {
    const all = [...this.ownParameters()].map(([, p]) => p);
    return all[checkIndex(i, all.length, 'ParameterList.at')];
  }
  /** Appends a parameter (a plain tensor is wrapped in a Parameter). */
  append(p: Parameter | Tensor): this {
    this.registerParameter(String(this.length), p instanceof Parameter ? p : new Parameter(p));
    return this;
  }
  forward(): never {
    throw new Error('ParameterList has no forward()');
  }
}
