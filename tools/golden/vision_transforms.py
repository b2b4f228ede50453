"""Golden fixtures for @kindling/vision transforms (torchvision 0.14, PyTorch 1.13).

Deterministic tensor transforms of torchvision.transforms.functional and torchvision.utils.make_grid
on small random images. uint8 images are stored as int32 (Kindling's images hold uint8 values in
int32 tensors); float images are float32 in [0, 1]. Writes packages/vision/test/fixtures/vision_transforms.json.
Run with /usr/bin/python3 tools/golden/vision_transforms.py.
"""
import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode
from torchvision.utils import make_grid

from common import Fixture

fx = Fixture("vision_transforms", package="vision", seed=0)

BILINEAR = InterpolationMode.BILINEAR
NEAREST = InterpolationMode.NEAREST


def i32(t):
    return t.to(torch.int32) if isinstance(t, torch.Tensor) and t.dtype == torch.uint8 else t


def case(name, img, out, **attrs):
    fx.case(name, {"x": i32(img)}, i32(out), **attrs)


def err(name, img, fn, **attrs):
    try:
        fn()
    except (ValueError, TypeError, RuntimeError):
        fx.error(name, {"x": i32(img)}, **attrs)
        return
    raise AssertionError(f"{name}: torchvision accepted it")


u8 = torch.randint(0, 256, (3, 7, 9), dtype=torch.uint8)
f32 = torch.rand(3, 7, 9)
u8b = torch.randint(0, 256, (2, 3, 6, 5), dtype=torch.uint8)
f32b = torch.rand(2, 3, 6, 5)
grey = torch.randint(0, 256, (1, 8, 6), dtype=torch.uint8)
sq = torch.randint(0, 256, (3, 8, 8), dtype=torch.uint8)

# resize (antialias=False, torchvision 0.14's default for tensors)
for name, img in [("u8", u8), ("f32", f32), ("u8b", u8b), ("f32b", f32b)]:
    for size in [5, [4, 6], [11, 13], 12]:
        for mode, mname in [(BILINEAR, "bilinear"), (NEAREST, "nearest")]:
            tag = "x".join(map(str, size)) if isinstance(size, list) else str(size)
            case(f"resize_{name}_{tag}_{mname}", img, F.resize(img, size, mode, antialias=False), size=size, interpolation=mname)
case("resize_u8_5_max6", u8, F.resize(u8, 5, BILINEAR, max_size=6, antialias=False), size=5, maxSize=6, interpolation="bilinear")
case("resize_u8_same", u8, F.resize(u8, [7, 9], BILINEAR, antialias=False), size=[7, 9], interpolation="bilinear")
err("resize_err_max_with_pair", u8, lambda: F.resize(u8, [4, 6], max_size=8), size=[4, 6], maxSize=8)
err("resize_err_max_too_small", u8, lambda: F.resize(u8, 5, max_size=5), size=5, maxSize=5)

# crop / center_crop
for name, img in [("u8", u8), ("f32b", f32b)]:
    for size in [[4, 5], [3, 3], 2, [7, 9], [10, 12], [5, 11]]:
        tag = "x".join(map(str, size)) if isinstance(size, list) else str(size)
        case(f"center_crop_{name}_{tag}", img, F.center_crop(img, size), size=size)
for args in [(1, 2, 4, 5), (-2, 3, 6, 8), (3, -1, 6, 12), (0, 0, 7, 9)]:
    case("crop_u8_" + "_".join(str(a).replace("-", "m") for a in args), u8, F.crop(u8, *args), box=list(args))

# normalize
mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
case("normalize_f32", f32, F.normalize(f32, mean, std), mean=mean, std=std)
case("normalize_f32b", f32b, F.normalize(f32b, mean, std), mean=mean, std=std)
case("normalize_f32_one", f32, F.normalize(f32, [0.5], [0.25]), mean=[0.5], std=[0.25])
err("normalize_err_std0", f32, lambda: F.normalize(f32, mean, [0.2, 0.0, 0.1]), mean=mean, std=[0.2, 0.0, 0.1])
err("normalize_err_int", u8, lambda: F.normalize(u8, mean, std), mean=mean, std=std)

# convert_image_dtype (ToTensor on tensors)
case("convert_u8_to_f32", u8, F.convert_image_dtype(u8, torch.float32), dtype="float32")
case("convert_f32_to_u8", f32, F.convert_image_dtype(f32, torch.uint8), dtype="int32")

# pad
for name, img in [("u8", u8), ("f32b", f32b)]:
    for padding in [2, [1, 3], [1, 2, 3, 4], [0, 1, 2, 0]]:
        for mode in ["constant", "edge", "reflect", "symmetric"]:
            tag = "_".join(map(str, padding)) if isinstance(padding, list) else str(padding)
            case(f"pad_{name}_{tag}_{mode}", img, F.pad(img, padding, padding_mode=mode), padding=padding, paddingMode=mode)
case("pad_u8_fill", u8, F.pad(u8, [2, 1], fill=7), padding=[2, 1], paddingMode="constant", fill=7)
case("pad_u8_negative", u8, F.pad(u8, [-1, 2, 1, -2]), padding=[-1, 2, 1, -2], paddingMode="constant")
case("pad_u8_symmetric_negative", u8, F.pad(u8, [-1, 2, 1, -2], padding_mode="symmetric"), padding=[-1, 2, 1, -2], paddingMode="symmetric")
err("pad_err_reflect_too_big", u8, lambda: F.pad(u8, [9, 0], padding_mode="reflect"), padding=[9, 0], paddingMode="reflect")
err("pad_err_three", u8, lambda: F.pad(u8, [1, 2, 3]), padding=[1, 2, 3], paddingMode="constant")

