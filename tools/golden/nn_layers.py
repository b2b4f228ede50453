"""Parity fixtures for @kindling/nn layers, Module behaviour and init (PyTorch 1.13).

Writes three files under packages/nn/test/fixtures/:
- nn_layers.json: for every layer case, PyTorch's repr, its state dict, the inputs, the output,
  the gradients of `(output * r).sum()` (r a fixed random tensor) with respect to every float input
  and every parameter, and the state after the forward pass (BatchNorm's running stats, Embedding's
  max_norm renormalisation). A few state dicts are also written as .safetensors files.
- nn_module.json: the printed tree, state-dict keys and a forward/backward of small models.
- nn_init.json: calculate_gain's table and fan-in/fan-out of several weight shapes.

torch 1.13 has no RMSNorm: the reference is computed by hand (x / sqrt(mean(x^2) + eps) * weight,
eps defaulting to finfo(dtype).eps as in later PyTorch).
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from common import ROOT, enc
from st_writer import save_file

torch.manual_seed(0)
OUT = os.path.join(ROOT, "packages", "nn", "test", "fixtures")
os.makedirs(OUT, exist_ok=True)


class RMSNorm(nn.Module):
    """Reference RMSNorm (PyTorch >= 2.4 semantics) written with 1.13 ops."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.randn(self.normalized_shape))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        dims = tuple(range(-len(self.normalized_shape), 0))
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y * self.weight if self.weight is not None else y

    def extra_repr(self):
        return "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}".format(**self.__dict__)


