/**
 * End to end: an MLP trained on sklearn's 8x8 digits (`data/digits.csv.gz`, 1797 samples) with
 * TensorDataset + DataLoader, crossEntropy and Adam reaches >= 95% test accuracy, seeded and
 * deterministic. The split is fixed: a `randomSplit` into 1437 train / 360 test samples drawn from
 * `Generator(0)`. (The file is ordered by writer, so its last 360 rows are unseen writers: there
 * PyTorch's same MLP also only reaches ~91%, hence the i.i.d. split.)
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { argmax, eq, Generator, manualSeed, type Tensor, tensor } from '@kindling/core';
import { noGrad } from '@kindling/autograd';
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  type Dataset,
  Linear,
  randomSplit,
  ReLU,
  Sequential,
  TensorDataset,
} from '../src/index.js';

const CSV = new URL('../../../data/digits.csv.gz', import.meta.url);

/** All 1797 samples: pixels scaled to [0, 1] (float32 [n, 64]) and int32 labels. */
function loadDigits(): TensorDataset {
  const rows = gunzipSync(readFileSync(CSV)).toString('utf8').trim().split('\n');
  const n = rows.length;
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  rows.forEach((line, i) => {
    const v = line.split(',').map(Number);
    for (let j = 0; j < 64; j++) x[i * 64 + j] = v[j] / 16;
    y[i] = v[64];
  });
  return new TensorDataset(tensor(x).reshape([n, 64]), tensor(y));
}

interface RunResult {
  epochLosses: number[];
  accuracy: number;
}

/**
 * Trains a 64-128-10 MLP for `epochs` epochs from `seed` on `train`; returns the mean loss per epoch
 * and the accuracy on `test`.
 */
function fit(train: Dataset<Tensor[]>, test: Dataset<Tensor[]>, seed: number, epochs: number): RunResult {
  manualSeed(seed);
  const model = new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 10));
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const lossFn = new CrossEntropyLoss();
  const loader = new DataLoader(train, { batchSize: 64, shuffle: true, generator: new Generator(seed) });
  const epochLosses: number[] = [];
  for (let e = 0; e < epochs; e++) {
    let total = 0;
    let batches = 0;
    for (const [x, y] of loader) {
      opt.zeroGrad();
      const loss = lossFn.call(model.call(x), y);
      loss.backward();
      opt.step();
      total += Number(loss.itemSync());
      batches++;
    }
    epochLosses.push(total / batches);
  }
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (const [x, y] of new DataLoader(test, { batchSize: 128 })) {
      correct += Number(
        eq(argmax(model.call(x), 1), y)
          .sum()
          .itemSync(),
      );
    }
  });
  return { epochLosses, accuracy: correct / test.length };
}

describe('digits end to end', () => {
  const [train, test] = randomSplit(loadDigits(), [1437, 360], { generator: new Generator(0) });

  it('loads 1797 samples and splits them 1437 / 360', () => {
    expect(train.length + test.length).toBe(1797);
    expect(test.length).toBe(360);
    const [x, y] = test.get(0) as Tensor[];
    expect(x.shape).toEqual([64]);
    expect(y.dtype).toBe('int32');
  });

  it('an MLP reaches >= 95% test accuracy, the loss falls, and a rerun with the same seed is identical', () => {
    const a = fit(train, test, 0, 15);
    const first = a.epochLosses[0];
    const last = a.epochLosses[a.epochLosses.length - 1];
    expect(first).toBeGreaterThan(0.3);
    expect(last).toBeLessThan(first / 5);
    expect(a.accuracy).toBeGreaterThanOrEqual(0.95);

    const b = fit(train, test, 0, 15);
    expect(b.epochLosses).toEqual(a.epochLosses);
    expect(b.accuracy).toBe(a.accuracy);
  });
});
