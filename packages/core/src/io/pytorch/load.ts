/**
 * Reads PyTorch checkpoints (`torch.save` files, `.pt`/`.pth`) without Python and without running
 * anything from the file. The current format (PyTorch ≥ 1.6) is a zip archive holding
 * `<root>/data.pkl` (a pickle of the saved object whose tensors refer to storages by persistent
 * id), the raw little-endian storages `<root>/data/<key>`, `<root>/version` and, in newer
 * releases, `<root>/byteorder`. The pickle is read by a safe unpickler whose only globals are
 * `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter`
 * and the typed storage classes (`torch.FloatStorage`, ...): like `torch.load(weights_only=True)`.
 *
 * Tensors come back as views of shared Kindling storages, so tensors that shared a storage in
 * PyTorch (views, slices, transposes, tied weights) still share one here, with the same offsets and
 * strides. int64 storages become int32 when every value fits (else a ValueError); uint8/int8/int16
 * become int32; float16/bfloat16 stay storage-only dtypes.
 *
 * The legacy formats (the tar archive of PyTorch < 0.4 and the bare pickle stream written with
 * `_use_new_zipfile_serialization=False`) are recognised and refused with a clear error.
 */
import { getBackend } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { ValueError } from '../../errors.js';
import { fmtShape } from '../../shape.js';
import type { DeviceName, Storage } from '../../storage.js';
import { Tensor } from '../../tensor.js';
import { readFileBytes } from '../atomic-write.js';
import { describe, isTuple, PyCallable, PyDict, type PyTuple, type PyValue, unpickle } from './unpickle.js';
import { ZipArchive } from './zip.js';

/** A value read from a PyTorch checkpoint. Dicts become plain objects (keys as strings, in order). */
export type PtValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Tensor
  | readonly PtValue[]
  | { [key: string]: PtValue };

/** Options of `loadPt`. */
export interface LoadPtOptions {
  /** Device to create tensors on (default `cpu`). */
  device?: DeviceName;
  /** Largest decompressed size of one compressed zip entry, in bytes (default 1 GiB). */
  maxEntryBytes?: number;
}

/** A storage type global (`torch.FloatStorage`...): its PyTorch name, element size and decoder. */
interface StorageKind {
  name: string;
  bytes: number;
  decode(raw: Uint8Array, big: boolean, where: string): { values: TypedArray; dtype: DType };
}

