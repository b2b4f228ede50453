"""Golden fixtures for @kindling/nn losses (torch.nn.functional *_loss, PyTorch 1.13).

Every case records one loss call: attrs `fn` (the Kindling function name) plus its options in
Kindling's camelCase (`reduction`, `ignoreIndex`, `labelSmoothing`, `beta`, `delta`, `margin`,
`logTarget`); `pre: "t"` means input `input` is passed transposed (`input.t()`, a non-contiguous
view) on both sides. Inputs hold the tensors (`input`, `target`, optional `weight`, `posWeight`;
cosine embedding uses `x1`, `x2`, `y`) and `gradOutput`, the upstream gradient.
`out` is [loss, d(loss . gradOutput)/d(input)] (for cosine embedding, the gradients of x1 and x2).
"""
import torch
import torch.nn.functional as F
from common import Fixture

fx = Fixture("nn_losses", package="nn")
NAN, INF = float("nan"), float("inf")

TORCH_FN = {
    "mseLoss": F.mse_loss,
    "l1Loss": F.l1_loss,
    "smoothL1Loss": F.smooth_l1_loss,
    "huberLoss": F.huber_loss,
    "crossEntropy": F.cross_entropy,
    "nllLoss": F.nll_loss,
    "binaryCrossEntropy": F.binary_cross_entropy,
    "binaryCrossEntropyWithLogits": F.binary_cross_entropy_with_logits,
    "klDiv": F.kl_div,
    "cosineEmbeddingLoss": F.cosine_embedding_loss,
}
SNAKE = {
    "ignoreIndex": "ignore_index",
    "labelSmoothing": "label_smoothing",
    "logTarget": "log_target",
    "posWeight": "pos_weight",
}


def torch_kwargs(opts, tensors):
    kw = {SNAKE.get(k, k): v for k, v in opts.items()}
    for k, v in tensors.items():
        kw[SNAKE.get(k, k)] = v
    return kw


def add(name, fn, input, target, pre=None, weight=None, posWeight=None, **opts):
    """Records fn(input, target, **opts) and the gradient of sum(loss * gradOutput) w.r.t. input."""
    extra = {}
    if weight is not None:
        extra["weight"] = weight
    if posWeight is not None:
        extra["posWeight"] = posWeight
    x = input.clone().requires_grad_(True)
    xi = x.t() if pre == "t" else x
    out = TORCH_FN[fn](xi, target, **torch_kwargs(opts, extra))
    g = torch.randn(out.shape, dtype=out.dtype)
    (grad,) = torch.autograd.grad(out, x, g)
    attrs = {"fn": fn, **opts}
    if pre:
        attrs["pre"] = pre
    fx.case(name, {"input": input, "target": target, "gradOutput": g, **extra}, [out, grad], **attrs)


def err(name, fn, input, target, weight=None, **opts):
    """A call PyTorch rejects; checks that it does."""
    extra = {} if weight is None else {"weight": weight}
    try:
        TORCH_FN[fn](input, target, **torch_kwargs(opts, extra))
    except (RuntimeError, ValueError, IndexError):
        fx.error(name, {"input": input, "target": target, **extra}, fn=fn, **opts)
        return
    raise AssertionError(f"{name}: PyTorch accepted it")


REDUCTIONS = ["mean", "sum", "none"]

# ---- regression losses ------------------------------------------------------------------------
a = torch.randn(4, 5)
b = torch.randn(4, 5)
b[0, 0] = a[0, 0]  # a zero difference (|d| at its kink)
for fn in ["mseLoss", "l1Loss"]:
    for r in REDUCTIONS:
        add(f"{fn}_{r}", fn, a, b, reduction=r)
    add(f"{fn}_f64", fn, a.double(), b.double())
    add(f"{fn}_noncontig", fn, torch.randn(5, 4), b, pre="t")
    add(f"{fn}_scalar", fn, torch.tensor(1.5), torch.tensor(-0.25))
    add(f"{fn}_empty_sum", fn, torch.zeros(0, 3), torch.zeros(0, 3), reduction="sum")
    err(f"{fn}_err_shape", fn, torch.randn(3, 4), torch.randn(2, 4))

