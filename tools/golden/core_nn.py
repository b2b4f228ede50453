"""Golden fixtures for core neural-network kernels: unfold/fold, conv, pooling, interpolate,
embedding and scaled dot-product attention (torch.nn.functional 1.13 semantics).

torch 1.13 has no F.scaled_dot_product_attention, so the attention reference is computed by hand
in float64 (softmax(q @ k^T * scale + mask) @ v) and cast back.
"""
import math
import warnings

import torch
import torch.nn.functional as F
from common import Fixture

fx = Fixture("core_nn")
warnings.filterwarnings("ignore", message="Using padding=.same. with even kernel")


def r(*shape, dtype=torch.float32):
    return torch.randn(*shape, dtype=dtype)


# ---- unfold (im2col) / fold (col2im) -------------------------------------------------------------
x = r(2, 3, 5, 6)
fx.case("unfold_basic", {"x": x}, F.unfold(x, (2, 3)), kernelSize=[2, 3])
x = r(2, 2, 7, 6)
fx.case(
    "unfold_full",
    {"x": x},
    F.unfold(x, (3, 2), dilation=(2, 1), padding=(1, 2), stride=(2, 3)),
    kernelSize=[3, 2], dilation=[2, 1], padding=[1, 2], stride=[2, 3],
)
x = r(1, 2, 5, 5)
fx.case("unfold_int_args", {"x": x}, F.unfold(x, 3, dilation=1, padding=1, stride=2), kernelSize=3, padding=1, stride=2)
x = r(2, 3, 6, 5)
fx.case("unfold_noncontig", {"x": x}, F.unfold(x.transpose(2, 3), (2, 2), stride=1), kernelSize=[2, 2])
x = r(2, 2, 4, 5, dtype=torch.float64)
fx.case("unfold_f64", {"x": x}, F.unfold(x, (3, 3), padding=1), kernelSize=[3, 3], padding=1)
x = r(3, 5, 6)
fx.case("unfold_unbatched", {"x": x}, F.unfold(x, 2), kernelSize=2)
x = r(0, 2, 4, 4)
fx.case("unfold_empty_batch", {"x": x}, F.unfold(x, 2), kernelSize=2)
xi = torch.arange(2 * 2 * 4 * 5, dtype=torch.int32).view(2, 2, 4, 5)
fx.case("unfold_int32", {"x": xi}, F.unfold(xi.double(), 2, padding=1).to(torch.int32), kernelSize=2, padding=1)
fx.error("unfold_kernel_too_big", {"x": r(1, 1, 3, 3)}, kernelSize=4)
fx.error("unfold_bad_ndim", {"x": r(1, 1, 1, 3, 3)}, kernelSize=2)
fx.error("unfold_bad_stride", {"x": r(1, 1, 4, 4)}, kernelSize=2, stride=0)

c = r(2, 3 * 2 * 3, 16)
fx.case("fold_basic", {"cols": c}, F.fold(c, (5, 6), (2, 3)), outputSize=[5, 6], kernelSize=[2, 3])
c = r(2, 2 * 3 * 2, 3 * 3)
fx.case(
    "fold_full",
    {"cols": c},
    F.fold(c, (7, 6), (3, 2), dilation=(2, 1), padding=(1, 2), stride=(2, 3)),
    outputSize=[7, 6], kernelSize=[3, 2], dilation=[2, 1], padding=[1, 2], stride=[2, 3],
)
c = r(2 * 2 * 2, 16)
fx.case("fold_unbatched", {"cols": c}, F.fold(c, 5, 2), outputSize=5, kernelSize=2)
c = r(2, 3 * 2 * 2, 16).transpose(1, 2).contiguous().transpose(1, 2)
fx.case("fold_noncontig", {"cols": c}, F.fold(c, (5, 5), 2), outputSize=[5, 5], kernelSize=2)
fx.error("fold_bad_channels", {"cols": r(1, 6, 9)}, outputSize=[4, 4], kernelSize=2)
fx.error("fold_bad_blocks", {"cols": r(1, 4, 8)}, outputSize=[4, 4], kernelSize=2)

