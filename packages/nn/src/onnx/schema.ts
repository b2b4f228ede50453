/**
 * The subset of onnx.proto (ONNX IR version 8, opset 17) that Kindling reads and writes, with the
 * official field numbers: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto/TypeProto. Unknown fields are skipped, as protobuf requires.
 */
import { ValueError } from '@kindling/core';
import { FIXED32, FIXED64, LEN, PbReader, PbWriter, VARINT } from './protobuf.js';

/** TensorProto.DataType values. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** Names of the data types, for errors. */
export const DATA_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DataType).map(([k, v]) => [v, k]),
);

/** AttributeProto.AttributeType values. */
export const AttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** A TensorProto. Exactly one of the data fields is normally set. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  stringData?: Uint8Array[];
  /** Set when the data lives in an external file (not supported for loading). */
  external?: boolean;
}

/** An AttributeProto. */
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: OnnxTensor[];
  graphs?: OnnxGraph[];
  /** Set when the attribute refers to a function's attribute (not supported). */
  refAttrName?: string;
}

/** A NodeProto. */
export interface OnnxNode {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A tensor type: element type and shape (numbers, symbolic names, or null for unknown dims). */
export interface OnnxTensorType {
  kind: 'tensor';
  elemType: number;
  shape: (number | string | null)[] | null;
}

/** A ValueInfoProto. `type.kind` is 'other' for sequences, maps, optionals and sparse tensors. */
export interface OnnxValueInfo {
  name: string;
  type: OnnxTensorType | { kind: 'other' | 'none'; what: string };
}

/** A GraphProto. */
export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  sparseInitializers: number;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

/** A ModelProto. */
export interface OnnxModel {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  /** Number of model-local functions (not supported for loading). */
  functions: number;
}

// ---- decoding ---------------------------------------------------------------------------------

function readTensor(r: PbReader): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0 };
  for (let tag = r.tag(); tag; tag = r.tag()) {
    const [f, w] = tag;
    switch (f) {
      case 1:
        r.repeated(w, VARINT, (x) => x.int64(), t.dims);
        break;
      case 2:
        r.expect(w, VARINT, 'TensorProto.data_type');
        t.dataType = r.int32();
        break;
      case 4:
        t.floatData ??= [];
        r.repeated(w, FIXED32, (x) => x.float(), t.floatData);
        break;
      case 5:
        t.int32Data ??= [];
        r.repeated(w, VARINT, (x) => x.int32(), t.int32Data);
        break;
      case 6:
        r.expect(w, LEN, 'TensorProto.string_data');
        t.stringData ??= [];
        t.stringData.push(r.bytes());
        break;
      case 7:
        t.int64Data ??= [];
        r.repeated(w, VARINT, (x) => x.int64(), t.int64Data);
        break;
      case 8:
        r.expect(w, LEN, 'TensorProto.name');
        t.name = r.string();
        break;
      case 9:
        r.expect(w, LEN, 'TensorProto.raw_data');
        t.rawData = r.bytes();
        break;
      case 10:
        t.doubleData ??= [];
        r.repeated(w, FIXED64, (x) => x.double(), t.doubleData);
        break;
      case 11:
        t.uint64Data ??= [];
        r.repeated(w, VARINT, (x) => x.uint(), t.uint64Data);
        break;
      case 13:
        r.skip(w);
        t.external = true;
        break;
      case 14:
        r.expect(w, VARINT, 'TensorProto.data_location');
        if (r.int32() === 1) t.external = true;
        break;
      default:
        r.skip(w);
    }
  }
  for (const d of t.dims)
    if (!Number.isSafeInteger(d) || d < 0) r.fail(`tensor '${t.name}' has invalid dim ${d}`);
  return t;
}

