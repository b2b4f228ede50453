"""PyTorch reference for packages/core/bench/native.bench.mjs: matmul and conv2d throughput.

Times the cases the Kindling benchmark passes (or the default square products) with one thread,
in the reference set-up of issue 11 (see torch_env.py: Debian's python3-torch with OpenBLAS and
OPENBLAS_CORETYPE naming this CPU's kernels), as the median over batches of calls of seconds per
call, by wall clock and by process CPU time (see torch_timing.py).

Usage: /usr/bin/python3 tools/bench/torch_matmul.py [--cases JSON] [--json]
A matmul case is {"name", "kind": "matmul", "batch", "M", "K", "N", "ta", "tb", "sharedA"}: A is
[M, K] (stored transposed when ta; shared by every batch entry when sharedA), B [K, N] (stored
transposed when tb), batch entries multiplied with torch.matmul. A conv2d case is {"name",
"kind": "conv2d", "N", "Cin", "Cout", "H", "W", "k", "padding"}.
With --json, prints {"torch", "blas": {...}, "results": {name: {"wall": s, "cpu": s}}}.
"""
import argparse
import json
import sys

sys.dont_write_bytecode = True  # importing the sibling modules leaves no __pycache__ here

from torch_env import blas_info, set_threads  # noqa: E402  (first: it sets OpenBLAS's environment)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch_timing import time_calls  # noqa: E402

DEFAULT_CASES = [
    {"name": f"square {n}", "kind": "matmul", "batch": 1, "M": n, "K": n, "N": n, "ta": False, "tb": False,
     "sharedA": False}
    for n in (256, 512, 1024, 2048)
]


def make_case(c):
    g = torch.Generator().manual_seed(0)
    if c["kind"] == "conv2d":
        x = torch.randn(c["N"], c["Cin"], c["H"], c["W"], generator=g)
        w = torch.randn(c["Cout"], c["Cin"], c["k"], c["k"], generator=g)
        b = torch.randn(c["Cout"], generator=g)
        return lambda: F.conv2d(x, w, b, padding=c["padding"])
    batch, M, K, N = c["batch"], c["M"], c["K"], c["N"]
    lead_a = [] if batch == 1 or c["sharedA"] else [batch]
    lead_b = [] if batch == 1 else [batch]
    a = torch.randn(*lead_a, K, M, generator=g).transpose(-1, -2) if c["ta"] else torch.randn(*lead_a, M, K, generator=g)
    b = torch.randn(*lead_b, N, K, generator=g).transpose(-1, -2) if c["tb"] else torch.randn(*lead_b, K, N, generator=g)
    return lambda: torch.matmul(a, b)


def time_case(fn, batches=7, min_seconds=0.01):
    with torch.no_grad():
        return time_calls(fn, batches, min_seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", help="JSON list of cases (default: square products 256..2048)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    set_threads(1)
    cases = json.loads(args.cases) if args.cases else DEFAULT_CASES
    results = {c["name"]: time_case(make_case(c)) for c in cases}
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_info(), "results": results}
    if args.json:
        print(json.dumps(out))
        return
    print(f"torch {out['torch']}, {out['threads']} thread; BLAS: {json.dumps(out['blas'])}")
    for c in cases:
        r = results[c["name"]]
        print(f"{c['name']:<32} {r['wall'] * 1e3:9.3f} ms wall  {r['cpu'] * 1e3:9.3f} ms cpu")


if __name__ == "__main__":
    main()
