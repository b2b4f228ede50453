"""Parity fixtures for @kindling/vision's models, built with torchvision 0.14 (Debian
python3-torchvision) on PyTorch 1.13. Run with /usr/bin/python3 tools/golden/vision_models.py.

Writes packages/vision/test/fixtures/vision_models.json plus one safetensors state dict per case.

How the weights are chosen, and why (the fixtures are committed, so each must stay small, well under
~3 MB):
- Real torchvision state dicts, loaded strictly by Kindling (exact key names and shapes): LeNet-5 (a
  plain PyTorch module, torchvision has none), ResNet-18 and ResNet-50 built with torchvision's own
  `ResNet` class with its `BasicBlock` / `Bottleneck`, but with every width divided by 8 (torchvision
  hard-codes 64/128/256/512; `NarrowResNet` below scales `planes` in `_make_layer` and rebuilds the
  stem and `fc` at the narrow width; the module tree and key names are torchvision's), MobileNetV2
  with `width_mult=0.25` (a torchvision option), VGG-11 with and without batch norm built with
  torchvision's `VGG` and `make_layers` from a narrow `cfg` with a narrow classifier (same keys), and
  ViT built with torchvision's `VisionTransformer` in tiny configurations. The ResNet-50 state dict
  is stored in float16 (the model is cast to half and back before computing the reference output,
  so both sides use the same rounded weights): it exercises loading a half-precision checkpoint.
- Full-width ResNet-18 (11.7M parameters, ~45 MB in float32: far too big to commit): its weights
  are generated on BOTH sides from a shared formula (`formula_state_dict`, mirrored in
  packages/vision/test/models.test.ts), so only the input and output are committed; the full key
  and shape list of torchvision's resnet18 is stored too, and the test checks ours equals it.
- Key/shape lists of torchvision's default resnet18, resnet34, resnet50 and mobilenet_v2 (names and
  shapes only, no values).

Parameters and buffers that torchvision initialises to constants (BatchNorm's weight/bias/running
statistics, ViT's class token and zero-initialised head) are re-randomised, so every tensor matters.
All models are in eval() mode.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torchvision
from torchvision.models import mobilenet_v2, resnet18, resnet34, resnet50
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet
from torchvision.models.vgg import VGG, make_layers
from torchvision.models.vision_transformer import VisionTransformer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, enc  # noqa: E402
from st_writer import save_file  # noqa: E402

OUT = os.path.join(ROOT, "packages", "vision", "test", "fixtures")
NAME = "vision_models"


class LeNet5(nn.Module):
    """LeNet-5 as Kindling defines it (modern variant: ReLU and max pooling; padding 2 for 28x28)."""

    def __init__(self, num_classes=10, in_channels=1, padding=2):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5, padding=padding)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


class NarrowResNet(ResNet):
    """torchvision's ResNet with every width divided by `div` (same modules and key names)."""

    def __init__(self, block, layers, div, num_classes):
        self._div = div
        super().__init__(block, layers, num_classes=num_classes)
        w = 64 // div
        self.conv1 = nn.Conv2d(3, w, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.fc = nn.Linear(512 // div * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        if planes == 64:
            self.inplanes = 64 // self._div
        return super()._make_layer(block, planes // self._div, blocks, stride, dilate)


def randomize_constants(model):
    """Re-draws BatchNorm state and any all-constant floating tensor (zero/one initialisations)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
        for name, p in model.named_parameters():
            if p.numel() > 0 and bool((p == p.flatten()[0]).all()):
                p.add_(torch.randn_like(p) * 0.2)


def key_list(model):
    return [[k, list(v.shape)] for k, v in model.state_dict().items()]


def formula_state_dict(model):
    """Deterministic weights both sides compute: s = sin(1.7 * i + 0.3 * t) for element i of the t-th
    state-dict entry (float64, then float32). Conv/linear weights: s * 2 / sqrt(fan_in) (He variance);
    other weights (BatchNorm): 1 + 0.1 s; biases and running means: 0.1 s; running variances:
    1 + 0.25 (s + 1); num_batches_tracked: 0."""
    out = {}
    for t, (k, v) in enumerate(model.state_dict().items()):
        if not v.is_floating_point():
            out[k] = torch.zeros_like(v)
            continue
        i = torch.arange(v.numel(), dtype=torch.float64)
        s = torch.sin(1.7 * i + 0.3 * t)
        if k.endswith("weight") and v.dim() >= 2:
            fan_in = v.shape[1] * math.prod(v.shape[2:])
            s = s * (2 / math.sqrt(fan_in))
        elif k.endswith("weight"):
            s = 1 + 0.1 * s
        elif k.endswith("running_var"):
            s = 1 + 0.25 * (s + 1)
        else:
            s = 0.1 * s
        out[k] = s.to(torch.float32).reshape(v.shape)
    return out


cases = {}


def case(name, architecture, config, model, input, half=False, formula=False):
    """Records one parity case: `config` is Kindling's (camelCase) config for `architecture`."""
    model.eval()
    if formula:
        model.load_state_dict(formula_state_dict(model))
    else:
        randomize_constants(model)
    if half:
        model = model.half().float()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        out = model(input)
    assert torch.isfinite(out).all() and out.abs().max() > 1e-3, name
    entry = {
        "architecture": architecture,
        "config": config,
        "input": enc(input),
        "out": enc(out),
        "keys": key_list(model),
    }
    if formula:
        entry["weights"] = "formula"
    else:
        file = f"{NAME}_{name}.safetensors"
        st = {k: (v.half() if half and v.is_floating_point() else v) for k, v in state.items()}
        save_file(st, os.path.join(OUT, file), {"format": "pt", "case": name})
        entry["weights"] = file
    cases[name] = entry
    n = sum(v.numel() for v in state.values())
    print(f"{name}: {n} values, out {list(out.shape)} max |out| {out.abs().max():.3g}")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    case("lenet5", "lenet5", {"numClasses": 10}, LeNet5(), torch.randn(2, 1, 28, 28))
    case(
        "lenet5_32",
        "lenet5",
        {"numClasses": 7, "inChannels": 3, "imageSize": 32},
        LeNet5(num_classes=7, in_channels=3, padding=0),
        torch.randn(1, 3, 32, 32),
    )

    widths8 = [8, 16, 32, 64]
    case(
        "resnet18_narrow",
        "resnet18",
        {"numClasses": 10, "widths": widths8},
        NarrowResNet(BasicBlock, [2, 2, 2, 2], 8, 10),
        torch.randn(2, 3, 32, 32),
    )
    case(
        "resnet50_narrow_f16",
        "resnet50",
        {"numClasses": 10, "widths": widths8},
        NarrowResNet(Bottleneck, [3, 4, 6, 3], 8, 10),
        torch.randn(1, 3, 32, 32),
        half=True,
    )
    case("resnet18_formula", "resnet18", {}, resnet18(), torch.randn(1, 3, 32, 32), formula=True)

    case(
        "mobilenet_v2_025",
        "mobilenet_v2",
        {"numClasses": 10, "widthMult": 0.25},
        mobilenet_v2(num_classes=10, width_mult=0.25),
        torch.randn(2, 3, 32, 32),
    )

    cfg = [8, "M", 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"]
    for bn in (False, True):
        m = VGG(make_layers(cfg, batch_norm=bn), num_classes=10)
        m.classifier = nn.Sequential(
            nn.Linear(64 * 7 * 7, 32),
            nn.ReLU(True),
            nn.Dropout(),
            nn.Linear(32, 32),
            nn.ReLU(True),
            nn.Dropout(),
            nn.Linear(32, 10),
        )
        case(
            "vgg11_bn_narrow" if bn else "vgg11_narrow",
            "vgg11_bn" if bn else "vgg11",
            {"numClasses": 10, "cfg": cfg, "hiddenDim": 32},
            m,
            torch.randn(1, 3, 32, 32),
        )

    vit = dict(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=10)
    tiny = {"imageSize": 32, "patchSize": 8, "numLayers": 2, "numHeads": 2, "hiddenDim": 32, "mlpDim": 64, "numClasses": 10}
    case("vit_tiny", "vit", tiny, VisionTransformer(**vit), torch.randn(2, 3, 32, 32))
    case(
        "vit_tiny_repr",
        "vit",
        {**tiny, "numLayers": 1, "numHeads": 4, "representationSize": 16},
        VisionTransformer(**{**vit, "num_layers": 1, "num_heads": 4, "representation_size": 16}),
        torch.randn(1, 3, 32, 32),
    )

    key_lists = {
        "resnet18": key_list(resnet18()),
        "resnet34": key_list(resnet34()),
        "resnet50": key_list(resnet50()),
        "mobilenet_v2": key_list(mobilenet_v2()),
    }

    path = os.path.join(OUT, f"{NAME}.json")
    with open(path, "w") as f:
        json.dump(
            {
                "generator": f"tools/golden/{NAME}.py",
                "torch": torch.__version__,
                "torchvision": torchvision.__version__,
                "cases": cases,
                "keyLists": key_lists,
            },
            f,
            separators=(",", ":"),
        )
    print(f"wrote {len(cases)} cases to {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
