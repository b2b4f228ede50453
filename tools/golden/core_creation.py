"""Golden fixtures for creation functions, casts between dtypes and type promotion."""
import torch
from common import Fixture

fx = Fixture("core_creation")
fx.case("arange_end", {}, torch.arange(5, dtype=torch.int32))
fx.case("arange_start_end_step", {}, torch.arange(2, 11, 3, dtype=torch.int32))
fx.case("arange_negative_step", {}, torch.arange(5, -4, -2, dtype=torch.int32))
fx.case("arange_float", {}, torch.arange(0, 1, 0.1))
fx.case("arange_float_neg", {}, torch.arange(1.5, -1.0, -0.25))
fx.case("arange_empty", {}, torch.arange(3, 3, dtype=torch.int32))
fx.case("linspace", {}, torch.linspace(-1, 1, 7))
fx.case("linspace_one", {}, torch.linspace(2, 5, 1))
fx.case("linspace_f64", {}, torch.linspace(0, 1, 11, dtype=torch.float64))
fx.case("eye_square", {}, torch.eye(3))
fx.case("eye_rect", {}, torch.eye(2, 4))
fx.case("full_float", {}, torch.full((2, 3), 2.5))
fx.case("full_int", {}, torch.full((2,), 7, dtype=torch.int32))
fx.case("full_bool", {}, torch.full((3,), True))
fx.case("zeros_empty", {}, torch.zeros(0, 2))
fx.case("ones_0d", {}, torch.ones(()))
fx.case("tensor_infer_float", {}, torch.tensor([[1.0, 2.5], [3.0, 4.0]]))
fx.case("tensor_infer_int", {}, torch.tensor([[1, 2], [3, 4]], dtype=torch.int32))
fx.case("tensor_infer_bool", {}, torch.tensor([True, False]))
fx.case("tensor_scalar", {}, torch.tensor(3.5))
fx.error("arange_zero_step", {})
fx.error("arange_wrong_sign", {})
fx.error("tensor_ragged", {})

special = torch.tensor([0.0, -0.0, 1.5, -2.5, 2.7, -2.7, 0.3, float("nan"), float("inf"), float("-inf"), 65504.0, 70000.0, 1e-8, 6e-5, 3.14159265])
ints = torch.tensor([-3, 0, 1, 7], dtype=torch.int32)
fx.case("cast_float_to_int", {"x": special[:7]}, special[:7].to(torch.int32))
fx.case("cast_float_to_bool", {"x": special}, special.to(torch.bool))
fx.case("cast_int_to_float", {"x": ints}, ints.to(torch.float32))
fx.case("cast_int_to_bool", {"x": ints}, ints.to(torch.bool))
fx.case("cast_bool_to_float", {"x": torch.tensor([True, False])}, torch.tensor([True, False]).float())
fx.case("cast_to_float16", {"x": special}, special.half())
fx.case("cast_to_bfloat16", {"x": special}, special.bfloat16())
fx.case("cast_float16_roundtrip", {"x": special}, special.half().float())
fx.case("cast_bfloat16_roundtrip", {"x": special}, special.bfloat16().float())
fx.case("cast_f64_to_f32", {"x": torch.tensor([1 / 3, 1e-50, 1e300], dtype=torch.float64)}, torch.tensor([1 / 3, 1e-50, 1e300], dtype=torch.float64).float())
fx.case("cast_noncontig", {"x": torch.arange(12.0).reshape(3, 4)}, torch.arange(12.0).reshape(3, 4).t().to(torch.int32))

dts = {"bool": torch.bool, "int32": torch.int32, "float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64}
table = {}
for a, ta in dts.items():
    for b, tb in dts.items():
        table[f"{a}|{b}"] = str(torch.promote_types(ta, tb)).replace("torch.", "")
# result_type with scalars and 0-d tensors
rt = {
    "int32_tensor+float_scalar": torch.result_type(torch.zeros(2, dtype=torch.int32), 1.5),
    "int32_tensor+int_scalar": torch.result_type(torch.zeros(2, dtype=torch.int32), 2),
    "float16_tensor+float_scalar": torch.result_type(torch.zeros(2, dtype=torch.float16), 1.5),
    "bool_tensor+int_scalar": torch.result_type(torch.zeros(2, dtype=torch.bool), 2),
    "bool_tensor+bool_scalar": torch.result_type(torch.zeros(2, dtype=torch.bool), True),
    "float32_tensor+float64_0d": torch.result_type(torch.zeros(2), torch.tensor(1.0, dtype=torch.float64)),
    "int32_tensor+float64_0d": torch.result_type(torch.zeros(2, dtype=torch.int32), torch.tensor(1.0, dtype=torch.float64)),
    "float32_0d+float64_0d": torch.result_type(torch.tensor(1.0), torch.tensor(1.0, dtype=torch.float64)),
    "int32_0d+float_scalar": torch.result_type(torch.tensor(1, dtype=torch.int32), 2.5),
}
import json, os
from common import ROOT
with open(os.path.join(ROOT, "packages/core/test/fixtures/core_promotion.json"), "w") as f:
    json.dump({"generator": "tools/golden/core_creation.py", "promote_types": table,
               "result_type": {k: str(v).replace("torch.", "").replace("int64", "int32") for k, v in rt.items()}}, f, indent=0)
fx.save()