# ---- conv1d / conv2d / convTranspose2d -----------------------------------------------------------
x, w, b = r(2, 3, 7, 6), r(4, 3, 3, 2), r(4)
fx.case("conv2d_basic", {"x": x, "w": w, "b": b}, F.conv2d(x, w, b))
x, w = r(2, 3, 9, 8), r(5, 3, 2, 3)
fx.case(
    "conv2d_stride_pad_dil",
    {"x": x, "w": w},
    F.conv2d(x, w, None, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
    stride=[2, 1], padding=[1, 2], dilation=[2, 1],
)
x, w, b = r(3, 4, 6, 5), r(6, 2, 3, 3), r(6)
fx.case("conv2d_groups", {"x": x, "w": w, "b": b}, F.conv2d(x, w, b, padding=1, groups=2), padding=1, groups=2)
x, w = r(2, 3, 5, 5), r(6, 1, 3, 3)
fx.case("conv2d_depthwise", {"x": x, "w": w}, F.conv2d(x, w, None, stride=2, groups=3), stride=2, groups=3)
x, w, b = r(2, 2, 6, 7), r(3, 2, 4, 3), r(3)
fx.case("conv2d_same", {"x": x, "w": w, "b": b}, F.conv2d(x, w, b, padding="same", dilation=(1, 2)), paddingSame=True, dilation=[1, 2])
x, w = r(2, 2, 5, 6), r(3, 2, 2, 2)
fx.case("conv2d_same_even", {"x": x, "w": w}, F.conv2d(x, w, None, padding="same"), paddingSame=True)
fx.case("conv2d_valid", {"x": x, "w": w}, F.conv2d(x, w, None, padding="valid"), paddingValid=True)
x, w, b = r(3, 6, 5), r(2, 3, 3, 3), r(2)
fx.case("conv2d_unbatched", {"x": x, "w": w, "b": b}, F.conv2d(x, w, b, padding=1), padding=1)
x, w = r(2, 5, 4, 3), r(7, 5, 1, 1)
fx.case("conv2d_1x1", {"x": x, "w": w}, F.conv2d(x, w))
x, w, b = r(2, 2, 5, 4, dtype=torch.float64), r(3, 2, 3, 3, dtype=torch.float64), r(3, dtype=torch.float64)
fx.case("conv2d_f64", {"x": x, "w": w, "b": b}, F.conv2d(x, w, b, padding=(2, 1)), padding=[2, 1])
x, w = r(2, 3, 6, 7), r(4, 3, 3, 3)
fx.case("conv2d_noncontig", {"x": x, "w": w}, F.conv2d(x.transpose(2, 3), w, None, stride=2), stride=2)
x, w = r(0, 3, 5, 5), r(2, 3, 3, 3)
fx.case("conv2d_empty_batch", {"x": x, "w": w}, F.conv2d(x, w))
x, w = r(1, 2, 5, 5), r(3, 2, 3, 3)
x[0, 1, 2, 2] = float("nan")
fx.case("conv2d_nan", {"x": x, "w": w}, F.conv2d(x, w, None, padding=1), padding=1)
fx.error("conv2d_channel_mismatch", {"x": r(1, 4, 5, 5), "w": r(2, 3, 3, 3)})
fx.error("conv2d_groups_mismatch", {"x": r(1, 4, 5, 5), "w": r(3, 2, 3, 3)}, groups=2)
fx.error("conv2d_kernel_too_big", {"x": r(1, 1, 2, 2), "w": r(1, 1, 3, 3)})
fx.error("conv2d_same_strided", {"x": r(1, 1, 5, 5), "w": r(1, 1, 3, 3)}, paddingSame=True, stride=2)
fx.error("conv2d_bad_bias", {"x": r(1, 1, 5, 5), "w": r(2, 1, 3, 3), "b": r(3)})
fx.error("conv2d_bad_weight_ndim", {"x": r(1, 1, 5, 5), "w": r(2, 1, 3)})
fx.error("conv2d_dtype_mismatch", {"x": r(1, 1, 5, 5), "w": r(2, 1, 3, 3, dtype=torch.float64)})

x, w, b = r(2, 3, 10), r(4, 3, 3), r(4)
fx.case("conv1d_basic", {"x": x, "w": w, "b": b}, F.conv1d(x, w, b))
x, w = r(2, 4, 11), r(6, 2, 3)
fx.case(
    "conv1d_full",
    {"x": x, "w": w},
    F.conv1d(x, w, None, stride=2, padding=2, dilation=2, groups=2),
    stride=2, padding=2, dilation=2, groups=2,
)
x, w = r(2, 2, 9), r(3, 2, 4)
fx.case("conv1d_same", {"x": x, "w": w}, F.conv1d(x, w, None, padding="same"), paddingSame=True)
x, w = r(3, 8), r(2, 3, 3)
fx.case("conv1d_unbatched", {"x": x, "w": w}, F.conv1d(x, w, None, padding=1), padding=1)
fx.error("conv1d_channel_mismatch", {"x": r(1, 2, 8), "w": r(2, 3, 3)})

x, w, b = r(2, 3, 4, 5), r(3, 2, 3, 2), r(2)
fx.case("convTranspose2d_basic", {"x": x, "w": w, "b": b}, F.conv_transpose2d(x, w, b))
x, w = r(2, 2, 3, 4), r(2, 3, 3, 3)
fx.case(
    "convTranspose2d_stride",
    {"x": x, "w": w},
    F.conv_transpose2d(x, w, None, stride=2, padding=1, output_padding=1),
    stride=2, padding=1, outputPadding=1,
)
x, w, b = r(2, 4, 3, 3), r(4, 3, 2, 3), r(6)
fx.case(
    "convTranspose2d_groups",
    {"x": x, "w": w, "b": b},
    F.conv_transpose2d(x, w, b, stride=(2, 3), padding=(0, 1), output_padding=(1, 2), groups=2),
    stride=[2, 3], padding=[0, 1], outputPadding=[1, 2], groups=2,
)
x, w = r(2, 2, 4, 3), r(2, 2, 3, 2)
fx.case(
    "convTranspose2d_dilation",
    {"x": x, "w": w},
    F.conv_transpose2d(x, w, None, dilation=(2, 3), padding=1, output_padding=(1, 0), stride=(1, 2)),
    dilation=[2, 3], padding=1, outputPadding=[1, 0], stride=[1, 2],
)
x, w = r(2, 3, 3), r(2, 3, 2, 2)
fx.case("convTranspose2d_unbatched", {"x": x, "w": w}, F.conv_transpose2d(x, w, None, stride=2), stride=2)
fx.error("convTranspose2d_bad_output_padding", {"x": r(1, 2, 3, 3), "w": r(2, 1, 3, 3)}, stride=2, outputPadding=2)
fx.error("convTranspose2d_channel_mismatch", {"x": r(1, 3, 3, 3), "w": r(2, 1, 3, 3)})

# ---- pooling -------------------------------------------------------------------------------------
x = r(2, 3, 6, 7)
fx.case("maxPool2d_basic", {"x": x}, F.max_pool2d(x, 2), kernelSize=2)
x = r(2, 2, 9, 8)
fx.case(
    "maxPool2d_full",
    {"x": x},
    list(F.max_pool2d(x, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), return_indices=True)),
    kernelSize=[3, 2], stride=[2, 1], padding=1, dilation=[1, 2], returnIndices=True,
)
x = r(2, 2, 7, 8)
fx.case(
    "maxPool2d_ceil",
    {"x": x},
    list(F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, return_indices=True)),
    kernelSize=3, stride=2, padding=1, ceilMode=True, returnIndices=True,
)
x = r(2, 5, 6)
fx.case("maxPool2d_unbatched", {"x": x}, list(F.max_pool2d(x, 2, return_indices=True)), kernelSize=2, returnIndices=True)
x = r(1, 2, 4, 4)
x[0, 0, 1, 1] = float("nan")
x[0, 1, 0:2, 0:2] = float("-inf")
x[0, 1, 2, 3] = float("inf")
fx.case("maxPool2d_special", {"x": x}, list(F.max_pool2d(x, 2, return_indices=True)), kernelSize=2, returnIndices=True)
x = r(2, 2, 6, 5, dtype=torch.float64)
fx.case("maxPool2d_f64_noncontig", {"x": x}, F.max_pool2d(x.transpose(2, 3), 2, stride=1), kernelSize=2, stride=1)
x = r(0, 2, 4, 4)
fx.case("maxPool2d_empty_batch", {"x": x}, F.max_pool2d(x, 2), kernelSize=2)
fx.error("maxPool2d_pad_too_big", {"x": r(1, 1, 4, 4)}, kernelSize=3, padding=2)
fx.error("maxPool2d_int", {"x": torch.arange(16, dtype=torch.int32).view(1, 1, 4, 4)}, kernelSize=2)
fx.error("maxPool2d_output_too_small", {"x": r(1, 1, 2, 2)}, kernelSize=3)

