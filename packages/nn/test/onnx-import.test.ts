/**
 * loadOnnx: models exported by PyTorch 1.13's torch.onnx.export (tools/golden/interop_onnx.py)
 * load and match PyTorch's outputs; initializers become parameters/buffers under their names;
 * gradients flow through the imported graph; unsupported operators are listed in one error; and
 * truncated or hostile protobufs end in a clear KindlingError.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { noGrad } from '@kindling/autograd';
import {
  DTypeError,
  KindlingError,
  manualSeed,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kindling/core';
import {
  exportOnnx,
  Linear,
  loadOnnx,
  ReLU,
  Sequential,
  supportedOnnxOps,
  UnsupportedOnnxError,
} from '@kindling/nn';
import { PbWriter } from '../src/onnx/protobuf.js';
import { AttrType, DataType, encodeModel, type OnnxModel, type OnnxNode } from '../src/onnx/schema.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'onnx');
const expected = JSON.parse(readFileSync(join(dir, 'onnx_expected.json'), 'utf8'));
const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const fromJson = (s: { shape: number[]; data: number[] }) =>
  tensor(Float32Array.from(s.data)).reshape(s.shape);

function expectClose(got: Tensor, want: { shape: number[]; data: number[] }, tol = 1e-5): void {
  expect([...got.shape]).toEqual(want.shape);
  const g = got.dataSync();
  want.data.forEach((w, i) => {
    expect(Math.abs(g[i] - w), `[${i}]: ${g[i]} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w)));
  });
}

/** A one-graph model in the default domain at `opset`. */
function model(nodes: OnnxNode[], opset = 17, inputs = ['x'], outputs = ['y']): Uint8Array {
  const m: OnnxModel = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'test',
    producerVersion: '',
    functions: 0,
    graph: {
      name: 'g',
      nodes,
      initializers: [],
      sparseInitializers: 0,
      inputs: inputs.map((name) => ({
        name,
        type: { kind: 'tensor', elemType: DataType.FLOAT, shape: [2, 3] },
      })),
      outputs: outputs.map((name) => ({
        name,
        type: { kind: 'tensor', elemType: DataType.FLOAT, shape: null },
      })),
      valueInfo: [],
    },
  };
  return encodeModel(m);
}

const node = (opType: string, inputs: string[], outputs: string[], domain = ''): OnnxNode => ({
  opType,
  domain,
  name: '',
  inputs,
  outputs,
  attributes: [],
});

function caught(f: () => unknown): KindlingError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KindlingError);
    return e as KindlingError;
  }
  throw new Error('expected an error');
}

describe('loadOnnx: models exported by PyTorch', () => {
  it('a CNN (opset 13, dynamic batch) matches PyTorch', () => {
    const m = loadOnnx(read('torch_cnn.onnx'));
    expect(m.inputNames).toEqual(['x']);
    expect(m.opsetVersion).toBe(13);
    expect(m.producer).toMatch(/pytorch/);
    const y = noGrad(() => m.call(fromJson(expected.torch_cnn.input))) as Tensor;
    expectClose(y, expected.torch_cnn.output);
  });

  it('a causal TransformerEncoderLayer (opset 14, dynamic-shape ops) matches PyTorch', () => {
    const m = loadOnnx(read('torch_transformer.onnx'));
    const y = noGrad(() => m.call(fromJson(expected.torch_transformer.input))) as Tensor;
    expectClose(y, expected.torch_transformer.output, 1e-4);
  });
});

describe('loadOnnx: the module', () => {
  manualSeed(11);
  const mlp = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2)).eval();
  const bytes = exportOnnx(mlp, randn([2, 3]), { inputNames: ['x'], outputNames: ['y'] });

  it('initializers are parameters under their names; loadStateDict and stateDict round-trip', () => {
    const m = loadOnnx(bytes);
    expect([...m.namedParameters()].map(([k]) => k).sort()).toEqual([
      '0.bias',
      '0.weight',
      '2.bias',
      '2.weight',
    ]);
    const other = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    m.loadStateDict(other.stateDict());
    const x = randn([2, 3]);
    expect((m.call(x) as Tensor).tolistSync()).toEqual((noGrad(() => other.call(x)) as Tensor).tolistSync());
    expect(String(m)).toMatch(/OnnxModule\(inputs=\[x\], outputs=\[y\], nodes=\d+, opset=17/);
  });

  it('gradients flow through the imported graph', () => {
    const m = loadOnnx(bytes);
    const loss = (m.call(randn([2, 3])) as Tensor).square().sum();
    loss.backward();
    for (const [k, p] of m.namedParameters()) expect(p.grad, k).not.toBeNull();
  });

  it('checks inputs: count, dtype and static shape', () => {
    const m = loadOnnx(bytes);
    expect(() => m.call()).toThrow(/expected 1 input\(s\) \(x\), got 0/);
    expect(() => m.call(tensor([[1, 2, 3]], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => m.call(randn([2, 4]))).toThrow(ShapeError);
    expect(() => m.run({})).toThrow(/missing input 'x'/);
  });

  it('keeps initializer names that cannot be module paths under fallback keys', () => {
    const enc = (name: string) => ({ name, dims: [1], dataType: DataType.FLOAT, floatData: [2] });
    const m: OnnxModel = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      producerName: '',
      producerVersion: '',
      functions: 0,
      graph: {
        name: 'g',
        nodes: [node('Mul', ['x', 'training'], ['a']), node('Add', ['a', 'w..odd'], ['y'])],
        initializers: [enc('training'), enc('w..odd')],
        sparseInitializers: 0,
        inputs: [{ name: 'x', type: { kind: 'tensor', elemType: DataType.FLOAT, shape: [2] } }],
        outputs: [{ name: 'y', type: { kind: 'tensor', elemType: DataType.FLOAT, shape: [2] } }],
        valueInfo: [],
      },
    };
    const loaded = loadOnnx(encodeModel(m));
    expect(loaded.initializerKeys.get('training')).toBe('initializer_0');
    expect(loaded.training).toBe(true);
    expect((loaded.call(tensor([1, 3], { dtype: 'float32' })) as Tensor).tolistSync()).toEqual([4, 8]);
  });

  it('lists the supported operators', () => {
    const ops = supportedOnnxOps();
    expect(ops).toEqual(expect.arrayContaining(['Conv', 'Gemm', 'Resize', 'LayerNormalization', 'Einsum']));
    expect(ops.length).toBeGreaterThan(100);
  });
});

