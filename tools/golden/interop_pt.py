"""PyTorch checkpoint (.pt) fixtures for @kindling/core's loadPt.

Writes small torch.save files with PyTorch 1.13 into packages/core/test/fixtures/pt/, plus
pt_expected.json describing what each file holds (tensor values, strides, storage offsets and
which tensors share a storage, nested containers), so the TypeScript test checks the loader
against PyTorch's own view of the file, not against itself.

Files:
- mobilenet_v2.pt: state dict of a tiny torchvision mobilenet_v2 (width_mult=0.25, three short
  stages, 5 classes) in eval mode with non-trivial BatchNorm statistics; pt_expected.json also
  holds an input and PyTorch's output for it (checked against @kindling/vision's MobileNetV2 in
  packages/vision/test/pt-checkpoint.test.ts).
- adam.pt: an Adam optimizer state dict after two steps.
- views.pt: shared storages and views (transpose, row, strided slice, narrow, expand, tied).
- dtypes.pt: float32/64, float16, bfloat16, int64, int32, int16, int8, uint8, bool.
- nested.pt: nested containers, numbers, strings, None, a big int, int dict keys.
- int64_overflow.pt: an int64 tensor with values beyond int32 (must be refused).
- legacy.pt: the pre-1.6 pickle format (_use_new_zipfile_serialization=False; must be refused).
- deflate.pt: views.pt re-zipped with DEFLATE compression (must load like views.pt).
- bomb.pt: a DEFLATE entry of 1 MiB of zeros (refused when maxEntryBytes is smaller).
- evil_reduce.pt: a torch-layout zip whose data.pkl calls os.system via REDUCE (must be refused).
- traversal.pt: a zip with an entry named '../evil' (must be refused).

Run with /usr/bin/python3 tools/golden/interop_pt.py.
"""
import collections
import io
import json
import math
import os
import pickle
import zipfile

import torch
from torchvision.models import mobilenet_v2

MOBILENET_SETTING = [[1, 8, 1, 1], [2, 8, 2, 2], [2, 16, 1, 2]]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "packages", "core", "test", "fixtures", "pt")

DTYPES = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
    torch.int64: "int32",
    torch.int32: "int32",
    torch.int16: "int32",
    torch.int8: "int32",
    torch.uint8: "int32",
    torch.bool: "bool",
}


def num(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


class Describer:
    """Describes a saved object; storages are numbered in order of first appearance."""

    def __init__(self, brief=False):
        self.storages = {}
        self.brief = brief  # store only the first values and the sum (keeps big fixtures small)

    def __call__(self, v):
        if isinstance(v, torch.Tensor):
            v = v.detach()
            key = v.storage().data_ptr()
            sid = self.storages.setdefault(key, len(self.storages))
            data = v.float() if v.dtype in (torch.float16, torch.bfloat16) else v
            out = {
                "dtype": DTYPES[v.dtype],
                "shape": list(v.shape),
                "stride": list(v.stride()),
                "offset": v.storage_offset() if v.numel() else 0,
                "storage": sid,
            }
            if self.brief:
                out["head"] = [num(x) for x in data.flatten()[:4].tolist()]
                out["sum"] = num(data.double().sum().item())
            else:
                out["data"] = [num(x) for x in data.flatten().tolist()]
            return {"tensor": out}
        if isinstance(v, dict):
            return {"dict": [[str(k) if not isinstance(k, bool) else str(k), self(x)] for k, x in v.items()]}
        if isinstance(v, (list, tuple)):
            return {"list" if isinstance(v, list) else "tuple": [self(x) for x in v]}
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return {"value": v}
        if isinstance(v, int):
            return {"int": str(v)}
        if isinstance(v, float):
            return {"float": num(v)}
        raise TypeError(type(v))


def save(name, obj, **kw):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kw)
    return path


def rezip_deflate(src, dst):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename.replace("views/", "deflate/"), zin.read(info.filename))


