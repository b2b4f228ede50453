"""Golden fixtures for core reductions and scans (sum, mean, prod, max/min, amax/amin, argmax/argmin,
var/std, vector norm, logsumexp, softmax/log_softmax, cumsum/cumprod, all/any).

Each case carries attrs telling the test which op to call: `op` (the Kindling function), and where
used `dim`, `keepdim`, `dtype`, `correction`, `p` (`fro` for p = 'fro'), and `pre`, a view applied to input `x` before the
op, written identically on both sides: "t" = x.t(), "tr02" = x.transpose(0, 2), "step2" =
x[:, ::2], "bcast" = x.unsqueeze(0).expand(3, *x.shape).
"""
import torch
import torch.nn.functional as F
from common import Fixture

fx = Fixture("core_reduce")
NAN, INF = float("nan"), float("inf")

x3 = torch.randn(3, 4, 5)
x2 = torch.randn(4, 6)
wide = torch.randn(11, 7)  # odd sizes exercise the unrolled and row-mode loops' tails
ints = torch.tensor([[3, -2, 7, 0], [5, 5, -9, 1], [2, 8, 8, -4]], dtype=torch.int32)
bools = torch.tensor([[True, False, True], [True, True, True]])
special = torch.tensor([[1.0, NAN, 3.0, -INF], [INF, 2.0, -1.0, 0.5], [-INF, -INF, -INF, -INF]])
ties = torch.tensor([[1.0, 3.0, 3.0, 2.0], [NAN, 1.0, NAN, 5.0], [2.0, 2.0, -1.0, -1.0], [0.0, -0.0, 4.0, 4.0]])
ties_t = ties.t().contiguous()  # ties along dim 0 of a contiguous tensor (row-mode kernels)
empty = torch.zeros(0, 3)
scalar = torch.tensor(2.5)

PRE = {
    "t": lambda t: t.t(),
    "tr02": lambda t: t.transpose(0, 2),
    "step2": lambda t: t[:, ::2],
    "bcast": lambda t: t.unsqueeze(0).expand(3, *t.shape),
}


def kw(dim, keepdim):
    out = {}
    if dim is not None:
        out["dim"] = list(dim) if isinstance(dim, tuple) else dim
    if keepdim:
        out["keepdim"] = True
    return out


def add(name, op, fn, x, dim=None, keepdim=False, pre=None, **extra):
    """Records op(x) where fn(x_after_pre) computes the PyTorch result."""
    xi = PRE[pre](x) if pre else x
    attrs = {"op": op, **kw(dim, keepdim), **extra}
    if pre:
        attrs["pre"] = pre
    fx.case(name, {"x": x}, fn(xi), **attrs)


def err(name, op, x, **attrs):
    fx.error(name, {"x": x}, op=op, **attrs)


def torch_dim_kw(dim, keepdim):
    if dim is None:
        return {}
    return {"dim": dim, "keepdim": keepdim}


