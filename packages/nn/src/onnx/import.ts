/**
 * `loadOnnx`: turns an ONNX model into a runnable Kindling `Module`. The graph's initializers
 * become parameters (floating point) and buffers (integers, bools) under their ONNX names, so
 * `stateDict()` keys are the initializer names; `forward` interprets the graph node by node with
 * core ops (autograd differentiates it, every backend runs it). Every unsupported operator or
 * feature in the graph is listed in ONE `UnsupportedOnnxError` at load time.
 */
import {
  DTypeError,
  isFloating,
  KindlingError,
  NotSupportedError,
  ShapeError,
  type Tensor,
  ValueError,
  cast,
} from '@kindling/core';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { OpContext, type OpDef, type StaticInfo } from './ops/context.js';
import { ONNX_OPS } from './ops/index.js';
import { DATA_TYPE_NAMES, decodeModel, type OnnxGraph, type OnnxModel, type OnnxNode } from './schema.js';
import { dtypeOf, saturated, tensorFromOnnx } from './tensor-proto.js';

/** The opsets of the default domain `loadOnnx` implements. */
export const MIN_OPSET = 1;
/** The newest opset of the default domain `loadOnnx` implements. */
export const MAX_OPSET = 17;

/** Thrown when a model uses operators or features Kindling does not implement; lists them all. */
export class UnsupportedOnnxError extends NotSupportedError {
  constructor(
    message: string,
    /** One line per unsupported operator/feature, with how many nodes use it. */
    readonly unsupported: string[],
  ) {
    super(message);
  }
}

/** A submodule holding the initializers under one dotted prefix. */
class OnnxScope extends Module {
  forward(): never {
    throw new NotSupportedError('OnnxScope only holds initializers; call the OnnxModule');
  }
}

interface InitRef {
  holder: Module;
  key: string;
  buffer: boolean;
}

const RESERVED = new Set(['__proto__', 'constructor', 'prototype', 'training', 'call', 'forward']);

function describeNode(n: OnnxNode, i: number): string {
  return `${n.opType} node ${n.name ? `'${n.name}'` : `#${i}`}`;
}

/** A loaded ONNX model: call it like any module (`model.call(x)`), or `run({ name: tensor })`. */
export class OnnxModule extends Module {
  /** Names of the graph inputs (in order), excluding initializers. */
  readonly inputNames: string[];
  /** Names of the graph outputs (in order). */
  readonly outputNames: string[];
  /** Opset version of the default domain. */
  readonly opsetVersion: number;
  /** The producer recorded in the model (e.g. `pytorch 1.13`). */
  readonly producer: string;
  /** State-dict key of each initializer, by ONNX name (equal unless the name could not be used). */
  readonly initializerKeys: Map<string, string>;
  private readonly graph: OnnxGraph;
  private readonly refs = new Map<string, InitRef>();
  private readonly constants = new Map<string, Tensor>();
  private readonly inputTypes: Map<string, { dtype: string; shape: (number | string | null)[] | null }>;
  private readonly elemTypes = new Map<string, number>();

  /** @internal Use `loadOnnx`. */
  constructor(model: OnnxModel, opset: number, inits: Map<string, Tensor>, constants: Map<string, Tensor>) {
    super();
    const g = model.graph;
    this.graph = g;
    this.opsetVersion = opset;
    this.producer = [model.producerName, model.producerVersion].filter(Boolean).join(' ');
    this.inputNames = g.inputs.filter((v) => !inits.has(v.name)).map((v) => v.name);
    this.outputNames = g.outputs.map((v) => v.name);
    this.initializerKeys = new Map();
    this.inputTypes = new Map();
    for (const v of g.inputs) {
      if (v.type.kind === 'tensor')
        this.inputTypes.set(v.name, { dtype: dtypeOf(v.type.elemType) ?? '?', shape: v.type.shape });
    }
    for (const [k, v] of constants) this.constants.set(k, v);
    for (const v of [...g.inputs, ...g.valueInfo, ...g.outputs])
      if (v.type.kind === 'tensor') this.elemTypes.set(v.name, v.type.elemType);
    for (const t of g.initializers) this.elemTypes.set(t.name, t.dataType);
    for (const n of g.nodes) {
      const t = n.opType === 'Constant' ? n.attributes.find((a) => a.name === 'value')?.t : undefined;
      if (t && n.outputs[0]) this.elemTypes.set(n.outputs[0], t.dataType);
    }
    let flat = 0;
    for (const [name, t] of inits) {
      const key = this.place(name, t) ?? this.place(`initializer_${flat++}`, t, name);
      this.initializerKeys.set(name, key as string);
    }
  }

