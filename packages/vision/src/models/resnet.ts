/**
 * ResNet (He et al., 2015) with torchvision 0.14's module tree, so torchvision state dicts load
 * strictly: `conv1`, `bn1`, `layer1.0.conv1`, `layer1.0.downsample.0`, ..., `fc`.
 */
import { relu, type Tensor, ValueError } from '@kindling/core';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  init,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
} from '@kindling/nn';
import { checkImageInput, checkInt } from './common.js';

/** A residual block type: `BasicBlock` (ResNet-18/34) or `Bottleneck` (ResNet-50 and deeper). */
export type ResNetBlock = 'basic' | 'bottleneck';

/** 3x3 convolution with padding 1 (torchvision's `conv3x3`), no bias. */
function conv3x3(inPlanes: number, outPlanes: number, stride = 1, groups = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, groups, bias: false });
}

/** 1x1 convolution (torchvision's `conv1x1`), no bias. */
function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/**
 * ResNet-18/34's residual block: two 3x3 convolutions with batch norm, plus the input (through
 * `downsample` when the shape changes), then ReLU. Keys: `conv1`, `bn1`, `conv2`, `bn2`,
 * `downsample.0`, `downsample.1`.
 */
export class BasicBlock extends Module {
  /** Output channels = `planes * expansion`. */
  static readonly expansion = 1;
  /** First 3x3 convolution (carries the stride). */
  conv1: Conv2d;
  /** Batch norm after `conv1`. */
  bn1: BatchNorm2d;
  /** ReLU (parameterless). */
  relu = new ReLU();
  /** Second 3x3 convolution. */
  conv2: Conv2d;
  /** Batch norm after `conv2`. */
  bn2: BatchNorm2d;
  /** Projection of the input when the shape changes (1x1 conv + batch norm), or null. */
  downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.bn2.call(this.conv2.call(out));
    const identity = this.downsample ? this.downsample.call(x) : x;
    return relu(out.add(identity));
  }
}

/**
 * ResNet-50's residual block (torchvision's "ResNet V1.5": the stride is on the 3x3 convolution):
 * 1x1 → 3x3 → 1x1 (×4 channels) with batch norm, plus the input. Keys: `conv1`..`conv3`,
 * `bn1`..`bn3`, `downsample.0`, `downsample.1`.
 */
export class Bottleneck extends Module {
  /** Output channels = `planes * expansion`. */
  static readonly expansion = 4;
  /** 1x1 reduction. */
  conv1: Conv2d;
  /** Batch norm after `conv1`. */
  bn1: BatchNorm2d;
  /** 3x3 convolution (carries the stride and the groups). */
  conv2: Conv2d;
  /** Batch norm after `conv2`. */
  bn2: BatchNorm2d;
  /** 1x1 expansion to `planes * 4`. */
  conv3: Conv2d;
  /** Batch norm after `conv3`. */
  bn3: BatchNorm2d;
  /** ReLU (parameterless). */
  relu = new ReLU();
  /** Projection of the input when the shape changes, or null. */
  downsample: Sequential | null;

  constructor(
    inPlanes: number,
    planes: number,
    stride = 1,
    downsample: Sequential | null = null,
    groups = 1,
    baseWidth = 64,
  ) {
    super();
    const width = Math.trunc(planes * (baseWidth / 64)) * groups;
    this.conv1 = conv1x1(inPlanes, width);
    this.bn1 = new BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, stride, groups);
    this.bn2 = new BatchNorm2d(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.relu.call(this.bn2.call(this.conv2.call(out)));
    out = this.bn3.call(this.conv3.call(out));
    const identity = this.downsample ? this.downsample.call(x) : x;
    return relu(out.add(identity));
  }
}

/** Options of `ResNet` and the `resnet18` / `resnet34` / `resnet50` builders. */
export interface ResNetOptions {
  /** Number of output classes (default 1000). */
  numClasses?: number;
  /** Channels of the input images (default 3). */
  inChannels?: number;
  /**
   * `planes` of the four stages (default torchvision's `[64, 128, 256, 512]`; the stem has
   * `widths[0]` channels). Smaller widths give a narrow ResNet with the same key names.
   */
  widths?: readonly number[];
  /** Initialise the last batch norm of each block to zero, so blocks start as identities (default false). */
  zeroInitResidual?: boolean;
  /** Groups of the bottleneck's 3x3 convolution (ResNeXt; default 1; `basic` blocks need 1). */
  groups?: number;
  /** Bottleneck width per group (default 64; `basic` blocks need 64). */
  widthPerGroup?: number;
}

/**
 * A ResNet: stem (`conv1` 7x7/2, `bn1`, ReLU, 3x3/2 max pool), four stages `layer1`..`layer4` of
 * residual blocks (stride 2 from `layer2` on), global average pooling and `fc`. Input
 * `[N, inChannels, H, W]`, output logits `[N, numClasses]`. Initialised as torchvision does
 * (Kaiming-normal fan-out convolutions, batch norm 1/0, PyTorch's default `Linear`).
 */
export class ResNet extends Module {
  /** Stem 7x7 convolution, stride 2. */
  conv1: Conv2d;
  /** Stem batch norm. */
  bn1: BatchNorm2d;
  /** ReLU (parameterless). */
  relu = new ReLU();
  /** 3x3 max pool, stride 2, padding 1. */
  maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
  /** Stage 1 (stride 1). */
  layer1: Sequential;
  /** Stage 2 (stride 2). */
  layer2: Sequential;
  /** Stage 3 (stride 2). */
  layer3: Sequential;
  /** Stage 4 (stride 2). */
  layer4: Sequential;
  /** Global average pooling to 1x1. */
  avgpool = new AdaptiveAvgPool2d([1, 1]);
  /** The classifier. */
  fc: Linear;
  /** Channels of the input images. */
  readonly inChannels: number;
  /** Number of output classes. */
  readonly numClasses: number;