function readTypeProto(r: PbReader): OnnxValueInfo['type'] {
  let type: OnnxValueInfo['type'] = { kind: 'none', what: 'no type' };
  for (let tag = r.tag(); tag; tag = r.tag()) {
    const [f, w] = tag;
    if (f === 1 && w === LEN) {
      const tr = r.message(`${r.where}.tensor_type`);
      const tt: OnnxTensorType = { kind: 'tensor', elemType: 0, shape: null };
      for (let t2 = tr.tag(); t2; t2 = tr.tag()) {
        if (t2[0] === 1 && t2[1] === VARINT) tt.elemType = tr.int32();
        else if (t2[0] === 2 && t2[1] === LEN) {
          const sr = tr.message(`${r.where}.shape`);
          tt.shape = [];
          for (let t3 = sr.tag(); t3; t3 = sr.tag()) {
            if (t3[0] === 1 && t3[1] === LEN) {
              const dr = sr.message(`${r.where}.shape.dim`);
              let dim: number | string | null = null;
              for (let t4 = dr.tag(); t4; t4 = dr.tag()) {
                if (t4[0] === 1 && t4[1] === VARINT) dim = dr.int64();
                else if (t4[0] === 2 && t4[1] === LEN) dim = dr.string();
                else dr.skip(t4[1]);
              }
              tt.shape.push(dim);
            } else sr.skip(t3[1]);
          }
        } else tr.skip(t2[1]);
      }
      type = tt;
    } else if ((f === 4 || f === 5 || f === 8 || f === 9) && w === LEN) {
      r.skip(w);
      type = {
        kind: 'other',
        what: { 4: 'sequence', 5: 'map', 8: 'sparse tensor', 9: 'optional' }[f] as string,
      };
    } else r.skip(w);
  }
  return type;
}

function readValueInfo(r: PbReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', type: { kind: 'none', what: 'no type' } };
  for (let tag = r.tag(); tag; tag = r.tag()) {
    const [f, w] = tag;
    if (f === 1 && w === LEN) v.name = r.string();
    else if (f === 2 && w === LEN) v.type = readTypeProto(r.message(`${r.where}.type`));
    else r.skip(w);
  }
  return v;
}

function readAttribute(r: PbReader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0 };
  for (let tag = r.tag(); tag; tag = r.tag()) {
    const [f, w] = tag;
    switch (f) {
      case 1:
        r.expect(w, LEN, 'AttributeProto.name');
        a.name = r.string();
        break;
      case 20:
        r.expect(w, VARINT, 'AttributeProto.type');
        a.type = r.int32();
        break;
      case 21:
        r.expect(w, LEN, 'AttributeProto.ref_attr_name');
        a.refAttrName = r.string();
        break;
      case 2:
        r.expect(w, FIXED32, 'AttributeProto.f');
        a.f = r.float();
        break;
      case 3:
        r.expect(w, VARINT, 'AttributeProto.i');
        a.i = r.int64();
        break;
      case 4:
        r.expect(w, LEN, 'AttributeProto.s');
        a.s = r.bytes();
        break;
      case 5:
        r.expect(w, LEN, 'AttributeProto.t');
        a.t = readTensor(r.message(`${r.where}.t`));
        break;
      case 6:
        r.expect(w, LEN, 'AttributeProto.g');
        a.g = readGraph(r.message(`${r.where}.g`));
        break;
      case 7:
        a.floats ??= [];
        r.repeated(w, FIXED32, (x) => x.float(), a.floats);
        break;
      case 8:
        a.ints ??= [];
        r.repeated(w, VARINT, (x) => x.int64(), a.ints);
        break;
      case 9:
        r.expect(w, LEN, 'AttributeProto.strings');
        a.strings ??= [];
        a.strings.push(r.bytes());
        break;
      case 10:
        r.expect(w, LEN, 'AttributeProto.tensors');
        a.tensors ??= [];
        a.tensors.push(readTensor(r.message(`${r.where}.tensors`)));
        break;
      case 11:
        r.expect(w, LEN, 'AttributeProto.graphs');
        a.graphs ??= [];
        a.graphs.push(readGraph(r.message(`${r.where}.graphs`)));
        break;
      default:
        r.skip(w);
    }
  }
  // Old writers leave `type` unset; infer it from the field that is present.
  if (a.type === 0) {
    if (a.f !== undefined) a.type = AttrType.FLOAT;
    else if (a.i !== undefined) a.type = AttrType.INT;
    else if (a.s !== undefined) a.type = AttrType.STRING;
    else if (a.t !== undefined) a.type = AttrType.TENSOR;
    else if (a.g !== undefined) a.type = AttrType.GRAPH;
    else if (a.floats) a.type = AttrType.FLOATS;
    else if (a.ints) a.type = AttrType.INTS;
    else if (a.strings) a.type = AttrType.STRINGS;
  }
  return a;
}

