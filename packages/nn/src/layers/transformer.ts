/**
 * Transformer layers (`nn.TransformerEncoderLayer`, `nn.TransformerDecoderLayer`,
 * `nn.TransformerEncoder`, `nn.TransformerDecoder`, `nn.Transformer`) with PyTorch 1.13 semantics
 * and state-dict keys, and `generateSquareSubsequentMask`.
 */
import { noGrad } from '@kindling/autograd';
import {
  type DeviceName,
  type DType,
  gelu,
  relu,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kindling/core';
import { ModuleList } from '../containers.js';
import { xavierUniform_ } from '../init.js';
import { Module } from '../module.js';
import type { FactoryOptions } from './common.js';
import { Dropout } from './dropout.js';
import { fmtShape } from './format.js';
import { Linear } from './linear.js';
import { LayerNorm } from './normalization.js';
import { MultiheadAttention } from './attention.js';

/**
 * A float mask `[n, n]` with `-inf` above the diagonal and 0 elsewhere, so position i attends to
 * positions 0..i (`nn.Transformer.generate_square_subsequent_mask`).
 */
export function generateSquareSubsequentMask(
  n: number,
  options?: { dtype?: DType; device?: DeviceName },
): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new ValueError(
      `generateSquareSubsequentMask: size must be a non-negative integer, got ${String(n)}`,
    );
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data.fill(-Infinity, i * n + i + 1, (i + 1) * n);
  return tensor(data, { dtype: options?.dtype ?? 'float32', device: options?.device }).reshape([n, n]);
}

/** The feed-forward activation: a name, a function, or a module (which then becomes a child). */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

/** Options of `TransformerEncoderLayer` and `TransformerDecoderLayer`. */
export interface TransformerLayerOptions extends FactoryOptions {
  /** Width of the feed-forward network (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability (attention weights, sublayer outputs, feed-forward), default 0.1. */
  dropout?: number;
  /** Feed-forward activation (default `'relu'`). */
  activation?: TransformerActivation;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** Inputs and outputs are `[batch, seq, feature]` (default false: `[seq, batch, feature]`). */
  batchFirst?: boolean;
  /** Normalise before each sublayer (pre-norm) instead of after the residual (default false). */
  normFirst?: boolean;
}

/** Masks of `TransformerEncoderLayer.forward`. */
export interface EncoderLayerMasks {
  /** `[S, S]` or `[batch * nhead, S, S]` attention mask (bool: true = blocked; float: added). */
  srcMask?: Tensor | null;
  /** `[batch, S]` (`[S]` unbatched) padding mask (bool: true = padding; float: added). */
  srcKeyPaddingMask?: Tensor | null;
}

/** Masks of `TransformerDecoderLayer.forward` and `TransformerDecoder.forward`. */
export interface DecoderMasks {
  /** `[T, T]` or `[batch * nhead, T, T]` self-attention mask, e.g. `generateSquareSubsequentMask(T)`. */
  tgtMask?: Tensor | null;
  /** `[T, S]` or `[batch * nhead, T, S]` mask on the attention over the memory. */
  memoryMask?: Tensor | null;
  /** `[batch, T]` padding mask of the target. */
  tgtKeyPaddingMask?: Tensor | null;
  /** `[batch, S]` padding mask of the memory. */
  memoryKeyPaddingMask?: Tensor | null;
}

function checkPositive(layer: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new ValueError(`${layer}: ${name} must be a positive integer, got ${String(v)}`);
}

function resolveActivation(
  layer: string,
  a: TransformerActivation | undefined,
): ((x: Tensor) => Tensor) | Module {
  if (a === undefined || a === 'relu') return relu;
  if (a === 'gelu') return (x: Tensor) => gelu(x);
  if (typeof a === 'function' || a instanceof Module) return a;
  throw new ValueError(`${layer}: activation should be relu/gelu, not ${String(a)}`);
}

function checkSeq(layer: string, what: string, x: Tensor, dModel: number, batchFirst: boolean): void {
  if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== dModel)
    throw new ShapeError(
      `${layer}: expected ${what} of shape ${batchFirst ? '[batch, seq' : '[seq, batch'}, ${dModel}] or unbatched [seq, ${dModel}] (dModel=${dModel}), but got ${fmtShape(x.shape)}`,
    );
}

/** The parts shared by the encoder and decoder layers. */
abstract class TransformerLayerBase extends Module {
  /** Whether each sublayer normalises its input (pre-norm). */
  readonly normFirst: boolean;
  /** Whether inputs are batch-first. */
  readonly batchFirst: boolean;
  /** The options the layer was made with (for `clone`). */
  protected readonly layerOptions: TransformerLayerOptions;

