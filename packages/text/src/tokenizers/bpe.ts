/**
 * Byte-level BPE (GPT-2 style): text is cut into pieces by a pre-tokenization pattern, each piece's
 * UTF-8 bytes start as single-byte tokens and adjacent pairs are merged lowest rank first. Two
 * merge rules are supported: `'ranks'` (tiktoken: any two adjacent tokens whose concatenation is a
 * token merge, ranked by that token's id, and a piece that is itself a token is taken whole) and
 * `'merges'` (the original GPT-2 / Hugging Face rule: only listed pairs merge, in list order).
 */
import { IndexError, ValueError } from '@kindling/core';
import { padBatch } from './batch.js';
import { trainBpe } from './bpe-train.js';
import {
  type BpeJson,
  type BpeMode,
  type BpeSpec,
  parseBpeJson,
  parseGpt2Files,
  parseTiktoken,
} from './bpe-spec.js';
import { toBase64, utf8Into } from './bytes.js';
import { bpeMerge, PairTable } from './merge.js';
import { compilePattern, GPT2_PATTERN, gpt2PieceEnd, regexPieces } from './pretokenize.js';
import { splitSpecial } from './special.js';
import { ByteTrie } from './trie.js';
import type { BatchEncodeOptions, BatchEncoding, EncodeOptions, Tokenizer } from './types.js';

/** Options of `BpeTokenizer.train`. */
export interface BpeTrainOptions {
  /** Final vocabulary size: 256 byte tokens + merges + special tokens. */
  vocabSize: number;
  /** Special tokens, given ids after the merges in this order (e.g. `['<|endoftext|>']`). */
  specialTokens?: readonly string[];
  /** Pre-tokenization regex source (default: GPT-2's). */
  pattern?: string;
  /** Never merge a pair seen fewer times than this (default 1); training may then stop early. */
  minFrequency?: number;
  /** A special token to use as `padId`. */
  padToken?: string;
}

const CACHE_LIMIT = 1 << 16;
const CACHE_MAX_PIECE = 128;
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** A byte-level BPE tokenizer: train one, load GPT-2's, or load a saved one. */
export class BpeTokenizer implements Tokenizer {
  /** JSON discriminator. */
  readonly type = 'bpe';
  /** One more than the largest ordinary or special id. */
  readonly vocabSize: number;
  /** Special token texts and their ids. */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** Pad id used by `encodeBatch` (from `padToken`), if any. */
  readonly padId: number | undefined;
  /** The merge rule (see `BpeMode`). */
  readonly mode: BpeMode;
  /** The pre-tokenization pattern source. */
  readonly pattern: string;
  /** The merge list (`'merges'` mode only), highest priority first. */
  readonly merges: ReadonlyArray<readonly [number, number]> | undefined;

  private readonly tokens: ReadonlyArray<Uint8Array | null>;
  private readonly specialBytes = new Map<number, Uint8Array>();
  private readonly byteToId = new Int32Array(256);
  private readonly table: PairTable;
  private readonly whole: ByteTrie | undefined;
  private readonly re: RegExp | undefined;
  private readonly padToken: string | undefined;
  private readonly cache = new Map<string, number | Int32Array>();
  private scratchBytes = new Uint8Array(256);
  private scratchIds = new Int32Array(256);

