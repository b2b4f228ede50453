/**
 * The parts that define a byte-level BPE tokenizer, and the readers that build them from files:
 * tiktoken rank files, GPT-2's original `encoder.json` + `vocab.bpe`, and Kindling's own JSON.
 * Every reader validates its input and throws `ValueError` naming the line or entry at fault.
 */
import { ValueError } from '@kindling/core';
import { fromBase64 } from './bytes.js';

/** How adjacent tokens merge: tiktoken's rank rule or an explicit merge list. */
export type BpeMode = 'ranks' | 'merges';

/** Everything that defines a byte-level BPE tokenizer. */
export interface BpeSpec {
  /** Bytes of each ordinary token, indexed by id (`null` for ids that are special or unused). */
  tokens: ReadonlyArray<Uint8Array | null>;
  /** `'ranks'`: tiktoken's rule (the id is the rank); `'merges'`: only the pairs in `merges`. */
  mode: BpeMode;
  /** For `'merges'`: the merge list in priority order, as pairs of token ids. */
  merges?: ReadonlyArray<readonly [number, number]>;
  /** Special token texts and their ids (ids must not be ordinary tokens). */
  specialTokens?: Readonly<Record<string, number>>;
  /** Pre-tokenization regex source, used with the `gu` flags (default: GPT-2's). */
  pattern?: string;
  /** Name of a special token to use for padding in `encodeBatch`. */
  padToken?: string;
}

/** The JSON form written by `BpeTokenizer.save()`. */
export interface BpeJson {
  /** Which tokenizer class reads this JSON (`loadTokenizer` dispatches on it). */
  type: 'bpe';
  /** Format version; readers refuse any other value. */
  version: 1;
  /** The merge rule: tiktoken's ranks, or the explicit `merges` list. */
  mode: BpeMode;
  /** Pre-tokenization regex source, applied with the `gu` flags. */
  pattern: string;
  /** Base64 bytes of each ordinary token by id; `null` for special / unused ids. */
  vocab: Array<string | null>;
  /** Only in `'merges'` mode: the merge list in priority order, as pairs of token ids. */
  merges?: Array<[number, number]>;
  /** Special token texts and their ids (`{}` when there are none). */
  specialTokens: Record<string, number>;
  /** The special token `encodeBatch` pads with, when one was set. */
  padToken?: string;
}

/**
 * Reads a tiktoken rank file (`<base64 token> <rank>` per line, e.g. `r50k_base.tiktoken`) into
 * a `'ranks'` spec.
 */
export function parseTiktoken(
  text: string,
  options: { specialTokens?: Record<string, number>; pattern?: string; padToken?: string } = {},
): BpeSpec {
  if (typeof text !== 'string')
    throw new ValueError(`BpeTokenizer.fromTiktoken: expected the file's text, got ${typeof text}`);
  const tokens: Array<Uint8Array | null> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    if (line === '') continue;
    const where = `BpeTokenizer.fromTiktoken: line ${i + 1}`;
    const parts = line.split(' ');
    if (parts.length !== 2 || !/^\d+$/.test(parts[1])) {
      throw new ValueError(`${where}: expected '<base64 token> <rank>', got '${line.slice(0, 60)}'`);
    }
    const rank = Number(parts[1]);
    if (rank > 10_000_000) throw new ValueError(`${where}: rank ${rank} is implausibly large`);
    if (tokens[rank]) throw new ValueError(`${where}: rank ${rank} appears twice`);
    tokens[rank] = fromBase64(parts[0], where);
  }
  for (let i = 0; i < tokens.length; i++) if (tokens[i] === undefined) tokens[i] = null;
  return { tokens, mode: 'ranks', ...options };
}

/**
 * Reads GPT-2's original `encoder.json` (token string -> id, bytes written with GPT-2's
 * byte-to-unicode table) and `vocab.bpe` (merge list) into a `'merges'` spec. Entries of
 * `encoder.json` named in `specialTokens` (default `['<|endoftext|>']`) become special tokens.
 */