big = torch.randn(6, 7) * 3
tb = torch.randn(6, 7)
for r in REDUCTIONS:
    add(f"smoothL1Loss_{r}", "smoothL1Loss", big, tb, reduction=r)
    add(f"huberLoss_{r}", "huberLoss", big, tb, reduction=r)
for beta in [0.5, 2.0, 0.0]:
    add(f"smoothL1Loss_beta{beta}", "smoothL1Loss", big, tb, beta=beta)
for delta in [0.5, 2.5]:
    add(f"huberLoss_delta{delta}", "huberLoss", big, tb, delta=delta)
add("smoothL1Loss_f64", "smoothL1Loss", big.double(), tb.double(), beta=1.5)
add("huberLoss_f64", "huberLoss", big.double(), tb.double(), delta=1.5)
add("huberLoss_noncontig", "huberLoss", torch.randn(7, 6) * 2, tb, pre="t")
err("smoothL1Loss_err_shape", "smoothL1Loss", torch.randn(3, 4), torch.randn(4, 3))

# ---- cross entropy / nll ----------------------------------------------------------------------
N, C = 6, 5
logits = torch.randn(N, C) * 2
idx = torch.tensor([0, 4, 2, 2, 1, 3])
idx_ign = torch.tensor([0, -100, 2, 2, -100, 3])
idx_ign7 = torch.tensor([0, 7, 2, 7, 1, 3])
w = torch.rand(C) + 0.2
probs = torch.softmax(torch.randn(N, C), 1)
logits4 = torch.randn(2, C, 3, 4)
idx4 = torch.randint(0, C, (2, 3, 4))
idx4[0, 1, 2] = -100
probs4 = torch.softmax(torch.randn(2, C, 3, 4), 1)

for r in REDUCTIONS:
    add(f"crossEntropy_{r}", "crossEntropy", logits, idx, reduction=r)
    add(f"crossEntropy_weight_{r}", "crossEntropy", logits, idx, weight=w, reduction=r)
    add(f"crossEntropy_ignore_{r}", "crossEntropy", logits, idx_ign, reduction=r)
    add(f"crossEntropy_weight_ignore_{r}", "crossEntropy", logits, idx_ign, weight=w, reduction=r)
    add(f"crossEntropy_smooth_{r}", "crossEntropy", logits, idx, labelSmoothing=0.1, reduction=r)
    add(f"crossEntropy_smooth_weight_ignore_{r}", "crossEntropy", logits, idx_ign, weight=w, labelSmoothing=0.2, reduction=r)
    add(f"crossEntropy_smooth_ignore_{r}", "crossEntropy", logits, idx_ign, labelSmoothing=0.3, reduction=r)
    add(f"crossEntropy_probs_{r}", "crossEntropy", logits, probs, reduction=r)
    add(f"crossEntropy_probs_weight_{r}", "crossEntropy", logits, probs, weight=w, reduction=r)
    add(f"crossEntropy_probs_smooth_{r}", "crossEntropy", logits, probs, labelSmoothing=0.15, reduction=r)
    add(f"crossEntropy_nd_{r}", "crossEntropy", logits4, idx4, weight=w, reduction=r)
    add(f"crossEntropy_nd_probs_{r}", "crossEntropy", logits4, probs4, reduction=r)
