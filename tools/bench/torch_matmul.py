"""PyTorch reference for packages/core/bench/native.bench.mjs: matmul and conv2d throughput.

Times the cases the Kindling benchmark passes (or the default square products) with one thread,
in the reference set-up of issue 11: Debian's python3-torch with OpenBLAS
(libopenblas0-pthread) and OPENBLAS_CORETYPE naming this CPU's kernels (OpenBLAS 0.3.21 does not
recognise recent Xeons and otherwise falls back to slow generic kernels). When the environment
does not set it, OPENBLAS_CORETYPE is chosen from /proc/cpuinfo before torch loads OpenBLAS:
SkylakeX with AVX-512, Haswell with AVX2. OPENBLAS_NUM_THREADS defaults to 1 (PyTorch's own
set_num_threads does not reach a generic BLAS).

Each case is timed in batches of calls long enough to time reliably; the figure is the median
over the batches of seconds per call, by wall clock and by process CPU time (on a shared machine
the CPU time leaves out the time the process waits for a core).

Usage: /usr/bin/python3 tools/bench/torch_matmul.py [--cases JSON] [--json]
A matmul case is {"name", "kind": "matmul", "batch", "M", "K", "N", "ta", "tb", "sharedA"}: A is
[M, K] (stored transposed when ta; shared by every batch entry when sharedA), B [K, N] (stored
transposed when tb), batch entries multiplied with torch.matmul. A conv2d case is {"name",
"kind": "conv2d", "N", "Cin", "Cout", "H", "W", "k", "padding"}.
With --json, prints {"torch", "blas": {...}, "results": {name: {"wall": s, "cpu": s}}}.
"""
import argparse
import ctypes
import json
import os
import re
import statistics
import time


def choose_coretype():
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return
    if re.search(r"\bavx512f\b", flags):
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif re.search(r"\bavx2\b", flags):
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"


choose_coretype()
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402  (OpenBLAS reads the environment when torch loads it)
import torch.nn.functional as F  # noqa: E402

DEFAULT_CASES = [
    {"name": f"square {n}", "kind": "matmul", "batch": 1, "M": n, "K": n, "N": n, "ta": False, "tb": False,
     "sharedA": False}
    for n in (256, 512, 1024, 2048)
]


def blas_info():
    """The BLAS libraries mapped into this process, and OpenBLAS's core and config if loaded."""
    a = torch.ones(64, 64)
    a @ a  # make sure the BLAS is loaded
    maps = open("/proc/self/maps").read() if os.path.exists("/proc/self/maps") else ""
    libs = sorted(set(re.findall(r"(/\S*(?:blas|mkl)\S*\.so\S*)", maps)))
    info = {"libraries": libs, "coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
            "threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}
    for lib in libs:
        try:
            handle = ctypes.CDLL(lib)
            core = handle.openblas_get_corename
            core.restype = ctypes.c_char_p
            config = handle.openblas_get_config
            config.restype = ctypes.c_char_p
            info["openblas_core"] = core().decode()
            info["openblas_config"] = config().decode()
            break
        except (OSError, AttributeError):
            continue
    if "openblas_core" not in info:
        info["note"] = "OpenBLAS is not loaded: torch uses another BLAS (install libopenblas0-pthread)"
    return info


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
        fn()
        reps = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(reps):
                fn()
            if time.perf_counter() - t0 >= min_seconds or reps >= 1 << 16:
                break
            reps *= 2
        walls, cpus = [], []
        for _ in range(batches):
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(reps):
                fn()
            walls.append((time.perf_counter() - w0) / reps)
            cpus.append((time.process_time() - c0) / reps)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", help="JSON list of cases (default: square products 256..2048)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
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
