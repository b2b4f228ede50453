"""Golden fixtures for core linear algebra: matmul (all of PyTorch's rank rules), mm, bmm, dot,
outer, linear, addmm, baddbmm and einsum.

Large float32 cases use small integer values, so every partial sum is exact and any summation
order gives the same answer; random-valued large cases are float64.
The einsum equations are listed in packages/core/test/linalg.test.ts under the same case names.
"""
import torch
import torch.nn.functional as F
from common import Fixture

fx = Fixture("core_linalg")
r = torch.randn


def ints(*shape, dtype=torch.float32):
    return torch.randint(-4, 5, shape).to(dtype)


# ---- matmul: every rank combination ---------------------------------------------------------------
a23, b34 = r(2, 3), r(3, 4)
v3, v4 = r(3), r(4)
u3 = r(3)
fx.case("matmul_1d_1d", {"a": v3, "b": u3}, torch.matmul(v3, u3))
fx.case("matmul_2d_1d", {"a": a23, "b": v3}, torch.matmul(a23, v3))
fx.case("matmul_1d_2d", {"a": v3, "b": b34}, torch.matmul(v3, b34))
fx.case("matmul_2d_2d", {"a": a23, "b": b34}, torch.matmul(a23, b34))
a423 = r(4, 2, 3)
fx.case("matmul_3d_2d", {"a": a423, "b": b34}, torch.matmul(a423, b34))
fx.case("matmul_3d_1d", {"a": a423, "b": v3}, torch.matmul(a423, v3))
b534 = r(5, 3, 4)
fx.case("matmul_1d_3d", {"a": v3, "b": b534}, torch.matmul(v3, b534))
fx.case("matmul_2d_3d", {"a": a23, "b": b534}, torch.matmul(a23, b534))
x5, y5 = r(5, 2, 3), b534
fx.case("matmul_3d_3d", {"a": x5, "b": y5}, torch.matmul(x5, y5))
a2134, b524 = r(2, 1, 3, 4), r(5, 4, 2)
fx.case("matmul_bcast_batch", {"a": a2134, "b": b524}, torch.matmul(a2134, b524))
a2134b, b2345 = r(2, 1, 3, 4), r(2, 3, 4, 5)
fx.case("matmul_partial_bcast", {"a": a2134b, "b": b2345}, torch.matmul(a2134b, b2345))
a4d, b4d = r(2, 3, 2, 4), r(2, 3, 4, 3)
fx.case("matmul_4d_4d", {"a": a4d, "b": b4d}, torch.matmul(a4d, b4d))
b1d4 = r(1, 4, 2)
fx.case("matmul_4d_bcast_1", {"a": a4d, "b": b1d4}, torch.matmul(a4d, b1d4))

# non-contiguous operands (the test applies the same views)
a32, b43 = r(3, 2), r(4, 3)
fx.case("matmul_noncontig_t", {"a": a32, "b": b43}, torch.matmul(a32.t(), b43.t()))
a26 = r(2, 6)
fx.case("matmul_noncontig_step", {"a": a26, "b": b34}, torch.matmul(a26[:, ::2], b34))
x432, y453 = r(4, 3, 2), r(4, 5, 3)
fx.case("matmul_noncontig_batch_mT", {"a": x432, "b": y453}, torch.matmul(x432.mT, y453.mT))
m36 = r(3, 6)
w6 = r(6)
fx.case("matmul_mv_noncontig", {"a": m36, "b": w6}, torch.matmul(m36.t(), w6[::2]))