  /** Builds a tokenizer from its parts; validates them (throws `ValueError`). */
  constructor(spec: BpeSpec) {
    const op = 'BpeTokenizer';
    if (spec.mode !== 'ranks' && spec.mode !== 'merges') {
      throw new ValueError(`${op}: mode must be 'ranks' or 'merges', got ${String(spec.mode)}`);
    }
    this.mode = spec.mode;
    this.pattern = spec.pattern ?? GPT2_PATTERN;
    this.re = compilePattern(op, this.pattern);
    this.tokens = spec.tokens;
    const byBytes = new ByteTrie(2 * spec.tokens.length);
    this.byteToId.fill(-1);
    let maxId = -1;
    for (let id = 0; id < spec.tokens.length; id++) {
      const t = spec.tokens[id];
      if (t === null || t === undefined) continue;
      if (!(t instanceof Uint8Array) || t.length === 0) {
        throw new ValueError(`${op}: token ${id} must be a non-empty byte string`);
      }
      const dup = byBytes.set(t, id);
      if (dup >= 0) throw new ValueError(`${op}: tokens ${dup} and ${id} have the same bytes`);
      if (t.length === 1) this.byteToId[t[0]] = id;
      maxId = id;
    }
    for (let b = 0; b < 256; b++) {
      if (this.byteToId[b] < 0) {
        throw new ValueError(
          `${op}: the vocabulary has no token for the single byte 0x${b.toString(16).padStart(2, '0')}; byte-level BPE needs all 256`,
        );
      }
    }
    const specials = new Map<string, number>();
    for (const [text, id] of Object.entries(spec.specialTokens ?? {})) {
      if (!Number.isInteger(id) || id < 0) {
        throw new ValueError(`${op}: special token '${text}' has id ${id}; expected a non-negative integer`);
      }
      if (text.length === 0) throw new ValueError(`${op}: a special token's text must not be empty`);
      if (spec.tokens[id])
        throw new ValueError(`${op}: special token '${text}' reuses the id ${id} of an ordinary token`);
      for (const [other, oid] of specials) {
        if (oid === id)
          throw new ValueError(`${op}: special tokens '${other}' and '${text}' share the id ${id}`);
      }
      specials.set(text, id);
      this.specialBytes.set(id, new TextEncoder().encode(text));
      maxId = Math.max(maxId, id);
    }
    this.specialTokens = specials;
    this.vocabSize = maxId + 1;
    if (spec.padToken !== undefined && !specials.has(spec.padToken)) {
      throw new ValueError(`${op}: padToken '${spec.padToken}' is not one of the special tokens`);
    }
    this.padToken = spec.padToken;
    this.padId = spec.padToken === undefined ? undefined : specials.get(spec.padToken);

    if (spec.mode === 'ranks') {
      if (spec.merges !== undefined) throw new ValueError(`${op}: mode 'ranks' takes no merge list`);
      this.merges = undefined;
      // Every split of every token into two tokens is a pair that merges into it (rank = its id).
      this.table = new PairTable(2 * spec.tokens.length);
      for (let id = 0; id < spec.tokens.length; id++) {
        const t = spec.tokens[id];
        if (!t || t.length < 2) continue;
        byBytes.prefixes(t, (k, a) => {
          const b = byBytes.get(t, k);
          if (b >= 0) this.table.set(a, b, id, id);
        });
      }
      this.whole = byBytes;
    } else {
      const merges = spec.merges ?? [];
      if (!Array.isArray(merges)) throw new ValueError(`${op}: merges must be an array of [a, b] id pairs`);
      this.table = new PairTable(merges.length);
      for (let r = 0; r < merges.length; r++) {
        const m = merges[r];
        const [a, b] = Array.isArray(m) ? m : [undefined, undefined];
        const ta = typeof a === 'number' ? spec.tokens[a] : undefined;
        const tb = typeof b === 'number' ? spec.tokens[b] : undefined;
        if (!ta || !tb || m.length !== 2) {
          throw new ValueError(
            `${op}: merge ${r} (${JSON.stringify(m)}) must be a pair of ordinary token ids`,
          );
        }
        const cat = new Uint8Array(ta.length + tb.length);
        cat.set(ta);
        cat.set(tb, ta.length);
        const merged = byBytes.get(cat);
        if (merged < 0) {
          throw new ValueError(
            `${op}: merge ${r} (${a}, ${b}) makes bytes that are not a token of the vocabulary`,
          );
        }
        if (this.table.rank(a!, b!) === 0x7fffffff) this.table.set(a!, b!, r, merged);
      }
      this.merges = merges.map((m) => [m[0], m[1]] as const);
      this.whole = undefined;
    }
  }

