"""Golden gradients for @kindling/autograd: gradients of composite expressions from PyTorch 1.13.

Each case stores its inputs, the names of the inputs to differentiate (`wrt`), and the gradients
of the scalar loss with respect to them (in `wrt` order). The TypeScript test rebuilds the same
expression from core ops and compares the gradients.
"""
import torch
import torch.nn.functional as F
from common import Fixture

fx = Fixture("autograd_grads", package="autograd")


def case(name, inputs, wrt, fn, **attrs):
    leaves = {k: (v.detach().clone().requires_grad_(k in wrt) if v.is_floating_point() else v) for k, v in inputs.items()}
    loss = fn(**leaves)
    grads = torch.autograd.grad(loss, [leaves[k] for k in wrt])
    fx.case(name, inputs, list(grads), wrt=list(wrt), **attrs)


def weights(*shape, dtype=torch.float32):
    return torch.randn(*shape, dtype=dtype)


# ---- MLP-like chains
x = torch.randn(4, 3)
w1, b1, w2, b2 = torch.randn(5, 3), torch.randn(5), torch.randn(2, 5), torch.randn(2)
case("mlp_relu_tanh_mse", {"x": x, "w1": w1, "b1": b1, "w2": w2, "b2": b2}, ["x", "w1", "b1", "w2", "b2"],
     lambda x, w1, b1, w2, b2: (torch.relu(x @ w1.t() + b1) @ w2.t() + b2).tanh().square().mean())
target = torch.tensor([1, 0, 1, 1])
case("mlp_gelu_cross_entropy", {"x": x, "w1": w1, "b1": b1, "w2": w2, "target": target}, ["x", "w1", "b1", "w2"],
     lambda x, w1, b1, w2, target: -torch.log_softmax(F.gelu(x @ w1.t() + b1) @ w2.t(), 1)
     .gather(1, target.view(-1, 1)).mean())
xd = torch.randn(3, 4, dtype=torch.float64)
case("mlp_f64_silu_sigmoid", {"x": xd, "w": torch.randn(4, 4, dtype=torch.float64)}, ["x", "w"],
     lambda x, w: torch.sigmoid(F.silu(x @ w) @ w.t()).sum())
case("layer_norm_composite", {"x": torch.randn(3, 6), "g": torch.randn(6), "b": torch.randn(6)}, ["x", "g", "b"],
     lambda x, g, b: (((x - x.mean(1, keepdim=True)) / torch.sqrt(x.var(1, unbiased=False, keepdim=True) + 1e-5)) * g + b)
     .pow(3).sum())

# ---- broadcasting
case("broadcast_three_way", {"a": torch.randn(3, 1), "b": torch.randn(1, 4), "c": torch.randn(4)}, ["a", "b", "c"],
     lambda a, b, c: torch.sigmoid(a * b + c).sum())
case("broadcast_0d_and_scalar", {"a": torch.randn(2, 3), "s": torch.tensor(1.7)}, ["a", "s"],
     lambda a, s: ((a - s) * 2.5 / (s * s)).exp().sum())
case("broadcast_mixed_dtypes", {"a": torch.randn(2, 3), "d": torch.randn(3, dtype=torch.float64)}, ["a", "d"],
     lambda a, d: (a * d).sin().sum())

# ---- softmax family
s = torch.randn(3, 5)
ws = torch.randn(3, 5)
case("softmax_dim1", {"x": s, "w": ws}, ["x"], lambda x, w: (torch.softmax(x, 1) * w).sum())
case("softmax_dim0", {"x": s, "w": ws}, ["x"], lambda x, w: (torch.softmax(x, 0) * w).sum())
case("log_softmax", {"x": s, "w": ws}, ["x"], lambda x, w: (torch.log_softmax(x, 1) * w).sum())
case("logsumexp_dim", {"x": s, "w": torch.randn(3)}, ["x"], lambda x, w: (torch.logsumexp(x, 1) * w).sum())
case("logsumexp_all_with_ties", {"x": torch.tensor([[1.0, 3.0, 3.0], [0.5, 3.0, -2.0]])}, ["x"],
     lambda x: torch.logsumexp(x, (0, 1)))

# ---- matmul
case("matmul_batched_broadcast", {"a": torch.randn(2, 3, 4), "b": torch.randn(4, 5), "w": torch.randn(2, 3, 5)}, ["a", "b"],
     lambda a, b, w: ((a @ b) * w).sum())
case("matmul_vector_matrix", {"v": torch.randn(4), "m": torch.randn(4, 3)}, ["v", "m"], lambda v, m: (v @ m).square().sum())
case("matmul_matrix_vector_noncontig", {"m": torch.randn(3, 4), "v": torch.randn(3)}, ["m", "v"],
     lambda m, v: (m.t() @ v).tanh().sum())

# ---- conv2d / pooling
cx, cw, cb = torch.randn(2, 3, 6, 6), torch.randn(4, 3, 3, 3), torch.randn(4)
cr = torch.randn(2, 4, 3, 3)
case("conv2d_stride_padding", {"x": cx, "w": cw, "b": cb, "r": cr}, ["x", "w", "b"],
     lambda x, w, b, r: (F.conv2d(x, w, b, stride=2, padding=1) * r).sum())
