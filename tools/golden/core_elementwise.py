"""Golden fixtures for core elementwise ops (unary, binary, ternary, promotion, broadcasting)."""
import torch
import torch.nn.functional as F
from common import Fixture

fx = Fixture("core_elementwise")
x = torch.randn(3, 4)
y = torch.randn(4)
special = torch.tensor([0.0, -0.0, 1.5, -2.5, 0.5, float("nan"), float("inf"), float("-inf"), 1e-8, 30.0, -30.0])
pos = torch.rand(3, 4) * 3 + 0.05
unit = torch.rand(3, 4) * 1.8 - 0.9
ints = torch.tensor([[-7, -3, 0, 2], [5, 9, -1, 4]], dtype=torch.int32)
intsnz = torch.tensor([[3, -2, 5, 7], [-4, 2, 3, -3]], dtype=torch.int32)

unary = {
    "neg": torch.neg, "abs": torch.abs, "sign": torch.sign, "exp": torch.exp, "expm1": torch.expm1,
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
    "relu": torch.relu, "erf": torch.erf, "floor": torch.floor, "ceil": torch.ceil, "round": torch.round,
    "trunc": torch.trunc, "square": torch.square, "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh,
    "silu": F.silu, "gelu": F.gelu, "geluTanh": lambda t: F.gelu(t, approximate="tanh"),
    "isnan": torch.isnan, "isinf": torch.isinf, "isfinite": torch.isfinite, "logicalNot": torch.logical_not,
    "softplus": F.softplus, "elu": F.elu, "leakyRelu": F.leaky_relu, "nanToNum": torch.nan_to_num,
}
for name, fn in unary.items():
    fx.case(f"{name}_randn", {"x": x}, fn(x))
    fx.case(f"{name}_special", {"x": special}, fn(special))
    fx.case(f"{name}_f64", {"x": x.double()}, fn(x.double()))
for name, fn in {"sqrt": torch.sqrt, "rsqrt": torch.rsqrt, "log": torch.log, "log1p": torch.log1p, "log2": torch.log2,
                 "log10": torch.log10, "reciprocal": torch.reciprocal}.items():
    fx.case(f"{name}_pos", {"x": pos}, fn(pos))
    fx.case(f"{name}_special", {"x": special}, fn(special))
for name, fn in {"asin": torch.asin, "acos": torch.acos}.items():
    fx.case(f"{name}_unit", {"x": unit}, fn(unit))
for name, fn in {"neg": torch.neg, "abs": torch.abs, "sign": torch.sign, "square": torch.square}.items():
    fx.case(f"{name}_int", {"x": ints}, fn(ints))
fx.case("sqrt_int_promotes", {"x": ints.abs()}, torch.sqrt(ints.abs()))
fx.case("exp_noncontig", {"x": x}, torch.exp(x.t()))
fx.case("relu_empty", {"x": torch.zeros(0, 3)}, torch.relu(torch.zeros(0, 3)))
fx.case("exp_0d", {"x": torch.tensor(0.5)}, torch.exp(torch.tensor(0.5)))
fx.case("softplus_beta", {"x": x}, F.softplus(x, beta=2.0, threshold=1.0))
fx.case("elu_alpha", {"x": x}, F.elu(x, alpha=0.5))
fx.case("leakyRelu_slope", {"x": x}, F.leaky_relu(x, 0.2))
fx.case("nanToNum_custom", {"x": special}, torch.nan_to_num(special, nan=1.0, posinf=2.0, neginf=-3.0))

binary = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "maximum": torch.maximum,
    "minimum": torch.minimum, "atan2": torch.atan2, "remainder": torch.remainder, "fmod": torch.fmod,
    "floorDivide": torch.floor_divide, "eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le,
    "gt": torch.gt, "ge": torch.ge, "logicalAnd": torch.logical_and, "logicalOr": torch.logical_or,
    "logicalXor": torch.logical_xor,
}
xr = torch.round(x * 2) / 2
yr = torch.round(y * 2) / 2 + 0.25
for name, fn in binary.items():
    fx.case(f"{name}_bcast", {"a": xr, "b": yr}, fn(xr, yr))
    fx.case(f"{name}_int", {"a": ints, "b": intsnz}, fn(ints, intsnz))
    if name not in ("maximum", "minimum", "atan2", "logicalAnd", "logicalOr", "logicalXor"):
        fx.case(f"{name}_scalar", {"a": xr}, fn(xr, 1.5), b=1.5)
fx.case("pow_pos", {"a": pos, "b": y}, torch.pow(pos, y))
fx.case("pow_scalar", {"a": x}, torch.pow(x, 2), b=2)
fx.case("pow_int", {"a": ints, "b": intsnz.abs()}, torch.pow(ints, intsnz.abs()))
fx.case("add_alpha", {"a": x, "b": y}, torch.add(x, y, alpha=-2.5))
fx.case("sub_alpha", {"a": x, "b": y}, torch.sub(x, y, alpha=3))
fx.case("div_floor", {"a": xr, "b": yr}, torch.div(xr, yr, rounding_mode="floor"))
fx.case("div_trunc", {"a": xr, "b": yr}, torch.div(xr, yr, rounding_mode="trunc"))
fx.case("div_int_true", {"a": ints, "b": intsnz}, torch.div(ints, intsnz))
fx.case("add_int_float_promotes", {"a": ints, "b": x[:2]}, torch.add(ints, x[:2]))
fx.case("add_int_scalar_float", {"a": ints}, torch.add(ints, 0.5), b=0.5)
fx.case("add_f32_f64_0d", {"a": x, "b": torch.tensor(2.0, dtype=torch.float64)}, x + torch.tensor(2.0, dtype=torch.float64))
fx.case("add_f32_f64", {"a": x, "b": y.double()}, x + y.double())
a3, b3 = torch.randn(2, 1, 3), torch.randn(4, 1)
fx.case("mul_bcast_corner", {"a": a3, "b": b3}, a3 * b3)
bb = torch.randn(4, 3)
fx.case("add_noncontig", {"a": x, "b": bb}, x.t() + bb)
fx.case("add_empty", {"a": torch.zeros(0, 4), "b": y}, torch.zeros(0, 4) + y)
fx.case("maximum_nan", {"a": special, "b": torch.zeros(11)}, torch.maximum(special, torch.zeros(11)))
fx.error("add_bad_bcast", {"a": x, "b": torch.randn(3)})

cond = x > 0
fx.case("where", {"c": cond, "a": x, "b": y}, torch.where(cond, x, y))
fx.case("where_scalar", {"c": cond, "a": x}, torch.where(cond, x, torch.tensor(0.0)))
fx.case("clamp", {"x": x}, torch.clamp(x, -0.5, 0.5))
fx.case("clamp_min", {"x": x}, torch.clamp(x, min=0.1))
fx.case("clamp_tensor", {"x": x, "lo": y - 1, "hi": y + 1}, torch.clamp(x, y - 1, y + 1))
w = torch.rand(3, 4)
fx.case("lerp_scalar", {"a": x, "b": pos}, torch.lerp(x, pos, 0.3))
fx.case("lerp_tensor", {"a": x, "b": pos, "w": w}, torch.lerp(x, pos, w))
fx.case("maskedFill", {"x": x, "m": cond}, x.masked_fill(cond, -1.0))
fx.save()
