/**
 * `exportOnnx`: traces a Kindling module on example inputs and writes an ONNX model (opset 17)
 * that onnxruntime runs with the same outputs.
 *
 * Tracing works at two levels: a core dispatch layer records every primitive op while `forward`
 * runs (./tracer.ts), and well-known layers (Linear, Conv1d/Conv2d/ConvTranspose2d, BatchNorm in
 * eval mode, LayerNorm, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d) are written as one ONNX node each
 * (./export-modules.ts). The trace follows the example inputs: Python-style control flow that
 * depends on values is frozen, tensors created inside `forward` become constants, and only the
 * dims listed in `dynamicAxes` are symbolic. Put the module in eval mode first (dropout in
 * training mode is random and cannot be exported).
 */
import { noGrad } from '@kindling/autograd';
import { Tensor, ValueError } from '@kindling/core';
import type { Module } from '../module.js';
import { patchModules } from './export-modules.js';
import { UnsupportedOnnxError } from './import.js';
import { encodeModel, type OnnxValueInfo } from './schema.js';
import { onnxTypeOf } from './tensor-proto.js';
import { ensureLayer, setActiveTracer, Tracer } from './tracer.js';

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /** ONNX opset of the default domain (only 17 is written; the default). */
  opsetVersion?: number;
  /** Names of the graph inputs (default `input`, or `input_0`, `input_1`...). */
  inputNames?: readonly string[];
  /** Names of the graph outputs (default `output`, or `output_0`...; an object output uses its keys). */
  outputNames?: readonly string[];
  /** Symbolic dims per input/output name: `{ input: { 0: 'batch' } }` or `{ input: [0] }`. */
  dynamicAxes?: Record<string, Record<number, string> | readonly number[]>;
  /** Recorded as the model's producer (default `kindling`). */
  producerName?: string;
}

function valueInfo(name: string, t: Tensor, dynamic: ExportOnnxOptions['dynamicAxes']): OnnxValueInfo {
  const d = dynamic?.[name];
  const named = new Map<number, string>();
  if (Array.isArray(d)) for (const axis of d as readonly number[]) named.set(axis, `${name}_dim${axis}`);
  else if (d) for (const [axis, n] of Object.entries(d)) named.set(Number(axis), n);
  for (const axis of named.keys())
    if (!Number.isInteger(axis) || axis < 0 || axis >= t.ndim)
      throw new ValueError(
        `exportOnnx: dynamicAxes['${name}'] names axis ${axis}, but '${name}' has ${t.ndim} dims`,
      );
  return {
    name,
    type: { kind: 'tensor', elemType: onnxTypeOf(t.dtype), shape: t.shape.map((s, i) => named.get(i) ?? s) },
  };
}

function outputsOf(out: unknown): { tensors: Tensor[]; keys: string[] | null } {
  if (out instanceof Tensor) return { tensors: [out], keys: null };
  if (Array.isArray(out) && out.every((t) => t instanceof Tensor)) return { tensors: out, keys: null };
  if (out && typeof out === 'object' && Object.values(out).every((t) => t instanceof Tensor))
    return { tensors: Object.values(out) as Tensor[], keys: Object.keys(out) };
  throw new ValueError(
    'exportOnnx: forward must return a Tensor, an array of Tensors or an object of Tensors',
  );
}

/**
 * Traces `module` on `exampleInputs` and returns the bytes of an ONNX model (opset 17). Throws an
 * `UnsupportedOnnxError` listing every op that has no ONNX form (random ops, in-place copies...).
 */
export function exportOnnx(
  module: Module,
  exampleInputs: Tensor | readonly Tensor[],
  options: ExportOnnxOptions = {},
): Uint8Array {
  const opset = options.opsetVersion ?? 17;
  if (opset !== 17) throw new ValueError(`exportOnnx: only opsetVersion 17 is supported, got ${opset}`);
  const inputs = exampleInputs instanceof Tensor ? [exampleInputs] : [...exampleInputs];
  if (inputs.length === 0 || !inputs.every((t) => t instanceof Tensor))
    throw new ValueError('exportOnnx: exampleInputs must be a Tensor or a non-empty array of Tensors');
  if (new Set(inputs).size !== inputs.length)
    throw new ValueError('exportOnnx: pass distinct tensors as example inputs');
  const inputNames =
    options.inputNames ?? (inputs.length === 1 ? ['input'] : inputs.map((_, i) => `input_${i}`));
  if (inputNames.length !== inputs.length)
    throw new ValueError(`exportOnnx: ${inputs.length} example inputs but ${inputNames.length} inputNames`);

  const tr = new Tracer();
  for (const [n, p] of module.namedParameters()) tr.params.set(p, n);
  for (const [n, b] of module.namedBuffers()) if (!tr.params.has(b)) tr.params.set(b, n);
  for (const n of tr.params.values()) tr.reserve(n);
  inputs.forEach((t, i) => {
    tr.reserve(inputNames[i]);
    tr.bind(t, inputNames[i]);
  });

  ensureLayer();
  const restore = patchModules(module, tr);
  let out: unknown;
  setActiveTracer(tr);
  try {
    out = noGrad(() => (module.call as (...a: Tensor[]) => unknown)(...inputs));
  } finally {
    setActiveTracer(null);
    restore();
  }
  const { tensors, keys } = outputsOf(out);
  const outputNames =
    options.outputNames ?? keys ?? (tensors.length === 1 ? ['output'] : tensors.map((_, i) => `output_${i}`));
  if (outputNames.length !== tensors.length)
    throw new ValueError(
      `exportOnnx: forward returned ${tensors.length} outputs but ${outputNames.length} outputNames were given`,
    );
  tr.suspend++;
  tensors.forEach((t, i) => {
    const src = tr.nameOf(t);
    tr.reserve(outputNames[i]);
    tr.node('Identity', [src], [outputNames[i]]);
  });
  tr.suspend--;
  if (tr.problems.size) {
    const list = [...tr.problems].map(([what, n]) => (n > 1 ? `${what} (${n} times)` : what));
    throw new UnsupportedOnnxError(
      `exportOnnx: cannot export ${list.length} op(s): ${list.join('; ')}`,
      list,
    );
  }
  for (const name of Object.keys(options.dynamicAxes ?? {}))
    if (!inputNames.includes(name) && !outputNames.includes(name))
      throw new ValueError(`exportOnnx: dynamicAxes names '${name}', which is not an input or output name`);
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    producerName: options.producerName ?? 'kindling',
    producerVersion: '',
    functions: 0,
    graph: {
      name: module.constructor.name,
      nodes: tr.nodes,
      initializers: tr.initializers,
      sparseInitializers: 0,
      inputs: inputs.map((t, i) => valueInfo(inputNames[i], t, options.dynamicAxes)),
      outputs: tensors.map((t, i) => valueInfo(outputNames[i], t, options.dynamicAxes)),
      valueInfo: [],
    },
  });
}