# dtypes, special values, empty and odd sizes
fx.case("matmul_f64", {"a": a23.double(), "b": b34.double()}, torch.matmul(a23.double(), b34.double()))
ia, ib = torch.randint(-9, 10, (3, 5), dtype=torch.int32), torch.randint(-9, 10, (5, 2), dtype=torch.int32)
fx.case("matmul_int", {"a": ia, "b": ib}, torch.matmul(ia, ib))
big = torch.tensor([[70000, 70000], [-3, 2]], dtype=torch.int32)
fx.case("matmul_int_wraps", {"a": big, "b": big.t().contiguous()}, torch.matmul(big, big.t().contiguous()))
iv = torch.randint(-9, 10, (5,), dtype=torch.int32)
fx.case("matmul_int_mv", {"a": ia, "b": iv}, torch.matmul(ia, iv))
sp = torch.tensor([[1.0, float("nan")], [float("inf"), 2.0], [0.0, 1.0]])
spb = torch.tensor([[1.0, 0.0, 2.0], [0.0, 3.0, float("-inf")]])
fx.case("matmul_nan_inf", {"a": sp, "b": spb}, torch.matmul(sp, spb))
fx.case("matmul_empty_rows", {"a": torch.zeros(0, 3), "b": b34}, torch.matmul(torch.zeros(0, 3), b34))
fx.case("matmul_k0", {"a": torch.zeros(2, 0), "b": torch.zeros(0, 3)}, torch.matmul(torch.zeros(2, 0), torch.zeros(0, 3)))
fx.case("matmul_empty_batch", {"a": torch.zeros(0, 2, 3), "b": b34}, torch.matmul(torch.zeros(0, 2, 3), b34))
fx.case("matmul_1d_empty", {"a": torch.zeros(0), "b": torch.zeros(0)}, torch.matmul(torch.zeros(0), torch.zeros(0)))
oa, ob = ints(37, 261), ints(261, 29)
fx.case("matmul_odd_sizes_exact", {"a": oa, "b": ob}, torch.matmul(oa, ob))
ov = ints(261)
fx.case("matmul_mv_odd_exact", {"a": oa, "b": ov}, torch.matmul(oa, ov))
va = ints(37)
fx.case("matmul_vm_odd_exact", {"a": va, "b": oa}, torch.matmul(va, oa))
da, db = r(33, 70, dtype=torch.float64), r(70, 45, dtype=torch.float64)
fx.case("matmul_f64_odd_sizes", {"a": da, "b": db}, torch.matmul(da, db))
ba, bb = ints(3, 9, 18), ints(18, 7)
fx.case("matmul_batched_odd_exact", {"a": ba, "b": bb}, torch.matmul(ba, bb))
tb = ints(7, 18)
fx.case("matmul_bcast_transposed_exact", {"a": ba, "b": tb}, torch.matmul(ba, tb.t()))

fx.error("matmul_0d", {"a": torch.tensor(2.0), "b": v3})
fx.error("matmul_mismatch_2d", {"a": r(2, 3), "b": r(4, 5)})
fx.error("matmul_mismatch_1d", {"a": r(3), "b": r(4)})
fx.error("matmul_mismatch_1d_2d", {"a": r(3), "b": r(4, 2)})
fx.error("matmul_mismatch_2d_1d", {"a": r(2, 3), "b": r(4)})
fx.error("matmul_mismatch_3d", {"a": r(2, 2, 3), "b": r(2, 4, 2)})
fx.error("matmul_mismatch_fold", {"a": r(2, 2, 3), "b": r(4, 2)})
fx.error("matmul_bad_batch_bcast", {"a": r(2, 2, 3), "b": r(3, 3, 2)})
fx.error("matmul_dtype_mismatch", {"a": r(2, 3), "b": r(3, 2).double()})
fx.error("matmul_int_float", {"a": ia, "b": r(5, 2)})
fx.error("matmul_bool", {"a": ia > 0, "b": ib > 0})