  private inPlanes: number;
  private readonly groups: number;
  private readonly baseWidth: number;

  constructor(
    /** The residual block type. */
    readonly block: ResNetBlock,
    /** Number of blocks in each of the four stages (e.g. `[2, 2, 2, 2]` for ResNet-18). */
    readonly layers: readonly number[],
    options?: ResNetOptions,
  ) {
    super();
    if (block !== 'basic' && block !== 'bottleneck')
      throw new ValueError(`ResNet: block must be 'basic' or 'bottleneck', got '${String(block)}'`);
    if (!Array.isArray(layers) || layers.length !== 4)
      throw new ValueError(`ResNet: layers must list the blocks of 4 stages, got ${JSON.stringify(layers)}`);
    for (let i = 0; i < 4; i++) checkInt('ResNet', `layers[${i}]`, layers[i]);
    const widths = options?.widths ?? [64, 128, 256, 512];
    if (!Array.isArray(widths) || widths.length !== 4)
      throw new ValueError(`ResNet: widths must give 4 stage widths, got ${JSON.stringify(widths)}`);
    for (let i = 0; i < 4; i++) checkInt('ResNet', `widths[${i}]`, widths[i]);
    this.numClasses = checkInt('ResNet', 'numClasses', options?.numClasses ?? 1000);
    this.inChannels = checkInt('ResNet', 'inChannels', options?.inChannels ?? 3);
    this.groups = checkInt('ResNet', 'groups', options?.groups ?? 1);
    this.baseWidth = checkInt('ResNet', 'widthPerGroup', options?.widthPerGroup ?? 64);
    if (block === 'basic' && (this.groups !== 1 || this.baseWidth !== 64))
      throw new ValueError('ResNet: BasicBlock only supports groups=1 and widthPerGroup=64');
    const expansion = block === 'basic' ? BasicBlock.expansion : Bottleneck.expansion;

    this.inPlanes = widths[0];
    this.conv1 = new Conv2d(this.inChannels, this.inPlanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(this.inPlanes);
    this.layer1 = this.makeLayer(widths[0], layers[0], 1);
    this.layer2 = this.makeLayer(widths[1], layers[1], 2);
    this.layer3 = this.makeLayer(widths[2], layers[2], 2);
    this.layer4 = this.makeLayer(widths[3], layers[3], 2);
    this.fc = new Linear(widths[3] * expansion, this.numClasses);

    for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
      else if (m instanceof BatchNorm2d) {
        if (m.weight) init.constant_(m.weight, 1);
        if (m.bias) init.constant_(m.bias, 0);
      }
    }
    if (options?.zeroInitResidual) {
      for (const m of this.modules()) {
        if (m instanceof Bottleneck && m.bn3.weight) init.constant_(m.bn3.weight, 0);
        else if (m instanceof BasicBlock && m.bn2.weight) init.constant_(m.bn2.weight, 0);
      }
    }
  }

  /** One stage of `blocks` blocks (torchvision's `_make_layer`). */
  private makeLayer(planes: number, blocks: number, stride: number): Sequential {
    const expansion = this.block === 'basic' ? BasicBlock.expansion : Bottleneck.expansion;
    let downsample: Sequential | null = null;
    if (stride !== 1 || this.inPlanes !== planes * expansion) {
      downsample = new Sequential(
        conv1x1(this.inPlanes, planes * expansion, stride),
        new BatchNorm2d(planes * expansion),
      );
    }
    const make = (inPlanes: number, s: number, ds: Sequential | null): Module =>
      this.block === 'basic'
        ? new BasicBlock(inPlanes, planes, s, ds)
        : new Bottleneck(inPlanes, planes, s, ds, this.groups, this.baseWidth);
    const mods = [make(this.inPlanes, stride, downsample)];
    this.inPlanes = planes * expansion;
    for (let i = 1; i < blocks; i++) mods.push(make(this.inPlanes, 1, null));
    return new Sequential(...mods);
  }

  forward(x: Tensor): Tensor {
    checkImageInput('ResNet', x, this.inChannels);
    let h = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x))));
    h = this.layer1.call(h);
    h = this.layer2.call(h);
    h = this.layer3.call(h);
    h = this.layer4.call(h);
    h = this.avgpool.call(h).flatten(1);
    return this.fc.call(h);
  }
}

/** ResNet-18 (`BasicBlock`, `[2, 2, 2, 2]`; torchvision's `resnet18`), registered as `resnet18`. */
export function resnet18(options?: ResNetOptions): ResNet {
  return new ResNet('basic', [2, 2, 2, 2], options);
}

/** ResNet-34 (`BasicBlock`, `[3, 4, 6, 3]`; torchvision's `resnet34`), registered as `resnet34`. */
export function resnet34(options?: ResNetOptions): ResNet {
  return new ResNet('basic', [3, 4, 6, 3], options);
}

/** ResNet-50 (`Bottleneck`, `[3, 4, 6, 3]`; torchvision's `resnet50`), registered as `resnet50`. */
export function resnet50(options?: ResNetOptions): ResNet {
  return new ResNet('bottleneck', [3, 4, 6, 3], options);
}