  /** Puts an initializer in the module tree under its dotted name; returns its key or undefined. */
  private place(name: string, t: Tensor, as = name): string | undefined {
    const parts = name.split('.');
    if (parts.some((p) => p === '' || RESERVED.has(p))) return undefined;
    let holder: Module = this;
    for (const p of parts.slice(0, -1)) {
      const next = (holder as unknown as Record<string, unknown>)[p];
      if (next === undefined && !(p in holder)) {
        const scope = new OnnxScope();
        holder.registerModule(p, scope);
        holder = scope;
      } else if (next instanceof OnnxScope) holder = next;
      else return undefined;
    }
    const leaf = parts[parts.length - 1];
    if (leaf in holder || holder.getBuffer(leaf) !== undefined) return undefined;
    const buffer = !isFloating(t.dtype);
    if (buffer) holder.registerBuffer(leaf, t);
    else holder.registerParameter(leaf, new Parameter(t));
    this.refs.set(as, { holder, key: leaf, buffer });
    return name;
  }

  private initializer(name: string): Tensor | undefined {
    const r = this.refs.get(name);
    if (!r) return undefined;
    return r.buffer
      ? (r.holder.getBuffer(r.key) ?? undefined)
      : ((r.holder as unknown as Record<string, Tensor>)[r.key] ?? undefined);
  }

  /** Runs the graph on named inputs; returns every graph output by name. */
  run(feeds: Record<string, Tensor>): Record<string, Tensor> {
    const values = new Map<string, Tensor>();
    for (const name of this.inputNames) {
      const t = feeds[name];
      if (!t)
        throw new ValueError(`OnnxModule: missing input '${name}' (inputs: ${this.inputNames.join(', ')})`);
      this.checkInput(name, t);
      values.set(name, t);
    }
    for (const name of this.refs.keys()) values.set(name, this.initializer(name) as Tensor);
    for (const [k, v] of this.constants) if (!values.has(k)) values.set(k, v);
    this.graph.nodes.forEach((node, i) => {
      if (node.opType === 'Constant' && this.constants.has(node.outputs[0])) return;
      const def = ONNX_OPS[node.opType] as OpDef;
      const inputs = node.inputs.map((n) => (n === '' ? null : (values.get(n) ?? null)));
      const outs = runNode(def, node, i, this.opsetVersion, inputs, (n) => this.elemTypes.get(n));
      node.outputs.forEach((name, k) => {
        if (name !== '' && outs[k]) values.set(name, outs[k] as Tensor);
      });
    });
    const result: Record<string, Tensor> = {};
    for (const name of this.outputNames) {
      const t = values.get(name);
      if (!t) throw new ValueError(`OnnxModule: graph output '${name}' was not produced`);
      Object.defineProperty(result, name, { value: t, enumerable: true, writable: true, configurable: true });
    }
    return result;
  }