def randomize(m):
    """Non-trivial affine parameters and running stats, so loading them is actually tested."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm, RMSNorm)):
                p.copy_(torch.randn_like(p) * 0.5 + (1.0 if name == "weight" else 0.0))
        if getattr(m, "running_mean", None) is not None:
            m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.3)
            m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
    return m


cases = {}


def layer(name, module, inputs, train=True, randomize_state=True, safetensors=False, dtype=torch.float32):
    """Runs `module` on `inputs` and records everything a parity test needs."""
    assert name not in cases, name
    module = module.to(dtype)
    if randomize_state:
        randomize(module)
    module.train(train)
    state = {k: v.clone() for k, v in module.state_dict().items()}
    ins = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
    out = module(*ins)
    r = torch.randn_like(out)
    (out * r).sum().backward()
    grads = {}
    for i, x in enumerate(ins):
        if x.is_floating_point():
            grads[f"input{i}"] = x.grad
    for k, p in module.named_parameters():
        grads[k] = p.grad if p.grad is not None else torch.zeros_like(p)
    after = {k: v for k, v in module.state_dict().items() if not torch.equal(v, state[k])}
    cases[name] = {
        "repr": repr(module),
        "train": train,
        "state": {k: enc(v) for k, v in state.items()},
        "inputs": [enc(x) for x in inputs],
        "r": enc(r),
        "out": enc(out),
        "grads": {k: enc(v) for k, v in grads.items()},
        "stateAfter": {k: enc(v) for k, v in after.items()},
    }
    if safetensors:
        save_file(state, os.path.join(OUT, f"nn_layers_{name}.safetensors"), {"format": "pt", "case": name})


def rn(*shape):
    return torch.randn(*shape)


# ---- linear ----------------------------------------------------------------------------------------
layer("Linear", nn.Linear(4, 3), [rn(5, 4)], safetensors=True)
layer("Linear_nobias", nn.Linear(4, 3, bias=False), [rn(5, 4)])
layer("Linear_3d", nn.Linear(4, 6), [rn(2, 3, 4)])
layer("Linear_1d", nn.Linear(4, 2), [rn(4)])
layer("Linear_f64", nn.Linear(3, 2), [rn(4, 3).double()], dtype=torch.float64)
layer("Bilinear", nn.Bilinear(3, 4, 5), [rn(6, 3), rn(6, 4)])
layer("Bilinear_nobias", nn.Bilinear(2, 3, 4, bias=False), [rn(2, 5, 2), rn(2, 5, 3)])
layer("Identity", nn.Identity(), [rn(3, 4)])
layer("Flatten", nn.Flatten(), [rn(2, 3, 4, 5)])
layer("Flatten_range", nn.Flatten(0, 2), [rn(2, 3, 4, 5)])
layer("Unflatten", nn.Unflatten(1, (2, 3)), [rn(4, 6, 5)])
layer("Unflatten_neg", nn.Unflatten(-1, (2, -1)), [rn(3, 8)])

# ---- convolution -----------------------------------------------------------------------------------
layer("Conv1d", nn.Conv1d(3, 4, 3), [rn(2, 3, 9)])
layer("Conv1d_full", nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2, bias=False), [rn(2, 4, 11)])
layer("Conv1d_same", nn.Conv1d(2, 3, 4, padding="same"), [rn(2, 2, 9)])
layer("Conv1d_unbatched", nn.Conv1d(3, 2, 3, padding=1), [rn(3, 8)])
layer("Conv1d_circular", nn.Conv1d(2, 3, 3, padding=2, padding_mode="circular"), [rn(2, 2, 7)])
layer("Conv2d", nn.Conv2d(3, 4, 3), [rn(2, 3, 7, 6)], safetensors=True)
layer("Conv2d_full", nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2), [rn(2, 4, 9, 8)])
layer("Conv2d_same_nobias", nn.Conv2d(2, 3, 3, padding="same", bias=False), [rn(2, 2, 6, 5)])
layer("Conv2d_depthwise", nn.Conv2d(3, 6, 3, stride=2, groups=3), [rn(2, 3, 7, 7)])
layer("Conv2d_unbatched", nn.Conv2d(2, 3, 2, padding=1), [rn(2, 5, 4)])
layer("Conv2d_reflect", nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="reflect"), [rn(2, 2, 5, 6)])
layer("Conv2d_replicate_same", nn.Conv2d(2, 2, (2, 3), padding="same", padding_mode="replicate"), [rn(1, 2, 5, 5)])
layer("ConvTranspose2d", nn.ConvTranspose2d(3, 2, 3), [rn(2, 3, 4, 5)])
layer(
    "ConvTranspose2d_full",
    nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2, bias=False),
    [rn(2, 4, 3, 4)],
)
layer("ConvTranspose2d_dilation", nn.ConvTranspose2d(2, 3, 2, stride=(1, 2), dilation=(2, 1), padding=(1, 0)), [rn(2, 2, 4, 3)])

# ---- pooling ---------------------------------------------------------------------------------------
layer("MaxPool2d", nn.MaxPool2d(2), [rn(2, 3, 6, 7)])
layer("MaxPool2d_full", nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=(1, 2)), [rn(2, 2, 9, 8)])
layer("MaxPool2d_ceil", nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [rn(2, 2, 7, 8)])
layer("AvgPool2d", nn.AvgPool2d(2), [rn(2, 3, 6, 7)])
layer("AvgPool2d_full", nn.AvgPool2d((3, 2), stride=(2, 1), padding=1, count_include_pad=False), [rn(2, 2, 7, 6)])
layer("AvgPool2d_ceil", nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), [rn(2, 2, 7, 8)])
layer("AvgPool2d_divisor", nn.AvgPool2d(2, padding=1, divisor_override=3), [rn(1, 2, 5, 5)])
layer("AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d((3, 4)), [rn(2, 3, 7, 5)])
layer("AdaptiveAvgPool2d_global", nn.AdaptiveAvgPool2d(1), [rn(2, 3, 6, 5)])
layer("AdaptiveAvgPool2d_none", nn.AdaptiveAvgPool2d((None, 3)), [rn(2, 3, 6, 5)])

# ---- normalisation ---------------------------------------------------------------------------------
layer("BatchNorm1d_train", nn.BatchNorm1d(4), [rn(6, 4)])
layer("BatchNorm1d_train_3d", nn.BatchNorm1d(3, momentum=0.3), [rn(4, 3, 5)])
layer("BatchNorm1d_eval", nn.BatchNorm1d(4), [rn(6, 4)], train=False)
layer("BatchNorm1d_eval_3d", nn.BatchNorm1d(3, eps=1e-3), [rn(4, 3, 5)], train=False)
layer("BatchNorm1d_no_affine", nn.BatchNorm1d(4, affine=False), [rn(5, 4)])
layer("BatchNorm2d_train", nn.BatchNorm2d(3), [rn(2, 3, 4, 5)], safetensors=True)
layer("BatchNorm2d_eval", nn.BatchNorm2d(3), [rn(2, 3, 4, 5)], train=False)
bn = nn.BatchNorm2d(3, momentum=None)
randomize(bn)
bn.num_batches_tracked.fill_(3)
layer("BatchNorm2d_cumulative", bn, [rn(2, 3, 4, 5)], randomize_state=False)
layer("BatchNorm2d_no_tracking_train", nn.BatchNorm2d(3, track_running_stats=False), [rn(2, 3, 4, 4)])
layer("BatchNorm2d_no_tracking_eval", nn.BatchNorm2d(3, track_running_stats=False), [rn(2, 3, 4, 4)], train=False)
layer("BatchNorm2d_no_affine_eval", nn.BatchNorm2d(3, affine=False), [rn(2, 3, 3, 3)], train=False)
layer("BatchNorm2d_f64", nn.BatchNorm2d(2), [rn(3, 2, 3, 3).double()], dtype=torch.float64)
layer("LayerNorm", nn.LayerNorm(5), [rn(3, 4, 5)])
layer("LayerNorm_2d_shape", nn.LayerNorm([4, 5], eps=1e-3), [rn(3, 4, 5)])
layer("LayerNorm_no_affine", nn.LayerNorm(6, elementwise_affine=False), [rn(2, 6)])
layer("GroupNorm", nn.GroupNorm(2, 6), [rn(3, 6, 4, 5)])
layer("GroupNorm_3d", nn.GroupNorm(3, 6, eps=1e-3), [rn(2, 6, 7)])
layer("GroupNorm_no_affine", nn.GroupNorm(1, 4, affine=False), [rn(2, 4, 3, 3)])
layer("RMSNorm", RMSNorm(5), [rn(3, 4, 5)])
layer("RMSNorm_2d_shape", RMSNorm([4, 5], eps=1e-5), [rn(3, 4, 5)])
layer("RMSNorm_no_affine", RMSNorm(6, elementwise_affine=False), [rn(2, 6)])

# ---- dropout (deterministic cases only; randomness is tested statistically) ------------------------
layer("Dropout_eval", nn.Dropout(0.5), [rn(4, 5)], train=False)
layer("Dropout_p0", nn.Dropout(0.0), [rn(4, 5)])
layer("Dropout2d_eval", nn.Dropout2d(0.3), [rn(2, 3, 4, 4)], train=False)

# ---- embedding -------------------------------------------------------------------------------------
layer("Embedding", nn.Embedding(10, 4), [torch.tensor([[0, 3, 9], [3, 3, 1]])], safetensors=True)
layer("Embedding_padding", nn.Embedding(6, 3, padding_idx=2), [torch.tensor([[2, 0, 2], [5, 2, 1]])])
emb = nn.Embedding(8, 4, max_norm=1.0)
with torch.no_grad():
    emb.weight.mul_(1.5)
layer("Embedding_max_norm", emb, [torch.tensor([1, 4, 4, 7])])

# ---- activations -----------------------------------------------------------------------------------
act_in = lambda: rn(3, 7) * 2  # noqa: E731
layer("ReLU", nn.ReLU(), [act_in()])
layer("LeakyReLU", nn.LeakyReLU(), [act_in()])
layer("LeakyReLU_slope", nn.LeakyReLU(0.2), [act_in()])
layer("ELU", nn.ELU(), [act_in()])
layer("ELU_alpha", nn.ELU(alpha=0.5), [act_in()])
layer("GELU", nn.GELU(), [act_in()])
layer("GELU_tanh", nn.GELU(approximate="tanh"), [act_in()])
layer("SiLU", nn.SiLU(), [act_in()])
layer("Tanh", nn.Tanh(), [act_in()])
layer("Sigmoid", nn.Sigmoid(), [act_in()])
layer("Softplus", nn.Softplus(), [act_in()])
layer("Softplus_beta", nn.Softplus(beta=2, threshold=3), [act_in()])
layer("Softmax", nn.Softmax(dim=1), [act_in()])
layer("Softmax_neg", nn.Softmax(dim=-2), [rn(2, 3, 4)])
layer("LogSoftmax", nn.LogSoftmax(dim=-1), [act_in()])
layer("Hardtanh", nn.Hardtanh(), [act_in()])
layer("Hardtanh_range", nn.Hardtanh(-0.5, 0.8), [act_in()])
layer("ReLU6", nn.ReLU6(), [rn(3, 7) * 5])
layer("Mish", nn.Mish(), [act_in()])

with open(os.path.join(OUT, "nn_layers.json"), "w") as f:
    json.dump({"generator": "tools/golden/nn_layers.py", "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to packages/nn/test/fixtures/nn_layers.json")


# ---- Module behaviour ------------------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(nn.Linear(64, 10), nn.Dropout(0.2), nn.Linear(10, 3))

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


torch.manual_seed(1)
net = Net()
randomize(net.features[1])
net.train()
state = {k: v.clone() for k, v in net.state_dict().items()}
x = torch.randn(2, 1, 8, 8, requires_grad=True)
net_repr = repr(net)
net.classifier[1].p = 0.0  # deterministic forward (the repr above shows p=0.2)
out = net(x)
r = torch.randn_like(out)
(out * r).sum().backward()
seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4))
module_fx = {
    "net": {
        "repr": net_repr,
        "keys": list(state.keys()),
        "state": {k: enc(v) for k, v in state.items()},
        "input": enc(x),
        "r": enc(r),
        "out": enc(out),
        "grads": {"input": enc(x.grad), **{k: enc(p.grad) for k, p in net.named_parameters()}},
        "stateAfter": {k: enc(v) for k, v in net.state_dict().items()},
        "parameterNames": [k for k, _ in net.named_parameters()],
        "bufferNames": [k for k, _ in net.named_buffers()],
        "moduleNames": [k for k, _ in net.named_modules()],
        "numParameters": sum(p.numel() for p in net.parameters()),
    },
    "sequential": {"repr": repr(seq), "keys": list(seq.state_dict().keys())},
}
class Tied(nn.Module):
    """Shared parameters and a module registered twice."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)
        self.b = nn.Linear(3, 3)
        self.b.weight = self.a.weight
        self.c = self.a


