/**
 * Vision Transformer (Dosovitskiy et al., 2020) with torchvision 0.14's module tree, so torchvision
 * state dicts load strictly: `class_token`, `conv_proj`, `encoder.pos_embedding`,
 * `encoder.layers.encoder_layer_N.{ln_1, self_attention.in_proj_weight, self_attention.out_proj,
 * ln_2, mlp.0, mlp.3}`, `encoder.ln`, `heads.head` (and `heads.pre_logits` with a representation
 * layer).
 */
import { cat, ShapeError, type Tensor, ValueError, zeros } from '@kindling/core';
import {
  Conv2d,
  Dropout,
  GELU,
  init,
  LayerNorm,
  Linear,
  Module,
  MultiheadAttention,
  Parameter,
  Sequential,
  Tanh,
} from '@kindling/nn';
import { checkImageInput, checkInt, checkProb, fmtShape } from './common.js';

/** ViT's LayerNorm epsilon (torchvision uses 1e-6). */
const LN_EPS = 1e-6;

/**
 * The transformer MLP (torchvision's `MLPBlock`, a `Sequential`): `0` linear to `mlpDim`, `1` GELU,
 * `2` dropout, `3` linear back to `inDim`, `4` dropout. Linear weights Xavier-uniform, biases
 * N(0, 1e-6²).
 */
export class MLPBlock extends Sequential {
  constructor(inDim: number, mlpDim: number, dropout: number) {
    super(
      new Linear(inDim, mlpDim),
      new GELU(),
      new Dropout(dropout),
      new Linear(mlpDim, inDim),
      new Dropout(dropout),
    );
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        init.xavierUniform_(m.weight);
        if (m.bias) init.normal_(m.bias, 0, 1e-6);
      }
    }
  }
}

/**
 * A pre-norm transformer encoder block: `x + dropout(self_attention(ln_1(x)))`, then
 * `x + mlp(ln_2(x))`, over `[N, seq, hiddenDim]`.
 */
export class EncoderBlock extends Module {
  /** LayerNorm before attention. */
  ln_1: LayerNorm;
  /** Batch-first multi-head self-attention. */
  self_attention: MultiheadAttention;
  /** Dropout after attention. */
  dropout: Dropout;
  /** LayerNorm before the MLP. */
  ln_2: LayerNorm;
  /** The MLP. */
  mlp: MLPBlock;

  constructor(
    numHeads: number,
    hiddenDim: number,
    mlpDim: number,
    dropout: number,
    attentionDropout: number,
  ) {
    super();
    this.ln_1 = new LayerNorm(hiddenDim, { eps: LN_EPS });
    this.self_attention = new MultiheadAttention(hiddenDim, numHeads, {
      dropout: attentionDropout,
      batchFirst: true,
    });
    this.dropout = new Dropout(dropout);
    this.ln_2 = new LayerNorm(hiddenDim, { eps: LN_EPS });
    this.mlp = new MLPBlock(hiddenDim, mlpDim, dropout);
  }

  forward(input: Tensor): Tensor {
    if (input.ndim !== 3)
      throw new ShapeError(
        `EncoderBlock: expected input of shape [batch, seq, hiddenDim], but got ${fmtShape(input.shape)}`,
      );
    let x = this.ln_1.call(input);
    [x] = this.self_attention.call(x, x, x, { needWeights: false });
    x = this.dropout.call(x).add(input);
    const y = this.mlp.call(this.ln_2.call(x)) as Tensor;
    return x.add(y);
  }
}

/** The ViT encoder: learned position embedding, dropout, the blocks and a final LayerNorm. */
export class Encoder extends Module {
  /** `[1, seqLength, hiddenDim]` position embedding, initialised N(0, 0.02²). */
  pos_embedding: Parameter;
  /** Dropout after adding the position embedding. */
  dropout: Dropout;
  /** The blocks, named `encoder_layer_0`, `encoder_layer_1`, ... */
  layers: Sequential;
  /** Final LayerNorm. */
  ln: LayerNorm;