# ---- sum / mean / prod / amax / amin: dims, keepdim, negatives, layouts, dtypes --------------------
simple = {
    "sum": lambda t, dim, keepdim: torch.sum(t, **torch_dim_kw(dim, keepdim)),
    "mean": lambda t, dim, keepdim: torch.mean(t, **torch_dim_kw(dim, keepdim)),
    "amax": lambda t, dim, keepdim: torch.amax(t, dim=() if dim is None else dim, keepdim=keepdim),
    "amin": lambda t, dim, keepdim: torch.amin(t, dim=() if dim is None else dim, keepdim=keepdim),
}
for op, f in simple.items():
    for tag, dim, keepdim in [
        ("all", None, False),
        ("d1", 1, False),
        ("dneg1", -1, False),
        ("d0keep", 0, True),
        ("d02", (0, 2), False),
        ("dneg_list_keep", (-1, -3), True),
        ("d12", (1, 2), False),
    ]:
        add(f"{op}_{tag}", op, lambda t, f=f, dim=dim, keepdim=keepdim: f(t, dim, keepdim), x3, dim, keepdim)
    add(f"{op}_rows_d0", op, lambda t, f=f: f(t, 0, False), wide, 0)
    add(f"{op}_rows_d1", op, lambda t, f=f: f(t, 1, False), wide, 1)
    add(f"{op}_t_d0", op, lambda t, f=f: f(t, 0, False), x2, 0, pre="t")
    add(f"{op}_t_d1", op, lambda t, f=f: f(t, 1, False), x2, 1, pre="t")
    add(f"{op}_tr02_d1", op, lambda t, f=f: f(t, (0, 1), False), x3, (0, 1), pre="tr02")
    add(f"{op}_step2_d1", op, lambda t, f=f: f(t, 1, True), x2, 1, True, pre="step2")
    add(f"{op}_bcast_d0", op, lambda t, f=f: f(t, (0, 2), False), x2, (0, 2), pre="bcast")
    add(f"{op}_0d", op, lambda t, f=f: f(t, None, False), scalar)
    add(f"{op}_0d_dim", op, lambda t, f=f: f(t, 0, True), scalar, 0, True)
    add(f"{op}_f64", op, lambda t, f=f: f(t, 1, False), x3.double(), 1)
    add(f"{op}_special", op, lambda t, f=f: f(t, 1, False), special, 1)
    add(f"{op}_empty_keep_d1", op, lambda t, f=f: f(t, 1, False), empty, 1)
    add(f"{op}_emptylist", op, lambda t, f=f: f(t, (), False), x2, [])
    err(f"{op}_dim_out_of_range", op, x2, dim=2)
    err(f"{op}_dim_repeated", op, x2, dim=[0, -2])

add("sum_empty_d0", "sum", lambda t: t.sum(0), empty, 0)
add("sum_empty_all", "sum", lambda t: t.sum(), empty)
add("mean_empty_all", "mean", lambda t: t.mean(), empty)
add("mean_empty_d0", "mean", lambda t: t.mean(0), empty, 0)
add("sum_int", "sum", lambda t: t.sum(), ints)
add("sum_int_d0", "sum", lambda t: t.sum(0), ints, 0)
add("sum_int_t_d1", "sum", lambda t: t.sum(1), ints, 1, pre="t")
add("sum_bool", "sum", lambda t: t.sum(), bools)
add("sum_bool_d1", "sum", lambda t: t.sum(1), bools, 1)
add("sum_int_dtype_f64", "sum", lambda t: t.sum(1, dtype=torch.float64), ints, 1, dtype="float64")
add("sum_f32_dtype_f64", "sum", lambda t: t.sum(1, dtype=torch.float64), x2, 1, dtype="float64")
fr = torch.tensor([[1.5, 1.5, -2.7], [0.9, 2.2, 3.9]])
add("sum_float_dtype_int", "sum", lambda t: t.sum(1, dtype=torch.int32), fr, 1, dtype="int32")
add("sum_bool_dtype_bool", "sum", lambda t: t.sum(1, dtype=torch.bool), bools.logical_not(), 1, dtype="bool")
big = torch.arange(1, 2001, dtype=torch.float32).reshape(40, 50)
add("sum_large_values", "sum", lambda t: t.sum(), big)
err("mean_int", "mean", ints)
err("mean_bool", "mean", bools)
err("sum_bad_dtype", "sum", x2, dtype="float17")

for tag, dim, keepdim in [("all", None, False), ("d1", 1, False), ("dneg2_keep", -2, True)]:
    add(f"prod_{tag}", "prod", lambda t, dim=dim, keepdim=keepdim: torch.prod(t, **torch_dim_kw(dim, keepdim)), x3 * 0.5 + 1, dim, keepdim)
small = torch.tensor([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])
add("prod_rows_d0", "prod", lambda t: t.prod(0), wide * 0.2 + 1, 0)
add("prod_t_d1", "prod", lambda t: t.prod(1), small, 1, pre="t")
add("prod_int", "prod", lambda t: t.prod(1), ints, 1)
add("prod_int_all", "prod", lambda t: t.prod(), torch.tensor([[2, -3], [4, 5]], dtype=torch.int32))
add("prod_bool", "prod", lambda t: t.prod(1), bools, 1)
add("prod_empty_d0", "prod", lambda t: t.prod(0), empty, 0)
add("prod_empty_all", "prod", lambda t: t.prod(), empty)
add("prod_special", "prod", lambda t: t.prod(1), special, 1)
add("prod_0d", "prod", lambda t: t.prod(), scalar)

