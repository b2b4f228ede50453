/**
 * The interface every Kindling tokenizer implements, and the option/result types shared by all of
 * them.
 */

/** Which special tokens `encode` may emit, and which ones make it throw (tiktoken's semantics). */
export interface EncodeOptions {
  /**
   * Special tokens recognised in the text and encoded as their single id: `'all'` or a list of
   * token texts. Default: none (special-token text is then an error, see `disallowedSpecial`).
   */
  allowedSpecial?: 'all' | Iterable<string>;
  /**
   * Special tokens whose text makes `encode` throw a `ValueError` when it occurs in the input:
   * `'all'` (default: every special token not in `allowedSpecial`) or a list. Pass `[]` to encode
   * special-token text as ordinary text instead.
   */
  disallowedSpecial?: 'all' | Iterable<string>;
}

/** Options of `encodeBatch`: padding, truncation and the special-token policy of `encode`. */
export interface BatchEncodeOptions extends EncodeOptions {
  /**
   * `false` (default): no padding, rows keep their own lengths. `'longest'`: pad every row to the
   * longest row (capped at `maxLength` when truncating). `'max_length'`: pad every row to
   * `maxLength`.
   */
  padding?: false | 'longest' | 'max_length';
  /** Row length for `padding: 'max_length'` and the cut-off for `truncation`. */
  maxLength?: number;
  /** Cut rows longer than `maxLength` (required for such rows; without it they are an error). */
  truncation?: boolean;
  /** Which end of a row is cut by truncation (default `'right'`: keep the start). */
  truncationSide?: 'left' | 'right';
  /** Id written into padded positions (default: the tokenizer's `padId`; error when neither exists). */
  padId?: number;
  /** Where padding goes (default `'right'`; `'left'` suits decoder-only generation). */
  paddingSide?: 'left' | 'right';
}

/**
 * The result of `encodeBatch`: plain arrays, one row per input text (rectangular when padded).
 * `attentionMask[i][j]` is 1 for a real token and 0 for padding. Turn a rectangular batch into
 * int32 tensors with `batchToTensors`.
 */
export interface BatchEncoding {
  /** Token ids, one row per input text. */
  inputIds: number[][];
  /** 1 where `inputIds` holds a real token, 0 where it holds padding. */
  attentionMask: number[][];
}

/** What every tokenizer offers: text to ids and back, batching, special tokens and JSON persistence. */
export interface Tokenizer {
  /** Discriminator of the JSON form (`'char'`, `'bpe'`). */
  readonly type: string;
  /** One more than the largest id the tokenizer can produce (special tokens included). */
  readonly vocabSize: number;
  /** Special token texts and their ids. */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** Id used for padding by `encodeBatch`, if the tokenizer has a pad token. */
  readonly padId: number | undefined;
  /** Token ids of `text`. */
  encode(text: string, options?: EncodeOptions): number[];
  /** Text of `ids`; throws `IndexError` for ids that are not in the vocabulary. */
  decode(ids: ArrayLike<number>): string;
  /** Encodes several texts, with optional padding and truncation. */
  encodeBatch(texts: readonly string[], options?: BatchEncodeOptions): BatchEncoding;
  /** The JSON-serialisable form that `loadTokenizer` (or the class's `load`) reads back. */
  toJSON(): object;
  /** `JSON.stringify(this.toJSON())`. */
  save(): string;
}