  constructor(
    /** Features of the model. */
    readonly dModel: number,
    /** Number of attention heads. */
    readonly nhead: number,
    options: TransformerLayerOptions | undefined,
    layer: string,
  ) {
    super();
    checkPositive(layer, 'dModel', dModel);
    checkPositive(layer, 'nhead', nhead);
    checkPositive(layer, 'dimFeedforward', options?.dimFeedforward ?? 2048);
    this.normFirst = options?.normFirst ?? false;
    this.batchFirst = options?.batchFirst ?? false;
    this.layerOptions = { ...options };
  }

  /** Options for a copy with this layer's current dtype and device. */
  protected cloneOptions(ref: Tensor): TransformerLayerOptions {
    return { ...this.layerOptions, dtype: ref.dtype, device: ref.device };
  }
}

/** Copies `src`'s parameters, buffers and mode into `dst` (a freshly made twin). */
function copyInto<M extends Module>(dst: M, src: Module): M {
  noGrad(() => dst.loadStateDict(src.stateDict()));
  dst.train(src.training);
  return dst;
}

/**
 * One encoder block (`nn.TransformerEncoderLayer`): self-attention then a feed-forward network
 * `linear2(dropout(act(linear1(x))))`, each with a residual connection and LayerNorm (after the
 * residual, or before the sublayer with `normFirst`). Keys: `self_attn.*`, `linear1.*`,
 * `linear2.*`, `norm1.*`, `norm2.*`.
 */
export class TransformerEncoderLayer extends TransformerLayerBase {
  /** Self-attention. */
  self_attn: MultiheadAttention;
  /** First feed-forward projection `dModel -> dimFeedforward`. */
  linear1: Linear;
  /** Dropout inside the feed-forward network. */
  dropout: Dropout;
  /** Second feed-forward projection `dimFeedforward -> dModel`. */
  linear2: Linear;
  /** Norm of the attention sublayer. */
  norm1: LayerNorm;
  /** Norm of the feed-forward sublayer. */
  norm2: LayerNorm;
  /** Dropout on the attention output. */
  dropout1: Dropout;
  /** Dropout on the feed-forward output. */
  dropout2: Dropout;
  /** Feed-forward activation. */
  activation: ((x: Tensor) => Tensor) | Module;

  constructor(dModel: number, nhead: number, options?: TransformerLayerOptions) {
    super(dModel, nhead, options, 'TransformerEncoderLayer');
    const ff = options?.dimFeedforward ?? 2048;
    const p = options?.dropout ?? 0.1;
    const eps = options?.layerNormEps ?? 1e-5;
    const factory = { dtype: options?.dtype, device: options?.device };
    this.self_attn = new MultiheadAttention(dModel, nhead, {
      ...factory,
      dropout: p,
      batchFirst: this.batchFirst,
    });
    this.linear1 = new Linear(dModel, ff, factory);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, factory);
    this.norm1 = new LayerNorm(dModel, { ...factory, eps });
    this.norm2 = new LayerNorm(dModel, { ...factory, eps });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.activation = resolveActivation('TransformerEncoderLayer', options?.activation);
  }

  /** A deep copy (same options, parameters copied, same mode), as `copy.deepcopy`. */
  clone(): TransformerEncoderLayer {
    return copyInto(
      new TransformerEncoderLayer(this.dModel, this.nhead, this.cloneOptions(this.linear1.weight)),
      this,
    );
  }

  forward(src: Tensor, masks?: EncoderLayerMasks): Tensor {
    checkSeq('TransformerEncoderLayer', 'src', src, this.dModel, this.batchFirst);
    const mask = masks?.srcMask ?? null;
    const kpm = masks?.srcKeyPaddingMask ?? null;
    let x = src;
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.call(x), mask, kpm));
      x = x.add(this.ffBlock(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(this.saBlock(x, mask, kpm)));
      x = this.norm2.call(x.add(this.ffBlock(x)));
    }
    return x;
  }

  private saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout1.call(y);
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout2.call(
      this.linear2.call(this.dropout.call(applyActivation(this.activation, this.linear1.call(x)))),
    );
  }
}

function applyActivation(a: ((x: Tensor) => Tensor) | Module, x: Tensor): Tensor {
  return a instanceof Module ? a.call(x) : a(x);
}

/**
 * One decoder block (`nn.TransformerDecoderLayer`): self-attention over the target, attention over
 * the encoder's output (`memory`), and a feed-forward network, each with a residual connection
 * and LayerNorm. Keys: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`,
 * `norm2.*`, `norm3.*`.
 */