for op in ("amax", "amin"):
    f = torch.amax if op == "amax" else torch.amin
    add(f"{op}_int", op, lambda t, f=f: f(t, 1), ints, 1)
    add(f"{op}_int_d0", op, lambda t, f=f: f(t, 0), ints, 0)
    add(f"{op}_bool", op, lambda t, f=f: f(t, 1), bools, 1)
    add(f"{op}_ties_d0", op, lambda t, f=f: f(t, 0), ties, 0)
    add(f"{op}_empty_other_dim", op, lambda t, f=f: f(t, 1), empty, 1)
    err(f"{op}_empty_d0", op, empty, dim=0)
    err(f"{op}_empty_all", op, empty)

# ---- max / min (values + indices), argmax / argmin -------------------------------------------------
for op, f in (("max", torch.max), ("min", torch.min)):
    add(f"{op}_all", op, lambda t, f=f: f(t), x3)
    add(f"{op}_all_nan", op, lambda t, f=f: f(t), ties)
    add(f"{op}_all_int", op, lambda t, f=f: f(t), ints)
    add(f"{op}_0d", op, lambda t, f=f: f(t), scalar)
    for tag, src, dim, keepdim, pre in [
        ("d1", x3, 1, False, None),
        ("dneg1_keep", x3, -1, True, None),
        ("d0", x3, 0, False, None),
        ("ties_d1", ties, 1, False, None),
        ("ties_d0", ties, 0, False, None),
        ("ties_t_d1", ties, 1, False, "t"),
        ("ties_rows_d0", ties_t, 0, False, None),
        ("special_d1", special, 1, False, None),
        ("int_d1", ints, 1, False, None),
        ("int_d0", ints, 0, False, None),
        ("bool_d1", bools, 1, False, None),
        ("step2_d0", x2, 0, True, "step2"),
        ("rows_d0", wide, 0, False, None),
        ("0d_dim", scalar, 0, False, None),
        ("0d_dim_keep", scalar, -1, True, None),
        ("empty_other_dim", empty, 1, False, None),
        ("f64", x3.double(), 2, False, None),
    ]:
        add(f"{op}_{tag}", op, lambda t, f=f, dim=dim, keepdim=keepdim: list(f(t, dim, keepdim=keepdim)), src, dim, keepdim, pre=pre)
    err(f"{op}_empty_all", op, empty)
    err(f"{op}_empty_d0", op, empty, dim=0)
    err(f"{op}_dim_out_of_range", op, x2, dim=-3)

for op, f in (("argmax", torch.argmax), ("argmin", torch.argmin)):
    add(f"{op}_all", op, lambda t, f=f: f(t), x3)
    add(f"{op}_all_keep", op, lambda t, f=f: f(t, keepdim=True), x3, keepdim=True)
    add(f"{op}_all_ties", op, lambda t, f=f: f(t), ties)
    add(f"{op}_all_t", op, lambda t, f=f: f(t), x2, pre="t")
    add(f"{op}_0d", op, lambda t, f=f: f(t), scalar)
    add(f"{op}_0d_dim", op, lambda t, f=f: f(t, 0), scalar, 0)
    add(f"{op}_d1", op, lambda t, f=f: f(t, 1), x3, 1)
    add(f"{op}_d0_keep", op, lambda t, f=f: f(t, 0, keepdim=True), x3, 0, True)
    add(f"{op}_ties_d1", op, lambda t, f=f: f(t, 1), ties, 1)
    add(f"{op}_ties_d0", op, lambda t, f=f: f(t, 0), ties, 0)
    add(f"{op}_ties_rows_d0", op, lambda t, f=f: f(t, 0), ties_t, 0)
    add(f"{op}_int_d1", op, lambda t, f=f: f(t, 1), ints, 1)
    add(f"{op}_rows_d0", op, lambda t, f=f: f(t, 0), wide, 0)
    add(f"{op}_t_d1", op, lambda t, f=f: f(t, 1), x2, 1, pre="t")
    add(f"{op}_empty_other_dim", op, lambda t, f=f: f(t, 1), empty, 1)
    err(f"{op}_empty_all", op, empty)
    err(f"{op}_empty_d0", op, empty, dim=0)
    err(f"{op}_bool", op, bools)

