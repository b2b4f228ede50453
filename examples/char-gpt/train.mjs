// Trains a small character-level GPT on the text of Moby Dick (shipped with @kindling/text), reports
// training and validation loss (nats per character), saves a checkpoint and prints a sample. Runs on
// the BUILT packages: use `pnpm example:char-gpt`, which builds first.
//
//   pnpm example:char-gpt [--minutes 9] [--steps N] [--batch-size 8] [--lr 0.003] [--target 1.8]
//                         [--threads 2] [--out DIR] [--seed 0]
//
// Model: GPT with 2 layers, width 128, 4 heads, context 128 (block size), GPT-2's tanh GELU, no
// dropout, lm_head tied to wte. Data: the book split 90% / 10% into training and validation text
// (the validation part is the end of the book); batches of random 128-character windows. AdamW
// (betas 0.9 / 0.95, weight decay 0.1 on matrices only), linear warm-up then cosine decay to 10% of
// the peak, gradient clipping at norm 1. By default the schedule runs on the clock: the learning
// rate decays over `--minutes` of training, so a faster machine simply takes more steps; `--steps N`
// fixes the number of steps instead.
//
// @kindling/text is imported from its build output by path (the root package does not depend on it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { noGrad } from '@kindling/autograd';
import * as core from '@kindling/core';
import { clipGradNorm_, crossEntropy, save } from '@kindling/nn';
import { CharTokenizer, GPT, generateText, loadMobyDick } from '../../packages/text/dist/index.js';
import { gptAdamW } from './optimizer.mjs';

const { fromHost, Generator, manualSeed, randint } = core;
const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '9' },
    steps: { type: 'string' },
    'batch-size': { type: 'string', default: '8' },
    'block-size': { type: 'string', default: '128' },
    lr: { type: 'string', default: '0.003' },
    warmup: { type: 'string', default: '50' },
    'eval-every': { type: 'string', default: '50' },
    'eval-windows': { type: 'string', default: '32' },
    'final-eval-windows': { type: 'string', default: '256' },
    target: { type: 'string', default: '1.8' },
    threads: { type: 'string', default: '2' },
    'sample-length': { type: 'string', default: '400' },
    out: { type: 'string', default: join(here, 'out') },
    seed: { type: 'string', default: '0' },
  },
});
const batchSize = Number(args['batch-size']);
const blockSize = Number(args['block-size']);
const peakLr = Number(args.lr);
const warmup = Number(args.warmup);
const minLr = peakLr / 10;
const fixedSteps = args.steps ? Number(args.steps) : null;
const budgetSeconds = Number(args.minutes) * 60;
const evalEvery = Number(args['eval-every']);
const target = Number(args.target);
const seed = Number(args.seed);

/** A one-line progress bar: redrawn in place on a terminal, printed every ~5% otherwise. */
class Progress {
  constructor(total) {
    this.total = total;
    this.tty = process.stdout.isTTY;
    this.lastPrinted = -1;
  }
  /** `fraction` of the run done (steps or time), plus a status text. */
  update(fraction, text) {
    const width = 24;
    const f = Math.min(1, fraction);
    const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '.');
    const line = `[${bar}] ${(100 * f).toFixed(0).padStart(3)}% ${text}`;
    if (this.tty) process.stdout.write(`\r${line}\x1b[K`);
    else {
      const slot = Math.floor(f * 20);
      if (slot !== this.lastPrinted) {
        this.lastPrinted = slot;
        console.log(line);
      }
    }
  }
  /** Prints a line above the bar. */
  log(text) {
    if (this.tty) process.stdout.write(`\r\x1b[K${text}\n`);
    else console.log(text);
  }
  end() {
    if (this.tty) process.stdout.write('\n');
  }
}

/** Learning rate at `progress` in [0, 1] after `step` steps: linear warm-up, then cosine to minLr. */
function learningRate(step, progress) {
  if (step < warmup) return (peakLr * (step + 1)) / warmup;
  const p = Math.min(1, Math.max(0, progress));
  return minLr + 0.5 * (peakLr - minLr) * (1 + Math.cos(Math.PI * p));
}

