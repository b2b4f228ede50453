"""A minimal safetensors writer (Debian has no python3-safetensors): enough to write PyTorch state
dicts as fixtures for @kindling/nn's `load` tests.

Format: 8-byte little-endian header length, a JSON header (`{name: {dtype, shape, data_offsets}}`
plus `__metadata__`), padded with spaces to a multiple of 8, then the raw little-endian data of
each tensor in header order, with offsets relative to the data section.
"""
import json
import struct

import torch

ST_DTYPES = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.bool: "BOOL",
}


def _raw(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def save_file(tensors, path, metadata=None):
    """Writes a dict of tensors to `path` in safetensors format."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        data = _raw(t)
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