export class TransformerDecoderLayer extends TransformerLayerBase {
  /** Self-attention over the target. */
  self_attn: MultiheadAttention;
  /** Attention over the memory. */
  multihead_attn: MultiheadAttention;
  /** First feed-forward projection. */
  linear1: Linear;
  /** Dropout inside the feed-forward network. */
  dropout: Dropout;
  /** Second feed-forward projection. */
  linear2: Linear;
  /** Norm of the self-attention sublayer. */
  norm1: LayerNorm;
  /** Norm of the memory-attention sublayer. */
  norm2: LayerNorm;
  /** Norm of the feed-forward sublayer. */
  norm3: LayerNorm;
  /** Dropout on the self-attention output. */
  dropout1: Dropout;
  /** Dropout on the memory-attention output. */
  dropout2: Dropout;
  /** Dropout on the feed-forward output. */
  dropout3: Dropout;
  /** Feed-forward activation. */
  activation: ((x: Tensor) => Tensor) | Module;

  constructor(dModel: number, nhead: number, options?: TransformerLayerOptions) {
    super(dModel, nhead, options, 'TransformerDecoderLayer');
    const ff = options?.dimFeedforward ?? 2048;
    const p = options?.dropout ?? 0.1;
    const eps = options?.layerNormEps ?? 1e-5;
    const factory = { dtype: options?.dtype, device: options?.device };
    const mha = () =>
      new MultiheadAttention(dModel, nhead, { ...factory, dropout: p, batchFirst: this.batchFirst });
    this.self_attn = mha();
    this.multihead_attn = mha();
    this.linear1 = new Linear(dModel, ff, factory);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, factory);
    this.norm1 = new LayerNorm(dModel, { ...factory, eps });
    this.norm2 = new LayerNorm(dModel, { ...factory, eps });
    this.norm3 = new LayerNorm(dModel, { ...factory, eps });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.activation = resolveActivation('TransformerDecoderLayer', options?.activation);
  }

  /** A deep copy (same options, parameters copied, same mode), as `copy.deepcopy`. */
  clone(): TransformerDecoderLayer {
    return copyInto(
      new TransformerDecoderLayer(this.dModel, this.nhead, this.cloneOptions(this.linear1.weight)),
      this,
    );
  }

  forward(tgt: Tensor, memory: Tensor, masks?: DecoderMasks): Tensor {
    const name = 'TransformerDecoderLayer';
    checkSeq(name, 'tgt', tgt, this.dModel, this.batchFirst);
    checkSeq(name, 'memory', memory, this.dModel, this.batchFirst);
    if (memory.ndim !== tgt.ndim)
      throw new ShapeError(
        `${name}: expected memory with as many dims as tgt (${tgt.ndim}), but got tgt ${fmtShape(tgt.shape)} and memory ${fmtShape(memory.shape)}`,
      );
    const tm = masks?.tgtMask ?? null;
    const tk = masks?.tgtKeyPaddingMask ?? null;
    const mm = masks?.memoryMask ?? null;
    const mk = masks?.memoryKeyPaddingMask ?? null;
    let x = tgt;
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1.call(x), tm, tk));
      x = x.add(this.mhaBlock(this.norm2.call(x), memory, mm, mk));
      x = x.add(this.ffBlock(this.norm3.call(x)));
    } else {
      x = this.norm1.call(x.add(this.saBlock(x, tm, tk)));
      x = this.norm2.call(x.add(this.mhaBlock(x, memory, mm, mk)));
      x = this.norm3.call(x.add(this.ffBlock(x)));
    }
    return x;
  }

  private saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout1.call(y);
  }

  private mhaBlock(x: Tensor, mem: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.multihead_attn.call(x, mem, mem, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout2.call(y);
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout3.call(
      this.linear2.call(this.dropout.call(applyActivation(this.activation, this.linear1.call(x)))),
    );
  }
}

/** A layer that can be deep-copied (the encoder and decoder layers can). */
export interface CloneableModule extends Module {
  /** A deep copy with its own parameters. */
  clone(): Module;
}

function clones<M extends CloneableModule>(owner: string, layer: M, n: number): ModuleList<M> {
  checkPositive(owner, 'numLayers', n);
  if (typeof (layer as Partial<CloneableModule>).clone !== 'function')
    throw new ValueError(`${owner}: the layer must have a clone() method to be copied ${n} times`);
  return new ModuleList(Array.from({ length: n }, () => layer.clone() as M));
}

/** Options of `TransformerEncoder` and `TransformerDecoder`. */
export interface TransformerStackOptions {
  /** A final normalisation applied to the output (default none). */
  norm?: Module | null;
}

/**
 * A stack of `numLayers` copies of an encoder layer (`nn.TransformerEncoder`), keys `layers.{i}.*`,
 * optionally followed by a final `norm`. `forward(src, { mask, srcKeyPaddingMask })`.
 */
export class TransformerEncoder extends Module {
  /** The copies of the layer. */
  layers: ModuleList<CloneableModule>;
  /** Final normalisation, or null. */
  norm: Module | null;

