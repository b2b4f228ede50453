// The main demo (`pnpm build && pnpm demo`): trains a small MLP on sklearn's 8x8 handwritten digits
// (data/digits.csv.gz, 1797 samples) for a few epochs, printing the loss of each epoch, the test
// accuracy and a few predictions. Uses the built @kindling/core, @kindling/autograd and @kindling/nn.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { argmax, eq, Generator, manualSeed, softmax, tensor } from '@kindling/core';
import { noGrad } from '@kindling/autograd';
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  Linear,
  randomSplit,
  ReLU,
  Sequential,
  TensorDataset,
} from '@kindling/nn';

const EPOCHS = 8;
const started = performance.now();

// 1797 rows of 64 pixel values (0-16) and the label; pixels scaled to [0, 1].
const rows = gunzipSync(readFileSync(new URL('../data/digits.csv.gz', import.meta.url)))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((line) => line.split(',').map(Number));
const pixels = tensor(Float32Array.from(rows.flatMap((r) => r.slice(0, 64).map((v) => v / 16)))).reshape([
  rows.length,
  64,
]);
const labels = tensor(Int32Array.from(rows.map((r) => r[64])));
const [train, test] = randomSplit(new TensorDataset(pixels, labels), [0.8, 0.2], {
  generator: new Generator(0),
});
console.log(`digits: ${train.length} training and ${test.length} test images of 8x8 pixels\n`);

manualSeed(0);
const model = new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 10));
console.log(`model: ${String(model)}\n`);
const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
const lossFn = new CrossEntropyLoss();
const loader = new DataLoader(train, { batchSize: 64, shuffle: true, generator: new Generator(0) });

const bar = (v, max, width = 40) => '#'.repeat(Math.max(1, Math.round((v / max) * width)));
let firstLoss = 0;
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  let total = 0;
  let batches = 0;
  for (const [x, y] of loader) {
    optimizer.zeroGrad();
    const loss = lossFn.call(model.call(x), y);
    loss.backward();
    optimizer.step();
    total += loss.itemSync();
    batches++;
  }
  const mean = total / batches;
  if (epoch === 1) firstLoss = mean;
  console.log(`epoch ${epoch}  loss ${mean.toFixed(4)}  ${bar(mean, firstLoss)}`);
}

// Evaluate on the held-out images, without recording a graph.
model.eval();
const [xTest, yTest] = [...new DataLoader(test, { batchSize: test.length })][0];
const probs = noGrad(() => softmax(model.call(xTest), 1));
const predicted = argmax(probs, 1);
const correct = eq(predicted, yTest).sum().itemSync();
console.log(`\ntest accuracy: ${((100 * correct) / test.length).toFixed(1)}% (${correct}/${test.length})`);

// A few test images as text, with the model's prediction and confidence: two, and the first mistake.
const shades = ' .:-=+*#%@';
const pred = predicted.dataSync();
const truth = yTest.dataSync();
const conf = probs.dataSync();
const miss = pred.findIndex((p, i) => p !== truth[i]);
const shown = miss >= 0 ? [0, 1, miss] : [0, 1, 2];
const images = shown.map((i) => {
  const img = xTest.select(0, i).dataSync();
  return Array.from({ length: 8 }, (_, r) =>
    Array.from(img.subarray(r * 8, r * 8 + 8), (v) => shades[Math.min(9, Math.floor(v * 10))].repeat(2)).join(
      '',
    ),
  );
});
console.log('');
for (let r = 0; r < 8; r++)
  console.log(
    images
      .map((img) => img[r].padEnd(32))
      .join('')
      .trimEnd(),
  );
console.log(
  shown
    .map((i) =>
      `predicted ${pred[i]} (${(100 * conf[i * 10 + pred[i]]).toFixed(0)}%), label ${truth[i]}`.padEnd(32),
    )
    .join('')
    .trimEnd(),
);
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
