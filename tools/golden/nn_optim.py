"""Golden fixtures for @kindling/nn optimizers, LR schedulers and gradient clipping (PyTorch 1.13).

Three groups of cases, by name prefix:

- `problem_f32` / `problem_f64`: a fixed 2-layer MLP problem. Inputs `x` [8, 4], `y` [8, 3] and the
  initial parameters `w1` [6, 4], `b1` [6], `w2` [3, 6], `b2` [3]; the model is
  `relu(x @ w1.T + b1) @ w2.T + b2`, the loss `mse_loss(model(x), y)`.
  `optim_*` cases: attrs `optim` (class name), `dtype` (which problem), `options` (constructor
  options in Kindling's camelCase), optional `groups` (a list of per-group option dicts; group 0
  holds w1, b1 and group 1 w2, b2), `steps` (20). Each step is zero_grad, loss, backward, step.
  `out` = [w1, b1, w2, b2 after the steps, the loss before each step]. Where attrs `state` is set,
  `out` continues with PyTorch's state_dict()['state'] tensors for parameter 0 in the listed order.
- `sched_*`: attrs `optim` ('SGD' with momentum 0.9 or 'Adam'), `lrs` (initial lr per group),
  `spec` (the scheduler: `type`, positional `args`, camelCase `opts`; SequentialLR has `schedulers`
  and `milestones`; LambdaLR names its lambda), `steps` (30), `metrics` for ReduceLROnPlateau.
  `out` = [lr per group after construction and after each step ([steps + 1, groups], float64),
  and for OneCycleLR the momentum (or beta1) likewise].
- `clip_*`: gradients `g0..g2`; attrs `fn` ('norm' or 'value'), `maxNorm`, `normType`,
  `clipValue`, `errorIfNonfinite`; `noGrad` lists parameters without a gradient.
  `out` = [total norm (for 'norm'), the gradients after clipping].
"""
import math
import re

import torch
import torch.nn.functional as F
from common import Fixture

fx = Fixture("nn_optim", package="nn")


def snake(k):
    return re.sub(r"([A-Z])", r"_\1", k).lower()


def kw(opts):
    out = {}
    for k, v in opts.items():
        if k == "tMax":
            k = "T_max"
        out[snake(k)] = tuple(v) if isinstance(v, list) else v
    return out


# ---- optimizers --------------------------------------------------------------------------------
x = torch.randn(8, 4)
y = torch.randn(8, 3)
w1 = torch.randn(6, 4) * 0.5
b1 = torch.randn(6) * 0.1
w2 = torch.randn(3, 6) * 0.5
b2 = torch.randn(3) * 0.1
fx.case("problem_f32", {"x": x, "y": y, "w1": w1, "b1": b1, "w2": w2, "b2": b2}, [])
fx.case(
    "problem_f64",
    {"x": x.double(), "y": y.double(), "w1": w1.double(), "b1": b1.double(), "w2": w2.double(), "b2": b2.double()},
    [],
)


def run(optim, options, dtype="float32", groups=None, steps=20, state=None):
    dt = torch.float32 if dtype == "float32" else torch.float64
    params = [t.clone().to(dt).requires_grad_(True) for t in (w1, b1, w2, b2)]
    xs, ys = x.to(dt), y.to(dt)
    cls = getattr(torch.optim, optim)
    if groups:
        arg = [dict(params=params[:2], **kw(groups[0])), dict(params=params[2:], **kw(groups[1]))]
    else:
        arg = params
    opt = cls(arg, **kw(options))
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        out = torch.relu(xs @ params[0].T + params[1]) @ params[2].T + params[3]
        loss = F.mse_loss(out, ys)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    result = [p.detach() for p in params] + [torch.tensor(losses, dtype=dt)]
    if state:
        st = opt.state_dict()["state"][0]
        for k in state:
            v = st[k]
            result.append(v if isinstance(v, torch.Tensor) else torch.tensor(float(v)))
    return result