# ---- var / std ------------------------------------------------------------------------------------
for op, f in (("var", torch.var), ("std", torch.std)):
    for tag, dim, keepdim, corr in [
        ("all", None, False, None),
        ("d1", 1, False, None),
        ("d02_keep", (0, 2), True, None),
        ("dneg1_c0", -1, False, 0),
        ("d1_c2", 1, False, 2),
        ("all_c0", None, False, 0),
    ]:
        kwargs = {"keepdim": keepdim}
        if corr is not None:
            kwargs["correction"] = corr
        extra = {} if corr is None else {"correction": corr}
        add(f"{op}_{tag}", op, lambda t, f=f, dim=dim, kwargs=kwargs: f(t, dim, **kwargs), x3, dim, keepdim, **extra)
    add(f"{op}_t_d1", op, lambda t, f=f: f(t, 1), x2, 1, pre="t")
    add(f"{op}_f64", op, lambda t, f=f: f(t, 0), x3.double(), 0)
    add(f"{op}_single", op, lambda t, f=f: f(t, 1), torch.tensor([[2.0], [3.0]]), 1)
    add(f"{op}_c_too_big", op, lambda t, f=f: f(t, 1, correction=5), x2, 1, correction=5)
    add(f"{op}_special", op, lambda t, f=f: f(t, 1), special, 1)
    add(f"{op}_empty", op, lambda t, f=f: f(t, 0), empty, 0)
    err(f"{op}_int", op, ints)

# ---- norm (torch.linalg.vector_norm semantics) -----------------------------------------------------
zs = torch.tensor([[3.0, -4.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0], [-1.0, 2.0, -2.0, 0.5]])
pnames = {2: "2", 1: "1", INF: "inf", -INF: "ninf", 0: "0", 3: "3", 0.5: "half", -1: "neg1"}
for p, pn in pnames.items():
    add(f"norm_p{pn}_all", "norm", lambda t, p=p: torch.linalg.vector_norm(t, p), zs, p=p)
    add(f"norm_p{pn}_d1", "norm", lambda t, p=p: torch.linalg.vector_norm(t, p, 1), zs, 1, p=p)
    add(f"norm_p{pn}_d0_keep", "norm", lambda t, p=p: torch.linalg.vector_norm(t, p, 0, keepdim=True), zs, 0, True, p=p)
add("norm_fro_all", "norm", lambda t: torch.norm(t, "fro"), x2, fro=True)
add("norm_fro_dims", "norm", lambda t: torch.norm(t, "fro", dim=(0, 2)), x3, (0, 2), fro=True)
add("norm_p2_t", "norm", lambda t: torch.linalg.vector_norm(t, 2, 1), x2, 1, p=2, pre="t")
add("norm_p2_f64", "norm", lambda t: torch.linalg.vector_norm(t, 2, (1, 2)), x3.double(), (1, 2), p=2)
add("norm_p2_empty", "norm", lambda t: torch.linalg.vector_norm(t), empty, p=2)
add("norm_pinf_empty_other_dim", "norm", lambda t: torch.linalg.vector_norm(t, INF, 1), empty, 1, p=INF)
add("norm_special", "norm", lambda t: torch.linalg.vector_norm(t, 2, 1), special, 1, p=2)
err("norm_int", "norm", ints, p=2)
err("norm_pinf_empty", "norm", empty, p=INF)
err("norm_pninf_empty_d0", "norm", empty, dim=0, p=-INF)

# ---- logsumexp / softmax / log_softmax -------------------------------------------------------------
lse_rows = torch.tensor([[-INF, -INF, -INF], [INF, 1.0, 2.0], [1000.0, 1000.0, -1000.0], [NAN, 1.0, 2.0], [-INF, 0.0, 1.0]])
for tag, src, dim, keepdim, pre in [
    ("d1", x3, 1, False, None),
    ("d02_keep", x3, (0, 2), True, None),
    ("dneg1", x3, -1, False, None),
    ("rows", lse_rows, 1, False, None),
    ("rows_keep", lse_rows, 1, True, None),
    ("t", x2, 1, False, "t"),
    ("int", ints, 1, False, None),
    ("f64", x3.double(), 2, False, None),
    ("empty_d0", empty, 0, False, None),
    ("0d", scalar, 0, False, None),
]:
    add(f"logsumexp_{tag}", "logsumexp", lambda t, dim=dim, keepdim=keepdim: torch.logsumexp(t, dim, keepdim=keepdim), src, dim, keepdim, pre=pre)