  /** Trains a byte-level BPE on `corpus` (deterministic; see `trainBpe` for tie-breaking). */
  static train(corpus: string | Iterable<string>, options: BpeTrainOptions): BpeTokenizer {
    const op = 'BpeTokenizer.train';
    const specials = options.specialTokens ?? [];
    const { vocabSize } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < 256 + specials.length) {
      throw new ValueError(
        `${op}: vocabSize must be an integer >= 256 + ${specials.length} special tokens, got ${vocabSize}`,
      );
    }
    if (new Set(specials).size !== specials.length)
      throw new ValueError(`${op}: specialTokens has duplicates`);
    const minFrequency = options.minFrequency ?? 1;
    if (!(minFrequency >= 1)) throw new ValueError(`${op}: minFrequency must be >= 1, got ${minFrequency}`);
    const pattern = options.pattern ?? GPT2_PATTERN;
    const texts = typeof corpus === 'string' ? [corpus] : corpus;
    const { merges, tokens } = trainBpe(texts, vocabSize - 256 - specials.length, pattern, minFrequency);
    const specialTokens: Record<string, number> = {};
    specials.forEach((s, i) => {
      specialTokens[s] = tokens.length + i;
    });
    return new BpeTokenizer({
      tokens,
      mode: 'merges',
      merges,
      specialTokens,
      pattern,
      padToken: options.padToken,
    });
  }

  /**
   * Reads a tiktoken rank file (`<base64 token> <rank>` per line, e.g. `r50k_base.tiktoken`).
   * Throws `ValueError` naming the line for malformed input.
   */
  static fromTiktoken(
    text: string,
    options: { specialTokens?: Record<string, number>; pattern?: string; padToken?: string } = {},
  ): BpeTokenizer {
    return new BpeTokenizer(parseTiktoken(text, options));
  }

  /**
   * Reads GPT-2's original `encoder.json` (token string -> id, bytes written with GPT-2's
   * byte-to-unicode table) and `vocab.bpe` (merge list). Entries of `encoder.json` named in
   * `specialTokens` (default `['<|endoftext|>']`) become special tokens.
   */
  static fromGpt2Files(
    encoderJson: string | Record<string, number>,
    vocabBpe: string,
    options: { specialTokens?: readonly string[]; pattern?: string; padToken?: string } = {},
  ): BpeTokenizer {
    return new BpeTokenizer(parseGpt2Files(encoderJson, vocabBpe, options));
  }

  /** Reads the JSON written by `save()` (a string or the parsed object); throws `ValueError` if malformed. */
  static load(json: string | BpeJson): BpeTokenizer {
    return new BpeTokenizer(parseBpeJson(json));
  }

  /** The JSON form (`BpeJson`). */
  toJSON(): BpeJson {
    const out: BpeJson = {
      type: 'bpe',
      version: 1,
      mode: this.mode,
      pattern: this.pattern,
      vocab: this.tokens.map((t) => (t ? toBase64(t) : null)),
      specialTokens: Object.fromEntries(this.specialTokens),
    };
    if (this.merges) out.merges = this.merges.map((m) => [m[0], m[1]]);
    if (this.padToken !== undefined) out.padToken = this.padToken;
    return out;
  }

  /** `JSON.stringify(this.toJSON())`. */
  save(): string {
    return JSON.stringify(this.toJSON());
  }

  /** Bytes of token `id` (a special token's UTF-8 text for special ids); throws `IndexError`. */
  tokenBytes(id: number): Uint8Array {
    const t = this.tokens[id] ?? this.specialBytes.get(id);
    if (!t || !Number.isInteger(id)) {
      throw new IndexError(
        `BpeTokenizer.tokenBytes: id ${id} is not in the vocabulary (size ${this.vocabSize})`,
      );
    }
    return t;
  }

  /** Token ids of `text`. Special-token text follows `options` (tiktoken's rules; by default it throws). */
  encode(text: string, options?: EncodeOptions): number[] {
    const out: number[] = [];
    splitSpecial(
      'BpeTokenizer.encode',
      text,
      this.specialTokens,
      options,
      (s, e) => this.encodeRange(text, s, e, out),
      (id) => out.push(id),
    );
    return out;
  }

  /** Encodes `text` with special-token text treated as plain text (tiktoken's `encode_ordinary`). */
  encodeOrdinary(text: string): number[] {
    if (typeof text !== 'string')
      throw new ValueError(`BpeTokenizer.encodeOrdinary: expected a string, got ${typeof text}`);
    return this.encodeRange(text, 0, text.length, []);
  }

  private encodeRange(text: string, start: number, end: number, out: number[]): number[] {
    if (this.re) {
      regexPieces(this.re, text, start, end, (s, e) => this.encodePiece(text, s, e, out));
    } else {
      for (let i = start; i < end; ) {
        const j = gpt2PieceEnd(text, i, end);
        this.encodePiece(text, i, j, out);
        i = j;
      }
    }
    return out;
  }

  private encodePiece(text: string, s: number, e: number, out: number[]): void {
    const cacheable = e - s <= CACHE_MAX_PIECE;
    const key = cacheable ? text.slice(s, e) : '';
    if (cacheable) {
      const hit = this.cache.get(key);
      if (hit !== undefined) {
        if (typeof hit === 'number') out.push(hit);
        else for (let i = 0; i < hit.length; i++) out.push(hit[i]);
        return;
      }
    }
    if (this.scratchBytes.length < 3 * (e - s)) {
      this.scratchBytes = new Uint8Array(3 * (e - s));
      this.scratchIds = new Int32Array(3 * (e - s));
    }
    const bytes = this.scratchBytes;
    const n = utf8Into(text, s, e, bytes);
    let result: number | Int32Array;
    const whole = n > 1 && this.whole ? this.whole.get(bytes, 0, n) : -1;
    if (n === 1) result = this.byteToId[bytes[0]];
    else if (whole >= 0) result = whole;
    else {
      const ids = this.scratchIds;
      for (let i = 0; i < n; i++) ids[i] = this.byteToId[bytes[i]];
      const m = bpeMerge(ids, n, this.table);
      result = m === 1 ? ids[0] : ids.slice(0, m);
    }
    if (typeof result === 'number') out.push(result);
    else for (let i = 0; i < result.length; i++) out.push(result[i]);
    if (cacheable) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, result);
    }
  }

  /** The bytes that `ids` stand for; throws `IndexError` for an id outside the vocabulary. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    let len = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const t = this.tokens[id] ?? this.specialBytes.get(id);
      if (!t || !Number.isInteger(id)) {
        throw new IndexError(
          `BpeTokenizer.decode: id ${id} at position ${i} is not in the vocabulary (ids are 0..${this.vocabSize - 1})`,
        );
      }
      len += t.length;
    }
    const out = new Uint8Array(len);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const t = this.tokens[ids[i]] ?? this.specialBytes.get(ids[i])!;
      out.set(t, o);
      o += t.length;
    }
    return out;
  }

  /**
   * Text of `ids`. Bytes that are not valid UTF-8 (a token sequence cut inside a character) become
   * U+FFFD, as with `TextDecoder` and tiktoken; a leading byte-order mark is kept.
   */
  decode(ids: ArrayLike<number>): string {
    return decoder.decode(this.decodeBytes(ids));
  }

  /** Encodes each text, then pads/truncates as `options` asks (see `BatchEncodeOptions`). */
  encodeBatch(texts: readonly string[], options?: BatchEncodeOptions): BatchEncoding {
    const rows = texts.map((t) => this.encode(t, options));
    return padBatch('BpeTokenizer.encodeBatch', rows, options, this.padId, this.vocabSize);
  }
}