def optim_case(name, optim, options, **extra):
    attrs = {"optim": optim, "options": options, "dtype": extra.get("dtype", "float32"), "steps": 20}
    if "groups" in extra:
        attrs["groups"] = extra["groups"]
    if "state" in extra:
        attrs["state"] = extra["state"]
    fx.case(f"optim_{name}", {}, run(optim, options, **extra), **attrs)


optim_case("sgd", "SGD", {"lr": 0.1})
optim_case("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}, state=["momentum_buffer"])
optim_case("sgd_dampening_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weightDecay": 0.01})
optim_case("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weightDecay": 0.001})
optim_case("sgd_maximize", "SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True})
optim_case("sgd_wd_no_momentum", "SGD", {"lr": 0.1, "weightDecay": 0.05})
optim_case("sgd_f64", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, dtype="float64")
optim_case(
    "sgd_groups",
    "SGD",
    {"lr": 0.05, "weightDecay": 0.01},
    groups=[{"lr": 0.1, "momentum": 0.9}, {}],
)
optim_case("adam", "Adam", {"lr": 0.01}, state=["step", "exp_avg", "exp_avg_sq"])
optim_case("adam_betas_eps_wd", "Adam", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6, "weightDecay": 0.1})
optim_case("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}, state=["max_exp_avg_sq"])
optim_case("adam_maximize_amsgrad", "Adam", {"lr": 0.01, "maximize": True, "amsgrad": True})
optim_case("adam_f64", "Adam", {"lr": 0.01, "weightDecay": 0.01}, dtype="float64")
optim_case(
    "adam_groups",
    "Adam",
    {"lr": 0.01},
    groups=[{"lr": 0.02, "betas": [0.85, 0.995]}, {"weightDecay": 0.05, "amsgrad": True}],
)
optim_case("adamw", "AdamW", {"lr": 0.01})
optim_case("adamw_wd_amsgrad", "AdamW", {"lr": 0.01, "weightDecay": 0.1, "amsgrad": True})
optim_case("adamw_maximize", "AdamW", {"lr": 0.01, "betas": [0.9, 0.98], "maximize": True})
optim_case("adamw_f64", "AdamW", {"lr": 0.01, "weightDecay": 0.2}, dtype="float64")
optim_case("rmsprop", "RMSprop", {"lr": 0.01}, state=["step", "square_avg"])
optim_case("rmsprop_centered", "RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True}, state=["grad_avg"])
optim_case("rmsprop_momentum_wd", "RMSprop", {"lr": 0.01, "momentum": 0.9, "weightDecay": 0.01}, state=["momentum_buffer"])
optim_case("rmsprop_all", "RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5, "maximize": True, "eps": 1e-6})
optim_case("rmsprop_f64", "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9}, dtype="float64")
optim_case("adagrad", "Adagrad", {"lr": 0.1}, state=["step", "sum"])
optim_case(
    "adagrad_decay_wd_init",
    "Adagrad",
    {"lr": 0.1, "lrDecay": 0.01, "weightDecay": 0.01, "initialAccumulatorValue": 0.1},
)
optim_case("adagrad_eps_maximize", "Adagrad", {"lr": 0.1, "eps": 1e-5, "maximize": True})
optim_case("adagrad_f64", "Adagrad", {"lr": 0.1, "lrDecay": 0.05}, dtype="float64")

# ---- LR schedulers ------------------------------------------------------------------------------
LAMBDAS = {
    "pow095": lambda e: 0.95**e,
    "inverse": lambda e: 1.0 / (e + 1),
    "warmup5": lambda e: min(1.0, (e + 1) / 5),
}


def build(spec, opt):
    t = spec["type"]
    if t == "SequentialLR":
        subs = [build(s, opt) for s in spec["schedulers"]]
        return torch.optim.lr_scheduler.SequentialLR(opt, subs, spec["milestones"])
    if t == "LambdaLR":
        fns = spec["args"][0]
        fn = [LAMBDAS[n] for n in fns] if isinstance(fns, list) else LAMBDAS[fns]
        return torch.optim.lr_scheduler.LambdaLR(opt, fn)
    cls = getattr(torch.optim.lr_scheduler, t)
    return cls(opt, *spec.get("args", []), **kw(spec.get("opts", {})))


def sched_case(name, spec, optim="SGD", lrs=(0.1, 0.01), steps=30, metrics=None):
    params = [torch.zeros(2, requires_grad=True) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    opt = torch.optim.SGD(groups, lr=lrs[0], momentum=0.9) if optim == "SGD" else torch.optim.Adam(groups)
    sched = build(spec, opt)
    one_cycle = spec["type"] == "OneCycleLR"

    def momenta():
        return [g["betas"][0] if optim == "Adam" else g["momentum"] for g in opt.param_groups]

    hist = [[g["lr"] for g in opt.param_groups]]
    mom = [momenta()]
    for i in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        hist.append(list(sched._last_lr) if hasattr(sched, "_last_lr") else [g["lr"] for g in opt.param_groups])
        assert hist[-1] == [g["lr"] for g in opt.param_groups] or spec["type"] == "SequentialLR"
        mom.append(momenta())
    out = [torch.tensor(hist, dtype=torch.float64)]
    if one_cycle:
        out.append(torch.tensor(mom, dtype=torch.float64))
    attrs = {"optim": optim, "lrs": list(lrs), "spec": spec, "steps": steps}
    if metrics is not None:
        attrs["metrics"] = metrics
    fx.case(f"sched_{name}", {}, out, **attrs)


sched_case("StepLR", {"type": "StepLR", "args": [7], "opts": {"gamma": 0.5}})
sched_case("StepLR_default_gamma", {"type": "StepLR", "args": [3]})
sched_case("MultiStepLR", {"type": "MultiStepLR", "args": [[4, 10, 10, 22]], "opts": {"gamma": 0.3}})
sched_case("ExponentialLR", {"type": "ExponentialLR", "args": [0.9]})
sched_case("CosineAnnealingLR", {"type": "CosineAnnealingLR", "args": [10], "opts": {"etaMin": 0.001}})
sched_case("CosineAnnealingLR_long", {"type": "CosineAnnealingLR", "args": [30]})
sched_case("CosineAnnealingLR_short", {"type": "CosineAnnealingLR", "args": [4], "opts": {"etaMin": 0.0}})
sched_case("LinearLR", {"type": "LinearLR", "opts": {"startFactor": 0.25, "endFactor": 1.0, "totalIters": 8}})
sched_case("LinearLR_default", {"type": "LinearLR"})
sched_case("LinearLR_decay", {"type": "LinearLR", "opts": {"startFactor": 1.0, "endFactor": 0.1, "totalIters": 20}})
sched_case("LambdaLR", {"type": "LambdaLR", "args": ["pow095"]})
sched_case("LambdaLR_per_group", {"type": "LambdaLR", "args": [["warmup5", "inverse"]]})
sched_case("OneCycleLR_cos", {"type": "OneCycleLR", "args": [0.5], "opts": {"totalSteps": 30}})
sched_case(
    "OneCycleLR_linear",
    {"type": "OneCycleLR", "args": [[0.5, 0.05]], "opts": {"totalSteps": 30, "annealStrategy": "linear", "pctStart": 0.25}},
)
sched_case(
    "OneCycleLR_three_phase",
    {"type": "OneCycleLR", "args": [0.3], "opts": {"epochs": 3, "stepsPerEpoch": 10, "threePhase": True, "divFactor": 10.0, "finalDivFactor": 100.0}},
)
sched_case(
    "OneCycleLR_adam",
    {"type": "OneCycleLR", "args": [0.01], "opts": {"totalSteps": 30, "baseMomentum": 0.8, "maxMomentum": 0.9}},
    optim="Adam",
)
sched_case(
    "OneCycleLR_no_momentum",
    {"type": "OneCycleLR", "args": [0.2], "opts": {"totalSteps": 30, "cycleMomentum": False}},
)
sched_case(
    "SequentialLR_warmup_cosine",
    {
        "type": "SequentialLR",
        "schedulers": [
            {"type": "LinearLR", "opts": {"startFactor": 0.1, "totalIters": 5}},
            {"type": "CosineAnnealingLR", "args": [20], "opts": {"etaMin": 0.001}},
        ],
        "milestones": [5],
    },
)
sched_case(
    "SequentialLR_three",
    {
        "type": "SequentialLR",
        "schedulers": [
            {"type": "LinearLR", "opts": {"startFactor": 0.5, "totalIters": 4}},
            {"type": "StepLR", "args": [3], "opts": {"gamma": 0.5}},
            {"type": "ExponentialLR", "args": [0.9]},
        ],
        "milestones": [4, 12],
    },
)
plateau_metrics = [
    1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.8, 0.7, 0.7,
    0.7, 0.7, 0.7, 0.7, 0.65, 0.66, 0.67, 0.68, 0.69, 0.7,
    0.71, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
]
sched_case("ReduceLROnPlateau", {"type": "ReduceLROnPlateau", "opts": {"patience": 2}}, metrics=plateau_metrics)
sched_case(
    "ReduceLROnPlateau_cooldown_minlr",
    {"type": "ReduceLROnPlateau", "opts": {"factor": 0.5, "patience": 1, "cooldown": 2, "minLr": [0.02, 0.004]}},
    metrics=plateau_metrics,
)
sched_case(
    "ReduceLROnPlateau_max_abs",
    {"type": "ReduceLROnPlateau", "opts": {"mode": "max", "thresholdMode": "abs", "threshold": 0.05, "patience": 0, "factor": 0.7}},
    metrics=[0.1 * math.sin(i / 3) + i * 0.01 for i in range(30)],
)
sched_case(
    "ReduceLROnPlateau_eps",
    {"type": "ReduceLROnPlateau", "opts": {"factor": 0.9, "patience": 0, "minLr": 0.005, "eps": 1e-3}},
    metrics=[1.0] * 30,
)

# ---- gradient clipping --------------------------------------------------------------------------
grads = [torch.randn(3, 4) * 3, torch.randn(4), torch.randn(2, 2) * 0.1]


def clip_case(name, fn, gs=grads, no_grad=(), **attrs):
    ps = []
    for i, g in enumerate(gs):
        p = torch.zeros_like(g, requires_grad=True)
        if i not in no_grad:
            p.grad = g.clone()
        ps.append(p)
    if fn == "norm":
        total = torch.nn.utils.clip_grad_norm_(ps, attrs["maxNorm"], norm_type=attrs.get("normType", 2.0))
        out = [total]
    else:
        torch.nn.utils.clip_grad_value_(ps, attrs["clipValue"])
        out = []
    out += [p.grad if p.grad is not None else torch.zeros(0) for p in ps]
    fx.case(f"clip_{name}", {f"g{i}": g for i, g in enumerate(gs)}, out, fn=fn, noGrad=list(no_grad), **attrs)


clip_case("norm2", "norm", maxNorm=1.0)
clip_case("norm2_no_clip", "norm", maxNorm=100.0)
clip_case("norm1", "norm", maxNorm=2.0, normType=1.0)
clip_case("norm_inf", "norm", maxNorm=0.5, normType=float("inf"))
clip_case("norm3p5", "norm", maxNorm=1.5, normType=3.5)
clip_case("norm_skip_missing", "norm", maxNorm=1.0, no_grad=(1,))
clip_case("norm_single", "norm", gs=[grads[0]], maxNorm=0.1, normType=float("inf"))
clip_case("norm_nan", "norm", gs=[torch.tensor([1.0, float("nan")]), torch.tensor([2.0])], maxNorm=1.0)
clip_case("norm_f64", "norm", gs=[g.double() for g in grads], maxNorm=0.7)
clip_case("value", "value", clipValue=0.5)
clip_case("value_skip_missing", "value", clipValue=0.05, no_grad=(0,))
try:
    p = torch.zeros(2, requires_grad=True)
    p.grad = torch.tensor([1.0, float("inf")])
    torch.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    raise AssertionError("PyTorch accepted a non-finite norm")
except RuntimeError:
    fx.error("clip_err_nonfinite", {"g0": torch.tensor([1.0, float("inf")])}, fn="norm", maxNorm=1.0, errorIfNonfinite=True, noGrad=[])

fx.save()