err("logsumexp_dim_out_of_range", "logsumexp", x2, dim=3)

sm_rows = torch.tensor([[-INF, -INF, -INF], [INF, 1.0, 2.0], [1000.0, 999.0, -1000.0], [-INF, 0.0, 1.0], [NAN, 1.0, 2.0]])
for op, f in (("softmax", torch.softmax), ("logSoftmax", torch.log_softmax)):
    for tag, src, dim, pre in [
        ("d1", x3, 1, None),
        ("dneg1", x3, -1, None),
        ("d0", x3, 0, None),
        ("rows", sm_rows, 1, None),
        ("rows_d0", sm_rows, 0, None),
        ("t", x2, 1, "t"),
        ("step2", x2, 1, "step2"),
        ("f64", x3.double(), 2, None),
        ("0d", scalar, 0, None),
        ("empty", empty, 1, None),
        ("wide", wide, 1, None),
    ]:
        add(f"{op}_{tag}", op, lambda t, f=f, dim=dim: f(t, dim), src, dim, pre=pre)
    err(f"{op}_int", op, ints, dim=1)
    err(f"{op}_dim_out_of_range", op, x2, dim=2)

# ---- cumsum / cumprod -----------------------------------------------------------------------------
cp = x3 * 0.5 + 1
for op, f in (("cumsum", torch.cumsum), ("cumprod", torch.cumprod)):
    for tag, src, dim, pre in [
        ("d0", cp, 0, None),
        ("d1", cp, 1, None),
        ("dneg1", cp, -1, None),
        ("rows_d0", wide * 0.1 + 1, 0, None),
        ("t_d0", x2, 0, "t"),
        ("t_d1", x2, 1, "t"),
        ("step2", x2, 1, "step2"),
        ("tr02", cp, 2, "tr02"),
        ("int", ints, 1, None),
        ("int_d0", ints, 0, None),
        ("bool", bools, 1, None),
        ("special", special, 1, None),
        ("f64", cp.double(), 1, None),
        ("0d", scalar, 0, None),
        ("empty", empty, 0, None),
    ]:
        add(f"{op}_{tag}", op, lambda t, f=f, dim=dim: f(t, dim), src, dim, pre=pre)
    err(f"{op}_dim_out_of_range", op, x2, dim=2)

# ---- all / any ------------------------------------------------------------------------------------
tf = torch.tensor([[1.0, 0.0, NAN], [2.0, -1.0, 0.5], [0.0, 0.0, 0.0]])
for op, f in (("all", torch.all), ("any", torch.any)):
    add(f"{op}_float", op, lambda t, f=f: f(t), tf)
    add(f"{op}_float_d1", op, lambda t, f=f: f(t, 1), tf, 1)
    add(f"{op}_float_d0_keep", op, lambda t, f=f: f(t, 0, keepdim=True), tf, 0, True)
    add(f"{op}_bool_d1", op, lambda t, f=f: f(t, 1), bools, 1)
    add(f"{op}_bool_dneg2", op, lambda t, f=f: f(t, -2), bools, -2)
    add(f"{op}_int", op, lambda t, f=f: f(t, 1), ints, 1)
    add(f"{op}_t", op, lambda t, f=f: f(t, 1), tf, 1, pre="t")
    add(f"{op}_0d", op, lambda t, f=f: f(t), scalar)
    add(f"{op}_empty", op, lambda t, f=f: f(t), empty)
    add(f"{op}_empty_d0", op, lambda t, f=f: f(t, 0), empty, 0)
    add(f"{op}_empty_d1", op, lambda t, f=f: f(t, 1), empty, 1)
    err(f"{op}_dim_out_of_range", op, tf, dim=2)

fx.save()