x = r(2, 3, 6, 7)
fx.case("avgPool2d_basic", {"x": x}, F.avg_pool2d(x, 2), kernelSize=2)
x = r(2, 2, 7, 6)
fx.case(
    "avgPool2d_pad_include",
    {"x": x},
    F.avg_pool2d(x, (3, 2), stride=(2, 1), padding=1),
    kernelSize=[3, 2], stride=[2, 1], padding=1,
)
fx.case(
    "avgPool2d_pad_exclude",
    {"x": x},
    F.avg_pool2d(x, (3, 2), stride=(2, 1), padding=1, count_include_pad=False),
    kernelSize=[3, 2], stride=[2, 1], padding=1, countIncludePad=False,
)
x = r(2, 2, 7, 8)
fx.case(
    "avgPool2d_ceil_include",
    {"x": x},
    F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    kernelSize=3, stride=2, padding=1, ceilMode=True,
)
fx.case(
    "avgPool2d_ceil_exclude",
    {"x": x},
    F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    kernelSize=3, stride=2, padding=1, ceilMode=True, countIncludePad=False,
)
fx.case("avgPool2d_ceil_nopad", {"x": x}, F.avg_pool2d(x, 3, stride=2, ceil_mode=True), kernelSize=3, stride=2, ceilMode=True)
fx.case(
    "avgPool2d_divisor",
    {"x": x},
    F.avg_pool2d(x, 2, padding=1, divisor_override=3),
    kernelSize=2, padding=1, divisorOverride=3,
)
x = r(3, 5, 5)
fx.case("avgPool2d_unbatched", {"x": x}, F.avg_pool2d(x, 2, stride=1), kernelSize=2, stride=1)
x = r(1, 2, 4, 4)
x[0, 0, 0, 0] = float("nan")
x[0, 1, 3, 3] = float("inf")
fx.case("avgPool2d_special", {"x": x}, F.avg_pool2d(x, 2), kernelSize=2)
x = r(0, 2, 4, 4)
fx.case("avgPool2d_empty_batch", {"x": x}, F.avg_pool2d(x, 2), kernelSize=2)
fx.error("avgPool2d_pad_too_big", {"x": r(1, 1, 4, 4)}, kernelSize=2, padding=2)