/** A storage read from the archive, shared by every tensor that views it. */
class LoadedStorage {
  constructor(
    readonly kind: StorageKind,
    readonly key: string,
    readonly storage: Storage,
    readonly numel: number,
  ) {}
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies `raw` into a fresh array of `Ctor`, swapping bytes when the file's order differs. */
function readNative<T extends TypedArray>(
  raw: Uint8Array,
  Ctor: { new (n: number): T; BYTES_PER_ELEMENT: number },
  big: boolean,
): T {
  const size = Ctor.BYTES_PER_ELEMENT;
  const out = new Ctor(raw.length / size);
  const bytes = new Uint8Array(out.buffer);
  bytes.set(raw);
  if (size > 1 && big === LITTLE_ENDIAN) {
    for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  }
  return out;
}

function intKind(
  name: string,
  bytes: number,
  read: (dv: DataView, o: number, le: boolean) => number,
): StorageKind {
  return {
    name,
    bytes,
    decode(raw, big) {
      const n = raw.length / bytes;
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = read(dv, i * bytes, !big);
      return { values: out, dtype: 'int32' };
    },
  };
}

const KINDS: Record<string, StorageKind> = {
  FloatStorage: {
    name: 'FloatStorage',
    bytes: 4,
    decode: (raw, big) => ({ values: readNative(raw, Float32Array, big), dtype: 'float32' }),
  },
  DoubleStorage: {
    name: 'DoubleStorage',
    bytes: 8,
    decode: (raw, big) => ({ values: readNative(raw, Float64Array, big), dtype: 'float64' }),
  },
  HalfStorage: {
    name: 'HalfStorage',
    bytes: 2,
    decode: (raw, big) => ({ values: readNative(raw, Uint16Array, big), dtype: 'float16' }),
  },
  BFloat16Storage: {
    name: 'BFloat16Storage',
    bytes: 2,
    decode: (raw, big) => ({ values: readNative(raw, Uint16Array, big), dtype: 'bfloat16' }),
  },
  IntStorage: {
    name: 'IntStorage',
    bytes: 4,
    decode: (raw, big) => ({ values: readNative(raw, Int32Array, big), dtype: 'int32' }),
  },
  ShortStorage: intKind('ShortStorage', 2, (dv, o, le) => dv.getInt16(o, le)),
  CharStorage: intKind('CharStorage', 1, (dv, o) => dv.getInt8(o)),
  ByteStorage: intKind('ByteStorage', 1, (dv, o) => dv.getUint8(o)),
  BoolStorage: {
    name: 'BoolStorage',
    bytes: 1,
    decode: (raw) => ({ values: Uint8Array.from(raw, (v) => (v !== 0 ? 1 : 0)), dtype: 'bool' }),
  },
  LongStorage: {
    name: 'LongStorage',
    bytes: 8,
    decode(raw, big, where) {
      const n = raw.length / 8;
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const out = new Int32Array(n);
      const le = !big;
      for (let i = 0; i < n; i++) {
        const lo = dv.getInt32(i * 8 + (le ? 0 : 4), le);
        const hi = dv.getInt32(i * 8 + (le ? 4 : 0), le);
        if (hi !== lo >> 31)
          throw new ValueError(
            `loadPt: ${where} (int64) holds ${dv.getBigInt64(i * 8, le)} at element ${i}, which does not fit in Kindling's int32`,
          );
        out[i] = lo;
      }
      return { values: out, dtype: 'int32' };
    },
  },
};

/** The storage kind behind each storage-type global. */
const kindOf = new WeakMap<PyCallable, StorageKind>();

const ALLOWED_HINT =
  'allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch.*Storage types, as torch.load(weights_only=True)';

function bad(msg: string): never {
  throw new ValueError(`loadPt: ${msg}`);
}

function isInt(v: PyValue): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function intTuple(v: PyValue, what: string): number[] {
  if (!isTuple(v) || !v.every(isInt))
    bad(`_rebuild_tensor_v2: ${what} must be a tuple of integers, got ${describe(v)}`);
  return [...(v as number[])];
}

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`. */
function rebuildTensor(args: PyTuple): Tensor {
  if (args.length < 4 || args.length > 7)
    bad(`_rebuild_tensor_v2: expected 6 or 7 arguments, got ${args.length}`);
  const [st, offset, sizeT, strideT] = args;
  if (!(st instanceof LoadedStorage))
    bad(`_rebuild_tensor_v2: first argument is a ${describe(st)}, expected a storage`);
  const s = st as LoadedStorage;
  if (!isInt(offset) || offset < 0)
    bad(`_rebuild_tensor_v2: storage offset ${String(offset)} is not a non-negative integer`);
  const size = intTuple(sizeT, 'size');
  const stride = intTuple(strideT, 'stride');
  if (size.length !== stride.length)
    bad(`_rebuild_tensor_v2: size ${fmtShape(size)} and stride ${fmtShape(stride)} differ in length`);
  if (size.some((v) => v < 0) || stride.some((v) => v < 0))
    bad(`_rebuild_tensor_v2: negative size ${fmtShape(size)} or stride ${fmtShape(stride)}`);
  const hooks = args[5];
  if (hooks !== undefined && hooks !== null && !(hooks instanceof PyDict && hooks.size === 0))
    bad('_rebuild_tensor_v2: tensors with backward hooks are not supported');
  let last = offset as number;
  const empty = size.some((v) => v === 0);
  for (let i = 0; i < size.length; i++) last += (size[i] - 1) * stride[i];
  if (!empty && last >= s.numel)
    bad(
      `tensor of size ${fmtShape(size)}, stride ${fmtShape(stride)} and offset ${offset} reaches element ${last} of storage 'data/${s.key}', which has ${s.numel} elements`,
    );
  return new Tensor(s.storage, size, stride, empty ? 0 : (offset as number));
}

/** Recognises the legacy formats and non-checkpoints, for a precise error. */
function refuseNonZip(b: Uint8Array): never {
  if (b.length === 0) bad('the file is empty');
  const ustar = b.length > 262 && String.fromCharCode(...b.subarray(257, 262)) === 'ustar';
  if (ustar)
    bad(
      'this is a legacy tar checkpoint (PyTorch < 0.4), which is not supported; load it in PyTorch and re-save it with torch.save (zip format, PyTorch >= 1.6)',
    );
  if (b[0] === 0x80)
    bad(
      'this is a legacy (pre-1.6, _use_new_zipfile_serialization=False) pickle checkpoint, which is not supported; load it in PyTorch and re-save it with torch.save',
    );
  bad('not a PyTorch checkpoint (expected a zip archive written by torch.save)');
}

/** Containers nested deeper than this are refused (they would exhaust the call stack). */
const MAX_DEPTH = 1000;

/** Converts unpickled Python values to the public shape (plain objects for dicts). */
function toPublic(v: PyValue, seen: Map<object, PtValue>, depth = 0): PtValue {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'function') bad('unexpected function value');
    return v as PtValue;
  }
  if (v instanceof Tensor || v instanceof Uint8Array) return v;
  const done = seen.get(v);
  if (done !== undefined) return done;
  if (depth > MAX_DEPTH) bad(`containers are nested more than ${MAX_DEPTH} levels deep`);
  if (v instanceof LoadedStorage) {
    const t = new Tensor(v.storage, [v.numel]);
    seen.set(v, t);
    return t;
  }
  if (Array.isArray(v)) {
    const out: PtValue[] = [];
    seen.set(v, out);
    for (const x of v as PyValue[]) out.push(toPublic(x, seen, depth + 1));
    return isTuple(v) ? Object.freeze(out) : out;
  }
  if (v instanceof PyDict) {
    const out: { [key: string]: PtValue } = {};
    seen.set(v, out);
    for (const [k, x] of v.items()) {
      if (
        typeof k !== 'string' &&
        typeof k !== 'number' &&
        typeof k !== 'bigint' &&
        typeof k !== 'boolean' &&
        k !== null
      )
        bad(`a dict key is a ${describe(k)}; only str, int, bool and None keys are supported`);
      const key = k === null ? 'None' : typeof k === 'boolean' ? (k ? 'True' : 'False') : String(k);
      // defineProperty: keys such as '__proto__' stay plain data.
      Object.defineProperty(out, key, {
        value: toPublic(x, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return bad(`unexpected value of type ${describe(v)} in the checkpoint (a refused global?)`);
}

/**
 * Loads a PyTorch checkpoint (the bytes of a `torch.save` file). Returns the saved object: a
 * state dict comes back as `{ 'fc1.weight': Tensor, ... }`, an optimizer state dict as
 * `{ state: { 0: {...} }, param_groups: [...] }`. Never executes anything from the file; refuses
 * any global outside the weights-only allowlist with an error naming it.
 */
export function loadPt(bytes: Uint8Array | ArrayBuffer, options?: LoadPtOptions): PtValue {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer))
    bad('expected a Uint8Array or ArrayBuffer');
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length < 4 || b[0] !== 0x50 || b[1] !== 0x4b || (b[2] !== 3 && b[2] !== 5)) refuseNonZip(b);
  const zip = new ZipArchive(b, { maxEntryBytes: options?.maxEntryBytes });
  const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length === 0) {
    if ([...zip.entries.keys()].some((n) => n.endsWith('/constants.pkl') || n.endsWith('/code/')))
      bad('this looks like a TorchScript archive (torch.jit.save), not a torch.save checkpoint');
    bad("the archive has no '<root>/data.pkl' record, so it is not a torch.save checkpoint");
  }
  if (pkl.length > 1) bad(`the archive has several data.pkl records (${pkl.join(', ')})`);
  const root = pkl[0].slice(0, -'data.pkl'.length);
  let big = false;
  if (zip.has(`${root}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${root}byteorder`)).trim();
    if (order !== 'little' && order !== 'big') bad(`unknown byteorder '${order}'`);
    big = order === 'big';
  }
  const backend = getBackend(options?.device ?? 'cpu');
  const storages = new Map<string, LoadedStorage>();

  const storageTypes = new Map<string, PyCallable>();
  const refuseCall = (qualname: string) => () => bad(`${qualname} cannot be called`);
  for (const [name, kind] of Object.entries(KINDS)) {
    const c = new PyCallable(`torch.${name}`, refuseCall(`torch.${name}`));
    storageTypes.set(name, c);
    kindOf.set(c, kind);
  }
  const globals = new Map<string, PyCallable>([
    [
      'collections.OrderedDict',
      new PyCallable('collections.OrderedDict', (args) => {
        if (args.length !== 0) bad('OrderedDict(...) with arguments is not supported');
        return new PyDict();
      }),
    ],
    ['torch._utils._rebuild_tensor_v2', new PyCallable('torch._utils._rebuild_tensor_v2', rebuildTensor)],
    [
      'torch._utils._rebuild_parameter',
      new PyCallable('torch._utils._rebuild_parameter', (args) => {
        if (args.length !== 3 || !(args[0] instanceof Tensor))
          bad('_rebuild_parameter: expected (tensor, requires_grad, backward_hooks)');
        return args[0] as Tensor;
      }),
    ],
  ]);

  const persistentLoad = (pid: PyValue): PyValue => {
    if (!isTuple(pid) || pid.length !== 5 || pid[0] !== 'storage')
      bad(`unsupported persistent id (a ${describe(pid)}); expected ('storage', type, key, location, numel)`);
    const [, type, key, , numel] = pid as PyTuple;
    const kind = type instanceof PyCallable ? kindOf.get(type) : undefined;
    if (!kind) bad(`persistent id names a ${describe(type)}, expected a torch storage type`);
    if (typeof key !== 'string' || !/^[A-Za-z0-9_]+$/.test(key))
      bad(`invalid storage key ${JSON.stringify(key)}`);
    if (!isInt(numel) || numel < 0) bad(`invalid storage size ${String(numel)}`);
    const k = kind as StorageKind;
    const existing = storages.get(key as string);
    if (existing) {
      if (existing.kind !== k)
        bad(`storage 'data/${key}' is used as both ${existing.kind.name} and ${k.name}`);
      return existing;
    }
    const entry = `${root}data/${key}`;
    if (!zip.has(entry)) bad(`storage record '${entry}' is missing from the archive`);
    const raw = zip.read(entry);
    const want = (numel as number) * k.bytes;
    if (raw.length !== want)
      bad(`storage record '${entry}' has ${raw.length} bytes, expected ${want} (${numel} x ${k.name})`);
    const { values, dtype } = k.decode(raw, big, `storage 'data/${key}'`);
    const loaded = new LoadedStorage(k, key as string, backend.fromHost(values, dtype), numel as number);
    storages.set(key as string, loaded);
    return loaded;
  };

  const value = unpickle(zip.read(pkl[0]), {
    source: pkl[0],
    allowedHint: ALLOWED_HINT,
    resolveGlobal(module, name) {
      if (module === 'torch' && storageTypes.has(name)) return storageTypes.get(name);
      return globals.get(`${module}.${name}`);
    },
    persistentLoad,
  });
  return toPublic(value, new Map());
}

/** Loads a PyTorch checkpoint file (Node only); see `loadPt`. */
export async function loadPtFile(path: string, options?: LoadPtOptions): Promise<PtValue> {
  return loadPt(await readFileBytes(path), options);
}

/**
 * The tensors of a loaded state dict (a dict whose values are all tensors), ready for
 * `module.loadStateDict`. Throws a ValueError naming the keys that are not tensors.
 */
export function ptStateDict(value: PtValue): Record<string, Tensor> {
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    value instanceof Tensor ||
    value instanceof Uint8Array
  )
    throw new ValueError('ptStateDict: the checkpoint is not a dict of tensors');
  const entries = Object.entries(value as Record<string, PtValue>);
  const others = entries.filter(([, v]) => !(v instanceof Tensor)).map(([k]) => k);
  if (others.length)
    throw new ValueError(
      `ptStateDict: the checkpoint is a dict but these keys do not hold tensors: ${others.slice(0, 10).join(', ')}${others.length > 10 ? ', ...' : ''}`,
    );
  return Object.fromEntries(entries) as Record<string, Tensor>;
}
