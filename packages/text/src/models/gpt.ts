/**
 * A GPT-style decoder-only transformer with nanoGPT / Hugging Face GPT-2 module names, so state
 * dicts of the same architecture load by key:
 *
 * | key                                         | shape              | what                          |
 * | ------------------------------------------- | ------------------ | ----------------------------- |
 * | `wte.weight`                                | `[vocab, nEmbd]`   | token embedding               |
 * | `wpe.weight`                                | `[blockSize, nEmbd]` | learned position embedding  |
 * | `h.N.ln_1.{weight,bias}`                    | `[nEmbd]`          | LayerNorm before attention    |
 * | `h.N.attn.c_attn.{weight,bias}`             | `[3 nEmbd, nEmbd]` | fused query/key/value Linear  |
 * | `h.N.attn.c_proj.{weight,bias}`             | `[nEmbd, nEmbd]`   | attention output projection   |
 * | `h.N.ln_2.{weight,bias}`                    | `[nEmbd]`          | LayerNorm before the MLP      |
 * | `h.N.mlp.c_fc.{weight,bias}`                | `[4 nEmbd, nEmbd]` | MLP up-projection             |
 * | `h.N.mlp.c_proj.{weight,bias}`              | `[nEmbd, 4 nEmbd]` | MLP down-projection           |
 * | `ln_f.{weight,bias}`                        | `[nEmbd]`          | final LayerNorm               |
 * | `lm_head.weight`                            | `[vocab, nEmbd]`   | output layer, tied to `wte`   |
 *
 * nanoGPT puts all but `lm_head` under `transformer.`; Hugging Face's `GPT2LMHeadModel` does too
 * and stores its `Conv1D` weights transposed (`[in, out]`): strip the prefix (and transpose those
 * four weights for Hugging Face) to load such checkpoints.
 */
import { arange, IndexError, ones, ShapeError, scaledDotProductAttention, type Tensor } from '@kindling/core';
import { Dropout, Embedding, GELU, init, LayerNorm, Linear, Module, ModuleList } from '@kindling/nn';
import { checkInt, checkProb, checkTokenIds } from './common.js';
import { KVCache } from './kv-cache.js';
import type { CausalLanguageModel, LanguageModelForwardOptions } from './types.js';