  private checkInput(name: string, t: Tensor): void {
    const info = this.inputTypes.get(name);
    if (!info) return;
    if (info.dtype !== '?' && info.dtype !== t.dtype)
      throw new DTypeError(`OnnxModule: input '${name}' must be ${info.dtype}, got ${t.dtype}`);
    const shape = info.shape;
    if (!shape) return;
    const fmt = `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;
    if (shape.length !== t.ndim || shape.some((d, i) => typeof d === 'number' && d > 0 && d !== t.shape[i]))
      throw new ShapeError(`OnnxModule: input '${name}' must have shape ${fmt}, got [${t.shape.join(', ')}]`);
  }

  /** Runs the graph on positional inputs (in `inputNames` order); one output → a tensor, else an array. */
  forward(...inputs: Tensor[]): Tensor | Tensor[] {
    if (inputs.length !== this.inputNames.length)
      throw new ValueError(
        `OnnxModule: expected ${this.inputNames.length} input(s) (${this.inputNames.join(', ')}), got ${inputs.length}`,
      );
    const out = this.run(Object.fromEntries(this.inputNames.map((n, i) => [n, inputs[i]])));
    const list = this.outputNames.map((n) => out[n]);
    return list.length === 1 ? list[0] : list;
  }

  override extraRepr(): string {
    return `inputs=[${this.inputNames.join(', ')}], outputs=[${this.outputNames.join(', ')}], nodes=${this.graph.nodes.length}, opset=${this.opsetVersion}`;
  }
}

/** Runs one node: half inputs computed in float32, saturated int64 values refused outside shape inputs. */
function runNode(
  def: OpDef,
  node: OnnxNode,
  index: number,
  opset: number,
  inputs: (Tensor | null)[],
  types: (name: string) => number | undefined,
): (Tensor | null)[] {
  const host = def.host ?? [];
  inputs.forEach((t, k) => {
    if (t && saturated.has(t) && !host.includes(k))
      throw new ValueError(
        `onnx: ${describeNode(node, index)}: input '${node.inputs[k]}' holds int64 values outside Kindling's int32 range`,
      );
  });
  let half: string | null = null;
  let ins = inputs;
  if (def.upcastHalf !== false) {
    ins = inputs.map((t) => {
      if (t && (t.dtype === 'float16' || t.dtype === 'bfloat16')) {
        half = t.dtype;
        return cast(t, 'float32');
      }
      return t;
    });
  }
  let outs: (Tensor | null)[];
  try {
    outs = def.run(new OpContext(node, opset, ins, types));
  } catch (err) {
    if (err instanceof KindlingError && !err.message.startsWith('onnx:')) {
      const Ctor = err.constructor as new (m: string) => KindlingError;
      throw new Ctor(`onnx: ${describeNode(node, index)}: ${err.message}`);
    }
    throw err;
  }
  if (half) outs = outs.map((t) => (t && t.dtype === 'float32' ? cast(t, half as 'float16') : t));
  return outs;
}

/** Static facts for the load-time checks. */
function staticInfo(g: OnnxGraph, opset: number, consts: Map<string, Tensor>): StaticInfo {
  const ranks = new Map<string, number>();
  const types = new Map<string, number>();
  for (const v of [...g.inputs, ...g.valueInfo, ...g.outputs]) {
    if (v.type.kind === 'tensor') {
      types.set(v.name, v.type.elemType);
      if (v.type.shape) ranks.set(v.name, v.type.shape.length);
    }
  }
  for (const t of g.initializers) {
    ranks.set(t.name, t.dims.length);
    types.set(t.name, t.dataType);
  }
  return {
    opset,
    constant: (name) => consts.get(name),
    rank: (name) => ranks.get(name) ?? consts.get(name)?.ndim,
    elemType: (name) => types.get(name),
  };
}

/** Options of `loadOnnx` (none yet; reserved). */
export type LoadOnnxOptions = Record<string, never>;

/**
 * Loads an ONNX model (the bytes of a `.onnx` file) as a runnable `OnnxModule`. Throws a
 * `ValueError` for malformed input (truncated or hostile protobuf, dangling node inputs) and one
 * `UnsupportedOnnxError` listing every unsupported operator or feature.
 */
