/**
 * A character-level tokenizer: one id per Unicode code point seen in a corpus (nanoGPT's
 * `shakespeare_char`), plus optional special tokens.
 */
import { IndexError, ValueError } from '@kindling/core';
import { padBatch } from './batch.js';
import { splitSpecial } from './special.js';
import type { BatchEncodeOptions, BatchEncoding, EncodeOptions, Tokenizer } from './types.js';

/** Options of `CharTokenizer.fromCorpus` and the constructor. */
export interface CharTokenizerOptions {
  /** Special tokens, given ids after the characters in this order (e.g. `['<pad>', '<eos>']`). */
  specialTokens?: readonly string[];
  /**
   * A token that unknown characters map to (added to `specialTokens` if missing). Without it an
   * unknown character makes `encode` throw a `ValueError` naming it.
   */
  unkToken?: string;
  /** A special token (added if missing) used as `padId` by `encodeBatch`. */
  padToken?: string;
}

/** The JSON form written by `CharTokenizer.save()`. */
export interface CharJson {
  /** Which tokenizer class reads this JSON (`loadTokenizer` dispatches on it). */
  type: 'char';
  /** Format version; readers refuse any other value. */
  version: 1;
  /** The characters, id = index. */
  chars: string[];
  /** Special token texts in id order; their ids follow the characters' (`chars.length + i`). */
  specialTokens: string[];
  /** The special token unknown characters map to, when one was set. */
  unkToken?: string;
  /** The special token `encodeBatch` pads with, when one was set. */
  padToken?: string;
}