  constructor(
    encoderLayer: CloneableModule,
    /** Number of copies. */
    readonly numLayers: number,
    options?: TransformerStackOptions,
  ) {
    super();
    this.layers = clones('TransformerEncoder', encoderLayer, numLayers);
    this.norm = options?.norm ?? null;
  }

  forward(src: Tensor, masks?: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }): Tensor {
    let x = src;
    for (const layer of this.layers)
      x = layer.call(x, {
        srcMask: masks?.mask ?? null,
        srcKeyPaddingMask: masks?.srcKeyPaddingMask ?? null,
      });
    return this.norm ? this.norm.call(x) : x;
  }
}

/**
 * A stack of `numLayers` copies of a decoder layer (`nn.TransformerDecoder`), keys `layers.{i}.*`,
 * optionally followed by a final `norm`. `forward(tgt, memory, masks)`.
 */
export class TransformerDecoder extends Module {
  /** The copies of the layer. */
  layers: ModuleList<CloneableModule>;
  /** Final normalisation, or null. */
  norm: Module | null;

  constructor(
    decoderLayer: CloneableModule,
    /** Number of copies. */
    readonly numLayers: number,
    options?: TransformerStackOptions,
  ) {
    super();
    this.layers = clones('TransformerDecoder', decoderLayer, numLayers);
    this.norm = options?.norm ?? null;
  }

  forward(tgt: Tensor, memory: Tensor, masks?: DecoderMasks): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = layer.call(x, memory, masks);
    return this.norm ? this.norm.call(x) : x;
  }
}

/** Options of `Transformer`. */
export interface TransformerOptions extends TransformerLayerOptions {
  /** Features of the model (default 512). */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
  /** Use this encoder instead of building one. */
  customEncoder?: Module | null;
  /** Use this decoder instead of building one. */
  customDecoder?: Module | null;
}

/** Masks of `Transformer.forward`. */
export interface TransformerMasks extends DecoderMasks {
  /** Encoder self-attention mask. */
  srcMask?: Tensor | null;
  /** Padding mask of the source. */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * The encoder-decoder model of "Attention Is All You Need" (`nn.Transformer`): keys `encoder.*`
 * and `decoder.*`, each stack ending in a LayerNorm; every parameter with 2 or more dims is
 * re-drawn Xavier-uniform. `forward(src, tgt, masks)` returns the decoder output.
 */
export class Transformer extends Module {
  /** The encoder stack. */
  encoder: Module;
  /** The decoder stack. */
  decoder: Module;
  /** Features of the model. */
  readonly dModel: number;
  /** Attention heads. */
  readonly nhead: number;
  /** Whether inputs are batch-first. */
  readonly batchFirst: boolean;

  constructor(options?: TransformerOptions) {
    super();
    const dModel = options?.dModel ?? 512;
    const nhead = options?.nhead ?? 8;
    const factory = { dtype: options?.dtype, device: options?.device };
    const eps = options?.layerNormEps ?? 1e-5;
    this.encoder =
      options?.customEncoder ??
      new TransformerEncoder(
        new TransformerEncoderLayer(dModel, nhead, options),
        options?.numEncoderLayers ?? 6,
        {
          norm: new LayerNorm(dModel, { ...factory, eps }),
        },
      );
    this.decoder =
      options?.customDecoder ??
      new TransformerDecoder(
        new TransformerDecoderLayer(dModel, nhead, options),
        options?.numDecoderLayers ?? 6,
        {
          norm: new LayerNorm(dModel, { ...factory, eps }),
        },
      );
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = options?.batchFirst ?? false;
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /** `generateSquareSubsequentMask(n)` (PyTorch's static method). */
  static generateSquareSubsequentMask(n: number, options?: { dtype?: DType; device?: DeviceName }): Tensor {
    return generateSquareSubsequentMask(n, options);
  }

  forward(src: Tensor, tgt: Tensor, masks?: TransformerMasks): Tensor {
    const batched = src.ndim === 3;
    const bdim = this.batchFirst ? 0 : 1;
    if (batched && src.shape[bdim] !== tgt.shape[bdim])
      throw new ShapeError(
        `Transformer: the batch size of src and tgt must be equal, but got src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)}`,
      );
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel)
      throw new ShapeError(
        `Transformer: expected src and tgt with ${this.dModel} features (dModel) in the last dim, but got src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)}`,
      );
    const memory = this.encoder.call(src, {
      mask: masks?.srcMask ?? null,
      srcKeyPaddingMask: masks?.srcKeyPaddingMask ?? null,
    });
    return this.decoder.call(tgt, memory, {
      tgtMask: masks?.tgtMask,
      memoryMask: masks?.memoryMask,
      tgtKeyPaddingMask: masks?.tgtKeyPaddingMask,
      memoryKeyPaddingMask: masks?.memoryKeyPaddingMask,
    });
  }
}
