"""ONNX models exported by PyTorch 1.13's torch.onnx.export, for @kindling/nn's loadOnnx.

Writes packages/nn/test/fixtures/onnx/<name>.onnx and onnx_expected.json (inputs and PyTorch's
outputs), so the test checks that models produced by the most common exporter load and match:
- torch_cnn.onnx: Conv/BatchNorm/ReLU/MaxPool/Flatten/Linear/Softmax, opset 13, dynamic batch.
- torch_transformer.onnx: a batch-first nn.TransformerEncoderLayer (d_model 8, 2 heads, GELU) with a
  causal mask and a linear head, opset 14: the exporter's dynamic-shape ops (Shape, Gather,
  Unsqueeze, Concat, Reshape...), decomposed LayerNorm, Softmax, Erf.

Run with /usr/bin/python3 tools/golden/interop_onnx.py.
"""
import json
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "packages", "nn", "test", "fixtures", "onnx")


def enc(t):
    return {"shape": list(t.shape), "data": t.detach().flatten().tolist()}


class TinyTransformer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu", batch_first=True)
        self.head = torch.nn.Linear(8, 3)

    def forward(self, x):
        t = x.shape[1]
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        return self.head(self.layer(x, src_mask=mask))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    expected = {"generator": "tools/golden/interop_onnx.py", "torch": torch.__version__}

    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 4 * 4, 5),
        torch.nn.Softmax(-1),
    )
    with torch.no_grad():
        cnn[1].running_mean.uniform_(-0.3, 0.3)
        cnn[1].running_var.uniform_(0.5, 1.5)
    cnn.eval()
    x = torch.randn(3, 1, 8, 8)
    torch.onnx.export(cnn, torch.randn(1, 1, 8, 8), os.path.join(OUT, "torch_cnn.onnx"), opset_version=13,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    with torch.no_grad():
        expected["torch_cnn"] = {"input": enc(x), "output": enc(cnn(x))}

    tr = TinyTransformer().eval()
    x = torch.randn(2, 5, 8)
    torch.onnx.export(tr, x, os.path.join(OUT, "torch_transformer.onnx"), opset_version=14,
                      input_names=["x"], output_names=["y"])
    with torch.no_grad():
        expected["torch_transformer"] = {"input": enc(x), "output": enc(tr(x))}

    with open(os.path.join(OUT, "onnx_expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
