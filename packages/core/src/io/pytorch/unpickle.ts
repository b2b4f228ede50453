/**
 * A safe subset of Python's unpickler (protocols 2–4), in the spirit of PyTorch's
 * `weights_only=True`: it understands the opcodes that `torch.save` emits for containers, numbers
 * and strings, and resolves `GLOBAL`s only through an allowlist supplied by the caller. Nothing is
 * ever executed: an allowed global maps to a plain TypeScript function, and every other global
 * (`os.system`, `builtins.eval`, `__torch__...`) is refused with an error naming it. Unknown
 * opcodes are refused too.
 *
 * Python values become: None → null, bool → boolean, int → number (bigint beyond 2^53), float →
 * number, str → string, bytes → Uint8Array, list → array, tuple → `PyTuple` (a frozen array),
 * dict → `PyDict` (insertion-ordered), persistent ids → whatever `persistentLoad` returns.
 */
import { ValueError } from '../../errors.js';

/** A Python tuple: a frozen array. */
export type PyTuple = readonly PyValue[];

/** A Python value as the unpickler builds it. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyCallable
  | object;

/** An allowed global: a named TypeScript function standing in for a Python callable. */
export class PyCallable {
  constructor(
    /** `module.name`, for error messages. */
    readonly qualname: string,
    /** Called by REDUCE with the argument tuple. */
    readonly call: (args: PyTuple) => PyValue,
  ) {}
}

function keyOf(k: PyValue, depth = 0): string {
  if (depth > 100) throw new ValueError('unpickle: a dict key is nested more than 100 levels deep');
  if (typeof k === 'string') return `s${k}`;
  if (typeof k === 'number') return `n${k}`;
  if (typeof k === 'bigint') return `n${k}`;
  if (typeof k === 'boolean') return `n${k ? 1 : 0}`;
  if (k === null) return 'N';
  if (isTuple(k)) return `t(${k.map((x) => keyOf(x, depth + 1)).join(',')})`;
  throw new ValueError(`unpickle: unhashable dict key of type ${describe(k)}`);
}

/** A Python dict (or OrderedDict): insertion-ordered, keyed by value. */
export class PyDict {
  private readonly map = new Map<string, [PyValue, PyValue]>();
  /** Attributes set by BUILD (for example an OrderedDict's `_metadata`). */
  attributes: PyDict | null = null;
  /** Sets `key` to `value`. */
  set(key: PyValue, value: PyValue): void {
    this.map.set(keyOf(key), [key, value]);
  }
  /** The value at `key`, or undefined. */
  get(key: PyValue): PyValue | undefined {
    return this.map.get(keyOf(key))?.[1];
  }
  /** Number of items. */
  get size(): number {
    return this.map.size;
  }
  /** Key/value pairs in insertion order. */
  *items(): Generator<[PyValue, PyValue]> {
    yield* this.map.values();
  }
}

/** Whether `v` is a Python tuple as the unpickler builds it. */
export function isTuple(v: unknown): v is PyTuple {
  return Array.isArray(v) && Object.isFrozen(v);
}

/** A short description of a value's Python type, for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (isTuple(v)) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PyCallable) return `global ${v.qualname}`;
  return (v as object).constructor?.name ?? 'object';
}

/** What the unpickler needs from its caller. */
export interface UnpickleOptions {
  /** Resolves `module.name` to an allowed callable, or returns undefined to refuse it. */
  resolveGlobal(module: string, name: string): PyCallable | undefined;
  /** Resolves a persistent id (BINPERSID); throw to refuse. */
  persistentLoad?(pid: PyValue): PyValue;
  /** Text naming what is being unpickled, for error messages (e.g. the archive entry). */
  source?: string;
  /** Words appended to a refused global's error (which globals are allowed). */
  allowedHint?: string;
}

const MARK = Symbol('mark');
const MAX_MEMO = 1 << 24;

