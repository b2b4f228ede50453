// The GPT training workload of the CPU benchmarks (the `pnpm bench` table, tools/bench/table.mjs):
// examples/char-gpt's model (2 layers, width 128, 4 heads, GPT-2's tanh GELU, lm_head tied to wte)
// and optimizer step (AdamW, betas 0.9 / 0.95, weight decay 0.1 on matrices only, gradient
// clipping at norm 1), with context 64, a character-sized vocabulary of 65 and batch 32, on one
// fixed random batch of token ids. Its PyTorch twin is `gpt` in tools/bench/torch_train.py, its
// TF.js one in tools/bench/tfjs-gpt.mjs. `setup(device)` builds it on another device (default 'cpu';
// the WebGPU benchmark passes 'webgpu'), and a step returns its loss.
import { manualSeed, randint } from '@kindling/core';
import '@kindling/autograd';
import { clipGradNorm_, crossEntropy } from '@kindling/nn';
import { GPT } from '@kindling/text';
import { gptAdamW } from '../../../examples/char-gpt/optimizer.mjs';

export const gptShape = { vocabSize: 65, blockSize: 64, batch: 32, nLayer: 2, nHead: 4, nEmbd: 128 };

/** A training step of the GPT on a fixed random batch, on `device`. */
function gptStep(device = 'cpu') {
  const { vocabSize, blockSize, batch, nLayer, nHead, nEmbd } = gptShape;
  manualSeed(0);
  const model = new GPT({ vocabSize, blockSize, nLayer, nHead, nEmbd, geluApproximate: 'tanh' }).to(device);
  const opt = gptAdamW(model, 3e-3);
  const x = randint(0, vocabSize, [batch, blockSize]).to(device);
  const y = randint(0, vocabSize, [batch * blockSize]).to(device);
  model.train();
  return () => {
    opt.zeroGrad();
    const loss = crossEntropy(model.call(x).reshape([-1, vocabSize]), y);
    loss.backward();
    clipGradNorm_(model.parameters(), 1.0);
    opt.step();
    return loss;
  };
}

export const gptWorkload = {
  label: 'GPT 2x128, 4 heads, T 64, batch 32, AdamW',
  setup: gptStep,
};
