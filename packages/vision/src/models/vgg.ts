/**
 * VGG (Simonyan & Zisserman, 2014) with torchvision 0.14's module tree, so torchvision state dicts
 * load strictly: `features.N.*` (convolutions, and batch norms in the `_bn` variants, numbered as
 * torchvision's `make_layers` numbers them) and `classifier.0`, `classifier.3`, `classifier.6`.
 */
import { type Tensor, ValueError } from '@kindling/core';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  init,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
} from '@kindling/nn';
import { checkImageInput, checkInt, checkProb } from './common.js';

/** A VGG feature configuration: output channels of each 3x3 convolution, `'M'` for a 2x2 max pool. */
export type VGGConfig = readonly (number | 'M')[];

/** torchvision's configurations: A = VGG-11, B = VGG-13, D = VGG-16, E = VGG-19. */
export const VGG_CONFIGS: Record<'A' | 'B' | 'D' | 'E', VGGConfig> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

/** Options of `VGG` and the `vgg11` ... `vgg19_bn` builders. */
export interface VGGOptions {
  /** Number of output classes (default 1000). */
  numClasses?: number;
  /** Channels of the input images (default 3). */
  inChannels?: number;
  /** Batch norm after every convolution (default false; true in the `_bn` builders). */
  batchNorm?: boolean;
  /** Dropout probability in the classifier, when training (default 0.5). */
  dropout?: number;
  /**
   * The feature layers (default: the builder's torchvision configuration); a narrower list such as
   * `[16, 'M', 32, 'M', 64, 64, 'M']` gives a small VGG with the same key scheme.
   */
  cfg?: VGGConfig;
  /** Width of the classifier's two hidden layers (default 4096). */
  hiddenDim?: number;
  /** Side of the adaptive average pooling before the classifier (default 7). */
  poolSize?: number;
}

/**
 * VGG: `features` (3x3 convolutions with ReLU, optional batch norm, and 2x2 max pools), adaptive
 * average pooling to `poolSize` x `poolSize`, and `classifier` (linear, ReLU, dropout, linear, ReLU,
 * dropout, linear). Input `[N, inChannels, H, W]` with H and W at least 2^(number of pools); output
 * logits `[N, numClasses]`. Initialised as torchvision (Kaiming-normal fan-out convolutions with zero
 * bias, batch norm 1/0, linear N(0, 0.01) with zero bias).
 */
export class VGG extends Module {
  /** The convolutional trunk. */
  features: Sequential;
  /** Adaptive average pooling to `poolSize` x `poolSize`. */
  avgpool: AdaptiveAvgPool2d;
  /** The classifier head. */
  classifier: Sequential;
  /** Channels of the input images. */
  readonly inChannels: number;
  /** Number of output classes. */
  readonly numClasses: number;
  /** Smallest input side the pools allow. */
  readonly minSize: number;

  constructor(cfg: VGGConfig, options?: VGGOptions) {
    super();
    const M = 'VGG';
    this.numClasses = checkInt(M, 'numClasses', options?.numClasses ?? 1000);
    this.inChannels = checkInt(M, 'inChannels', options?.inChannels ?? 3);
    const dropout = checkProb(M, 'dropout', options?.dropout ?? 0.5);
    const hidden = checkInt(M, 'hiddenDim', options?.hiddenDim ?? 4096);
    const poolSize = checkInt(M, 'poolSize', options?.poolSize ?? 7);
    if (!Array.isArray(cfg) || !cfg.some((v) => v !== 'M'))
      throw new ValueError(`${M}: cfg must list at least one convolution width, got ${JSON.stringify(cfg)}`);
    const layers: Module[] = [];
    let inChannels = this.inChannels;
    let pools = 0;
    for (const v of cfg) {
      if (v === 'M') {
        layers.push(new MaxPool2d(2, { stride: 2 }));
        pools++;
        continue;
      }
      checkInt(M, 'cfg entry', v);
      layers.push(new Conv2d(inChannels, v, 3, { padding: 1 }));
      if (options?.batchNorm) layers.push(new BatchNorm2d(v));
      layers.push(new ReLU());
      inChannels = v;
    }
    this.minSize = 2 ** pools;
    this.features = new Sequential(...layers);
    this.avgpool = new AdaptiveAvgPool2d([poolSize, poolSize]);
    this.classifier = new Sequential(
      new Linear(inChannels * poolSize * poolSize, hidden),
      new ReLU(),
      new Dropout(dropout),
      new Linear(hidden, hidden),
      new ReLU(),
      new Dropout(dropout),
      new Linear(hidden, this.numClasses),
    );
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
        if (m.bias) init.zeros_(m.bias);
      } else if (m instanceof BatchNorm2d) {
        if (m.weight) init.ones_(m.weight);
        if (m.bias) init.zeros_(m.bias);
      } else if (m instanceof Linear) {
        init.normal_(m.weight, 0, 0.01);
        if (m.bias) init.zeros_(m.bias);
      }
    }
  }

  forward(x: Tensor): Tensor {
    checkImageInput('VGG', x, this.inChannels, { minSize: this.minSize });
    const h = this.avgpool.call(this.features.call(x) as Tensor).flatten(1);
    return this.classifier.call(h) as Tensor;
  }
}

function build(cfg: 'A' | 'B' | 'D' | 'E', batchNorm: boolean, options?: VGGOptions): VGG {
  return new VGG(options?.cfg ?? VGG_CONFIGS[cfg], { ...options, batchNorm });
}

/** VGG-11 (configuration A; torchvision's `vgg11`), registered as `vgg11`. */
export function vgg11(options?: VGGOptions): VGG {
  return build('A', false, options);
}
/** VGG-11 with batch norm (`vgg11_bn`), registered as `vgg11_bn`. */
export function vgg11Bn(options?: VGGOptions): VGG {
  return build('A', true, options);
}
/** VGG-13 (configuration B; `vgg13`), registered as `vgg13`. */
export function vgg13(options?: VGGOptions): VGG {
  return build('B', false, options);
}
/** VGG-13 with batch norm (`vgg13_bn`), registered as `vgg13_bn`. */
export function vgg13Bn(options?: VGGOptions): VGG {
  return build('B', true, options);
}
/** VGG-16 (configuration D; `vgg16`), registered as `vgg16`. */
export function vgg16(options?: VGGOptions): VGG {
  return build('D', false, options);
}
/** VGG-16 with batch norm (`vgg16_bn`), registered as `vgg16_bn`. */
export function vgg16Bn(options?: VGGOptions): VGG {
  return build('D', true, options);
}
/** VGG-19 (configuration E; `vgg19`), registered as `vgg19`. */
export function vgg19(options?: VGGOptions): VGG {
  return build('E', false, options);
}
/** VGG-19 with batch norm (`vgg19_bn`), registered as `vgg19_bn`. */
export function vgg19Bn(options?: VGGOptions): VGG {
  return build('E', true, options);
}
