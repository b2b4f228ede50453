"""PyTorch reference for packages/autograd/bench/overhead.bench.mjs: per-op overhead of small ops.

A chain of 1,000 ops on a 4-element float32 tensor (alternately y = y * a and y = y + b) is timed
three ways, exactly as the Kindling benchmark does: forward under no_grad, forward recording the
graph (x requires grad), and backward through that recorded graph. Each figure is the median over
several repetitions, in microseconds per op. Single-threaded (torch.set_num_threads(1)).

Usage: /usr/bin/python3 tools/bench/torch_overhead.py [--json]
With --json, prints one JSON object: {"torch": version, "ops": 1000,
"us_per_op": {"nograd": ..., "record": ..., "backward": ...}}.
"""
import argparse
import json
import statistics
import time

import torch

OPS = 1000
REPS = 21


def chain(x, a, b):
    y = x
    for _ in range(OPS // 2):
        y = y * a
        y = y + b
    return y


def median_us_per_op(fn):
    for _ in range(3):
        fn()
    samples = []
    for _ in range(REPS):
        t = fn()
        samples.append(t)
    return statistics.median(samples) / OPS * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    a = torch.tensor([1.0001, 0.9999, 1.0, 1.0002])
    b = torch.tensor([0.001, -0.001, 0.0, 0.002])
    x0 = torch.tensor([0.5, -1.0, 2.0, 0.25])

    def nograd():
        with torch.no_grad():
            t0 = time.perf_counter()
            chain(x0, a, b)
            return time.perf_counter() - t0

    def record():
        x = x0.clone().requires_grad_()
        t0 = time.perf_counter()
        chain(x, a, b)
        return time.perf_counter() - t0

    def backward():
        x = x0.clone().requires_grad_()
        loss = chain(x, a, b).sum()
        t0 = time.perf_counter()
        loss.backward()
        return time.perf_counter() - t0

    us = {"nograd": median_us_per_op(nograd), "record": median_us_per_op(record), "backward": median_us_per_op(backward)}
    if args.json:
        print(json.dumps({"torch": torch.__version__, "ops": OPS, "us_per_op": us}))
    else:
        print(f"PyTorch {torch.__version__}, {OPS} ops on 4 elements, 1 thread (us per op)")
        for k, v in us.items():
            print(f"  {k:8s} {v:7.2f}")


if __name__ == "__main__":
    main()
