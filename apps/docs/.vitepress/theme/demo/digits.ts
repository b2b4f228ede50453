/**
 * The live demo's training code, kept free of Vue so that the tests can run it in Node as well:
 * an MLP on sklearn's 8x8 handwritten digits (1797 images, `public/digits-8x8.bin`: 65 bytes per
 * row, 64 pixel values 0-16 and the label), trained with Adam on WebGPU when the browser has it
 * and on the CPU backend otherwise.
 */
import type { Tensor } from '@kindling/core';
import type { Module } from '@kindling/nn';

/** The digits data set, as flat typed arrays. */
export interface Digits {
  /** Pixels scaled to [0, 1], `n * 64` values. */
  pixels: Float32Array;
  /** Labels 0-9, `n` values. */
  labels: Int32Array;
  /** Number of images. */
  n: number;
}

/** Parses the demo's binary copy of the digits (65 bytes per image). */
export function parseDigits(bytes: Uint8Array): Digits {
  if (bytes.length === 0 || bytes.length % 65 !== 0) {
    throw new Error(`digits: expected a multiple of 65 bytes, got ${bytes.length}`);
  }
  const n = bytes.length / 65;
  const pixels = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 64; j++) pixels[i * 64 + j] = bytes[i * 65 + j] / 16;
    labels[i] = bytes[i * 65 + 64];
  }
  return { pixels, labels, n };
}

/** Every fifth image is held out for testing; the rest train. */
export function splitDigits(d: Digits): { train: Digits; test: Digits } {
  const pick = (keep: (i: number) => boolean): Digits => {
    const idx = Array.from({ length: d.n }, (_, i) => i).filter(keep);
    const pixels = new Float32Array(idx.length * 64);
    idx.forEach((src, k) => {
      pixels.set(d.pixels.subarray(src * 64, src * 64 + 64), k * 64);
    });
    return { pixels, labels: Int32Array.from(idx, (i) => d.labels[i]), n: idx.length };
  };
  return { train: pick((i) => i % 5 !== 0), test: pick((i) => i % 5 === 0) };
}

/** Settings of one training run. */
export interface TrainOptions {
  /** Where to train: 'auto' takes WebGPU when `initDevice` exists and finds an adapter. */
  device?: 'auto' | 'cpu' | 'webgpu';
  /** Passes over the training images (default 12). */
  epochs?: number;
  /** Width of the hidden layer (default 64). */
  hidden?: number;
  /** Adam's learning rate (default 0.01). */
  lr?: number;
  /** Images per batch (default 64). */
  batchSize?: number;
  /** Seed of the initial weights and the shuffling (default 0). */
  seed?: number;
  /** Called after every batch with its loss. */
  onBatch?: (loss: number, step: number) => void;
  /** Called after every epoch with the mean training loss and the test accuracy so far. */
  onEpoch?: (epoch: number, meanLoss: number, testAccuracy: number, predictions: Int32Array) => void;
  /** Stops the run between batches. */
  signal?: AbortSignal;
  /** Lets the page repaint between batches (default: a zero-delay timeout). */
  yieldToUi?: () => Promise<void>;
}

/** What a finished run leaves behind. */
export interface TrainResult {
  /** The trained model (`Sequential(Linear, ReLU, Linear)`), on `device`. */
  model: Module;
  /** Device the run used. */
  device: 'cpu' | 'webgpu';
  /** Why WebGPU was not used, when it was not. */
  fallbackReason?: string;
  /** Loss of every batch, in order. */
  losses: number[];
  /** Mean training loss of every epoch. */
  epochLosses: number[];
  /** Accuracy on the held-out images after the last epoch, 0-1. */
  testAccuracy: number;
  /** Predicted class of every held-out image. */
  predictions: Int32Array;
}

/**
 * Picks the device: WebGPU when the installed `@kindling/core` has `initDevice` and the browser
 * gives an adapter, else the CPU (with the reason).
 */
