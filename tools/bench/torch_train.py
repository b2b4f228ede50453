"""PyTorch reference for the training benchmarks: train-step throughput (steps/s).

Models and data match the Kindling workloads (packages/nn/bench/train-workloads.mjs and
packages/text/bench/gpt-workload.mjs) exactly:
  * mlp: MLP 784-256-10 (ReLU), batch 128, Adam(lr=1e-3), cross entropy;
  * mlp_sgd: the same MLP with SGD(lr=0.01, momentum=0.9);
  * lenet: LeNet-5 (conv 1->6 k5 pad 2, ReLU, maxpool 2, conv 6->16 k5, ReLU, maxpool 2,
    400-120-84-10 with ReLU), batch 64 of 1x28x28, SGD(lr=0.01, momentum=0.9), cross entropy;
  * gpt: the GPT of torch_char_gpt.py (2 layers, width 128, 4 heads, tanh GELU, tied lm_head) with
    context 64 and a vocabulary of 65, batch 32, its AdamW, gradient clipping at norm 1.
A step is zero_grad(set_to_none=True) + forward + loss + backward (+ clipping) + optimizer step on
one fixed random batch. Each model is timed with 1 thread (a like-for-like comparison with
Kindling's single-threaded CPU backend) and, unless --threads says otherwise, with PyTorch's
default thread count; the figure is 1 / the median seconds per step over batches of steps
(torch_timing.py), by wall clock or (--clock cpu) process CPU time. The reference set-up (OpenBLAS
core and threads) is torch_env.py's.

Usage: /usr/bin/python3 tools/bench/torch_train.py [--seconds S] [--cases mlp,mlp_sgd,lenet,gpt]
       [--threads 1,default] [--clock wall|cpu] [--json]
With --json, prints one JSON object: {"torch": version, "default_threads": n, "clock": "wall",
"results": {"mlp": {"1": steps/s, "default": steps/s}, "lenet": {...}, ...}}.
"""
import argparse
import json
import sys

sys.dont_write_bytecode = True  # importing the sibling modules leaves no __pycache__ here

from torch_env import set_threads  # noqa: E402  (first: it sets OpenBLAS's environment)

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch_char_gpt import GPT, adamw  # noqa: E402
from torch_timing import time_calls  # noqa: E402

GPT_VOCAB, GPT_BLOCK, GPT_BATCH = 65, 64, 32


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def sgd(model):
    return torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def adam(model):
    return torch.optim.Adam(model.parameters(), lr=1e-3)


def classifier_step(make_model, shape, make_opt):
    """A training step of an image classifier (10 classes) on a fixed random batch."""
    model = make_model()
    opt = make_opt(model)
    x = torch.randn(shape)
    y = torch.randint(0, 10, (shape[0],))

    def step():
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def gpt_step():
    """A training step of the GPT on a fixed random batch of token ids."""
    model = GPT(GPT_VOCAB, block=GPT_BLOCK)
    opt = adamw(model)
    x = torch.randint(0, GPT_VOCAB, (GPT_BATCH, GPT_BLOCK))
    y = torch.randint(0, GPT_VOCAB, (GPT_BATCH, GPT_BLOCK))

    def step():
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(x).view(-1, GPT_VOCAB), y.view(-1)).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    return step


CASES = {
    "mlp": lambda: classifier_step(mlp, (128, 784), adam),
    "mlp_sgd": lambda: classifier_step(mlp, (128, 784), sgd),
    "lenet": lambda: classifier_step(lenet, (64, 1, 28, 28), sgd),
    "gpt": gpt_step,
}


def steps_per_second(name, seconds, clock="wall"):
    """Steps per second of case `name`: 5 warm-up steps, then about `seconds` of timed steps."""
    torch.manual_seed(0)
    step = CASES[name]()
    return 1 / time_calls(step, batches=5, min_seconds=seconds / 5, warmup=5)[clock]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=1.5)
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated (default: all)")
    ap.add_argument("--threads", default="1,default", help="1, default or both (comma-separated)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    default_threads = torch.get_num_threads()
    counts = {"1": 1, "default": default_threads}
    results = {}
    for name in args.cases.split(","):
        results[name] = {}
        for key in args.threads.split(","):
            if key == "default" and default_threads == 1 and "1" in results[name]:
                results[name][key] = results[name]["1"]
                continue
            set_threads(counts[key])
            results[name][key] = steps_per_second(name, args.seconds, args.clock)
    set_threads(default_threads)
    if args.json:
        print(json.dumps({"torch": torch.__version__, "default_threads": default_threads, "clock": args.clock,
                          "results": results}))
    else:
        print(f"PyTorch {torch.__version__} (default threads: {default_threads}; {args.clock} clock)")
        for name, r in results.items():
            print(f"  {name:8s} " + "   ".join(f"{k} thread(s): {v:9.1f} steps/s" for k, v in r.items()))


if __name__ == "__main__":
    main()