case("conv2d_dilation_relu", {"x": cx, "w": torch.randn(2, 3, 2, 2)}, ["x", "w"],
     lambda x, w: torch.relu(F.conv2d(x, w, dilation=2)).square().sum())
mp = torch.randn(1, 2, 4, 4)
case("max_pool2d", {"x": mp, "r": torch.randn(1, 2, 2, 2)}, ["x"], lambda x, r: (F.max_pool2d(x, 2) * r).sum())
case("avg_pool2d", {"x": mp, "r": torch.randn(1, 2, 3, 3)}, ["x"],
     lambda x, r: (F.avg_pool2d(x, 2, stride=1) * r).sum())

# ---- where / clamp / conventions at non-differentiable points
b = torch.tensor([-1.0, 0.0, 0.5, 1.0, 2.0])
case("clamp_at_boundaries", {"x": b}, ["x"], lambda x: (x.clamp(0.0, 1.0) * torch.arange(1.0, 6.0)).sum())
case("clamp_min_only_at_boundary", {"x": b}, ["x"], lambda x: (x.clamp(min=0.0) * torch.arange(1.0, 6.0)).sum())
case("where_at_boundary", {"x": b}, ["x"], lambda x: torch.where(x > 0, x * 2, x ** 2).sum())
case("relu_abs_at_zero", {"x": b}, ["x"], lambda x: (torch.relu(x) + x.abs() + x.sign()).sum())
case("maximum_minimum_ties", {"a": torch.tensor([1.0, 2.0, 3.0]), "b": torch.tensor([1.0, 5.0, 3.0])}, ["a", "b"],
     lambda a, b: (torch.maximum(a, b) * 2 + torch.minimum(a, b) * 3).sum())

# ---- max ties
t = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])
case("max_all_ties", {"x": t}, ["x"], lambda x: x.max())
case("amax_dim_ties", {"x": t}, ["x"], lambda x: (x.amax(1) * torch.tensor([1.0, 2.0])).sum())
case("amin_two_dims_ties", {"x": torch.tensor([[1.0, 1.0], [1.0, 4.0]])}, ["x"], lambda x: x.amin((0, 1)))
case("max_dim_values_ties", {"x": t}, ["x"], lambda x: (x.max(1).values * torch.tensor([1.0, 2.0])).sum())
case("min_dim_keepdim", {"x": torch.randn(3, 4)}, ["x"], lambda x: x.min(0, keepdim=True).values.exp().sum())

# ---- reductions and scans
r = torch.randn(3, 4)
case("mean_std_var", {"x": r}, ["x"], lambda x: x.mean() + x.std(1).sum() + x.var(0, unbiased=False).sum())
case("norm_2_and_1", {"x": r}, ["x"], lambda x: x.norm() + x.norm(1))
case("norm_at_zero", {"x": torch.zeros(2, 2)}, ["x"], lambda x: x.norm())
case("prod_with_zero", {"x": torch.tensor([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]])}, ["x"],
     lambda x: (x.prod(1) * torch.tensor([1.0, 2.0, 3.0])).sum())
case("cumsum_cumprod", {"x": torch.tensor([[1.5, 0.0, 2.0, 0.5], [0.7, -1.2, 0.3, 2.0]])}, ["x"],
     lambda x: (x.cumsum(1) * x.cumprod(1)).sum())

# ---- indexing and shape ops
g = torch.randn(3, 4)
case("gather_index_select_cat", {"x": g, "i": torch.tensor([[0, 3], [1, 1], [2, 0]]), "j": torch.tensor([2, 0, 2])}, ["x"],
     lambda x, i, j: (torch.cat([x.gather(1, i), x.index_select(0, j)[:, :2]], 0) ** 2).sum())
case("stack_flip_transpose", {"a": torch.randn(2, 3), "b": torch.randn(2, 3)}, ["a", "b"],
     lambda a, b: (torch.stack([a, b.flip(1)], 0).transpose(0, 2).sin() * torch.arange(12.0).view(3, 2, 2)).sum())
case("sort_topk_values", {"x": torch.randn(2, 5)}, ["x"],
     lambda x: (x.sort(1, descending=True).values * torch.arange(5.0)).sum() + x.topk(2, 1).values.exp().sum())
case("slices_and_select", {"x": torch.randn(4, 5)}, ["x"],
     lambda x: (x[1:, ::2] * 3).sum() + x[0].exp().sum() + x[:, -1].square().sum())

# ---- higher order: gradient penalty (double backward)
gx, gw = torch.randn(3, 2, dtype=torch.float64), torch.randn(2, 2, dtype=torch.float64)


def gradient_penalty(x, w):
    y = torch.tanh(x @ w).sum()
    (gxx,) = torch.autograd.grad(y, x, create_graph=True)
    return (gxx ** 2).sum()


case("double_backward_gradient_penalty", {"x": gx, "w": gw}, ["x", "w"], gradient_penalty)

fx.save()