function readNode(r: PbReader): OnnxNode {
  const n: OnnxNode = { opType: '', domain: '', name: '', inputs: [], outputs: [], attributes: [] };
  for (let tag = r.tag(); tag; tag = r.tag()) {
    const [f, w] = tag;
    if (w !== LEN) {
      r.skip(w);
      continue;
    }
    if (f === 1) n.inputs.push(r.string());
    else if (f === 2) n.outputs.push(r.string());
    else if (f === 3) n.name = r.string();
    else if (f === 4) n.opType = r.string();
    else if (f === 7) n.domain = r.string();
    else if (f === 5) n.attributes.push(readAttribute(r.message(`${r.where}.attribute`)));
    else r.skip(w);
  }
  return n;
}

function readGraph(r: PbReader): OnnxGraph {
  const g: OnnxGraph = {
    name: '',
    nodes: [],
    initializers: [],
    sparseInitializers: 0,
    inputs: [],
    outputs: [],
    valueInfo: [],
  };
  for (let tag = r.tag(); tag; tag = r.tag()) {
    const [f, w] = tag;
    if (w !== LEN) {
      r.skip(w);
      continue;
    }
    if (f === 1) g.nodes.push(readNode(r.message(`${r.where}.node[${g.nodes.length}]`)));
    else if (f === 2) g.name = r.string();
    else if (f === 5)
      g.initializers.push(readTensor(r.message(`${r.where}.initializer[${g.initializers.length}]`)));
    else if (f === 15) {
      r.skip(w);
      g.sparseInitializers++;
    } else if (f === 11) g.inputs.push(readValueInfo(r.message(`${r.where}.input`)));
    else if (f === 12) g.outputs.push(readValueInfo(r.message(`${r.where}.output`)));
    else if (f === 13) g.valueInfo.push(readValueInfo(r.message(`${r.where}.value_info`)));
    else r.skip(w);
  }
  return g;
}

/** Decodes a serialized ModelProto. Throws a ValueError on malformed or truncated input. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  if (bytes.length === 0) throw new ValueError('onnx: the model is empty (0 bytes)');
  const r = new PbReader(bytes, 0, bytes.length, 'ModelProto');
  const m: OnnxModel = {
    irVersion: 0,
    opsetImport: [],
    producerName: '',
    producerVersion: '',
    graph: null as never,
    functions: 0,
  };
  for (let tag = r.tag(); tag; tag = r.tag()) {
    const [f, w] = tag;
    if (f === 1 && w === VARINT) m.irVersion = r.int64();
    else if (f === 2 && w === LEN) m.producerName = r.string();
    else if (f === 3 && w === LEN) m.producerVersion = r.string();
    else if (f === 7 && w === LEN) m.graph = readGraph(r.message('ModelProto.graph'));
    else if (f === 8 && w === LEN) {
      const or = r.message('ModelProto.opset_import');
      const op = { domain: '', version: 0 };
      for (let t = or.tag(); t; t = or.tag()) {
        if (t[0] === 1 && t[1] === LEN) op.domain = or.string();
        else if (t[0] === 2 && t[1] === VARINT) op.version = or.int64();
        else or.skip(t[1]);
      }
      m.opsetImport.push(op);
    } else if (f === 25 && w === LEN) {
      r.skip(w);
      m.functions++;
    } else r.skip(w);
  }
  if (!m.graph) throw new ValueError('onnx: the ModelProto has no graph (not an ONNX model, or truncated)');
  return m;
}

/** Decodes a serialized TensorProto (the `.pb` files of ONNX's test data). */
export function decodeTensor(bytes: Uint8Array): OnnxTensor {
  return readTensor(new PbReader(bytes, 0, bytes.length, 'TensorProto'));
}

