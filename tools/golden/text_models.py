"""Parity fixtures for @kindling/text's language models, built by hand with torch.nn on PyTorch 1.13.

Run with /usr/bin/python3 tools/golden/text_models.py. Writes
packages/text/test/fixtures/text_models.json.

- GPT: the nanoGPT / GPT-2 architecture written here with the same module names as Kindling's
  `GPT` (`wte`, `wpe`, `h.N.ln_1`, `h.N.attn.c_attn`, `h.N.attn.c_proj`, `h.N.ln_2`,
  `h.N.mlp.c_fc`, `h.N.mlp.c_proj`, `ln_f`, `lm_head` tied to `wte`). PyTorch 1.13 has no
  `F.scaled_dot_product_attention`, so attention is written out (scores / sqrt(head_dim), causal
  mask, softmax, weighted sum), as nanoGPT's slow path does.
- LSTM language model: `embedding` -> `lstm` (batch-first) -> `decoder`.

Every parameter is re-drawn from N(0, 0.3^2) (LayerNorm weights around 1) so that each one
affects the output. Each case stores the full state dict, the input ids and targets, the logits,
the mean cross-entropy loss and the gradient of that loss with respect to several parameters (for
the tied GPT, `wte.weight` receives the gradients of both the embedding and the output layer).
Models run in eval mode (dropout 0).
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Fixture, enc  # noqa: E402


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        hd = c // self.n_head
        q, k, v = (z.view(b, t, self.n_head, hd).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        mask = torch.tril(torch.ones(t, t, dtype=torch.bool))
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, n_embd, approximate):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU(approximate=approximate)
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, approximate):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd, approximate)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, tie=True, approximate="none"):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head, approximate) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        if tie:
            self.lm_head.weight = self.wte.weight

    def forward(self, idx):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class LSTMLanguageModel(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_size, num_layers, tie=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.decoder = nn.Linear(hidden_size, vocab_size)
        if tie:
            self.decoder.weight = self.embedding.weight

    def forward(self, idx):
        out, _ = self.lstm(self.embedding(idx))
        return self.decoder(out)


def randomize(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ln_" in name or name.startswith("ln_"):
                p.copy_(1 + 0.3 * torch.randn_like(p) if name.endswith("weight") else 0.3 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))


def add_case(fx, name, model, config, ids, grad_params):
    model.eval()
    randomize(model)
    targets = torch.randint(0, config["vocabSize"], ids.shape)
    logits = model(ids)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    loss.backward()
    params = dict(model.named_parameters())
    state = model.state_dict()
    fx.cases[name] = {
        "config": config,
        "keys": list(state.keys()),
        "shapes": {k: list(v.shape) for k, v in state.items()},
        "state": {k: enc(v) for k, v in state.items()},
        "ids": enc(ids.int()),
        "targets": enc(targets.int()),
        "logits": enc(logits),
        "loss": enc(loss),
        "grads": {k: enc(params[k].grad) for k in grad_params},
    }


def main():
    fx = Fixture("text_models", package="text")
    torch.manual_seed(0)

    cfg = {"vocabSize": 13, "blockSize": 16, "nLayer": 2, "nHead": 2, "nEmbd": 16}
    model = GPT(13, 16, 2, 2, 16)
    add_case(fx, "gpt_tied", model, cfg, torch.randint(0, 13, (2, 10)),
             ["wte.weight", "wpe.weight", "h.0.attn.c_attn.weight", "h.0.ln_1.bias", "h.1.mlp.c_fc.bias",
              "h.1.mlp.c_proj.weight", "ln_f.weight"])

    cfg = {"vocabSize": 11, "blockSize": 8, "nLayer": 1, "nHead": 4, "nEmbd": 16, "tieWeights": False,
           "geluApproximate": "tanh"}
    model = GPT(11, 8, 1, 4, 16, tie=False, approximate="tanh")
    add_case(fx, "gpt_untied_tanh_full_block", model, cfg, torch.randint(0, 11, (3, 8)),
             ["wte.weight", "lm_head.weight", "h.0.attn.c_proj.bias", "h.0.ln_2.weight"])

    cfg = {"vocabSize": 11, "embeddingDim": 8, "hiddenSize": 12, "numLayers": 2}
    model = LSTMLanguageModel(11, 8, 12, 2)
    add_case(fx, "lstm_2layer", model, cfg, torch.randint(0, 11, (2, 7)),
             ["embedding.weight", "lstm.weight_ih_l0", "lstm.bias_hh_l1", "decoder.weight", "decoder.bias"])

    cfg = {"vocabSize": 9, "hiddenSize": 10, "tieWeights": True}
    model = LSTMLanguageModel(9, 10, 10, 1, tie=True)
    add_case(fx, "lstm_tied", model, cfg, torch.randint(0, 9, (1, 6)), ["embedding.weight", "lstm.weight_hh_l0"])

    fx.save()


if __name__ == "__main__":
    main()