x = r(2, 3, 9)
fx.case("maxPool1d", {"x": x}, list(F.max_pool1d(x, 3, stride=2, padding=1, return_indices=True)), kernelSize=3, stride=2, padding=1, returnIndices=True)
fx.case("maxPool1d_dil_ceil", {"x": x}, F.max_pool1d(x, 2, stride=2, dilation=2, ceil_mode=True), kernelSize=2, stride=2, dilation=2, ceilMode=True)
fx.case("avgPool1d", {"x": x}, F.avg_pool1d(x, 3, stride=2, padding=1, count_include_pad=False), kernelSize=3, stride=2, padding=1, countIncludePad=False)
fx.case("avgPool1d_ceil", {"x": x}, F.avg_pool1d(x, 2, stride=2, ceil_mode=True), kernelSize=2, stride=2, ceilMode=True)

x = r(2, 3, 7, 5)
fx.case("adaptiveAvgPool2d_down", {"x": x}, F.adaptive_avg_pool2d(x, (3, 4)), outputSize=[3, 4])
x = r(2, 2, 2, 3)
fx.case("adaptiveAvgPool2d_up", {"x": x}, F.adaptive_avg_pool2d(x, (5, 4)), outputSize=[5, 4])
x = r(2, 3, 6, 5)
fx.case("adaptiveAvgPool2d_global", {"x": x}, F.adaptive_avg_pool2d(x, 1), outputSize=1)
fx.case("adaptiveAvgPool2d_none", {"x": x}, F.adaptive_avg_pool2d(x, (None, 3)), outputSize=[None, 3])
x = r(3, 5, 7, dtype=torch.float64)
fx.case("adaptiveAvgPool2d_unbatched_f64", {"x": x}, F.adaptive_avg_pool2d(x, (2, 3)), outputSize=[2, 3])
fx.error("adaptiveAvgPool2d_bad_ndim", {"x": r(5, 5)}, outputSize=2)