/** `[batch, blockSize]` int32 inputs and targets starting at the given offsets of `data`. */
function windows(data, offsets) {
  const n = offsets.length;
  const x = new Int32Array(n * blockSize);
  const y = new Int32Array(n * blockSize);
  for (let b = 0; b < n; b++) {
    const o = offsets[b];
    x.set(data.subarray(o, o + blockSize), b * blockSize);
    y.set(data.subarray(o + 1, o + 1 + blockSize), b * blockSize);
  }
  return [fromHost(x, [n, blockSize], 'int32'), fromHost(y, [n, blockSize], 'int32')];
}

/** Offsets of `count` evenly spaced, non-overlapping windows over `data` (a fixed evaluation set). */
function evenOffsets(data, count) {
  const last = data.length - blockSize - 1;
  const n = Math.min(count, Math.floor(last / blockSize) + 1);
  return Array.from({ length: n }, (_, i) => Math.floor((i * last) / Math.max(1, n - 1)));
}

/** Mean cross-entropy (nats per character) of the model over windows at `offsets`, in chunks. */
function evaluate(model, data, offsets) {
  model.eval();
  let sum = 0;
  noGrad(() => {
    for (let i = 0; i < offsets.length; i += 32) {
      const chunk = offsets.slice(i, i + 32);
      const [x, y] = windows(data, chunk);
      const logits = model.call(x);
      const loss = crossEntropy(logits.reshape([-1, logits.shape[2]]), y.reshape([-1]));
      sum += loss.itemSync() * chunk.length;
    }
  });
  model.train();
  return sum / offsets.length;
}