def torch_layout_zip(path, root, records):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in records:
            z.writestr(f"{root}/{name}" if root else name, data)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/kindling_pwned",))


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {"generator": "tools/golden/interop_pt.py", "torch": torch.__version__, "files": {}}
    torch.manual_seed(0)

    # A tiny torchvision MobileNetV2 with non-trivial BatchNorm statistics, in eval mode.
    model = mobilenet_v2(num_classes=5, width_mult=0.25, inverted_residual_setting=MOBILENET_SETTING)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.num_batches_tracked.fill_(7)
    model.eval()
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        y = model(x)
    sd = model.state_dict()
    save("mobilenet_v2.pt", sd)
    expected["files"]["mobilenet_v2.pt"] = Describer(brief=True)(sd)
    expected["mobilenet_v2"] = {
        "config": {"numClasses": 5, "widthMult": 0.25, "invertedResidualSetting": MOBILENET_SETTING},
        "input": Describer()(x),
        "output": Describer()(y),
    }

    # Adam optimizer state after two steps.
    lin = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    opt = torch.optim.Adam(lin.parameters(), lr=0.01, betas=(0.8, 0.9))
    for _ in range(2):
        opt.zero_grad()
        lin(torch.randn(4, 3)).pow(2).sum().backward()
        opt.step()
    save("adam.pt", opt.state_dict())
    expected["files"]["adam.pt"] = Describer()(opt.state_dict())

    # Shared storages and views.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    other = torch.randn(3)
    views = collections.OrderedDict()
    views["base"] = base
    views["transposed"] = base.t()
    views["row"] = base[2]
    views["strided"] = base[:, ::2]
    views["narrow"] = base.narrow(1, 2, 3)
    views["column"] = base[:, 5]
    views["tied"] = base
    views["expanded"] = other.unsqueeze(0).expand(2, 3)
    views["scalar"] = torch.tensor(3.5)
    views["empty"] = torch.zeros(0, 3)
    views["other_slice"] = other[1:]
    save("views.pt", views)
    expected["files"]["views.pt"] = Describer()(views)
    rezip_deflate(os.path.join(OUT, "views.pt"), os.path.join(OUT, "deflate.pt"))

    # Dtypes.
    dtypes = {
        "f32": torch.tensor([1.5, float("nan"), float("inf"), -float("inf"), -0.0]),
        "f64": torch.tensor([1e-300, -2.5, 1e300], dtype=torch.float64),
        "f16": torch.tensor([0.5, -65504.0, 1e-4, float("inf")], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16),
        "i64": torch.tensor([[0, -1], [2**31 - 1, -(2**31)]], dtype=torch.int64),
        "i32": torch.tensor([7, -7], dtype=torch.int32),
        "i16": torch.tensor([-300, 300], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "b": torch.tensor([True, False, True]),
        "f16_view": torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float16)[1::2],
    }
    save("dtypes.pt", dtypes)
    expected["files"]["dtypes.pt"] = Describer()(dtypes)

    # Nested containers.
    nested = {
        "list": [1, 2.5, "h\u00e9llo \u2713", None, True, False, (3, 4), [], ()],
        "ints": {0: "zero", 1: [torch.tensor([1.0, 2.0])], -5: {"deep": {"deeper": (torch.tensor([[1]]),)}}},
        "big": 2**70,
        "neg_big": -(2**65),
        "large": 2**40,
        "negative": -123456,
        "float": -0.125,
        "od": collections.OrderedDict([("b", 1), ("a", 2)]),
        "tensors": [torch.ones(2, dtype=torch.float64), torch.zeros(1, dtype=torch.int32)],
    }
    save("nested.pt", nested)
    expected["files"]["nested.pt"] = Describer()(nested)

    save("int64_overflow.pt", {"big": torch.tensor([1, 2**40], dtype=torch.int64)})
    save("legacy.pt", {"w": torch.ones(2)}, _use_new_zipfile_serialization=False)

    # A DEFLATE entry of 1 MiB of zeros (about 1 KiB compressed).
    with zipfile.ZipFile(os.path.join(OUT, "bomb.pt"), "w", zipfile.ZIP_DEFLATED) as z:
        buf = io.BytesIO()
        torch.save({"z": torch.zeros(2**18)}, buf)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src:
            for info in src.infolist():
                z.writestr(info.filename.replace("archive/", "bomb/"), src.read(info.filename))

    # Hostile archives in torch's layout.
    evil = pickle.dumps(Evil(), protocol=2)
    assert b"system" in evil
    torch_layout_zip(os.path.join(OUT, "evil_reduce.pt"), "evil_reduce", [("data.pkl", evil), ("version", b"3\n")])
    torch_layout_zip(
        os.path.join(OUT, "traversal.pt"),
        "",
        [("traversal/data.pkl", pickle.dumps({}, protocol=2)), ("../evil", b"x"), ("traversal/version", b"3\n")],
    )

    with open(os.path.join(OUT, "pt_expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files ({total} bytes) to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