add("crossEntropy_ignore_index7", "crossEntropy", logits, idx_ign7, ignoreIndex=7)
add("crossEntropy_nd_smooth", "crossEntropy", logits4, idx4, labelSmoothing=0.1)
add("crossEntropy_nd_smooth_weight", "crossEntropy", logits4, idx4, weight=w, labelSmoothing=0.1)
add("crossEntropy_unbatched", "crossEntropy", torch.randn(C), torch.tensor(3))
add("crossEntropy_unbatched_none", "crossEntropy", torch.randn(C), torch.tensor(1), reduction="none")
add("crossEntropy_unbatched_probs", "crossEntropy", torch.randn(C), torch.softmax(torch.randn(C), 0))
add("crossEntropy_f64", "crossEntropy", logits.double(), idx, weight=w.double(), labelSmoothing=0.05)
add("crossEntropy_noncontig", "crossEntropy", torch.randn(C, N), idx, pre="t")
add("crossEntropy_extreme", "crossEntropy", torch.tensor([[1000.0, -1000.0, 0.0], [-50.0, 60.0, 70.0]]), torch.tensor([1, 0]))
add("crossEntropy_all_ignored", "crossEntropy", logits[:2], torch.tensor([-100, -100]))
add("crossEntropy_empty_sum", "crossEntropy", torch.zeros(0, C), torch.zeros(0, dtype=torch.long), reduction="sum")
err("crossEntropy_err_target_oob", "crossEntropy", logits, torch.tensor([0, 5, 1, 1, 1, 1]))
err("crossEntropy_err_target_negative", "crossEntropy", logits, torch.tensor([0, -2, 1, 1, 1, 1]))
err("crossEntropy_err_batch", "crossEntropy", logits, torch.tensor([0, 1, 2]))
err("crossEntropy_err_probs_shape", "crossEntropy", logits, torch.rand(N, C + 1))
err("crossEntropy_err_weight_shape", "crossEntropy", logits, idx, weight=torch.rand(C + 1))
err("crossEntropy_err_nd_target", "crossEntropy", logits4, torch.zeros(2, 3, 5, dtype=torch.long))

logp = torch.log_softmax(torch.randn(N, C), 1)
for r in REDUCTIONS:
    add(f"nllLoss_{r}", "nllLoss", logp, idx, reduction=r)
    add(f"nllLoss_weight_{r}", "nllLoss", logp, idx, weight=w, reduction=r)
    add(f"nllLoss_weight_ignore_{r}", "nllLoss", logp, idx_ign, weight=w, reduction=r)
    add(f"nllLoss_nd_{r}", "nllLoss", torch.log_softmax(logits4, 1), idx4, reduction=r)
add("nllLoss_ignore_index7", "nllLoss", logp, idx_ign7, ignoreIndex=7, weight=w)
add("nllLoss_unbatched", "nllLoss", torch.randn(C), torch.tensor(2))
add("nllLoss_f64", "nllLoss", logp.double(), idx, weight=w.double())
add("nllLoss_noncontig", "nllLoss", torch.randn(C, N), idx, pre="t")
err("nllLoss_err_target_oob", "nllLoss", logp, torch.tensor([0, 1, 2, 3, 4, 5]))
err("nllLoss_err_batch", "nllLoss", logp, torch.tensor([0, 1]))
err("nllLoss_err_input_3d_target", "nllLoss", logp, torch.zeros(N, 2, dtype=torch.long))

# ---- binary -----------------------------------------------------------------------------------
p = torch.rand(4, 3) * 0.98 + 0.01
y = torch.rand(4, 3)
yb = (torch.rand(4, 3) > 0.5).float()
wb = torch.rand(4, 3) + 0.1
for r in REDUCTIONS:
    add(f"binaryCrossEntropy_{r}", "binaryCrossEntropy", p, y, reduction=r)
    add(f"binaryCrossEntropy_weight_{r}", "binaryCrossEntropy", p, yb, weight=wb, reduction=r)
add("binaryCrossEntropy_weight_bcast", "binaryCrossEntropy", p, y, weight=torch.rand(3) + 0.5)
add("binaryCrossEntropy_clamped_log", "binaryCrossEntropy", torch.tensor([0.0, 1.0, 1e-45, 0.5]), torch.tensor([1.0, 0.0, 1.0, 0.5]), reduction="none")
add("binaryCrossEntropy_f64", "binaryCrossEntropy", p.double(), y.double())
err("binaryCrossEntropy_err_shape", "binaryCrossEntropy", p, torch.rand(3, 4))
err("binaryCrossEntropy_err_range", "binaryCrossEntropy", torch.tensor([0.5, 1.5]), torch.tensor([1.0, 0.0]))

