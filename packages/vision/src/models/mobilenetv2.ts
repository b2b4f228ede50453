/**
 * MobileNetV2 (Sandler et al., 2018) with torchvision 0.14's module tree, so torchvision state dicts
 * load strictly: `features.0.0.weight` (stem conv), `features.0.1.*` (its batch norm),
 * `features.N.conv.M...` (inverted residual blocks), `features.18.*` (last 1x1 conv) and
 * `classifier.1.*`.
 */
import { adaptiveAvgPool2d, type Tensor, ValueError } from '@kindling/core';
import { BatchNorm2d, Conv2d, Dropout, init, Linear, Module, ReLU6, Sequential } from '@kindling/nn';
import { checkImageInput, checkInt, checkProb } from './common.js';

/**
 * Rounds `v` to the nearest multiple of `divisor` (at least `minValue`, default `divisor`), never
 * going more than 10% below `v` (torchvision's `_make_divisible`).
 */
export function makeDivisible(v: number, divisor: number, minValue?: number): number {
  const min = minValue ?? divisor;
  let out = Math.max(min, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

/**
 * Convolution → batch norm → ReLU6 as a `Sequential` (children `0`, `1`, `2`), torchvision's
 * `Conv2dNormActivation` as MobileNetV2 uses it (no conv bias, padding `(kernelSize - 1) / 2`).
 */
export class Conv2dNormActivation extends Sequential {
  constructor(inChannels: number, outChannels: number, kernelSize = 3, stride = 1, groups = 1) {
    super(
      new Conv2d(inChannels, outChannels, kernelSize, {
        stride,
        padding: Math.floor((kernelSize - 1) / 2),
        groups,
        bias: false,
      }),
      new BatchNorm2d(outChannels),
      new ReLU6(),
    );
  }
}

/**
 * MobileNetV2's inverted residual block: optional 1x1 expansion (×`expandRatio`), 3x3 depthwise
 * convolution (carrying the stride), linear 1x1 projection; the input is added when the stride is 1
 * and the channels agree. Keys `conv.0...`, `conv.1...`, ... as torchvision.
 */
export class InvertedResidual extends Module {
  /** The block's layers. */
  conv: Sequential;
  /** Whether the input is added to the output. */
  readonly useResConnect: boolean;

  constructor(inp: number, oup: number, stride: number, expandRatio: number) {
    super();
    if (stride !== 1 && stride !== 2)
      throw new ValueError(`InvertedResidual: stride should be 1 or 2, got ${String(stride)}`);
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: Module[] = [];
    if (expandRatio !== 1) layers.push(new Conv2dNormActivation(inp, hidden, 1));
    layers.push(
      new Conv2dNormActivation(hidden, hidden, 3, stride, hidden),
      new Conv2d(hidden, oup, 1, { bias: false }),
      new BatchNorm2d(oup),
    );
    this.conv = new Sequential(...layers);
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.call(x) as Tensor;
    return this.useResConnect ? x.add(y) : y;
  }
}

/** Options of `MobileNetV2` / `mobilenetV2`. */
export interface MobileNetV2Options {
  /** Number of output classes (default 1000). */
  numClasses?: number;
  /** Channels of the input images (default 3). */
  inChannels?: number;
  /** Multiplies every layer's channels (default 1; e.g. 0.25, 0.5, 0.75, 1.4). */
  widthMult?: number;
  /** Channels are rounded to multiples of this (default 8; 1 turns rounding off). */
  roundNearest?: number;
  /** Dropout before the classifier, when training (default 0.2). */
  dropout?: number;
  /** Stages as `[expandRatio t, channels c, repeats n, stride s]` (default the paper's 7 stages). */
  invertedResidualSetting?: readonly (readonly number[])[];
}

const DEFAULT_SETTING = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/**
 * MobileNetV2: `features` (stem 3x3/2 conv, inverted residual blocks, 1x1 conv to `lastChannel`),
 * global average pooling, `classifier` (dropout, linear). Input `[N, inChannels, H, W]`, output
 * logits `[N, numClasses]`. Initialised as torchvision (Kaiming-normal fan-out convolutions, batch
 * norm 1/0, linear N(0, 0.01) with zero bias).
 */
export class MobileNetV2 extends Module {
  /** The convolutional trunk. */
  features: Sequential;
  /** Dropout and the final linear layer. */
  classifier: Sequential;
  /** Channels of the features (1280, or more when `widthMult > 1`). */
  readonly lastChannel: number;
  /** Channels of the input images. */
  readonly inChannels: number;
  /** Number of output classes. */
  readonly numClasses: number;

  constructor(options?: MobileNetV2Options) {
    super();
    const M = 'MobileNetV2';
    this.numClasses = checkInt(M, 'numClasses', options?.numClasses ?? 1000);
    this.inChannels = checkInt(M, 'inChannels', options?.inChannels ?? 3);
    const widthMult = options?.widthMult ?? 1;
    if (typeof widthMult !== 'number' || !(widthMult > 0))
      throw new ValueError(`${M}: widthMult must be a positive number, got ${String(widthMult)}`);
    const roundNearest = checkInt(M, 'roundNearest', options?.roundNearest ?? 8);
    const dropout = checkProb(M, 'dropout', options?.dropout ?? 0.2);
    const setting = options?.invertedResidualSetting ?? DEFAULT_SETTING;
    if (!Array.isArray(setting) || setting.length === 0 || setting.some((s) => s.length !== 4))
      throw new ValueError(
        `${M}: invertedResidualSetting should be a non-empty list of [t, c, n, s] rows, got ${JSON.stringify(setting)}`,
      );

    let inputChannel = makeDivisible(32 * widthMult, roundNearest);
    this.lastChannel = makeDivisible(1280 * Math.max(1, widthMult), roundNearest);
    const features: Module[] = [new Conv2dNormActivation(this.inChannels, inputChannel, 3, 2)];
    for (const [t, c, n, s] of setting) {
      const outputChannel = makeDivisible(c * widthMult, roundNearest);
      for (let i = 0; i < n; i++) {
        features.push(new InvertedResidual(inputChannel, outputChannel, i === 0 ? s : 1, t));
        inputChannel = outputChannel;
      }
    }
    features.push(new Conv2dNormActivation(inputChannel, this.lastChannel, 1));
    this.features = new Sequential(...features);
    this.classifier = new Sequential(new Dropout(dropout), new Linear(this.lastChannel, this.numClasses));

    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        init.kaimingNormal_(m.weight, { mode: 'fanOut' });
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
    checkImageInput('MobileNetV2', x, this.inChannels);
    const h = adaptiveAvgPool2d(this.features.call(x) as Tensor, [1, 1]).flatten(1);
    return this.classifier.call(h) as Tensor;
  }
}

/** Builds a `MobileNetV2` (torchvision's `mobilenet_v2`), registered as `mobilenet_v2`. */
export function mobilenetV2(options?: MobileNetV2Options): MobileNetV2 {
  return new MobileNetV2(options);
}