tied = Tied()
module_fx["tied"] = {
    "keys": list(tied.state_dict().keys()),
    "parameterNames": [k for k, _ in tied.named_parameters()],
    "moduleNames": [k for k, _ in tied.named_modules()],
    "numParameters": sum(p.numel() for p in tied.parameters()),
}
with open(os.path.join(OUT, "nn_module.json"), "w") as f:
    json.dump({"generator": "tools/golden/nn_layers.py", "torch": torch.__version__, "cases": module_fx}, f, separators=(",", ":"))
print("wrote packages/nn/test/fixtures/nn_module.json")

# ---- init ------------------------------------------------------------------------------------------
init = nn.init
gains = {
    "linear": init.calculate_gain("linear"),
    "conv1d": init.calculate_gain("conv1d"),
    "conv2d": init.calculate_gain("conv2d"),
    "conv3d": init.calculate_gain("conv3d"),
    "conv_transpose1d": init.calculate_gain("conv_transpose1d"),
    "conv_transpose2d": init.calculate_gain("conv_transpose2d"),
    "conv_transpose3d": init.calculate_gain("conv_transpose3d"),
    "sigmoid": init.calculate_gain("sigmoid"),
    "tanh": init.calculate_gain("tanh"),
    "relu": init.calculate_gain("relu"),
    "leaky_relu": init.calculate_gain("leaky_relu"),
    "leaky_relu_0.2": init.calculate_gain("leaky_relu", 0.2),
    "leaky_relu_sqrt5": init.calculate_gain("leaky_relu", 5 ** 0.5),
    "selu": init.calculate_gain("selu"),
}
fans = []
for shape in [(5, 3), (7, 4, 3), (8, 3, 3, 2), (6, 2, 2, 2, 2)]:
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(torch.empty(shape))
    fans.append({"shape": list(shape), "fanIn": fan_in, "fanOut": fan_out})
init_fx = {"gains": gains, "fans": fans}
with open(os.path.join(OUT, "nn_init.json"), "w") as f:
    json.dump({"generator": "tools/golden/nn_layers.py", "torch": torch.__version__, "cases": init_fx}, f, separators=(",", ":"))
print("wrote packages/nn/test/fixtures/nn_init.json")