describe('loadOnnx: unsupported and malformed models', () => {
  it('lists every unsupported operator in ONE error', () => {
    const bytes = model([
      node('Loop', ['x'], ['a']),
      node('Loop', ['a'], ['b']),
      node('GridSample', ['b', 'b'], ['c']),
      node('Relu', ['c'], ['d']),
      node('Foo', ['d'], ['y'], 'com.example'),
    ]);
    const err = caught(() => loadOnnx(bytes));
    expect(err).toBeInstanceOf(UnsupportedOnnxError);
    expect((err as UnsupportedOnnxError).unsupported).toEqual([
      'Loop (2 nodes)',
      'GridSample',
      "Foo (domain 'com.example')",
    ]);
    expect(err.message).toMatch(
      /3 unsupported operator\(s\)\/feature\(s\): Loop \(2 nodes\); GridSample; Foo/,
    );
    expect(caught(() => loadOnnx(model([node('Relu', ['x'], ['y'])], 18))).message).toMatch(/opset 18/);
  });

  it('refuses dangling inputs and missing outputs', () => {
    expect(caught(() => loadOnnx(model([node('Relu', ['nope'], ['y'])]))).message).toMatch(/reads 'nope'/);
    expect(caught(() => loadOnnx(model([node('Relu', ['x'], ['z'])]))).message).toMatch(
      /'y' is never produced/,
    );
  });

  it('every truncation of a model is a clear error, never a crash', () => {
    const full = read('torch_cnn.onnx');
    for (let n = 0; n < full.length; n += 7) {
      const err = caught(() => loadOnnx(full.subarray(0, n)));
      expect(err.message, `prefix of ${n} bytes`).toMatch(/onnx|loadOnnx/);
    }
  });

  it('hostile protobufs: huge lengths, deep nesting, bad wire types, garbage', () => {
    // graph field (7) claiming 2^40 bytes
    const huge = new PbWriter();
    huge.tag(7, 2);
    huge.varint(2 ** 40);
    expect(caught(() => loadOnnx(huge.finish())).message).toMatch(/runs past the end/);
    // 200 nested attribute graphs
    let inner = new PbWriter();
    for (let i = 0; i < 200; i++) {
      const attr = new PbWriter();
      attr.stringField(1, 'g');
      attr.intField(20, AttrType.GRAPH);
      attr.messageField(6, inner);
      const n = new PbWriter();
      n.stringField(4, 'If');
      n.messageField(5, attr);
      const g = new PbWriter();
      g.messageField(1, n);
      inner = g;
    }
    const deep = new PbWriter();
    deep.messageField(7, inner);
    expect(caught(() => loadOnnx(deep.finish())).message).toMatch(/nested more than 64 levels/);
    // group wire type
    expect(caught(() => loadOnnx(new Uint8Array([0x0b, 0x0c]))).message).toMatch(/wire type|no graph/);
    // an 11-byte varint
    expect(caught(() => loadOnnx(new Uint8Array([0x08, ...new Array(11).fill(0xff)]))).message).toMatch(
      /varint/,
    );
    expect(caught(() => loadOnnx(new TextEncoder().encode('not an onnx model at all'))).message).toMatch(
      /onnx/,
    );
    expect(caught(() => loadOnnx(new Uint8Array(0))).message).toMatch(/empty/);
    // raw data that does not match the dims
    const t = { name: 'w', dims: [1000000], dataType: DataType.FLOAT, rawData: new Uint8Array(8) };
    const m = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      producerName: '',
      producerVersion: '',
      functions: 0,
      graph: {
        name: 'g',
        nodes: [node('Add', ['x', 'w'], ['y'])],
        initializers: [t],
        sparseInitializers: 0,
        inputs: [{ name: 'x', type: { kind: 'tensor', elemType: DataType.FLOAT, shape: [1] } }],
        outputs: [{ name: 'y', type: { kind: 'tensor', elemType: DataType.FLOAT, shape: [1] } }],
        valueInfo: [],
      },
    });
    expect(caught(() => loadOnnx(m))).toBeInstanceOf(ValueError);
    expect(caught(() => loadOnnx(m)).message).toMatch(/8 bytes of raw data, expected 4000000/);
  });
});