/** Opcode names, for the error on an unsupported one. */
const OPCODE_NAMES: Record<number, string> = {
  40: 'MARK',
  46: 'STOP',
  48: 'POP',
  49: 'POP_MARK',
  50: 'DUP',
  70: 'FLOAT',
  73: 'INT',
  74: 'BININT',
  75: 'BININT1',
  76: 'LONG',
  77: 'BININT2',
  78: 'NONE',
  80: 'PERSID',
  81: 'BINPERSID',
  82: 'REDUCE',
  83: 'STRING',
  84: 'BINSTRING',
  85: 'SHORT_BINSTRING',
  86: 'UNICODE',
  88: 'BINUNICODE',
  97: 'APPEND',
  98: 'BUILD',
  99: 'GLOBAL',
  100: 'DICT',
  125: 'EMPTY_DICT',
  101: 'APPENDS',
  103: 'GET',
  104: 'BINGET',
  105: 'INST',
  106: 'LONG_BINGET',
  108: 'LIST',
  93: 'EMPTY_LIST',
  111: 'OBJ',
  112: 'PUT',
  113: 'BINPUT',
  114: 'LONG_BINPUT',
  115: 'SETITEM',
  116: 'TUPLE',
  41: 'EMPTY_TUPLE',
  117: 'SETITEMS',
  71: 'BINFLOAT',
  128: 'PROTO',
  129: 'NEWOBJ',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  133: 'TUPLE1',
  134: 'TUPLE2',
  135: 'TUPLE3',
  136: 'NEWTRUE',
  137: 'NEWFALSE',
  138: 'LONG1',
  139: 'LONG4',
  66: 'BINBYTES',
  67: 'SHORT_BINBYTES',
  140: 'SHORT_BINUNICODE',
  141: 'BINUNICODE8',
  142: 'BINBYTES8',
  143: 'EMPTY_SET',
  144: 'ADDITEMS',
  145: 'FROZENSET',
  146: 'NEWOBJ_EX',
  147: 'STACK_GLOBAL',
  148: 'MEMOIZE',
  149: 'FRAME',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
};

function tuple(items: PyValue[]): PyTuple {
  return Object.freeze(items);
}

/** Decodes a little-endian two's-complement integer (LONG1). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Unpickles `data` with the safe subset. Throws a ValueError naming the problem (truncated data,
 * unsupported opcode, refused global, malformed stack) and never runs code from the pickle.
 */