  constructor(
    seqLength: number,
    numLayers: number,
    numHeads: number,
    hiddenDim: number,
    mlpDim: number,
    dropout: number,
    attentionDropout: number,
  ) {
    super();
    this.pos_embedding = new Parameter(zeros([1, seqLength, hiddenDim]));
    init.normal_(this.pos_embedding, 0, 0.02);
    this.dropout = new Dropout(dropout);
    this.layers = new Sequential();
    for (let i = 0; i < numLayers; i++)
      this.layers.registerModule(
        `encoder_layer_${i}`,
        new EncoderBlock(numHeads, hiddenDim, mlpDim, dropout, attentionDropout),
      );
    this.ln = new LayerNorm(hiddenDim, { eps: LN_EPS });
  }

  forward(input: Tensor): Tensor {
    const want = this.pos_embedding.shape;
    if (input.ndim !== 3 || input.shape[1] !== want[1] || input.shape[2] !== want[2])
      throw new ShapeError(
        `Encoder: expected input of shape [batch, ${want[1]}, ${want[2]}], but got ${fmtShape(input.shape)}`,
      );
    const x = this.dropout.call(input.add(this.pos_embedding));
    return this.ln.call(this.layers.call(x) as Tensor);
  }
}

/** Options of `VisionTransformer` (defaults: ViT-B/16 at 224x224). */
export interface ViTOptions {
  /** Side of the square input images (default 224); must be divisible by `patchSize`. */
  imageSize?: number;
  /** Side of the square patches (default 16). */
  patchSize?: number;
  /** Number of encoder blocks (default 12). */
  numLayers?: number;
  /** Attention heads; must divide `hiddenDim` (default 12). */
  numHeads?: number;
  /** Width of the token embeddings (default 768). */
  hiddenDim?: number;
  /** Hidden width of the MLPs (default 3072). */
  mlpDim?: number;
  /** Dropout probability, when training (default 0). */
  dropout?: number;
  /** Dropout on the attention weights, when training (default 0). */
  attentionDropout?: number;
  /** Number of output classes (default 1000). */
  numClasses?: number;
  /** Width of an extra tanh "pre-logits" layer before the head (default none). */
  representationSize?: number | null;
  /** Channels of the input images (default 3). */
  inChannels?: number;
}

/**
 * Vision Transformer: `conv_proj` cuts the image into `patchSize` x `patchSize` patches and embeds
 * them, a learned `class_token` is prepended, `encoder` runs the transformer, and `heads` classifies
 * the class token. Input `[N, inChannels, imageSize, imageSize]`, output logits `[N, numClasses]`.
 * Initialised as torchvision (note its zero-initialised head).
 */
export class VisionTransformer extends Module {
  /** `[1, 1, hiddenDim]` class token (zeros). */
  class_token: Parameter;
  /** Patch embedding: a `patchSize` x `patchSize` convolution with stride `patchSize`. */
  conv_proj: Conv2d;
  /** The transformer encoder. */
  encoder: Encoder;
  /** `head` (and `pre_logits`, `act` with a representation layer). */
  heads: Sequential;
  /** Side of the input images. */
  readonly imageSize: number;
  /** Side of the patches. */
  readonly patchSize: number;
  /** Width of the token embeddings. */
  readonly hiddenDim: number;
  /** Tokens per image: patches plus the class token. */
  readonly seqLength: number;
  /** Channels of the input images. */
  readonly inChannels: number;
  /** Number of output classes. */
  readonly numClasses: number;