# flips
for name, img in [("u8", u8), ("f32b", f32b)]:
    case(f"hflip_{name}", img, F.hflip(img))
    case(f"vflip_{name}", img, F.vflip(img))

# rotate (functional, given angle)
for name, img in [("u8", u8), ("f32", f32), ("sq", sq), ("u8b", u8b)]:
    for angle in [30, -45, 90, 17.5, 180]:
        for mode, mname in [(NEAREST, "nearest"), (BILINEAR, "bilinear")]:
            tag = str(angle).replace("-", "m").replace(".", "p")
            case(f"rotate_{name}_{tag}_{mname}", img, F.rotate(img, angle, mode), angle=angle, interpolation=mname)
for angle in [30, 90, -17.5]:
    tag = str(angle).replace("-", "m").replace(".", "p")
    case(f"rotate_u8_{tag}_expand", u8, F.rotate(u8, angle, NEAREST, expand=True), angle=angle, interpolation="nearest", expand=True)
    case(f"rotate_f32_{tag}_expand_bilinear", f32, F.rotate(f32, angle, BILINEAR, expand=True), angle=angle, interpolation="bilinear", expand=True)
case("rotate_u8_center", u8, F.rotate(u8, 25, NEAREST, center=[2, 3]), angle=25, interpolation="nearest", center=[2, 3])
case("rotate_u8_fill", u8, F.rotate(u8, 40, NEAREST, fill=[10.0, 20.0, 30.0]), angle=40, interpolation="nearest", fill=[10.0, 20.0, 30.0])
case("rotate_f32_fill_bilinear", f32, F.rotate(f32, 40, BILINEAR, fill=[0.5]), angle=40, interpolation="bilinear", fill=[0.5])
case("rotate_f32_fill0_bilinear", f32, F.rotate(f32, -20, BILINEAR, fill=[0.0, 0.0, 0.0]), angle=-20, interpolation="bilinear", fill=[0.0, 0.0, 0.0])

# affine
case("affine_u8", u8, F.affine(u8, 20, [1, -2], 1.2, [10.0, 5.0]), angle=20, translate=[1, -2], scale=1.2, shear=[10.0, 5.0], interpolation="nearest")
case("affine_f32_bilinear", f32, F.affine(f32, -30, [0, 1], 0.8, [0.0, 0.0], BILINEAR), angle=-30, translate=[0, 1], scale=0.8, shear=[0.0, 0.0], interpolation="bilinear")

# colour
rgb_u8 = torch.randint(0, 256, (3, 6, 7), dtype=torch.uint8)
rgb_u8[:, 0, 0] = 128  # a grey pixel (max == min)
rgb_u8[:, 0, 1] = torch.tensor([200, 200, 10], dtype=torch.uint8)  # max shared by r and g
rgb_u8[:, 0, 2] = torch.tensor([255, 0, 0], dtype=torch.uint8)
rgb_f32 = torch.rand(3, 6, 7)
rgb_f32[:, 0, 0] = 0.25
rgb_f32b = torch.rand(2, 3, 4, 5)
for name, img in [("u8", rgb_u8), ("f32", rgb_f32), ("f32b", rgb_f32b), ("grey", grey)]:
    for fct in [0.0, 0.5, 1.7]:
        t = str(fct).replace(".", "p")
        case(f"brightness_{name}_{t}", img, F.adjust_brightness(img, fct), factor=fct)
        case(f"contrast_{name}_{t}", img, F.adjust_contrast(img, fct), factor=fct)
        case(f"saturation_{name}_{t}", img, F.adjust_saturation(img, fct), factor=fct)
    for fct in [-0.5, -0.3, 0.0, 0.2, 0.5]:
        t = str(fct).replace("-", "m").replace(".", "p")
        case(f"hue_{name}_{t}", img, F.adjust_hue(img, fct), factor=fct)
    if name != "grey":
        case(f"grayscale_{name}", img, F.rgb_to_grayscale(img), channels=1)
        case(f"grayscale3_{name}", img, F.rgb_to_grayscale(img, 3), channels=3)
err("hue_err_range", rgb_u8, lambda: F.adjust_hue(rgb_u8, 0.7), factor=0.7)
err("brightness_err_negative", rgb_u8, lambda: F.adjust_brightness(rgb_u8, -0.1), factor=-0.1)
four = torch.rand(4, 3, 3)
err("saturation_err_channels", four, lambda: F.adjust_saturation(four, 0.5), factor=0.5)

# make_grid
batch = torch.rand(5, 3, 4, 3) * 2 - 0.5
case("grid_default", batch, make_grid(batch))
case("grid_nrow2_pad1", batch, make_grid(batch, nrow=2, padding=1), nrow=2, padding=1)
case("grid_normalize", batch, make_grid(batch, nrow=3, normalize=True), nrow=3, normalize=True)
case("grid_value_range", batch, make_grid(batch, nrow=3, normalize=True, value_range=(0.0, 1.0)), nrow=3, normalize=True, valueRange=[0.0, 1.0])
case("grid_scale_each", batch, make_grid(batch, nrow=2, normalize=True, scale_each=True), nrow=2, normalize=True, scaleEach=True)
case("grid_pad_value", batch, make_grid(batch, nrow=4, padding=3, pad_value=0.5), nrow=4, padding=3, padValue=0.5)
ones = torch.rand(3, 1, 4, 4)
case("grid_one_channel", ones, make_grid(ones, nrow=2), nrow=2)
case("grid_single", ones[:1], make_grid(ones[:1]))
grid_u8 = torch.randint(0, 256, (3, 3, 2, 2), dtype=torch.uint8)
case("grid_u8", grid_u8, make_grid(grid_u8, nrow=2, pad_value=255), nrow=2, padValue=255)

fx.save()
print("torchvision", torchvision.__version__)
