"""Shared helpers for the golden-fixture generators.

Each generator builds named cases with PyTorch 1.13 (Debian python3-torch) and writes one JSON file
under packages/<pkg>/test/fixtures/. Tensors are stored as {shape, dtype, data}; non-finite floats
are the strings "nan", "inf", "-inf". Run with /usr/bin/python3 tools/golden/<script>.py.
"""
import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DTYPES = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.int32: "int32",
    torch.int64: "int32",  # Kindling's integer dtype; values are range-checked below
    torch.bool: "bool",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
}


def _num(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def enc(t):
    """Encodes a tensor, a number, a bool, or a list/tuple of those."""
    if isinstance(t, (list, tuple)):
        return [enc(x) for x in t]
    if not isinstance(t, torch.Tensor):
        return _num(t)
    t = t.detach()
    if t.dtype == torch.int64:
        assert t.numel() == 0 or (t.abs().max() < 2**31), "int64 values out of int32 range"
    if t.dtype in (torch.float16, torch.bfloat16):
        data = t.float().flatten().tolist()
    else:
        data = t.flatten().tolist()
    return {"shape": list(t.shape), "dtype": DTYPES[t.dtype], "data": [_num(v) for v in data]}


class Fixture:
    """Collects cases and writes them to packages/<package>/test/fixtures/<name>.json."""

    def __init__(self, name, package="core", seed=0):
        self.name = name
        self.package = package
        self.cases = {}
        torch.manual_seed(seed)

    def case(self, name, inputs, out, **attrs):
        assert name not in self.cases, f"duplicate case {name}"
        self.cases[name] = {
            "inputs": {k: enc(v) for k, v in inputs.items()},
            "attrs": {k: enc(v) for k, v in attrs.items()},
            "out": enc(out),
        }

    def error(self, name, inputs, **attrs):
        """A case PyTorch rejects: Kindling must throw a KindlingError."""
        self.cases[name] = {"inputs": {k: enc(v) for k, v in inputs.items()}, "attrs": {k: enc(v) for k, v in attrs.items()}, "error": True}

    def save(self):
        path = os.path.join(ROOT, "packages", self.package, "test", "fixtures", f"{self.name}.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump({"generator": f"tools/golden/{self.name}.py", "torch": torch.__version__, "cases": self.cases}, f, separators=(",", ":"))
        print(f"wrote {len(self.cases)} cases to {os.path.relpath(path, ROOT)}")
