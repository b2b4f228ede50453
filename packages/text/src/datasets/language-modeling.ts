/** Next-token prediction windows over a token stream (nanoGPT's `get_batch`, as a dataset). */
import { fromHost, IndexError, type DeviceName, type Tensor, ValueError } from '@kindling/core';
import type { Tokenizer } from '../tokenizers/types.js';
import type { Dataset } from './dataset.js';

/** Options of `LanguageModelingDataset`. */
export interface LanguageModelingOptions {
  /** Tokens per window (the model's context length, nanoGPT's `block_size`). */
  contextLength: number;
  /** Tokens between the starts of consecutive windows (default `contextLength`: no overlap). */
  stride?: number;
  /** Device of the returned tensors (default `cpu`). */
  device?: DeviceName;
}

/**
 * Item `i` is `[input, target]`: two int32 tensors of shape `[contextLength]`, `input` the tokens
 * from `i * stride` and `target` the same window shifted one token right. Windows that would run
 * past the end are dropped: `length = floor((tokens - contextLength - 1) / stride) + 1`.
 */
export class LanguageModelingDataset implements Dataset<[Tensor, Tensor]> {
  /** Number of windows. */
  readonly length: number;
  /** Tokens per window. */
  readonly contextLength: number;
  /** Tokens between window starts. */
  readonly stride: number;
  /** The token stream. */
  readonly tokens: Int32Array;
  private readonly device: DeviceName | undefined;

  /** Windows over `tokens` (copied into an `Int32Array`). */
  constructor(tokens: ArrayLike<number>, options: LanguageModelingOptions) {
    const op = 'LanguageModelingDataset';
    const { contextLength } = options;
    const stride = options.stride ?? contextLength;
    if (!Number.isInteger(contextLength) || contextLength < 1) {
      throw new ValueError(`${op}: contextLength must be a positive integer, got ${contextLength}`);
    }
    if (!Number.isInteger(stride) || stride < 1) {
      throw new ValueError(`${op}: stride must be a positive integer, got ${stride}`);
    }
    const t = tokens instanceof Int32Array ? tokens.slice() : Int32Array.from(tokens);
    for (let i = 0; i < t.length; i++) {
      if (t[i] !== tokens[i]) {
        throw new ValueError(`${op}: token ${i} is ${tokens[i]}; expected an integer id that fits int32`);
      }
    }
    this.tokens = t;
    this.contextLength = contextLength;
    this.stride = stride;
    this.length = t.length > contextLength ? Math.floor((t.length - contextLength - 1) / stride) + 1 : 0;
    this.device = options.device;
  }

  /** Encodes `text` with `tokenizer` and windows the result. */
  static fromText(
    text: string,
    tokenizer: Tokenizer,
    options: LanguageModelingOptions,
  ): LanguageModelingDataset {
    return new LanguageModelingDataset(tokenizer.encode(text), options);
  }

  /** `[input, target]` of window `i` (int32, shape `[contextLength]`); `IndexError` out of range. */
  get(i: number): [Tensor, Tensor] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new IndexError(
        `LanguageModelingDataset.get: index ${i} is out of range for a dataset of length ${this.length}`,
      );
    }
    const s = i * this.stride;
    const n = this.contextLength;
    const opts = { device: this.device };
    return [
      fromHost(this.tokens.slice(s, s + n), [n], 'int32', opts),
      fromHost(this.tokens.slice(s + 1, s + n + 1), [n], 'int32', opts),
    ];
  }
}