# ---- mm, bmm, dot, outer --------------------------------------------------------------------------
fx.case("mm", {"a": a23, "b": b34}, torch.mm(a23, b34))
fx.case("mm_noncontig", {"a": a32, "b": b43}, torch.mm(a32.t(), b43.t()))
fx.case("mm_int", {"a": ia, "b": ib}, torch.mm(ia, ib))
fx.error("mm_3d", {"a": a423, "b": b34})
fx.error("mm_1d", {"a": v3, "b": b34})
fx.error("mm_mismatch", {"a": r(2, 3), "b": r(4, 5)})
x523 = r(5, 2, 3)
fx.case("bmm", {"a": x523, "b": b534}, torch.bmm(x523, b534))
x532 = r(5, 3, 2)
fx.case("bmm_noncontig", {"a": x532, "b": b534}, torch.bmm(x532.mT, b534))
fx.case("bmm_f64", {"a": x523.double(), "b": b534.double()}, torch.bmm(x523.double(), b534.double()))
fx.case("bmm_empty", {"a": torch.zeros(0, 2, 3), "b": torch.zeros(0, 3, 4)}, torch.bmm(torch.zeros(0, 2, 3), torch.zeros(0, 3, 4)))
fx.error("bmm_batch_mismatch", {"a": r(2, 2, 3), "b": r(3, 3, 2)})
fx.error("bmm_inner_mismatch", {"a": r(2, 2, 3), "b": r(2, 4, 2)})
fx.error("bmm_2d", {"a": a23, "b": b34})
fx.error("bmm_dtype", {"a": x523, "b": b534.double()})
u6 = r(6)
fx.case("dot", {"a": v3, "b": u3}, torch.dot(v3, u3))
fx.case("dot_noncontig", {"a": u6, "b": v3}, torch.dot(u6[::2], v3))
iu = torch.randint(-9, 10, (4,), dtype=torch.int32)
fx.case("dot_int", {"a": iu, "b": iu}, torch.dot(iu, iu))
fx.case("dot_empty", {"a": torch.zeros(0), "b": torch.zeros(0)}, torch.dot(torch.zeros(0), torch.zeros(0)))
fx.error("dot_2d", {"a": a23, "b": v3})
fx.error("dot_size", {"a": v3, "b": v4})
fx.error("dot_dtype", {"a": iu, "b": v4})
fx.case("outer", {"a": v3, "b": v4}, torch.outer(v3, v4))
fx.case("outer_promotes", {"a": iu, "b": v3}, torch.outer(iu, v3))
bm = torch.tensor([True, False, True])
fx.case("outer_bool", {"a": bm, "b": bm}, torch.outer(bm, bm))
fx.case("outer_noncontig", {"a": u6, "b": v4}, torch.outer(u6[1::2], v4))
fx.error("outer_2d", {"a": a23, "b": v3})

# ---- linear, addmm, baddbmm -----------------------------------------------------------------------
w, bias = r(4, 3), r(4)
x243 = r(2, 5, 3)
fx.case("linear", {"x": a23, "w": w, "b": bias}, F.linear(a23, w, bias))
fx.case("linear_3d", {"x": x243, "w": w, "b": bias}, F.linear(x243, w, bias))
fx.case("linear_no_bias", {"x": x243, "w": w}, F.linear(x243, w))
fx.case("linear_1d_input", {"x": v3, "w": w, "b": bias}, F.linear(v3, w, bias))
fx.case("linear_1d_weight", {"x": a23, "w": v3}, F.linear(a23, v3))
fx.case("linear_f64", {"x": a23.double(), "w": w.double(), "b": bias.double()}, F.linear(a23.double(), w.double(), bias.double()))
fx.case("linear_empty", {"x": torch.zeros(0, 3), "w": w, "b": bias}, F.linear(torch.zeros(0, 3), w, bias))
fx.error("linear_mismatch", {"x": r(2, 5), "w": w, "b": bias})
fx.error("linear_bias_dtype", {"x": a23, "w": w, "b": bias.double()})
fx.error("linear_weight_dtype", {"x": a23, "w": w.double()})
fx.error("linear_bias_shape", {"x": a23, "w": w, "b": r(5)})