x = r(2, 3, 7, 5)
fx.case("adaptiveMaxPool2d_down", {"x": x}, list(F.adaptive_max_pool2d(x, (3, 4), return_indices=True)), outputSize=[3, 4], returnIndices=True)
x = r(1, 2, 5, 4)
x[0, 0, 1, 1] = float("nan")
x[0, 1, 0:3, 0:2] = float("-inf")
fx.case("adaptiveMaxPool2d_special", {"x": x}, list(F.adaptive_max_pool2d(x, (2, 3), return_indices=True)), outputSize=[2, 3], returnIndices=True)
x = r(2, 2, 2, 3)
fx.case("adaptiveMaxPool2d_up", {"x": x}, F.adaptive_max_pool2d(x, (5, 4)), outputSize=[5, 4])

# ---- interpolate ---------------------------------------------------------------------------------
x = r(2, 3, 4, 5)
fx.case("interpolate_nearest_up", {"x": x}, F.interpolate(x, size=(7, 8)), size=[7, 8])
fx.case("interpolate_nearest_down", {"x": x}, F.interpolate(x, size=(3, 2)), size=[3, 2])
fx.case("interpolate_nearest_x2", {"x": x}, F.interpolate(x, scale_factor=2), scaleFactor=2)
fx.case("interpolate_nearest_scale", {"x": x}, F.interpolate(x, scale_factor=(1.7, 0.6)), scaleFactor=[1.7, 0.6])
x3 = r(2, 3, 5)
fx.case("interpolate_nearest_1d", {"x": x3}, F.interpolate(x3, size=8), size=8)
fx.case("interpolate_bilinear", {"x": x}, F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=False), size=[7, 9], bilinear=True)
fx.case("interpolate_bilinear_ac", {"x": x}, F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True), size=[7, 9], bilinear=True, alignCorners=True)
fx.case("interpolate_bilinear_down", {"x": x}, F.interpolate(x, size=(3, 2), mode="bilinear", align_corners=False), size=[3, 2], bilinear=True)
fx.case("interpolate_bilinear_scale", {"x": x}, F.interpolate(x, scale_factor=(1.5, 2.3), mode="bilinear", align_corners=False), scaleFactor=[1.5, 2.3], bilinear=True)
fx.case("interpolate_bilinear_ac_scale", {"x": x}, F.interpolate(x, scale_factor=2.5, mode="bilinear", align_corners=True), scaleFactor=2.5, bilinear=True, alignCorners=True)
fx.case("interpolate_bilinear_size1", {"x": x}, F.interpolate(x, size=(1, 3), mode="bilinear", align_corners=True), size=[1, 3], bilinear=True, alignCorners=True)
xd = r(1, 2, 3, 4, dtype=torch.float64)
fx.case("interpolate_bilinear_f64", {"x": xd}, F.interpolate(xd, size=(5, 5), mode="bilinear", align_corners=False), size=[5, 5], bilinear=True)
fx.error("interpolate_bilinear_3d", {"x": x3}, size=8, bilinear=True)
fx.error("interpolate_both_size_scale", {"x": x}, size=[4, 4], scaleFactor=2)
fx.error("interpolate_neither", {"x": x})