z = torch.randn(4, 3) * 4
z[0, 0] = 0.0
pw = torch.rand(3) * 3 + 0.2
for r in REDUCTIONS:
    add(f"binaryCrossEntropyWithLogits_{r}", "binaryCrossEntropyWithLogits", z, y, reduction=r)
    add(f"binaryCrossEntropyWithLogits_posWeight_{r}", "binaryCrossEntropyWithLogits", z, yb, posWeight=pw, reduction=r)
    add(f"binaryCrossEntropyWithLogits_weight_{r}", "binaryCrossEntropyWithLogits", z, y, weight=wb, posWeight=pw, reduction=r)
add("binaryCrossEntropyWithLogits_extreme", "binaryCrossEntropyWithLogits", torch.tensor([-200.0, -30.0, 0.0, 30.0, 200.0]), torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0]), reduction="none")
add("binaryCrossEntropyWithLogits_extreme_pw", "binaryCrossEntropyWithLogits", torch.tensor([-200.0, -30.0, 0.0, 30.0, 200.0]), torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0]), posWeight=torch.tensor([2.0]), reduction="none")
add("binaryCrossEntropyWithLogits_f64", "binaryCrossEntropyWithLogits", z.double(), y.double(), posWeight=pw.double())
add("binaryCrossEntropyWithLogits_noncontig", "binaryCrossEntropyWithLogits", torch.randn(3, 4), y, pre="t")
err("binaryCrossEntropyWithLogits_err_shape", "binaryCrossEntropyWithLogits", z, torch.rand(4, 2))

# ---- KL divergence ----------------------------------------------------------------------------
lq = torch.log_softmax(torch.randn(4, 6), 1)
pt = torch.softmax(torch.randn(4, 6), 1)
pt[1, 2] = 0.0  # xlogy(0, 0) = 0
for r in REDUCTIONS + ["batchmean"]:
    add(f"klDiv_{r}", "klDiv", lq, pt, reduction=r)
    add(f"klDiv_logTarget_{r}", "klDiv", lq, torch.log_softmax(torch.randn(4, 6), 1), logTarget=True, reduction=r)
add("klDiv_f64", "klDiv", lq.double(), pt.double(), reduction="batchmean")
add("klDiv_noncontig", "klDiv", torch.log_softmax(torch.randn(6, 4), 0), pt, pre="t", reduction="batchmean")
err("klDiv_err_shape", "klDiv", lq, torch.rand(4, 5))

# ---- cosine embedding -------------------------------------------------------------------------


def add_cos(name, x1, x2, yy, **opts):
    a1 = x1.clone().requires_grad_(True)
    a2 = x2.clone().requires_grad_(True)
    out = F.cosine_embedding_loss(a1, a2, yy, **opts)
    g = torch.randn(out.shape, dtype=out.dtype)
    g1, g2 = torch.autograd.grad(out, [a1, a2], g)
    fx.case(name, {"x1": x1, "x2": x2, "y": yy, "gradOutput": g}, [out, g1, g2], fn="cosineEmbeddingLoss", **opts)


def err_cos(name, x1, x2, yy, **opts):
    try:
        F.cosine_embedding_loss(x1, x2, yy, **opts)
    except (RuntimeError, ValueError):
        fx.error(name, {"x1": x1, "x2": x2, "y": yy}, fn="cosineEmbeddingLoss", **opts)
        return
    raise AssertionError(name)


c1 = torch.randn(5, 4)
c2 = torch.randn(5, 4)
cy = torch.tensor([1, -1, 1, -1, -1])
for r in REDUCTIONS:
    add_cos(f"cosineEmbeddingLoss_{r}", c1, c2, cy, reduction=r)
for m in [0.2, -0.3]:
    add_cos(f"cosineEmbeddingLoss_margin{m}", c1, c2, cy, margin=m)
add_cos("cosineEmbeddingLoss_float_target", c1, c2, cy.float(), margin=0.1, reduction="sum")
add_cos("cosineEmbeddingLoss_unbatched", torch.randn(4), torch.randn(4), torch.tensor(-1), reduction="none")
add_cos("cosineEmbeddingLoss_f64", c1.double(), c2.double(), cy, margin=0.1)
err_cos("cosineEmbeddingLoss_err_shape", c1, torch.randn(5, 3), cy)
err_cos("cosineEmbeddingLoss_err_target", c1, c2, torch.tensor([1, -1]))

fx.save()