export function parseGpt2Files(
  encoderJson: string | Record<string, number>,
  vocabBpe: string,
  options: { specialTokens?: readonly string[]; pattern?: string; padToken?: string } = {},
): BpeSpec {
  const op = 'BpeTokenizer.fromGpt2Files';
  let encoder: Record<string, number>;
  if (typeof encoderJson === 'string') {
    try {
      encoder = JSON.parse(encoderJson);
    } catch (e) {
      throw new ValueError(`${op}: encoder.json is not valid JSON: ${(e as Error).message}`);
    }
  } else encoder = encoderJson;
  if (typeof encoder !== 'object' || encoder === null || Array.isArray(encoder)) {
    throw new ValueError(`${op}: encoder.json must be an object mapping token strings to ids`);
  }
  const specialNames = new Set(options.specialTokens ?? ['<|endoftext|>']);
  const unicodeToByte = gpt2UnicodeToByte();
  const tokens: Array<Uint8Array | null> = [];
  const ids = new Map<string, number>();
  const specialTokens: Record<string, number> = {};
  for (const [str, id] of Object.entries(encoder)) {
    if (!Number.isInteger(id) || id < 0 || id > 10_000_000) {
      throw new ValueError(
        `${op}: encoder.json maps ${JSON.stringify(str)} to ${id}; expected a non-negative integer`,
      );
    }
    if (specialNames.has(str)) {
      specialTokens[str] = id;
      continue;
    }
    if (tokens[id]) throw new ValueError(`${op}: encoder.json gives the id ${id} twice`);
    const bytes = new Uint8Array(str.length);
    for (let i = 0; i < str.length; i++) {
      const b = unicodeToByte.get(str.charCodeAt(i));
      if (b === undefined) {
        throw new ValueError(
          `${op}: encoder.json token ${JSON.stringify(str)} has the character U+${str.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}, which is not in GPT-2's byte-to-unicode table`,
        );
      }
      bytes[i] = b;
    }
    tokens[id] = bytes;
    ids.set(str, id);
  }
  for (let i = 0; i < tokens.length; i++) if (tokens[i] === undefined) tokens[i] = null;
  if (typeof vocabBpe !== 'string')
    throw new ValueError(`${op}: vocab.bpe must be the file's text, got ${typeof vocabBpe}`);
  const merges: Array<[number, number]> = [];
  const lines = vocabBpe.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line === '' || (i === 0 && line.startsWith('#version'))) continue;
    const parts = line.split(' ');
    const a = ids.get(parts[0]);
    const b = ids.get(parts[1]);
    if (parts.length !== 2 || a === undefined || b === undefined) {
      throw new ValueError(
        `${op}: vocab.bpe line ${i + 1}: expected two tokens of encoder.json separated by a space, got ${JSON.stringify(line.slice(0, 60))}`,
      );
    }
    merges.push([a, b]);
  }
  return {
    tokens,
    mode: 'merges',
    merges,
    specialTokens,
    pattern: options.pattern,
    padToken: options.padToken,
  };
}

/** Reads the JSON written by `BpeTokenizer.save()` (a string or the parsed object). */
export function parseBpeJson(json: string | BpeJson): BpeSpec {
  const op = 'BpeTokenizer.load';
  let j: BpeJson;
  if (typeof json === 'string') {
    try {
      j = JSON.parse(json);
    } catch (e) {
      throw new ValueError(`${op}: not valid JSON: ${(e as Error).message}`);
    }
  } else j = json;
  if (typeof j !== 'object' || j === null || j.type !== 'bpe') {
    throw new ValueError(
      `${op}: expected an object with type 'bpe', got ${j === null ? 'null' : typeof j === 'object' ? `type ${JSON.stringify((j as { type?: unknown }).type)}` : typeof j}`,
    );
  }
  if (j.version !== 1)
    throw new ValueError(`${op}: unsupported version ${JSON.stringify(j.version)} (expected 1)`);
  if (!Array.isArray(j.vocab))
    throw new ValueError(`${op}: 'vocab' must be an array of base64 strings or null`);
  const tokens = j.vocab.map((v, id) => {
    if (v === null) return null;
    if (typeof v !== 'string') throw new ValueError(`${op}: vocab[${id}] must be a base64 string or null`);
    return fromBase64(v, `${op}: vocab[${id}]`);
  });
  if (typeof j.specialTokens !== 'object' || j.specialTokens === null) {
    throw new ValueError(`${op}: 'specialTokens' must be an object`);
  }
  if (typeof j.pattern !== 'string') throw new ValueError(`${op}: 'pattern' must be a string`);
  return {
    tokens,
    mode: j.mode,
    merges: j.merges,
    specialTokens: j.specialTokens,
    pattern: j.pattern,
    padToken: j.padToken,
  };
}

let u2b: Map<number, number> | undefined;

/** Inverse of GPT-2's `bytes_to_unicode`: printable bytes map to themselves, the rest to 256+. */
export function gpt2UnicodeToByte(): Map<number, number> {
  if (u2b) return u2b;
  const m = new Map<number, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    m.set(printable ? b : 256 + extra++, b);
  }
  u2b = m;
  return m;
}
