"""PyTorch 1.13 reference for examples/char-gpt: training throughput (tokens/s) of the same GPT.

Same model as the example (GPT-2 architecture, 2 layers, width 128, 4 heads, block size 128, tied
lm_head, GPT-2's tanh GELU, no dropout, GPT-2 initialisation), same data (random 128-character windows of the
first 90% of packages/text/data/moby-dick.txt, character vocabulary from the whole book), same
optimizer and step: AdamW(betas=(0.9, 0.95), weight decay 0.1 on matrices, 0 on vectors),
zero_grad, forward, cross entropy, backward, clip_grad_norm_(1.0), step; batch 8 x 128. Attention
is written out (PyTorch 1.13 has no scaled_dot_product_attention), as nanoGPT's slow path.

Each thread count (2 and 1 by default) is timed for --seconds after 3 warm-up steps. Tokens/s are given per
wall-clock second and per CPU second of this process (the latter is less sensitive to other load on
a shared machine). With --ours FILE (the example's out/results.json) it prints Kindling's tokens/s
next to PyTorch's and the ratio.

Usage: /usr/bin/python3 tools/bench/torch_char_gpt.py [--seconds 20] [--threads 2,1]
       [--ours examples/char-gpt/out/results.json] [--json]
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N_LAYER, N_HEAD, N_EMBD, BLOCK, BATCH = 2, 4, 128, 128, 8


class CausalSelfAttention(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.c_attn = nn.Linear(N_EMBD, 3 * N_EMBD)
        self.c_proj = nn.Linear(N_EMBD, N_EMBD)
        self.register_buffer("mask", torch.tril(torch.ones(block, block, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        b, t, c = x.shape
        hd = c // N_HEAD
        q, k, v = (z.view(b, t, N_HEAD, hd).transpose(1, 2) for z in self.c_attn(x).split(c, dim=2))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        att = att.masked_fill(~self.mask[:t, :t], float("-inf")).softmax(dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).contiguous().view(b, t, c))


class Block(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.ln_1 = nn.LayerNorm(N_EMBD)
        self.attn = CausalSelfAttention(block)
        self.ln_2 = nn.LayerNorm(N_EMBD)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(N_EMBD, 4 * N_EMBD)
        self.mlp.c_proj = nn.Linear(4 * N_EMBD, N_EMBD)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab_size, block=BLOCK):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, N_EMBD)
        self.wpe = nn.Embedding(block, N_EMBD)
        self.h = nn.ModuleList([Block(block) for _ in range(N_LAYER)])
        self.ln_f = nn.LayerNorm(N_EMBD)
        self.lm_head = nn.Linear(N_EMBD, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif ".ln_" in name or name.startswith("ln_"):
                nn.init.ones_(p)
            elif name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0, 0.02 / math.sqrt(2 * N_LAYER))
            else:
                nn.init.normal_(p, 0, 0.02)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def load_data():
    with open(os.path.join(ROOT, "packages", "text", "data", "moby-dick.txt"), encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    return data[: int(0.9 * len(data))], len(chars)


def adamw(model, lr=3e-3):
    """AdamW(betas=(0.9, 0.95)) with weight decay 0.1 on matrices and none on vectors."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=lr,
        betas=(0.9, 0.95),
    )


def tokens_per_second(threads, seconds, train, vocab):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = GPT(vocab)
    opt = adamw(model)
    g = torch.Generator().manual_seed(1)

    def step():
        ix = torch.randint(len(train) - BLOCK - 1, (BATCH,), generator=g)
        x = torch.stack([train[i : i + BLOCK] for i in ix])
        y = torch.stack([train[i + 1 : i + 1 + BLOCK] for i in ix])
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).view(-1, vocab), y.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(3):
        step()
    n = 0
    t0, c0 = time.perf_counter(), time.process_time()
    while True:
        step()
        n += 1
        wall = time.perf_counter() - t0
        if wall >= seconds and n >= 3:
            cpu = time.process_time() - c0
            return n * BATCH * BLOCK / wall, n * BATCH * BLOCK / cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--ours", help="the example's results.json, to print the ratio")
    ap.add_argument("--threads", default="2,1", help="comma-separated thread counts (default 2,1)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    train, vocab = load_data()
    results = {}
    for threads in (int(t) for t in args.threads.split(",")):
        wall, cpu = tokens_per_second(threads, args.seconds, train, vocab)
        results[str(threads)] = {"tokens_per_second": wall, "tokens_per_cpu_second": cpu}
    out = {"torch": torch.__version__, "batch": BATCH, "block": BLOCK, "results": results}
    if args.ours:
        with open(args.ours) as f:
            ours = json.load(f)
        out["kindling"] = {
            "tokens_per_second": ours["tokensPerSecond"],
            "threads": ours.get("threads"),
            "kernels": ours.get("kernels"),
        }
    if args.json:
        print(json.dumps(out))
        return
    print(f"PyTorch {torch.__version__}, GPT 2x128 (4 heads), batch {BATCH} x {BLOCK}, AdamW")
    for threads, r in results.items():
        print(f"  {threads} thread(s): {r['tokens_per_second']:.0f} tokens/s ({r['tokens_per_cpu_second']:.0f} per CPU second)")
    if args.ours:
        k = out["kindling"]["tokens_per_second"]
        print(f"Kindling (from {args.ours}): {k:.0f} tokens/s")
        for threads, r in results.items():
            print(f"  ratio Kindling / PyTorch ({threads} thread(s)): {k / r['tokens_per_second']:.3f}")


if __name__ == "__main__":
    main()
