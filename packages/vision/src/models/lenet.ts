/** LeNet-5 (LeCun et al., 1998), the classic small convolutional network for 28x28 / 32x32 digits. */
import { avgPool2d, maxPool2d, relu, type Tensor, tanh, ValueError } from '@kindling/core';
import { Conv2d, Linear, Module } from '@kindling/nn';
import { checkImageInput, checkInt } from './common.js';

/** Options of `LeNet5` / `lenet5`. */
export interface LeNet5Options {
  /** Number of output classes (default 10). */
  numClasses?: number;
  /** Channels of the input images (default 1). */
  inChannels?: number;
  /**
   * Side of the square input images: 28 (default, MNIST; `conv1` pads by 2), 30 (pads by 1) or 32
   * (the original; no padding). The feature map before `fc1` is always 16x5x5.
   */
  imageSize?: number;
  /** `'relu'` (default, the modern variant) or `'tanh'` (the original). */
  activation?: 'relu' | 'tanh';
  /** `'max'` (default) or `'avg'` (the original's subsampling) pooling. */
  pooling?: 'max' | 'avg';
}

/**
 * LeNet-5: `conv1` 6@5x5 → pool 2 → `conv2` 16@5x5 → pool 2 → `fc1` 120 → `fc2` 84 → `fc3`
 * `numClasses`, with an activation after every layer but the last. Input `[N, inChannels,
 * imageSize, imageSize]`, output logits `[N, numClasses]`. State-dict keys: `conv1.weight`,
 * `conv1.bias`, `conv2.*`, `fc1.*`, `fc2.*`, `fc3.*`.
 */
export class LeNet5 extends Module {
  /** 5x5 convolution to 6 channels (padded so the map is 28x28). */
  conv1: Conv2d;
  /** 5x5 convolution to 16 channels. */
  conv2: Conv2d;
  /** 400 → 120. */
  fc1: Linear;
  /** 120 → 84. */
  fc2: Linear;
  /** 84 → numClasses. */
  fc3: Linear;
  /** Number of output classes. */
  readonly numClasses: number;
  /** Channels of the input images. */
  readonly inChannels: number;
  /** Side of the input images. */
  readonly imageSize: number;
  /** The activation function. */
  readonly activation: 'relu' | 'tanh';
  /** The pooling function. */
  readonly pooling: 'max' | 'avg';

  constructor(options?: LeNet5Options) {
    super();
    this.numClasses = checkInt('LeNet5', 'numClasses', options?.numClasses ?? 10);
    this.inChannels = checkInt('LeNet5', 'inChannels', options?.inChannels ?? 1);
    this.imageSize = options?.imageSize ?? 28;
    if (![28, 30, 32].includes(this.imageSize))
      throw new ValueError(`LeNet5: imageSize must be 28, 30 or 32, got ${String(options?.imageSize)}`);
    this.activation = options?.activation ?? 'relu';
    if (this.activation !== 'relu' && this.activation !== 'tanh')
      throw new ValueError(`LeNet5: activation must be 'relu' or 'tanh', got '${String(this.activation)}'`);
    this.pooling = options?.pooling ?? 'max';
    if (this.pooling !== 'max' && this.pooling !== 'avg')
      throw new ValueError(`LeNet5: pooling must be 'max' or 'avg', got '${String(this.pooling)}'`);
    this.conv1 = new Conv2d(this.inChannels, 6, 5, { padding: (32 - this.imageSize) / 2 });
    this.conv2 = new Conv2d(6, 16, 5);
    this.fc1 = new Linear(16 * 5 * 5, 120);
    this.fc2 = new Linear(120, 84);
    this.fc3 = new Linear(84, this.numClasses);
  }

  forward(x: Tensor): Tensor {
    checkImageInput('LeNet5', x, this.inChannels, { size: this.imageSize });
    const act = this.activation === 'relu' ? relu : tanh;
    const pool = (t: Tensor) => (this.pooling === 'max' ? maxPool2d(t, 2) : avgPool2d(t, 2));
    let h = pool(act(this.conv1.call(x)));
    h = pool(act(this.conv2.call(h)));
    h = h.flatten(1);
    h = act(this.fc1.call(h));
    h = act(this.fc2.call(h));
    return this.fc3.call(h);
  }
}

/** Builds a `LeNet5` (registered as `lenet5`). */
export function lenet5(options?: LeNet5Options): LeNet5 {
  return new LeNet5(options);
}