export async function pickDevice(
  wanted: 'auto' | 'cpu' | 'webgpu',
): Promise<{ device: 'cpu' | 'webgpu'; reason?: string }> {
  if (wanted === 'cpu') return { device: 'cpu', reason: 'the CPU was chosen' };
  const core = (await import('@kindling/core')) as Record<string, unknown>;
  const init = core.initDevice as ((d: 'webgpu') => Promise<unknown>) | undefined;
  if (typeof init !== 'function') {
    return { device: 'cpu', reason: 'this build of @kindling/core has no WebGPU backend yet' };
  }
  if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
    return { device: 'cpu', reason: 'this browser does not expose WebGPU (navigator.gpu)' };
  }
  try {
    await init('webgpu');
    return { device: 'webgpu' };
  } catch (e) {
    return { device: 'cpu', reason: `WebGPU could not start: ${(e as Error).message}` };
  }
}

const defaultYield = () => new Promise<void>((r) => setTimeout(r, 0));

/** Trains the MLP; see `TrainOptions`. */
export async function trainDigits(data: Digits, options: TrainOptions = {}): Promise<TrainResult> {
  const { Generator, argmax, manualSeed, tensor } = await import('@kindling/core');
  const { noGrad } = await import('@kindling/autograd');
  const { Adam, CrossEntropyLoss, DataLoader, Linear, ReLU, Sequential, TensorDataset } = await import(
    '@kindling/nn'
  );
  const epochs = options.epochs ?? 12;
  const hidden = options.hidden ?? 64;
  const seed = options.seed ?? 0;
  const yieldToUi = options.yieldToUi ?? defaultYield;
  const { device, reason } = await pickDevice(options.device ?? 'auto');

  const { train, test } = splitDigits(data);
  const xTrain = tensor(train.pixels).reshape([train.n, 64]);
  const yTrain = tensor(train.labels);
  const xTest = tensor(test.pixels).reshape([test.n, 64]).to(device);

  manualSeed(seed);
  const model = new Sequential(new Linear(64, hidden), new ReLU(), new Linear(hidden, 10)).to(device);
  const optimizer = new Adam(model.parameters(), { lr: options.lr ?? 0.01 });
  const lossFn = new CrossEntropyLoss();
  const loader = new DataLoader(new TensorDataset(xTrain, yTrain), {
    batchSize: options.batchSize ?? 64,
    shuffle: true,
    generator: new Generator(seed),
  });

  const evaluate = async (): Promise<[number, Int32Array]> => {
    model.eval();
    const predicted: Tensor = noGrad(() => argmax(model.call(xTest), 1));
    const pred = Int32Array.from((await predicted.data()) as ArrayLike<number>);
    model.train();
    let correct = 0;
    for (let i = 0; i < test.n; i++) if (pred[i] === test.labels[i]) correct++;
    return [correct / test.n, pred];
  };

  const losses: number[] = [];
  const epochLosses: number[] = [];
  let accuracy = 0;
  let predictions: Int32Array = new Int32Array(test.n);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let sum = 0;
    let batches = 0;
    for (const [x, y] of loader) {
      if (options.signal?.aborted) throw new DOMException('training stopped', 'AbortError');
      optimizer.zeroGrad();
      const loss = lossFn.call(model.call(x.to(device)), y.to(device));
      loss.backward();
      optimizer.step();
      const value = Number(await loss.item());
      losses.push(value);
      sum += value;
      batches++;
      options.onBatch?.(value, losses.length);
      await yieldToUi();
    }
    epochLosses.push(sum / batches);
    [accuracy, predictions] = await evaluate();
    options.onEpoch?.(epoch, sum / batches, accuracy, predictions);
  }
  return {
    model,
    device,
    ...(reason ? { fallbackReason: reason } : {}),
    losses,
    epochLosses,
    testAccuracy: accuracy,
    predictions,
  };
}

/** The trained weights as safetensors bytes, with PyTorch's state-dict names (`0.weight`, ...). */
export async function checkpointBytes(model: Module, metadata: Record<string, string>): Promise<Uint8Array> {
  const { saveSafetensors, saveSafetensorsAsync } = await import('@kindling/core');
  const state = model.stateDict();
  const onCpu = Object.values(state).every((t) => t.device === 'cpu');
  return onCpu ? saveSafetensors(state, metadata) : saveSafetensorsAsync(state, metadata);
}
