/**
 * An LSTM language model for characters or words, laid out like PyTorch's
 * `examples/word_language_model` (`RNNModel`) with descriptive names: `embedding.weight`,
 * `lstm.weight_ih_l{k}`, `lstm.weight_hh_l{k}`, `lstm.bias_ih_l{k}`, `lstm.bias_hh_l{k}`,
 * `decoder.weight`, `decoder.bias`.
 */
import { IndexError, ShapeError, type Tensor, ValueError } from '@kindling/core';
import { Dropout, Embedding, init, Linear, LSTM, Module } from '@kindling/nn';
import { checkInt, checkProb, checkTokenIds } from './common.js';
import type { CausalLanguageModel, LanguageModelCache, LanguageModelForwardOptions } from './types.js';

/** Hyperparameters of an `LSTMLanguageModel`. */
export interface LSTMLanguageModelConfig {
  /** Number of token ids. */
  vocabSize: number;
  /** Hidden state size of every LSTM layer. */
  hiddenSize: number;
  /** Embedding size (default `hiddenSize`). */
  embeddingDim?: number;
  /** Stacked LSTM layers (default 1). */
  numLayers?: number;
  /** Dropout on the embeddings, between LSTM layers and on the LSTM output while training (default 0). */
  dropout?: number;
  /** `decoder.weight` is `embedding.weight` (default false; needs `embeddingDim === hiddenSize`). */
  tieWeights?: boolean;
}

/**
 * The recurrent state of an `LSTMLanguageModel` between calls: the last `[numLayers, batch,
 * hiddenSize]` hidden and cell states. Create one with `model.createCache()`; for truncated
 * backpropagation through time call `detach()` between training chunks.
 */
export class LSTMState implements LanguageModelCache {
  /** Hidden state, or null before the first token. */
  h: Tensor | null = null;
  /** Cell state, or null before the first token. */
  c: Tensor | null = null;
  private len = 0;

  constructor(
    /** Number of sequences. */
    readonly batch = 1,
  ) {
    checkInt('LSTMState', 'batch', batch, 1);
  }

  /** Tokens consumed so far. */
  get length(): number {
    return this.len;
  }

  /** Forgets every token (zero state). */
  reset(): void {
    this.h = null;
    this.c = null;
    this.len = 0;
  }

  /** Cuts the state from the autograd graph (keeps its values). */
  detach(): this {
    this.h = this.h?.detach() ?? null;
    this.c = this.c?.detach() ?? null;
    return this;
  }

  /** Stores the state after `t` more tokens (used by the model). */
  update(h: Tensor, c: Tensor, t: number): void {
    this.h = h;
    this.c = c;
    this.len += t;
  }
}

/**
 * A recurrent language model: `embedding` → dropout → `lstm` (batch-first, `numLayers` layers) →
 * dropout → `decoder` (Linear to the vocabulary). Embedding and decoder weights are initialised
 * U(-0.1, 0.1) and the decoder bias to zero, as in PyTorch's word-language-model example; the LSTM
 * keeps PyTorch's default initialisation.
 *
 * `call(ids)` takes int32 ids `[batch, seq]` (or `[seq]`) and returns logits
 * `[batch, seq, vocabSize]`; `call(ids, { cache })` continues from an `LSTMState`. The context is
 * unbounded (`contextLength` is null).
 */
export class LSTMLanguageModel extends Module implements CausalLanguageModel<LSTMState> {
  /** Token embedding `[vocabSize, embeddingDim]`. */
  embedding: Embedding;
  /** Dropout on embeddings and LSTM outputs. */
  drop: Dropout;
  /** The recurrent layers. */
  lstm: LSTM;
  /** Output layer `[vocabSize, hiddenSize]`. */
  decoder: Linear;
  /** The configuration, defaults filled in. */
  readonly config: Readonly<Required<LSTMLanguageModelConfig>>;

  constructor(config: LSTMLanguageModelConfig) {
    super();
    const c: Required<LSTMLanguageModelConfig> = {
      embeddingDim: config.hiddenSize,
      numLayers: 1,
      dropout: 0,
      tieWeights: false,
      ...config,
    };
    checkInt('LSTMLanguageModel', 'vocabSize', c.vocabSize, 1);
    checkInt('LSTMLanguageModel', 'hiddenSize', c.hiddenSize, 1);
    checkInt('LSTMLanguageModel', 'embeddingDim', c.embeddingDim, 1);
    checkInt('LSTMLanguageModel', 'numLayers', c.numLayers, 1);
    checkProb('LSTMLanguageModel', 'dropout', c.dropout);
    if (c.tieWeights && c.embeddingDim !== c.hiddenSize)
      throw new ValueError(
        `LSTMLanguageModel: tieWeights needs embeddingDim (${c.embeddingDim}) equal to hiddenSize (${c.hiddenSize})`,
      );
    this.config = c;
    this.embedding = new Embedding(c.vocabSize, c.embeddingDim);
    this.drop = new Dropout(c.dropout);
    this.lstm = new LSTM(c.embeddingDim, c.hiddenSize, {
      numLayers: c.numLayers,
      dropout: c.numLayers > 1 ? c.dropout : 0,
      batchFirst: true,
    });
    this.decoder = new Linear(c.hiddenSize, c.vocabSize);
    if (c.tieWeights) this.decoder.weight = this.embedding.weight;
    init.uniform_(this.embedding.weight, -0.1, 0.1);
    if (!c.tieWeights) init.uniform_(this.decoder.weight, -0.1, 0.1);
    if (this.decoder.bias) init.zeros_(this.decoder.bias);
  }

  /** Number of token ids. */
  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** Unbounded: null. */
  get contextLength(): null {
    return null;
  }

  /** A zero state for `batch` sequences (default 1). */
  createCache(options?: { batch?: number }): LSTMState {
    return new LSTMState(options?.batch ?? 1);
  }

  forward(ids: Tensor, options?: LanguageModelForwardOptions<LSTMState>): Tensor {
    checkTokenIds('LSTMLanguageModel', ids, this.config.vocabSize);
    const x = ids.ndim === 2 ? ids : ids.unsqueeze(0);
    const [B, T] = x.shape;
    const state = options?.cache ?? null;
    if (state) {
      if (!(state instanceof LSTMState))
        throw new ShapeError(`LSTMLanguageModel: the cache must be an LSTMState from createCache()`);
      if (state.batch !== B)
        throw new ShapeError(
          `LSTMLanguageModel: the state holds ${state.batch} sequence(s), but got ids of batch ${B}`,
        );
    }
    let emb: Tensor;
    try {
      emb = this.embedding.call(x);
    } catch (e) {
      if (e instanceof IndexError)
        throw new IndexError(
          `LSTMLanguageModel: a token id is out of range for a vocabulary of ${this.config.vocabSize} tokens (${e.message})`,
        );
      throw e;
    }
    const hx = state?.h && state.c ? ([state.h, state.c] as const) : null;
    const [out, [h, c]] = this.lstm.call(this.drop.call(emb), hx);
    state?.update(h, c, T);
    const logits = this.decoder.call(this.drop.call(out));
    return ids.ndim === 2 ? logits : logits.squeeze(0);
  }

  override extraRepr(): string {
    const c = this.config;
    return `vocab_size=${c.vocabSize}, hidden_size=${c.hiddenSize}, num_layers=${c.numLayers}, tie_weights=${c.tieWeights}`;
  }
}
