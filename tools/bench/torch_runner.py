"""PyTorch's side of the `pnpm bench` table (tools/bench/table.mjs), in the reference set-up of
issue 11 (torch_env.py: Debian's python3-torch, OpenBLAS with OPENBLAS_CORETYPE naming this CPU's
kernels, 1 thread for PyTorch and OpenBLAS).

Measures the workloads the table passes as JSON (tools/bench/workloads.mjs: id, group, spec) with
the definitions of the other scripts here: matmul and conv cases with torch_matmul.make_case,
overhead with torch_overhead.us_per_op, training with torch_train.CASES; timing as torch_timing.py.
Prints one JSON line: {"engine": {torch, threads, blas}, "results": {id: {"seconds"} | {"error"}}}
(seconds per call, per op for overhead).

Usage: /usr/bin/python3 tools/bench/torch_runner.py --workloads JSON [--seconds 2] [--batches 7]
       [--min-seconds 0.02] [--clock cpu|wall]
"""
import argparse
import json
import sys

sys.dont_write_bytecode = True  # importing the sibling modules leaves no __pycache__ here

from torch_env import blas_info, set_threads  # noqa: E402  (first: it sets OpenBLAS's environment)

import torch  # noqa: E402
from torch_matmul import make_case, time_case  # noqa: E402
from torch_overhead import us_per_op  # noqa: E402
from torch_train import steps_per_second  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workloads", required=True)
    ap.add_argument("--seconds", type=float, default=2)
    ap.add_argument("--batches", type=int, default=7)
    ap.add_argument("--min-seconds", type=float, default=0.02)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="cpu")
    args = ap.parse_args()
    set_threads(1)
    overhead = None
    results = {}
    for w in json.loads(args.workloads):
        try:
            if w["group"] in ("matmul", "conv"):
                seconds = time_case(make_case(w["spec"]), args.batches, args.min_seconds)[args.clock]
            elif w["group"] == "overhead":
                overhead = overhead or us_per_op(args.clock)  # one measurement gives all three modes
                seconds = overhead[w["spec"]["mode"]] / 1e6
            else:
                seconds = 1 / steps_per_second(w["spec"]["key"], args.seconds, args.clock)
            results[w["id"]] = {"seconds": seconds}
        except Exception as e:  # noqa: BLE001  (the table shows the error in the workload's cell)
            results[w["id"]] = {"error": f"{type(e).__name__}: {e}".split("\n")[0]}
    engine = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_info()}
    print(json.dumps({"engine": engine, "results": results}))


if __name__ == "__main__":
    main()