m24 = r(2, 4)
fx.case("addmm", {"i": m24, "a": a23, "b": b34}, torch.addmm(m24, a23, b34))
fx.case("addmm_scaled", {"i": m24, "a": a23, "b": b34}, torch.addmm(m24, a23, b34, beta=0.5, alpha=-2.0))
fx.case("addmm_bcast_input", {"i": v4, "a": a23, "b": b34}, torch.addmm(v4, a23, b34))
nan4 = torch.full((4,), float("nan"))
fx.case("addmm_beta0_ignores_nan", {"i": nan4, "a": a23, "b": b34}, torch.addmm(nan4, a23, b34, beta=0))
ii = torch.randint(-9, 10, (3, 2), dtype=torch.int32)
fx.case("addmm_int", {"i": ii, "a": ia, "b": ib}, torch.addmm(ii, ia, ib, beta=2, alpha=3))
fx.error("addmm_input_shape", {"i": r(3, 4), "a": a23, "b": b34})
fx.error("addmm_input_grows", {"i": r(5, 2, 4), "a": a23, "b": b34})
fx.error("addmm_mismatch", {"i": m24, "a": a23, "b": r(2, 4)})
fx.error("addmm_3d", {"i": m24, "a": a423, "b": b34})
fx.error("addmm_dtype", {"i": m24.double(), "a": a23, "b": b34})
i524 = r(5, 2, 4)
fx.case("baddbmm", {"i": i524, "a": x523, "b": b534}, torch.baddbmm(i524, x523, b534))
fx.case("baddbmm_scaled_bcast", {"i": v4, "a": x523, "b": b534}, torch.baddbmm(v4, x523, b534, beta=-1.0, alpha=0.25))
fx.case("baddbmm_beta0", {"i": torch.full((5, 2, 4), float("inf")), "a": x523, "b": b534}, torch.baddbmm(torch.full((5, 2, 4), float("inf")), x523, b534, beta=0))
fx.error("baddbmm_input_shape", {"i": r(3, 2, 4), "a": x523, "b": b534})
fx.error("baddbmm_mismatch", {"i": i524, "a": x523, "b": r(5, 4, 4)})

# ---- einsum ---------------------------------------------------------------------------------------
# (name, equation, operands); linalg.test.ts holds the same table.
sq = r(3, 3)
t233 = r(2, 3, 3)
EINSUM = [
    ("matmul", "ij,jk->ik", [a23, b34]),
    ("matmul_implicit", "ij,jk", [a23, b34]),
    ("transpose", "ij->ji", [a23]),
    ("implicit_transpose", "ba", [a23]),
    ("implicit_upper_first", "iJ", [a23]),
    ("identity_view", "ij", [a23]),
    ("trace", "ii", [sq]),
    ("diag", "ii->i", [sq]),
    ("diag_nan_offdiag", "ii->i", [torch.tensor([[1.0, float("nan")], [float("inf"), 2.0]])]),
    ("trace_batched", "...ii->...", [t233]),
    ("diag_batched", "bii->bi", [t233]),
    ("diag_ellipsis_middle", "i...i", [r(3, 2, 3)]),
    ("triple_repeat", "iii->i", [r(2, 2, 2)]),
    ("repeat_and_keep", "iij->ji", [r(2, 2, 3)]),
    ("sum_all", "ij->", [a23]),
    ("sum_rows", "ij->i", [a23]),
    ("sum_cols", "ij->j", [a23]),
    ("dot", "i,i->", [v3, u3]),
    ("dot_implicit", "i,i", [v3, u3]),
    ("outer", "i,j->ij", [v3, v4]),
    ("outer_implicit", "i,j", [v3, v4]),
    ("hadamard", "ij,ij->ij", [a23, r(2, 3)]),
    ("hadamard_sum", "ij,ij->", [a23, r(2, 3)]),
    ("bmm", "bij,bjk->bik", [x523, b534]),
    ("bmm_out_transposed", "bij,bjk->bki", [x523, b534]),
    ("attention_scores", "bhqd,bhkd->bhqk", [r(2, 3, 4, 5), r(2, 3, 6, 5)]),
    ("attention_values", "bhqk,bhkd->bqhd", [r(2, 3, 4, 6), r(2, 3, 6, 5)]),
    ("ellipsis_matmul", "...ij,...jk->...ik", [r(5, 1, 2, 3), r(4, 3, 2)]),
    ("ellipsis_implicit", "...ij,...jk", [r(2, 2, 3), r(3, 4)]),
    ("ellipsis_sum", "...ij->ij", [r(5, 2, 3)]),
    ("ellipsis_transpose", "...ij->...ji", [r(4, 2, 3)]),
    ("ellipsis_output_front", "ij...->...ij", [r(2, 3, 4, 5)]),
    ("ellipsis_empty", "ij->...ij", [a23]),
    ("ellipsis_only", "...", [a23]),
    ("ellipsis_bcast_sum", "...,...->", [r(2, 1, 3), r(4, 1)]),
    ("three_operands", "ij,jk,kl->il", [a23, b34, r(4, 5)]),
    ("three_operands_implicit", "ij,jk,kl", [a23, b34, r(4, 5)]),
    ("three_hadamard", "i,i,i->i", [v3, u3, r(3)]),
    ("bilinear", "bn,anm,bm->ba", [r(2, 3), r(4, 3, 5), r(2, 5)]),
    ("sum_before_contract", "ijk,jl->il", [r(2, 3, 4), r(3, 5)]),
    ("independent_sums", "ij,kl->", [a23, r(4, 5)]),
    ("keep_unshared", "ij,kl->ijkl", [r(2, 3), r(2, 2)]),
    ("broadcast_size1_contract", "ij,jk", [r(2, 1), r(3, 4)]),
    ("broadcast_size1_keep", "ij,ij->ij", [r(2, 1), r(1, 3)]),
    ("broadcast_size1_dot", "i,i", [v3, r(1)]),
    ("spaces", " i j , j k -> i k ", [a23, b34]),
    ("scalar", "", [torch.tensor(2.5)]),
    ("scalar_arrow", "->", [torch.tensor(2.5)]),
    ("scalar_times_matrix", ",ij->ij", [torch.tensor(2.5), a23]),
    ("noncontig", "ij,jk->ik", [a32.t(), b43.t()]),
    ("int", "ij,jk->ik", [ia, ib]),
    ("int_trace", "ii", [torch.randint(-9, 10, (4, 4), dtype=torch.int32)]),
    ("f64", "bij,bjk->bik", [x523.double(), b534.double()]),
    ("bool_transpose", "ij->ji", [a23 > 0]),
    ("bool_diag", "ii->i", [sq > 0]),
    ("bool_sum", "ij->", [a23 > 0]),
    ("empty_contract", "ij,jk->ik", [torch.zeros(2, 0), torch.zeros(0, 3)]),
    ("empty_diag", "ii->i", [torch.zeros(0, 0)]),
    ("empty_keep", "ij,jk->ik", [torch.zeros(0, 3), b34]),
]
# Non-contiguous cases: the test applies the same views to the stored operands.
NONCONTIG = {"noncontig": [lambda t: t.t(), lambda t: t.t()]}
for name, eq, operands in EINSUM:
    stored = operands
    if name in NONCONTIG:
        stored = [a32, b43]
    out = torch.einsum(eq, *operands)
    if out.dtype == torch.int64:
        out = out.to(torch.int32)  # our integer dtype
    fx.case(f"einsum_{name}", {f"o{i}": t for i, t in enumerate(stored)}, out)