// ---- encoding ---------------------------------------------------------------------------------

function writeTensor(t: OnnxTensor): PbWriter {
  const w = new PbWriter();
  if (t.dims.length) w.packedInts(1, t.dims);
  w.intField(2, t.dataType);
  if (t.name) w.stringField(8, t.name);
  if (t.rawData) w.bytesField(9, t.rawData);
  if (t.floatData) w.packedFloats(4, t.floatData);
  if (t.int32Data) w.packedInts(5, t.int32Data);
  if (t.int64Data) w.packedInts(7, t.int64Data);
  return w;
}

function writeValueInfo(v: OnnxValueInfo): PbWriter {
  const w = new PbWriter();
  w.stringField(1, v.name);
  if (v.type.kind === 'tensor') {
    const tt = new PbWriter();
    tt.intField(1, v.type.elemType);
    if (v.type.shape) {
      const sh = new PbWriter();
      for (const d of v.type.shape) {
        const dw = new PbWriter();
        if (typeof d === 'number') dw.intField(1, d);
        else if (typeof d === 'string') dw.stringField(2, d);
        sh.messageField(1, dw);
      }
      tt.messageField(2, sh);
    }
    const tp = new PbWriter();
    tp.messageField(1, tt);
    w.messageField(2, tp);
  }
  return w;
}

function writeAttribute(a: OnnxAttribute): PbWriter {
  const w = new PbWriter();
  w.stringField(1, a.name);
  w.intField(20, a.type);
  if (a.f !== undefined) w.floatField(2, a.f);
  if (a.i !== undefined) w.intField(3, a.i);
  if (a.s !== undefined) w.bytesField(4, a.s);
  if (a.t !== undefined) w.messageField(5, writeTensor(a.t));
  if (a.floats) w.packedFloats(7, a.floats);
  if (a.ints) w.packedInts(8, a.ints);
  if (a.strings) for (const s of a.strings) w.bytesField(9, s);
  return w;
}

function writeNode(n: OnnxNode): PbWriter {
  const w = new PbWriter();
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name) w.stringField(3, n.name);
  w.stringField(4, n.opType);
  if (n.domain) w.stringField(7, n.domain);
  for (const a of n.attributes) w.messageField(5, writeAttribute(a));
  return w;
}

function writeGraph(g: OnnxGraph): PbWriter {
  const w = new PbWriter();
  for (const n of g.nodes) w.messageField(1, writeNode(n));
  w.stringField(2, g.name);
  for (const t of g.initializers) w.messageField(5, writeTensor(t));
  for (const v of g.inputs) w.messageField(11, writeValueInfo(v));
  for (const v of g.outputs) w.messageField(12, writeValueInfo(v));
  for (const v of g.valueInfo) w.messageField(13, writeValueInfo(v));
  return w;
}

/** Serializes a ModelProto. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new PbWriter();
  w.intField(1, m.irVersion);
  if (m.producerName) w.stringField(2, m.producerName);
  if (m.producerVersion) w.stringField(3, m.producerVersion);
  w.messageField(7, writeGraph(m.graph));
  for (const o of m.opsetImport) {
    const ow = new PbWriter();
    if (o.domain) ow.stringField(1, o.domain);
    ow.intField(2, o.version);
    w.messageField(8, ow);
  }
  return w.finish();
}

/** Serializes a TensorProto (as ONNX's test-data `.pb` files). */
export function encodeTensor(t: OnnxTensor): Uint8Array {
  return writeTensor(t).finish();
}