async function main() {
  const scriptStart = performance.now();
  // Core's native CPU kernels (when built) may use several threads; the JavaScript kernels use one.
  if (typeof core.setNumThreads === 'function') core.setNumThreads(Number(args.threads));
  const info =
    typeof core.getBackendInfo === 'function' ? core.getBackendInfo() : { kernels: 'js', threads: 1 };
  const threads = info.threads;
  manualSeed(seed);
  const text = await loadMobyDick();
  const tokenizer = CharTokenizer.fromCorpus(text);
  const ids = Int32Array.from(tokenizer.encode(text));
  const split = Math.floor(ids.length * 0.9);
  const train = ids.subarray(0, split);
  const val = ids.subarray(split);
  console.log(
    `Moby Dick: ${ids.length} characters, vocabulary of ${tokenizer.vocabSize}; ${train.length} for training, ${val.length} for validation`,
  );

  const model = new GPT({
    vocabSize: tokenizer.vocabSize,
    blockSize,
    nLayer: 2,
    nHead: 4,
    nEmbd: 128,
    geluApproximate: 'tanh',
  });
  const optimizer = gptAdamW(model, peakLr);
  console.log(
    `${model.toString()}\n${model.numParameters()} parameters; AdamW(lr=${peakLr}, warm-up ${warmup} steps, cosine to ${Number(minLr.toPrecision(3))}), batch ${batchSize} x ${blockSize} characters, ` +
      (fixedSteps ? `${fixedSteps} steps` : `${args.minutes} minutes of training`) +
      `; CPU kernels: ${info.kernels}${info.isa ? ` (${info.isa})` : ''}, ${threads} thread(s)`,
  );

  if (info.kernels !== 'native')
    console.log(
      `note: core's native CPU kernels are not in use${info.reason ? ` (${info.reason})` : ''}; the JavaScript kernels are about 4x slower, so expect a higher loss after ${args.minutes} minutes`,
    );
  const gen = new Generator(seed + 1);
  const evalOffsets = evenOffsets(val, Number(args['eval-windows']));
  const bar = new Progress();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let trainSeconds = 0; // time in training steps only (no evaluation): for tokens/s
  let step = 0;
  let lossEma = null;
  let timeToTarget = null;
  let stepsToTarget = null;
  const history = [];
  const elapsed = () => (performance.now() - start) / 1000;
  const progress = () => (fixedSteps ? step / fixedSteps : elapsed() / budgetSeconds);
  model.train();
  while (progress() < 1) {
    const t0 = performance.now();
    const lr = learningRate(step, progress());
    for (const g of optimizer.paramGroups) g.lr = lr;
    const offsets = randint(0, train.length - blockSize - 1, [batchSize], { generator: gen }).dataSync();
    const [x, y] = windows(train, offsets);
    const logits = model.call(x);
    const loss = crossEntropy(logits.reshape([-1, logits.shape[2]]), y.reshape([-1]));
    optimizer.zeroGrad();
    loss.backward();
    clipGradNorm_(model.parameters(), 1.0);
    optimizer.step();
    const l = loss.itemSync();
    lossEma = lossEma === null ? l : 0.9 * lossEma + 0.1 * l;
    step++;
    trainSeconds += (performance.now() - t0) / 1000;
    const tokensPerSecond = (step * batchSize * blockSize) / trainSeconds;
    if (step % evalEvery === 0) {
      const v = evaluate(model, val, evalOffsets);
      history.push({ step, seconds: elapsed(), trainLoss: lossEma, valLoss: v });
      if (timeToTarget === null && v < target) {
        timeToTarget = elapsed();
        stepsToTarget = step;
      }
      bar.log(
        `step ${step}: train loss ${lossEma.toFixed(3)}, val loss ${v.toFixed(3)} (${elapsed().toFixed(0)}s)` +
          (stepsToTarget === step ? `  <- below ${target}` : ''),
      );
    }
    const eta = fixedSteps
      ? ((fixedSteps - step) * elapsed()) / step
      : Math.max(0, budgetSeconds - elapsed());
    bar.update(
      progress(),
      `step ${step} | loss ${lossEma.toFixed(3)} | lr ${lr.toExponential(2)} | ${tokensPerSecond.toFixed(0)} tok/s | ${elapsed().toFixed(0)}s elapsed, ETA ${eta.toFixed(0)}s`,
    );
  }
  bar.end();
  const trainingWall = elapsed();

  const finalOffsets = evenOffsets(val, Number(args['final-eval-windows']));
  const valLoss = evaluate(model, val, finalOffsets);
  const trainLoss = evaluate(model, train, evenOffsets(train, Number(args['final-eval-windows'])));
  if (timeToTarget === null && valLoss < target) {
    timeToTarget = elapsed();
    stepsToTarget = step;
  }
  const cpu = process.cpuUsage(cpuStart);
  const tokensPerSecond = (step * batchSize * blockSize) / trainSeconds;
  console.log(
    `final: train loss ${trainLoss.toFixed(4)}, validation loss ${valLoss.toFixed(4)} nats/char ` +
      `(${finalOffsets.length} windows of ${blockSize}) after ${step} steps, ${trainingWall.toFixed(0)}s of training`,
  );
  console.log(
    timeToTarget === null
      ? `validation loss did not reach ${target}`
      : `validation loss below ${target} after ${timeToTarget.toFixed(0)}s (step ${stepsToTarget})`,
  );
  console.log(
    `throughput: ${tokensPerSecond.toFixed(0)} tokens/s in training steps; CPU time ${((cpu.user + cpu.system) / 1e6).toFixed(0)}s`,
  );

  mkdirSync(args.out, { recursive: true });
  const ckpt = join(args.out, 'char-gpt.safetensors');
  await save(model, ckpt, {
    architecture: 'gpt',
    config: JSON.stringify(model.config),
    tokenizer: tokenizer.save(),
    steps: String(step),
    val_loss: valLoss.toFixed(4),
  });
  writeFileSync(join(args.out, 'tokenizer.json'), tokenizer.save());

  const prompt = 'Call me Ishmael.';
  const sample = await generateText(model, tokenizer, prompt, {
    maxNewTokens: Number(args['sample-length']),
    temperature: 0.8,
    topK: 40,
    seed,
  });
  console.log(`\nsample (temperature 0.8, top-k 40):\n${prompt}${sample}\n`);

  const totalSeconds = (performance.now() - scriptStart) / 1000;
  console.log(`total time ${totalSeconds.toFixed(0)}s (data, training, final evaluation, sample)`);
  const results = {
    batchSize,
    blockSize,
    lr: peakLr,
    steps: step,
    trainingSeconds: trainingWall,
    totalSeconds,
    trainStepSeconds: trainSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    tokensPerSecond,
    kernels: info.kernels,
    threads,
    trainLoss,
    valLoss,
    target,
    secondsToTarget: timeToTarget,
    stepsToTarget,
    history,
    sample: prompt + sample,
  };
  writeFileSync(join(args.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`saved ${ckpt}, tokenizer.json and results.json in ${args.out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