EINSUM_ERRORS = [
    ("bad_char", "i1", [a23]),
    ("bad_dash", "i-j", [a23]),
    ("double_arrow", "ij->ij->", [a23]),
    ("lone_dot", "i..j", [a23]),
    ("two_ellipses", "...i...", [a23]),
    ("output_lone_dot", "ij->i.", [a23]),
    ("too_many_operands", "ij", [a23, v3]),
    ("too_few_operands", "ij,jk", [a23]),
    ("empty_term", "ij,,jk", [a23, b34]),
    ("too_many_subscripts", "ijk", [a23]),
    ("too_few_subscripts", "i", [a23]),
    ("ellipsis_too_many_subscripts", "ijk...", [a23]),
    ("output_not_in_input", "ij,jk->iz", [a23, b34]),
    ("output_repeated", "ij,jk->ii", [a23, b34]),
    ("size_mismatch", "ij,jk", [a23, a23]),
    ("size_mismatch_dot", "i,i", [v3, v4]),
    ("repeat_size_mismatch", "ii", [a23]),
    ("ellipsis_bcast_mismatch", "...i,...i", [r(2, 3), r(4, 3)]),
    ("dtype_mismatch", "ij,jk", [a23, b34.double()]),
    ("bool_product", "ij,jk", [a23 > 0, b34 > 0]),
]
for name, eq, operands in EINSUM_ERRORS:
    try:
        torch.einsum(eq, *operands)
    except RuntimeError:
        pass
    else:
        raise AssertionError(f"torch accepted einsum error case {name}: {eq}")
    fx.error(f"einsum_err_{name}", {f"o{i}": t for i, t in enumerate(operands)})

fx.save()