export function loadOnnx(bytes: Uint8Array | ArrayBuffer, _options?: LoadOnnxOptions): OnnxModule {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer))
    throw new ValueError('loadOnnx: expected a Uint8Array or ArrayBuffer');
  const model = decodeModel(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const g = model.graph;
  const problems = new Map<string, number>();
  const note = (what: string) => problems.set(what, (problems.get(what) ?? 0) + 1);
  const main = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  // IR versions before 3 had no opset_import and meant opset 1.
  const opset = main?.version ?? (model.irVersion < 3 ? 1 : 0);
  const usesDefault = g.nodes.some((n) => n.domain === '' || n.domain === 'ai.onnx');
  if (!main && model.irVersion >= 3 && usesDefault) note('no opset_import for the default ONNX domain');
  else if (usesDefault && (opset < MIN_OPSET || opset > MAX_OPSET))
    note(`opset ${opset} (Kindling implements opsets ${MIN_OPSET}-${MAX_OPSET} of the default domain)`);
  if (g.sparseInitializers) note('sparse initializers');

  const inits = new Map<string, Tensor>();
  for (const t of g.initializers) {
    if (!t.name) throw new ValueError('loadOnnx: an initializer has no name');
    if (t.external) {
      note(`initializer '${t.name}' with external data`);
      continue;
    }
    if (!dtypeOf(t.dataType)) {
      note(`initializers of element type ${DATA_TYPE_NAMES[t.dataType] ?? t.dataType}`);
      continue;
    }
    inits.set(t.name, tensorFromOnnx(t, `initializer '${t.name}'`));
  }
  for (const v of g.inputs) {
    if (inits.has(v.name)) continue;
    if (v.type.kind !== 'tensor')
      note(`graph inputs of ${v.type.kind === 'other' ? v.type.what : 'unknown'} type`);
    else if (!dtypeOf(v.type.elemType))
      note(`graph inputs of element type ${DATA_TYPE_NAMES[v.type.elemType] ?? v.type.elemType}`);
  }
  for (const v of g.outputs) {
    if (v.type.kind === 'other') note(`graph outputs of ${v.type.what} type`);
    else if (v.type.kind === 'tensor' && !dtypeOf(v.type.elemType))
      note(`graph outputs of element type ${DATA_TYPE_NAMES[v.type.elemType] ?? v.type.elemType}`);
  }

  // Constant nodes are decoded once (static info for checks, and reused at run time).
  const consts = new Map<string, Tensor>();
  const defined = new Set<string>([...g.inputs.map((v) => v.name), ...inits.keys()]);
  g.nodes.forEach((node, i) => {
    for (const name of node.inputs) {
      if (name !== '' && !defined.has(name))
        throw new ValueError(
          `loadOnnx: ${describeNode(node, i)} reads '${name}', which no earlier node, input or initializer defines`,
        );
    }
    for (const name of node.outputs) if (name) defined.add(name);
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      note(`${node.opType} (domain '${node.domain}')`);
      return;
    }
    const def = ONNX_OPS[node.opType];
    if (!def) {
      note(node.opType);
      return;
    }
    if (node.attributes.some((a) => a.refAttrName)) note(`${node.opType} with function attribute references`);
    if (node.opType === 'Constant' && !def.check?.(node, staticInfo(g, opset, consts))) {
      try {
        const out = def.run(new OpContext(node, opset, []))[0];
        if (out && node.outputs[0]) consts.set(node.outputs[0], out);
      } catch (err) {
        if (err instanceof NotSupportedError) note(`Constant: ${err.message}`);
        else throw err;
      }
    }
  });
  const info = staticInfo(g, opset, consts);
  g.nodes.forEach((node) => {
    const def = ONNX_OPS[node.opType];
    if (!def || (node.domain !== '' && node.domain !== 'ai.onnx')) return;
    const why = def.check?.(node, info);
    if (why) note(why);
  });
  for (const v of g.outputs)
    if (!defined.has(v.name)) throw new ValueError(`loadOnnx: graph output '${v.name}' is never produced`);
  if (problems.size) {
    const list = [...problems].map(([what, n]) => (n > 1 ? `${what} (${n} nodes)` : what));
    throw new UnsupportedOnnxError(
      `loadOnnx: the model uses ${list.length} unsupported operator(s)/feature(s): ${list.join('; ')}`,
      list,
    );
  }
  return new OnnxModule(model, opset, inits, consts);
}
