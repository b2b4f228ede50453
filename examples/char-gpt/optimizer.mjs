// The char-GPT's optimizer, as nanoGPT's: AdamW with betas (0.9, 0.95) and weight decay 0.1 on
// the matrices only (parameters of 2 or more dims; not biases or LayerNorm parameters).
// Shared by the example (train.mjs) and the GPT training benchmark
// (packages/text/bench/gpt-workload.mjs); PyTorch's twin is `adamw` in tools/bench/torch_char_gpt.py.
import { AdamW } from '@kindling/nn';

/** AdamW over `model`'s parameters at learning rate `lr`, decaying only its matrices. */
export function gptAdamW(model, lr) {
  const decay = [];
  const noDecay = [];
  for (const p of model.parameters()) (p.ndim >= 2 ? decay : noDecay).push(p);
  return new AdamW(
    [
      { params: decay, weightDecay: 0.1 },
      { params: noDecay, weightDecay: 0 },
    ],
    { lr, betas: [0.9, 0.95] },
  );
}