/** Hyperparameters of a `GPT`. */
export interface GPTConfig {
  /** Number of token ids (rows of `wte`). */
  vocabSize: number;
  /** Longest sequence (rows of `wpe`; nanoGPT's `block_size`, GPT-2's `n_positions`). */
  blockSize: number;
  /** Number of transformer blocks (default 12). */
  nLayer?: number;
  /** Attention heads per block (default 12); must divide `nEmbd`. */
  nHead?: number;
  /** Width of the residual stream (default 768). */
  nEmbd?: number;
  /** Dropout on embeddings, attention weights and residual branches while training (default 0). */
  dropout?: number;
  /** `lm_head.weight` is `wte.weight` (default true). */
  tieWeights?: boolean;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** GELU form in the MLP: `'none'` (exact, nanoGPT; default) or `'tanh'` (GPT-2's `gelu_new`). */
  geluApproximate?: 'none' | 'tanh';
}

type FullConfig = Required<GPTConfig>;

function resolveConfig(config: GPTConfig): FullConfig {
  const c: FullConfig = {
    nLayer: 12,
    nHead: 12,
    nEmbd: 768,
    dropout: 0,
    tieWeights: true,
    layerNormEps: 1e-5,
    geluApproximate: 'none',
    ...config,
  };
  checkInt('GPT', 'vocabSize', c.vocabSize, 1);
  checkInt('GPT', 'blockSize', c.blockSize, 1);
  checkInt('GPT', 'nLayer', c.nLayer, 1);
  checkInt('GPT', 'nHead', c.nHead, 1);
  checkInt('GPT', 'nEmbd', c.nEmbd, 1);
  checkProb('GPT', 'dropout', c.dropout);
  if (c.nEmbd % c.nHead !== 0)
    throw new ShapeError(`GPT: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
  return c;
}

/**
 * Multi-head causal self-attention with a fused `c_attn` (query, key, value in that order along
 * the output features, as GPT-2) and an output projection `c_proj`, computed with core's
 * `scaledDotProductAttention`.
 */
export class CausalSelfAttention extends Module {
  /** Fused query/key/value projection `[3 nEmbd, nEmbd]`. */
  c_attn: Linear;
  /** Output projection `[nEmbd, nEmbd]`. */
  c_proj: Linear;
  /** Dropout on the output (residual branch). */
  resid_dropout: Dropout;
  /** Heads. */
  readonly nHead: number;
  /** Width. */
  readonly nEmbd: number;
  /** Dropout probability on the attention weights while training. */
  readonly attnDropout: number;

  constructor(nEmbd: number, nHead: number, dropout = 0) {
    super();
    this.c_attn = new Linear(nEmbd, 3 * nEmbd);
    this.c_proj = new Linear(nEmbd, nEmbd);
    this.resid_dropout = new Dropout(dropout);
    this.nHead = nHead;
    this.nEmbd = nEmbd;
    this.attnDropout = dropout;
  }

  /**
   * `[batch, seq, nEmbd]` to `[batch, seq, nEmbd]`. With a cache, `x` holds the tokens after the
   * `cache.length` cached ones; their keys and values are stored in layer `layer`'s slot.
   */
  forward(x: Tensor, cache?: KVCache | null, layer = 0): Tensor {
    const [B, T, C] = x.shape;
    const H = this.nHead;
    const D = C / H;
    const heads = (t: Tensor) => t.reshape([B, T, H, D]).transpose(1, 2);
    const [q, k0, v0] = this.c_attn.call(x).split(C, 2).map(heads);
    const past = cache ? cache.length : 0;
    let k = k0;
    let v = v0;
    if (cache) [k, v] = cache.update(layer, k0, v0);
    const dropoutP = this.training ? this.attnDropout : 0;
    let y: Tensor;
    if (T === 1) {
      // One query sees every key: no mask needed.
      y = scaledDotProductAttention(q, k, v, { dropoutP });
    } else if (past === 0) {
      y = scaledDotProductAttention(q, k, v, { isCausal: true, dropoutP });
    } else {
      // New queries at positions past..past+T-1 over keys 0..past+T-1: query i sees keys <= past + i.
      const mask = ones([T, past + T], { dtype: 'bool', device: x.device }).tril(past);
      y = scaledDotProductAttention(q, k, v, { attnMask: mask, dropoutP });
    }
    return this.resid_dropout.call(this.c_proj.call(y.transpose(1, 2).reshape([B, T, C])));
  }

  override extraRepr(): string {
    return `n_head=${this.nHead}`;
  }
}

/** The transformer MLP: `c_fc` (to 4 nEmbd), GELU, `c_proj` (back), dropout. */
export class GPTMLP extends Module {
  /** Up-projection `[4 nEmbd, nEmbd]`. */
  c_fc: Linear;
  /** Activation. */
  gelu: GELU;
  /** Down-projection `[nEmbd, 4 nEmbd]`. */
  c_proj: Linear;
  /** Dropout on the output (residual branch). */
  dropout: Dropout;

  constructor(nEmbd: number, dropout = 0, geluApproximate: 'none' | 'tanh' = 'none') {
    super();
    this.c_fc = new Linear(nEmbd, 4 * nEmbd);
    this.gelu = new GELU(geluApproximate);
    this.c_proj = new Linear(4 * nEmbd, nEmbd);
    this.dropout = new Dropout(dropout);
  }

  forward(x: Tensor): Tensor {
    return this.dropout.call(this.c_proj.call(this.gelu.call(this.c_fc.call(x))));
  }
}

/** A pre-LayerNorm transformer block: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`. */
export class GPTBlock extends Module {
  /** LayerNorm before attention. */
  ln_1: LayerNorm;
  /** Causal self-attention. */
  attn: CausalSelfAttention;
  /** LayerNorm before the MLP. */
  ln_2: LayerNorm;
  /** The MLP. */
  mlp: GPTMLP;

  constructor(config: FullConfig) {
    super();
    const { nEmbd, nHead, dropout, layerNormEps: eps } = config;
    this.ln_1 = new LayerNorm(nEmbd, { eps });
    this.attn = new CausalSelfAttention(nEmbd, nHead, dropout);
    this.ln_2 = new LayerNorm(nEmbd, { eps });
    this.mlp = new GPTMLP(nEmbd, dropout, config.geluApproximate);
  }

  /** `[batch, seq, nEmbd]` to the same; with a cache, as `CausalSelfAttention.forward`. */
  forward(x: Tensor, cache?: KVCache | null, layer = 0): Tensor {
    const h = x.add(this.attn.call(this.ln_1.call(x), cache, layer));
    return h.add(this.mlp.call(this.ln_2.call(h)));
  }
}

/**
 * A GPT-style decoder-only transformer language model (GPT-2 / nanoGPT architecture): token and
 * learned position embeddings, `nLayer` pre-LayerNorm blocks of causal self-attention and a GELU
 * MLP, a final LayerNorm and a linear head tied to the token embedding. Weights are initialised as
 * GPT-2: N(0, 0.02²) for Linear and Embedding weights, N(0, (0.02 / √(2 nLayer))²) for the residual
 * projections (`c_proj`), zero biases. See the module documentation for the state-dict keys.
 *
 * `call(ids)` takes int32 ids `[batch, seq]` (or `[seq]`) with `seq <= blockSize` and returns
 * logits `[batch, seq, vocabSize]`. `call(ids, { cache })` continues a `KVCache` from
 * `createCache()`: only the new tokens are computed.
 */
export class GPT extends Module implements CausalLanguageModel<KVCache> {
  /** Token embedding `[vocabSize, nEmbd]`. */
  wte: Embedding;
  /** Position embedding `[blockSize, nEmbd]`. */
  wpe: Embedding;
  /** Dropout on the summed embeddings. */
  drop: Dropout;
  /** The blocks. */
  h: ModuleList<GPTBlock>;
  /** Final LayerNorm. */
  ln_f: LayerNorm;
  /** Output layer (no bias), sharing `wte.weight` unless `tieWeights` is false. */
  lm_head: Linear;
  /** The full configuration, defaults filled in. */
  readonly config: Readonly<FullConfig>;

  constructor(config: GPTConfig) {
    super();
    const c = resolveConfig(config);
    this.config = c;
    this.wte = new Embedding(c.vocabSize, c.nEmbd);
    this.wpe = new Embedding(c.blockSize, c.nEmbd);
    this.drop = new Dropout(c.dropout);
    this.h = new ModuleList(Array.from({ length: c.nLayer }, () => new GPTBlock(c)));
    this.ln_f = new LayerNorm(c.nEmbd, { eps: c.layerNormEps });
    this.lm_head = new Linear(c.nEmbd, c.vocabSize, { bias: false });
    if (c.tieWeights) this.lm_head.weight = this.wte.weight;
    this.resetParameters();
  }

  /** Re-draws every weight with GPT-2's initialisation. */
  resetParameters(): void {
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        init.normal_(m.weight, 0, 0.02);
        if (m.bias) init.zeros_(m.bias);
      } else if (m instanceof Embedding) {
        init.normal_(m.weight, 0, 0.02);
      } else if (m instanceof LayerNorm) {
        m.resetParameters();
      }
    }
    const std = 0.02 / Math.sqrt(2 * this.config.nLayer);
    for (const block of this.h) {
      init.normal_(block.attn.c_proj.weight, 0, std);
      init.normal_(block.mlp.c_proj.weight, 0, std);
    }
  }

  /** Number of token ids. */
  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** The block size: the longest sequence the model accepts. */
  get contextLength(): number {
    return this.config.blockSize;
  }

  /** An empty key-value cache for `batch` sequences (default 1), holding up to `blockSize` tokens. */
  createCache(options?: { batch?: number }): KVCache {
    return new KVCache(this.config.nLayer, this.config.blockSize, options?.batch ?? 1);
  }

  forward(ids: Tensor, options?: LanguageModelForwardOptions<KVCache>): Tensor {
    const { vocabSize, blockSize } = this.config;
    checkTokenIds('GPT', ids, vocabSize);
    const x = ids.ndim === 2 ? ids : ids.unsqueeze(0);
    const [B, T] = x.shape;
    const cache = options?.cache ?? null;
    const past = cache ? cache.length : 0;
    if (cache) {
      if (!(cache instanceof KVCache) || cache.numLayers !== this.config.nLayer)
        throw new ShapeError(`GPT: the cache must be a KVCache from this model's createCache()`);
      if (cache.batch !== B)
        throw new ShapeError(`GPT: the cache holds ${cache.batch} sequence(s), but got ids of batch ${B}`);
    }
    if (past + T > blockSize)
      throw new ShapeError(
        past > 0
          ? `GPT: ${past} cached + ${T} new tokens exceed the block size ${blockSize}; start a new cache with at most ${blockSize} tokens of context`
          : `GPT: cannot forward a sequence of ${T} tokens, the block size is only ${blockSize}`,
      );
    let tok: Tensor;
    try {
      tok = this.wte.call(x);
    } catch (e) {
      if (e instanceof IndexError)
        throw new IndexError(
          `GPT: a token id is out of range for a vocabulary of ${vocabSize} tokens (${e.message})`,
        );
      throw e;
    }
    const pos = this.wpe.call(arange(past, past + T, 1, { dtype: 'int32', device: ids.device }));
    let h = this.drop.call(tok.add(pos));
    let i = 0;
    for (const block of this.h) h = block.call(h, cache, i++);
    cache?.advance(T);
    const logits = this.lm_head.call(this.ln_f.call(h));
    return ids.ndim === 2 ? logits : logits.squeeze(0);
  }

  override extraRepr(): string {
    const c = this.config;
    return `vocab_size=${c.vocabSize}, block_size=${c.blockSize}, n_layer=${c.nLayer}, n_head=${c.nHead}, n_embd=${c.nEmbd}, dropout=${c.dropout}`;
  }
}