export function unpickle(data: Uint8Array, options: UnpickleOptions): PyValue {
  const src = options.source ? ` (${options.source})` : '';
  const fail = (msg: string): never => {
    throw new ValueError(`unpickle${src}: ${msg}`);
  };
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let p = 0;
  const need = (n: number) => {
    if (n < 0 || p + n > data.length) fail(`data ends early at byte ${p} (truncated pickle)`);
  };
  const readBytes = (n: number): Uint8Array => {
    need(n);
    const out = data.subarray(p, p + n);
    p += n;
    return out;
  };
  const readStr = (n: number): string => {
    try {
      return utf8.decode(readBytes(n));
    } catch (err) {
      if (err instanceof ValueError) throw err;
      return fail('a string is not valid UTF-8');
    }
  };
  const readLine = (): string => {
    const end = data.indexOf(0x0a, p);
    if (end < 0) fail(`data ends early at byte ${p} (truncated pickle)`);
    const s = new TextDecoder('utf-8').decode(data.subarray(p, end));
    p = end + 1;
    return s;
  };

  const stack: (PyValue | typeof MARK)[] = [];
  const memo = new Map<number, PyValue>();
  const pop = (): PyValue => {
    if (stack.length === 0) fail(`stack underflow at byte ${p}`);
    const v = stack.pop() as PyValue | typeof MARK;
    if (v === MARK) fail(`unexpected MARK at byte ${p}`);
    return v as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail(`stack underflow at byte ${p}`);
    const v = stack[stack.length - 1];
    if (v === MARK) fail(`unexpected MARK at byte ${p}`);
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) fail(`no MARK on the stack at byte ${p}`);
    const items = stack.splice(i + 1) as PyValue[];
    stack.pop();
    return items;
  };
  const put = (i: number) => {
    if (i >= MAX_MEMO) fail(`memo index ${i} is too large`);
    memo.set(i, top());
  };
  const get = (i: number) => {
    if (!memo.has(i)) fail(`memo index ${i} was never stored`);
    stack.push(memo.get(i) as PyValue);
  };
  const global = (module: string, name: string): PyCallable => {
    const fn = options.resolveGlobal(module, name);
    if (!fn)
      fail(
        `global '${module}.${name}' is not allowed; nothing was executed${options.allowedHint ? ` (${options.allowedHint})` : ''}`,
      );
    return fn as PyCallable;
  };
  const setItems = (d: PyValue, items: PyValue[]) => {
    if (!(d instanceof PyDict)) fail(`SETITEM(S) on a ${describe(d)}, expected a dict`);
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (d as PyDict).set(items[i], items[i + 1]);
  };
  const append = (l: PyValue, items: PyValue[]) => {
    if (!Array.isArray(l) || isTuple(l)) fail(`APPEND(S) on a ${describe(l)}, expected a list`);
    for (const v of items) (l as PyValue[]).push(v);
  };

  for (;;) {
    need(1);
    const op = data[p++];
    switch (op) {
      case 0x80: // PROTO
        need(1);
        if (data[p] > 5) fail(`pickle protocol ${data[p]} is not supported`);
        p++;
        break;
      case 0x95: // FRAME (protocol 4): a length prefix we can ignore
        readBytes(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack, expected 1`);
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (stack.length === 0) fail(`stack underflow at byte ${p}`);
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(dv.getInt32(p, true));
        p += 4;
        break;
      case 0x4b: // BININT1
        need(1);
        stack.push(data[p++]);
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(dv.getUint16(p, true));
        p += 2;
        break;
      case 0x8a: {
        // LONG1
        need(1);
        const n = data[p++];
        stack.push(decodeLong(readBytes(n)));
        break;
      }
      case 0x8b: {
        // LONG4
        need(4);
        const n = dv.getInt32(p, true);
        p += 4;
        if (n < 0 || n > 1024) fail(`LONG4 of ${n} bytes is not supported`);
        stack.push(decodeLong(readBytes(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(dv.getFloat64(p, false));
        p += 8;
        break;
      case 0x58: {
        // BINUNICODE
        need(4);
        const n = dv.getUint32(p, true);
        p += 4;
        stack.push(readStr(n));
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        need(1);
        const n = data[p++];
        stack.push(readStr(n));
        break;
      }
      case 0x8d: {
        // BINUNICODE8
        need(8);
        const n = dv.getUint32(p, true) + dv.getUint32(p + 4, true) * 4294967296;
        p += 8;
        stack.push(readStr(n));
        break;
      }
      case 0x43: {
        // SHORT_BINBYTES
        need(1);
        const n = data[p++];
        stack.push(readBytes(n).slice());
        break;
      }
      case 0x42: {
        // BINBYTES
        need(4);
        const n = dv.getUint32(p, true);
        p += 4;
        stack.push(readBytes(n).slice());
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        stack.push(tuple(popMark()));
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        need(1);
        put(data[p++]);
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        put(dv.getUint32(p, true));
        p += 4;
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        need(1);
        get(data[p++]);
        break;
      case 0x6a: // LONG_BINGET
        need(4);
        get(dv.getUint32(p, true));
        p += 4;
        break;
      case 0x63: {
        // GLOBAL
        const module = readLine();
        const name = readLine();
        stack.push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyCallable)) fail(`REDUCE on a ${describe(fn)}, expected an allowed global`);
        if (!isTuple(args)) fail(`REDUCE arguments are a ${describe(args)}, expected a tuple`);
        stack.push((fn as PyCallable).call(args as PyTuple));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict && state instanceof PyDict) obj.attributes = state;
        else fail(`BUILD on a ${describe(obj)} with a ${describe(state)} state is not allowed`);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('persistent ids are not allowed here');
        stack.push((options.persistentLoad as (pid: PyValue) => PyValue)(pid));
        break;
      }
      default:
        fail(
          `opcode ${OPCODE_NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`} at byte ${p - 1} is not supported by the safe unpickler`,
        );
    }
  }
}