function codePointName(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** One id per character; characters first (sorted by code point), then special tokens. */
export class CharTokenizer implements Tokenizer {
  /** JSON discriminator. */
  readonly type = 'char';
  /** Number of characters plus special tokens. */
  readonly vocabSize: number;
  /** Special token texts and their ids. */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** The characters, id = index. */
  readonly chars: readonly string[];
  /** Id unknown characters map to, if an `unkToken` was given. */
  readonly unkId: number | undefined;
  /** Id used for padding by `encodeBatch`, if a `padToken` was given. */
  readonly padId: number | undefined;

  private readonly bmp = new Int32Array(0x10000).fill(-1);
  private readonly astral = new Map<number, number>();
  private readonly unkToken: string | undefined;
  private readonly padToken: string | undefined;

  /**
   * A tokenizer over exactly `chars` (each a single code point, no duplicates), in this order.
   * Use `fromCorpus` to collect them from text.
   */
  constructor(chars: readonly string[], options: CharTokenizerOptions = {}) {
    const op = 'CharTokenizer';
    if (!Array.isArray(chars)) throw new ValueError(`${op}: chars must be an array of single characters`);
    chars.forEach((ch, id) => {
      if (typeof ch !== 'string' || ch.length === 0 || [...ch].length !== 1) {
        throw new ValueError(`${op}: chars[${id}] must be one code point, got ${JSON.stringify(ch)}`);
      }
      const cp = ch.codePointAt(0)!;
      const prev = cp < 0x10000 ? this.bmp[cp] : this.astral.get(cp);
      if (prev !== undefined && prev >= 0) {
        throw new ValueError(`${op}: character ${codePointName(ch)} is listed twice (ids ${prev} and ${id})`);
      }
      if (cp < 0x10000) this.bmp[cp] = id;
      else this.astral.set(cp, id);
    });
    this.chars = [...chars];
    const names = [...(options.specialTokens ?? [])];
    for (const extra of [options.unkToken, options.padToken]) {
      if (extra !== undefined && !names.includes(extra)) names.push(extra);
    }
    const specials = new Map<string, number>();
    for (const s of names) {
      if (typeof s !== 'string' || s.length === 0)
        throw new ValueError(`${op}: special tokens must be non-empty strings`);
      if (specials.has(s)) throw new ValueError(`${op}: special token '${s}' is listed twice`);
      specials.set(s, chars.length + specials.size);
    }
    this.specialTokens = specials;
    this.vocabSize = chars.length + specials.size;
    this.unkToken = options.unkToken;
    this.padToken = options.padToken;
    this.unkId = options.unkToken === undefined ? undefined : specials.get(options.unkToken);
    this.padId = options.padToken === undefined ? undefined : specials.get(options.padToken);
  }

  /** Collects the distinct code points of `corpus` (sorted by code point) into a tokenizer. */
  static fromCorpus(corpus: string | Iterable<string>, options: CharTokenizerOptions = {}): CharTokenizer {
    const seen = new Set<number>();
    for (const text of typeof corpus === 'string' ? [corpus] : corpus) {
      if (typeof text !== 'string') {
        throw new ValueError(`CharTokenizer.fromCorpus: the corpus must be strings, got ${typeof text}`);
      }
      for (let i = 0; i < text.length; i++) {
        const cp = text.codePointAt(i)!;
        if (cp > 0xffff) i++;
        seen.add(cp);
      }
    }
    const cps = [...seen].sort((a, b) => a - b);
    return new CharTokenizer(
      cps.map((c) => String.fromCodePoint(c)),
      options,
    );
  }

  /** Reads the JSON written by `save()` (string or parsed object); throws `ValueError` if malformed. */
  static load(json: string | CharJson): CharTokenizer {
    const op = 'CharTokenizer.load';
    let j: CharJson;
    if (typeof json === 'string') {
      try {
        j = JSON.parse(json);
      } catch (e) {
        throw new ValueError(`${op}: not valid JSON: ${(e as Error).message}`);
      }
    } else j = json;
    if (typeof j !== 'object' || j === null || j.type !== 'char') {
      throw new ValueError(`${op}: expected an object with type 'char'`);
    }
    if (j.version !== 1)
      throw new ValueError(`${op}: unsupported version ${JSON.stringify(j.version)} (expected 1)`);
    if (!Array.isArray(j.chars) || !Array.isArray(j.specialTokens)) {
      throw new ValueError(`${op}: 'chars' and 'specialTokens' must be arrays of strings`);
    }
    return new CharTokenizer(j.chars, {
      specialTokens: j.specialTokens,
      unkToken: j.unkToken,
      padToken: j.padToken,
    });
  }

  /** The JSON form (`CharJson`). */
  toJSON(): CharJson {
    const out: CharJson = {
      type: 'char',
      version: 1,
      chars: [...this.chars],
      specialTokens: [...this.specialTokens.keys()],
    };
    if (this.unkToken !== undefined) out.unkToken = this.unkToken;
    if (this.padToken !== undefined) out.padToken = this.padToken;
    return out;
  }

  /** `JSON.stringify(this.toJSON())`. */
  save(): string {
    return JSON.stringify(this.toJSON());
  }

  /** Id of each code point of `text` (special-token text follows `options`, as in tiktoken). */
  encode(text: string, options?: EncodeOptions): number[] {
    const out: number[] = [];
    splitSpecial(
      'CharTokenizer.encode',
      text,
      this.specialTokens,
      options,
      (s, e) => {
        for (let i = s; i < e; i++) {
          let cp = text.charCodeAt(i);
          let id: number | undefined;
          if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < e) {
            const lo = text.charCodeAt(i + 1);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
              id = this.astral.get(cp);
            }
          }
          if (cp < 0x10000) id = this.bmp[cp] >= 0 ? this.bmp[cp] : undefined;
          else i++;
          if (id === undefined) {
            if (this.unkId === undefined) {
              throw new ValueError(
                `CharTokenizer.encode: character ${codePointName(String.fromCodePoint(cp))} at index ${cp > 0xffff ? i - 1 : i} is not in the vocabulary; ` +
                  `build the tokenizer with an unkToken to map unknown characters to it`,
              );
            }
            id = this.unkId;
          }
          out.push(id);
        }
      },
      (id) => out.push(id),
    );
    return out;
  }

  /** Text of `ids` (special tokens as their text); throws `IndexError` for ids outside the vocabulary. */
  decode(ids: ArrayLike<number>): string {
    const special = [...this.specialTokens.keys()];
    const parts: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new IndexError(
          `CharTokenizer.decode: id ${id} at position ${i} is not in the vocabulary (ids are 0..${this.vocabSize - 1})`,
        );
      }
      parts[i] = id < this.chars.length ? this.chars[id] : special[id - this.chars.length];
    }
    return parts.join('');
  }

  /** Encodes each text, then pads/truncates as `options` asks (see `BatchEncodeOptions`). */
  encodeBatch(texts: readonly string[], options?: BatchEncodeOptions): BatchEncoding {
    const rows = texts.map((t) => this.encode(t, options));
    return padBatch('CharTokenizer.encodeBatch', rows, options, this.padId, this.vocabSize);
  }
}
