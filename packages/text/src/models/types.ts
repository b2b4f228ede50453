/** The interface generation needs from a language model. */
import type { Tensor } from '@kindling/core';

/**
 * Incremental decoding state of a language model: what it remembers of the tokens it has seen, so
 * the next call only processes new tokens (a transformer's key-value cache, an LSTM's hidden state).
 */
export interface LanguageModelCache {
  /** Number of tokens consumed so far. */
  readonly length: number;
  /** Forgets every token (length 0). */
  reset(): void;
}

/** Options of a language model's `forward`. */
export interface LanguageModelForwardOptions<C extends LanguageModelCache = LanguageModelCache> {
  /**
   * Continue from (and update) this incremental state: the ids are the tokens that follow the
   * ones already in the cache. Without a cache the ids are a whole sequence.
   */
  cache?: C;
}

/**
 * A causal (left-to-right) language model, as `generate` uses it: `GPT` and `LSTMLanguageModel`
 * implement it.
 */
export interface CausalLanguageModel<C extends LanguageModelCache = LanguageModelCache> {
  /** Number of token ids the model reads and predicts. */
  readonly vocabSize: number;
  /** Longest sequence the model accepts (a GPT's `blockSize`), or null when unbounded. */
  readonly contextLength: number | null;
  /** Whether the model is in training mode (dropout active). */
  training: boolean;
  /** Sets training mode. */
  train(mode?: boolean): unknown;
  /** A fresh, empty incremental state for `batch` sequences (default 1). */
  createCache(options?: { batch?: number }): C;
  /** Logits `[batch, seq, vocabSize]` for int32 ids `[batch, seq]` (`[seq, vocabSize]` for `[seq]`). */
  call(ids: Tensor, options?: LanguageModelForwardOptions<C>): Tensor;
}