# ---- embedding -----------------------------------------------------------------------------------
wt = r(10, 4)
idx = torch.tensor([[0, 3, 9], [3, 3, 1]])
fx.case("embedding_2d", {"idx": idx, "w": wt}, F.embedding(idx, wt))
idx = torch.tensor(7)
fx.case("embedding_0d", {"idx": idx, "w": wt}, F.embedding(idx, wt))
idx = torch.tensor([[1, 2], [3, 4], [5, 6]])
fx.case("embedding_noncontig", {"idx": idx, "w": wt}, F.embedding(idx.t(), wt))
fx.error("embedding_out_of_range", {"idx": torch.tensor([0, 10]), "w": wt})
fx.error("embedding_float_indices", {"idx": torch.tensor([0.0, 1.0]), "w": wt})


# ---- scaled dot-product attention ----------------------------------------------------------------
def sdpa_ref(q, k, v, mask=None, causal=False, scale=None):
    q64, k64, v64 = q.double(), k.double(), v.double()
    s = scale if scale is not None else 1.0 / math.sqrt(q.shape[-1])
    att = q64 @ k64.transpose(-2, -1) * s
    L, S = q.shape[-2], k.shape[-2]
    if causal:
        keep = torch.ones(L, S, dtype=torch.bool).tril()
        att = att.masked_fill(~keep, float("-inf"))
    if mask is not None:
        if mask.dtype == torch.bool:
            att = att.masked_fill(~mask, float("-inf"))
        else:
            att = att + mask.double()
    return (torch.softmax(att, -1) @ v64).to(q.dtype)


q, k, v = r(2, 3, 4, 5), r(2, 3, 6, 5), r(2, 3, 6, 7)
fx.case("sdpa_basic", {"q": q, "k": k, "v": v}, sdpa_ref(q, k, v))
fx.case("sdpa_scale", {"q": q, "k": k, "v": v}, sdpa_ref(q, k, v, scale=0.3), scale=0.3)
bm = torch.rand(4, 6) > 0.3
bm[:, 0] = True
fx.case("sdpa_bool_mask", {"q": q, "k": k, "v": v, "mask": bm}, sdpa_ref(q, k, v, mask=bm))
bm2 = bm.clone()
bm2[1, :] = False
fx.case("sdpa_fully_masked_row", {"q": q, "k": k, "v": v, "mask": bm2}, sdpa_ref(q, k, v, mask=bm2))
fm = r(2, 1, 4, 6)
fx.case("sdpa_float_mask", {"q": q, "k": k, "v": v, "mask": fm}, sdpa_ref(q, k, v, mask=fm))
q2, k2, v2 = r(2, 5, 8), r(2, 5, 8), r(2, 5, 3)
fx.case("sdpa_causal", {"q": q2, "k": k2, "v": v2}, sdpa_ref(q2, k2, v2, causal=True), isCausal=True)
qd, kd, vd = r(3, 4, dtype=torch.float64), r(5, 4, dtype=torch.float64), r(5, 2, dtype=torch.float64)
fx.case("sdpa_2d_f64", {"q": qd, "k": kd, "v": vd}, sdpa_ref(qd, kd, vd))
fx.error("sdpa_bad_embed", {"q": r(2, 4, 5), "k": r(2, 6, 4), "v": r(2, 6, 5)})
fx.error("sdpa_bad_seq", {"q": r(2, 4, 5), "k": r(2, 6, 5), "v": r(2, 5, 5)})

fx.save()
