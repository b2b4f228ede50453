"""PyTorch reference for packages/autograd/bench/overhead.bench.mjs: per-op overhead of small ops.

A chain of 1,000 ops on a 4-element float32 tensor (alternately y = y * a and y = y + b) is timed
three ways, exactly as the Kindling benchmark does: forward under no_grad, forward recording the
graph (x requires grad), and backward through that recorded graph. Each figure is the median over
several repetitions, in microseconds per op, by wall clock (default) or process CPU time.
Single-threaded (torch.set_num_threads(1)).

Usage: /usr/bin/python3 tools/bench/torch_overhead.py [--clock wall|cpu] [--json]
With --json, prints one JSON object: {"torch": version, "ops": 1000, "clock": "wall",
"us_per_op": {"nograd": ..., "record": ..., "backward": ...}}.
"""
import argparse
import json
import statistics
import sys
import time

sys.dont_write_bytecode = True  # importing the sibling modules leaves no __pycache__ here

from torch_env import set_threads  # noqa: E402  (first: it sets OpenBLAS's environment)

import torch  # noqa: E402

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


def us_per_op(clock="wall"):
    """{"nograd", "record", "backward"}: median microseconds per op, by wall clock or CPU time."""
    now = time.process_time if clock == "cpu" else time.perf_counter
    a = torch.tensor([1.0001, 0.9999, 1.0, 1.0002])
    b = torch.tensor([0.001, -0.001, 0.0, 0.002])
    x0 = torch.tensor([0.5, -1.0, 2.0, 0.25])

    def nograd():
        with torch.no_grad():
            t0 = now()
            chain(x0, a, b)
            return now() - t0

    def record():
        x = x0.clone().requires_grad_()
        t0 = now()
        chain(x, a, b)
        return now() - t0

    def backward():
        x = x0.clone().requires_grad_()
        loss = chain(x, a, b).sum()
        t0 = now()
        loss.backward()
        return now() - t0

    return {"nograd": median_us_per_op(nograd), "record": median_us_per_op(record), "backward": median_us_per_op(backward)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = ap.parse_args()
    set_threads(1)
    us = us_per_op(args.clock)
    if args.json:
        print(json.dumps({"torch": torch.__version__, "ops": OPS, "clock": args.clock, "us_per_op": us}))
    else:
        print(f"PyTorch {torch.__version__}, {OPS} ops on 4 elements, 1 thread (us per op, {args.clock} clock)")
        for k, v in us.items():
            print(f"  {k:8s} {v:7.2f}")


if __name__ == "__main__":
    main()
