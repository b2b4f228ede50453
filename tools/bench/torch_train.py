"""PyTorch reference for packages/nn/bench/train.bench.mjs: train-step throughput (steps/s).

Models and data match the Kindling benchmark exactly:
  * MLP 784-256-10 (ReLU), batch 128, Adam(lr=1e-3), cross entropy;
  * LeNet-5 (conv 1->6 k5 pad 2, ReLU, maxpool 2, conv 6->16 k5, ReLU, maxpool 2, 400-120-84-10
    with ReLU), batch 64 of 1x28x28, SGD(lr=0.01, momentum=0.9), cross entropy.
A step is zero_grad(set_to_none=True) + forward + loss + backward + optimizer step on one fixed
random batch. Each model is timed with 1 thread (a like-for-like comparison with Kindling's
single-threaded CPU backend) and with PyTorch's default thread count.

Usage: /usr/bin/python3 tools/bench/torch_train.py [--seconds S] [--json]
With --json, prints one JSON object: {"torch": version, "default_threads": n,
"results": {"mlp": {"1": steps/s, "default": steps/s}, "lenet": {...}}}.
"""
import argparse
import json
import time

import torch
from torch import nn


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


CASES = {
    "mlp": (mlp, (128, 784), lambda p: torch.optim.Adam(p, lr=1e-3)),
    "lenet": (lenet, (64, 1, 28, 28), lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
}


def steps_per_second(name, seconds):
    make, shape, make_opt = CASES[name]
    torch.manual_seed(0)
    model = make()
    opt = make_opt(model.parameters())
    x = torch.randn(shape)
    y = torch.randint(0, 10, (shape[0],))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    n = 0
    t0 = time.perf_counter()
    while True:
        step()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds and n >= 5:
            return n / dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=1.5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    default_threads = torch.get_num_threads()
    results = {}
    for name in CASES:
        results[name] = {}
        torch.set_num_threads(1)
        results[name]["1"] = steps_per_second(name, args.seconds)
        if default_threads > 1:
            torch.set_num_threads(default_threads)
            results[name]["default"] = steps_per_second(name, args.seconds)
        else:
            results[name]["default"] = results[name]["1"]
    torch.set_num_threads(default_threads)
    if args.json:
        print(json.dumps({"torch": torch.__version__, "default_threads": default_threads, "results": results}))
    else:
        print(f"PyTorch {torch.__version__} (default threads: {default_threads})")
        for name, r in results.items():
            print(f"  {name:6s} 1 thread: {r['1']:9.1f} steps/s   default: {r['default']:9.1f} steps/s")


if __name__ == "__main__":
    main()