  constructor(options?: ViTOptions) {
    super();
    const M = 'VisionTransformer';
    this.imageSize = checkInt(M, 'imageSize', options?.imageSize ?? 224);
    this.patchSize = checkInt(M, 'patchSize', options?.patchSize ?? 16);
    if (this.imageSize % this.patchSize !== 0)
      throw new ValueError(
        `${M}: imageSize (${this.imageSize}) must be divisible by patchSize (${this.patchSize})`,
      );
    const numLayers = checkInt(M, 'numLayers', options?.numLayers ?? 12, 0);
    const numHeads = checkInt(M, 'numHeads', options?.numHeads ?? 12);
    this.hiddenDim = checkInt(M, 'hiddenDim', options?.hiddenDim ?? 768);
    if (this.hiddenDim % numHeads !== 0)
      throw new ValueError(`${M}: hiddenDim (${this.hiddenDim}) must be divisible by numHeads (${numHeads})`);
    const mlpDim = checkInt(M, 'mlpDim', options?.mlpDim ?? 3072);
    const dropout = checkProb(M, 'dropout', options?.dropout ?? 0);
    const attentionDropout = checkProb(M, 'attentionDropout', options?.attentionDropout ?? 0);
    this.numClasses = checkInt(M, 'numClasses', options?.numClasses ?? 1000);
    this.inChannels = checkInt(M, 'inChannels', options?.inChannels ?? 3);
    const repr = options?.representationSize ?? null;
    if (repr !== null) checkInt(M, 'representationSize', repr);

    this.class_token = new Parameter(zeros([1, 1, this.hiddenDim]));
    this.conv_proj = new Conv2d(this.inChannels, this.hiddenDim, this.patchSize, { stride: this.patchSize });
    this.seqLength = (this.imageSize / this.patchSize) ** 2 + 1;
    this.encoder = new Encoder(
      this.seqLength,
      numLayers,
      numHeads,
      this.hiddenDim,
      mlpDim,
      dropout,
      attentionDropout,
    );
    this.heads = new Sequential();
    let head: Linear;
    if (repr === null) {
      head = new Linear(this.hiddenDim, this.numClasses);
    } else {
      const pre = new Linear(this.hiddenDim, repr);
      init.truncNormal_(pre.weight, 0, Math.sqrt(1 / this.hiddenDim));
      if (pre.bias) init.zeros_(pre.bias);
      this.heads.registerModule('pre_logits', pre);
      this.heads.registerModule('act', new Tanh());
      head = new Linear(repr, this.numClasses);
    }
    this.heads.registerModule('head', head);

    const fanIn = this.inChannels * this.patchSize * this.patchSize;
    init.truncNormal_(this.conv_proj.weight, 0, Math.sqrt(1 / fanIn));
    if (this.conv_proj.bias) init.zeros_(this.conv_proj.bias);
    init.zeros_(head.weight);
    if (head.bias) init.zeros_(head.bias);
  }

  forward(x: Tensor): Tensor {
    checkImageInput('VisionTransformer', x, this.inChannels, { size: this.imageSize });
    const n = x.shape[0];
    const g = this.imageSize / this.patchSize;
    // [N, C, H, W] -> [N, hiddenDim, g, g] -> [N, g*g, hiddenDim]
    let h = this.conv_proj
      .call(x)
      .reshape([n, this.hiddenDim, g * g])
      .permute(0, 2, 1);
    h = cat([this.class_token.expand([n, 1, this.hiddenDim]), h], 1);
    h = this.encoder.call(h);
    return this.heads.call(h.select(1, 0)) as Tensor;
  }
}

type ViTSize = Pick<ViTOptions, 'patchSize' | 'numLayers' | 'numHeads' | 'hiddenDim' | 'mlpDim'>;

function vit(size: Required<ViTSize>, options?: ViTOptions): VisionTransformer {
  return new VisionTransformer({ ...options, ...size });
}

/** Architecture options other than the size, which the `vit_*` builders fix. */
export type ViTBuilderOptions = Omit<ViTOptions, keyof ViTSize>;

/** ViT-B/16 (torchvision's `vit_b_16`), registered as `vit_b_16`. */
export function vitB16(options?: ViTBuilderOptions): VisionTransformer {
  return vit({ patchSize: 16, numLayers: 12, numHeads: 12, hiddenDim: 768, mlpDim: 3072 }, options);
}
/** ViT-B/32 (`vit_b_32`), registered as `vit_b_32`. */
export function vitB32(options?: ViTBuilderOptions): VisionTransformer {
  return vit({ patchSize: 32, numLayers: 12, numHeads: 12, hiddenDim: 768, mlpDim: 3072 }, options);
}
/** ViT-L/16 (`vit_l_16`), registered as `vit_l_16`. */
export function vitL16(options?: ViTBuilderOptions): VisionTransformer {
  return vit({ patchSize: 16, numLayers: 24, numHeads: 16, hiddenDim: 1024, mlpDim: 4096 }, options);
}
/** ViT-L/32 (`vit_l_32`), registered as `vit_l_32`. */
export function vitL32(options?: ViTBuilderOptions): VisionTransformer {
  return vit({ patchSize: 32, numLayers: 24, numHeads: 16, hiddenDim: 1024, mlpDim: 4096 }, options);
}
/** ViT-H/14 (`vit_h_14`), registered as `vit_h_14`. */
export function vitH14(options?: ViTBuilderOptions): VisionTransformer {
  return vit({ patchSize: 14, numLayers: 32, numHeads: 16, hiddenDim: 1280, mlpDim: 5120 }, options);
}
