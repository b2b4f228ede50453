"""safetensors fixtures for @kindling/core, written and checked without Kindling's code.

Debian has no python3-safetensors, so this script carries a small independent implementation of
the Hugging Face format (struct + json over torch tensors' raw bytes), following the reference
writer: tensors ordered by dtype alignment (largest first) then by name, compact JSON header with
`__metadata__` first, padded with spaces to a multiple of 8 bytes.

It does two things:
1. writes packages/core/test/fixtures/python_written.safetensors (the RECORD below, including I64
   and U8, which Kindling loads as int32);
2. checks packages/core/test/fixtures/kindling_written.safetensors (written by Kindling's
   saveSafetensors from the same record minus I64/U8; regenerate it with
   `KINDLING_WRITE_FIXTURES=1 npx vitest run --project core packages/core/test/safetensors.test.ts`):
   it must parse with the independent reader, hold the same values, and be byte-identical to what
   this writer produces for that subset.

Run with /usr/bin/python3 tools/golden/core_safetensors.py.
"""
import json
import math
import os
import struct

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "packages", "core", "test", "fixtures")

# Hugging Face's dtype names in its declaration order (increasing alignment); writers sort by it.
ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
ST = {
    torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16", torch.float16: "F16",
    torch.bfloat16: "BF16", torch.int32: "I32", torch.float32: "F32", torch.float64: "F64", torch.int64: "I64",
}
FROM_ST = {v: k for k, v in ST.items()}
NAN = float("nan")
INF = float("inf")

# The shared record (keep in sync with packages/core/test/safetensors.test.ts).
RECORD = {
    "weight": torch.tensor([[1.5, -2.25, 3.0], [0.1, 1e-8, -INF]], dtype=torch.float32),
    "bias": torch.tensor([0.1, -1e300, NAN], dtype=torch.float64),
    "count": torch.tensor([[1, -2], [3, -4]], dtype=torch.int32),
    "mask": torch.tensor([True, False, True]),
    "half": torch.tensor([0.5, -65504.0], dtype=torch.float16),
    "brain": torch.tensor([1.0, -3.140625], dtype=torch.bfloat16),
    "scalar": torch.tensor(42.0, dtype=torch.float32),
    "empty": torch.zeros(0, 3, dtype=torch.float32),
    # Kindling writes this one from a transposed (non-contiguous) view.
    "layers.0.attn.in_proj_weight": torch.tensor([[1.0, 3.0], [2.0, 4.0]]).t(),
    "na\u00efve": torch.tensor([-0.0], dtype=torch.float32),
}
PYTHON_ONLY = {
    "idx": torch.tensor([0, -1, 2147483647, -2147483648], dtype=torch.int64),
    "bytes": torch.tensor([0, 255, 7], dtype=torch.uint8),
}
METADATA = {"format": "pt", "note": "kindling fixture \u2713"}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def serialize(tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-ORDER.index(ST[kv[1].dtype]), kv[0].encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata, key=lambda s: s.encode("utf-8"))}
    data = b""
    for name, t in items:
        b = raw_bytes(t)
        header[name] = {"dtype": ST[t.dtype], "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def parse(buf):
    (n,) = struct.unpack("<Q", buf[:8])
    assert n <= 100_000_000 and 8 + n <= len(buf), "bad header length"
    header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    data = buf[8 + n :]
    out = {}
    end = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        b, e = info["data_offsets"]
        assert b == end, f"{name}: hole or overlap"
        end = e
        dtype = FROM_ST[info["dtype"]]
        chunk = bytearray(data[b:e])
        if dtype in (torch.float16, torch.bfloat16):
            t = torch.frombuffer(chunk, dtype=torch.int16).view(dtype) if chunk else torch.zeros(0, dtype=dtype)
        else:
            t = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info["shape"])
    assert end == len(data), "data section length mismatch"
    return out, metadata


def same(a, b):
    if a.dtype != b.dtype or list(a.shape) != list(b.shape):
        return False
    af = a.double().flatten().tolist() if a.dtype != torch.bool else a.flatten().tolist()
    bf = b.double().flatten().tolist() if b.dtype != torch.bool else b.flatten().tolist()
    for x, y in zip(af, bf):
        if isinstance(x, float) and math.isnan(x):
            if not math.isnan(y):
                return False
        elif x != y or (x == 0 and math.copysign(1, x) != math.copysign(1, y)):
            return False
    return True


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    full = {**RECORD, **PYTHON_ONLY}
    py_path = os.path.join(FIXTURES, "python_written.safetensors")
    with open(py_path, "wb") as f:
        f.write(serialize(full, METADATA))
    back, meta = parse(open(py_path, "rb").read())
    assert meta == METADATA and all(same(back[k], full[k]) for k in full), "self-check failed"
    print(f"wrote {os.path.relpath(py_path, ROOT)}")

    k_path = os.path.join(FIXTURES, "kindling_written.safetensors")
    if not os.path.exists(k_path):
        print(f"missing {os.path.relpath(k_path, ROOT)}: write it with Kindling first (see the docstring)")
        raise SystemExit(1)
    kbuf = open(k_path, "rb").read()
    got, kmeta = parse(kbuf)
    assert kmeta == METADATA, f"metadata differs: {kmeta}"
    assert sorted(got) == sorted(RECORD), f"names differ: {sorted(got)}"
    for name, want in RECORD.items():
        assert same(got[name], want), f"{name}: {got[name]} != {want}"
    assert kbuf == serialize(RECORD, METADATA), "Kindling's bytes differ from the reference writer's"
    print(f"checked {os.path.relpath(k_path, ROOT)}: {len(got)} tensors match, bytes identical")


if __name__ == "__main__":
    main()
