/**
 * What an ONNX operator implementation sees: its node, the opset, its input tensors (null for
 * omitted optional inputs) and typed attribute accessors. Operators are written with core ops
 * only, so autograd differentiates imported graphs and every backend runs them.
 */
import { type DType, NotSupportedError, type Tensor, ValueError } from '@kindling/core';
import { AttrType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from '../schema.js';
import { dtypeOf, saturated, tensorFromOnnx } from '../tensor-proto.js';

/** Static facts about the graph an operator's load-time check may use. */
export interface StaticInfo {
  /** The opset version of the default domain. */
  opset: number;
  /** A constant input's tensor (an initializer or a Constant node's value), if known. */
  constant(name: string): Tensor | undefined;
  /** An input's rank, if known from value infos, initializers or constants. */
  rank(name: string): number | undefined;
  /** An input's ONNX element type, if known. */
  elemType(name: string): number | undefined;
}

/** An operator: its implementation, an optional load-time support check, and its host inputs. */
export interface OpDef {
  /** Runs the operator; returns one tensor per output (null for outputs it does not produce). */
  run(ctx: OpContext): (Tensor | null)[];
  /** Returns why this node is not supported (static attributes, ranks...), or undefined. */
  check?(node: OnnxNode, info: StaticInfo): string | undefined;
  /** Inputs read on the host as integers (shapes, axes, indices bounds...). */
  host?: readonly number[];
  /** Whether float16/bfloat16 inputs may be computed in float32 (default true). */
  upcastHalf?: boolean;
}

/** Per-call view of a node. */
export class OpContext {
  private readonly attrs = new Map<string, OnnxAttribute>();

  constructor(
    /** The node being run. */
    readonly node: OnnxNode,
    /** Opset of the default domain. */
    readonly opset: number,
    /** Inputs in order; null for omitted optional inputs. */
    readonly inputs: (Tensor | null)[],
    /** Declared ONNX element types of values (graph inputs, initializers, value infos, constants). */
    private readonly types?: (name: string) => number | undefined,
  ) {
    for (const a of node.attributes) this.attrs.set(a.name, a);
  }

  /** Number of outputs the node declares. */
  get nOutputs(): number {
    return this.node.outputs.length;
  }

  /** Whether output `i` is used (declared with a non-empty name). */
  wants(i: number): boolean {
    return i < this.node.outputs.length && this.node.outputs[i] !== '';
  }

  /** Throws a ValueError naming the node. */
  fail(msg: string): never {
    throw new ValueError(
      `onnx: ${this.node.opType} node '${this.node.name || this.node.outputs[0]}': ${msg}`,
    );
  }

  /** Input `i`, which must be present. */
  input(i: number): Tensor {
    const t = this.inputs[i];
    if (!t) this.fail(`input ${i} is required`);
    return t as Tensor;
  }

  /** Input `i` or null when omitted. */
  optional(i: number): Tensor | null {
    return this.inputs[i] ?? null;
  }

  /** The declared ONNX element type of input `i` (e.g. UINT8 vs INT8 zero points), if known. */
  elemType(i: number): number | undefined {
    const name = this.node.inputs[i];
    return name ? this.types?.(name) : undefined;
  }

  /** Whether the attribute is set. */
  has(name: string): boolean {
    return this.attrs.has(name);
  }

  /** An INT attribute. */
  int(name: string, dflt: number): number;
  int(name: string): number | undefined;
  int(name: string, dflt?: number): number | undefined {
    const a = this.attrs.get(name);
    return a?.i ?? dflt;
  }

  /** A FLOAT attribute. */
  float(name: string, dflt: number): number {
    return this.attrs.get(name)?.f ?? dflt;
  }

  /** A STRING attribute. */
  str(name: string, dflt: string): string {
    const s = this.attrs.get(name)?.s;
    return s ? new TextDecoder().decode(s) : dflt;
  }

  /** An INTS attribute. */
  ints(name: string): number[] | undefined {
    const a = this.attrs.get(name);
    return a ? (a.ints ?? []) : undefined;
  }

  /** A STRINGS attribute. */
  strs(name: string): string[] | undefined {
    const a = this.attrs.get(name);
    return a ? (a.strings ?? []).map((b) => new TextDecoder().decode(b)) : undefined;
  }

  /** A FLOATS attribute. */
  floats(name: string): number[] | undefined {
    const a = this.attrs.get(name);
    return a ? (a.floats ?? []) : undefined;
  }

  /** A TENSOR attribute. */
  tensor(name: string): OnnxTensor | undefined {
    return this.attrs.get(name)?.t;
  }

  /** Integers of input `i`, read on the host (undefined when the input is omitted). */
  hostInts(i: number): number[] | undefined {
    const t = this.inputs[i];
    if (!t) return undefined;
    return Array.from(t.dataSync(), Number);
  }

  /** Floats of input `i`, read on the host. */
  hostFloats(i: number): number[] | undefined {
    return this.hostInts(i);
  }
}

/** The value of a node attribute, for static checks. */
export function attrOf(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attributes.find((a) => a.name === name);
}

/** A STRING attribute, for static checks. */
export function attrStr(node: OnnxNode, name: string, dflt: string): string {
  const s = attrOf(node, name)?.s;
  return s ? new TextDecoder().decode(s) : dflt;
}

/** An INT attribute, for static checks. */
export function attrInt(node: OnnxNode, name: string, dflt: number): number {
  return attrOf(node, name)?.i ?? dflt;
}

/** Normalizes a possibly negative axis. */
export function axisOf(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(rank, 1))
    ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** The Kindling dtype of an ONNX `to`/`dtype` attribute. */
export function dtypeAttr(ctx: OpContext, dataType: number): DType {
  const d = dtypeOf(dataType);
  if (!d) throw new NotSupportedError(`onnx: ${ctx.node.opType}: element type ${dataType} is not supported`);
  return d;
}

/** Decodes a tensor attribute. */
export function attrTensor(ctx: OpContext, t: OnnxTensor): Tensor {
  return tensorFromOnnx(t, `${ctx.node.opType} attribute tensor`);
}

/** Whether a tensor holds int64 values that were saturated to the int32 range. */
export function isSaturated(t: Tensor): boolean {
  return saturated.has(t);
}

export { AttrType };
