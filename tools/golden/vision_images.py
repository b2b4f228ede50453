"""PNG and JPEG files written by Pillow, with the pixels Pillow decodes from them, for
@kindling/vision's image decoders (PyTorch 1.13 / torchvision 0.14 era Debian Pillow).

Writes packages/vision/test/fixtures/images/*.png|jpg and vision_images.json: per file, the
expected [C, H, W] pixels as int32 (grey/grey+alpha/RGB/RGBA as the file stores them, palette
images expanded to RGB(A), 16-bit samples rounded to 8 bits) and, for JPEGs, a tolerance (decoders
differ in IDCT rounding). Run with /usr/bin/python3 tools/golden/vision_images.py.
"""
import io
import json
import os

import numpy as np
from PIL import Image

from common import ROOT

OUT = os.path.join(ROOT, "packages", "vision", "test", "fixtures", "images")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(0)
cases = {}


def chw(a):
    a = np.asarray(a)
    if a.ndim == 2:
        a = a[:, :, None]
    return a.transpose(2, 0, 1)


def spec(a):
    a = chw(a).astype(np.int64)
    return {"shape": list(a.shape), "dtype": "int32", "data": a.flatten().tolist()}


def add(name, img, fmt, expected, tol=0, **save):
    path = os.path.join(OUT, name)
    img.save(path, fmt, **save)
    cases[name] = {"expected": spec(expected), "tol": tol}


h, w = 13, 17
rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
rgba = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
grey = rng.integers(0, 256, (h, w), dtype=np.uint8)
la = rng.integers(0, 256, (h, w, 2), dtype=np.uint8)

add("rgb.png", Image.fromarray(rgb, "RGB"), "PNG", rgb)
add("rgba.png", Image.fromarray(rgba, "RGBA"), "PNG", rgba)
add("grey.png", Image.fromarray(grey, "L"), "PNG", grey)
add("grey_alpha.png", Image.fromarray(la, "LA"), "PNG", la)
add("rgb_level0.png", Image.fromarray(rgb, "RGB"), "PNG", rgb, compress_level=0)
add("rgb_level9.png", Image.fromarray(rgb, "RGB"), "PNG", rgb, compress_level=9, optimize=True)



def write_png_adam7(path, pixels):
    """An Adam7-interlaced 8-bit RGB PNG, every filter type used in turn (Pillow writes no interlaced PNGs)."""
    import struct
    import zlib

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    def paeth(a, b, c):
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

    hh, ww, _ = pixels.shape
    raw = bytearray()
    row_no = 0
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = pixels[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = None
        for row in sub:
            cur = [int(v) for v in row.reshape(-1)]
            ft = row_no % 5
            row_no += 1
            out = []
            for i, v in enumerate(cur):
                a = cur[i - 3] if i >= 3 else 0
                b = prev[i] if prev is not None else 0
                c = prev[i - 3] if prev is not None and i >= 3 else 0
                pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][ft]
                out.append((v - pred) & 0xFF)
            raw.append(ft)
            raw.extend(out)
            prev = cur
    ihdr = struct.pack(">IIBBBBB", ww, hh, 8, 2, 0, 0, 1)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


write_png_adam7(os.path.join(OUT, "rgb_interlaced.png"), rgb)
check = np.asarray(Image.open(os.path.join(OUT, "rgb_interlaced.png")).convert("RGB"))
assert (check == rgb).all(), "Pillow decodes the interlaced file differently"
cases["rgb_interlaced.png"] = {"expected": spec(rgb), "tol": 0}

# 1-bit and palette images
bits = rng.integers(0, 2, (h, w)).astype(bool)
add("bilevel.png", Image.fromarray(bits), "PNG", bits.astype(np.uint8) * 255)
pal_img = Image.fromarray(rgb, "RGB").quantize(colors=16)
pal_rgb = np.asarray(pal_img.convert("RGB"))
add("palette.png", pal_img, "PNG", pal_rgb)
pal4 = Image.fromarray(rgb, "RGB").quantize(colors=4)
add("palette_2bit.png", pal4, "PNG", np.asarray(pal4.convert("RGB")), bits=2)
pal_t = Image.fromarray(rgba, "RGBA").quantize(colors=8)
pal_t_png = io.BytesIO()
pal_t.save(pal_t_png, "PNG")
pal_t_rgba = np.asarray(Image.open(io.BytesIO(pal_t_png.getvalue())).convert("RGBA"))
add("palette_trns.png", pal_t, "PNG", pal_t_rgba)

# 16-bit grey (Pillow mode I;16), expected: rounded to 8 bits
g16 = rng.integers(0, 65536, (h, w), dtype=np.uint16)
img16 = Image.fromarray(g16, "I;16")
add("grey16.png", img16, "PNG", np.round(g16 / 257.0).astype(np.uint8))

# JPEGs: Pillow's own decode is the reference, within a small tolerance
smooth = np.clip(
    128 + 60 * np.sin(np.arange(32)[None, :, None] / 5.0) + 50 * np.cos(np.arange(24)[:, None, None] / 4.0)
    + np.array([0, 30, -30])[None, None, :],
    0,
    255,
).astype(np.uint8)
for name, img in [
    ("rgb_q90.jpg", Image.fromarray(smooth, "RGB")),
    ("grey_q90.jpg", Image.fromarray(smooth[:, :, 0], "L")),
]:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    decoded = np.asarray(Image.open(io.BytesIO(buf.getvalue())))
    add(name, img, "JPEG", decoded, tol=3, quality=90)
prog = Image.fromarray(smooth, "RGB")
buf = io.BytesIO()
prog.save(buf, "JPEG", quality=85, progressive=True)
add("rgb_progressive.jpg", prog, "JPEG", np.asarray(Image.open(io.BytesIO(buf.getvalue()))), tol=3, quality=85, progressive=True)

with open(os.path.join(ROOT, "packages", "vision", "test", "fixtures", "vision_images.json"), "w") as f:
    json.dump({"generator": "tools/golden/vision_images.py", "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} images to {os.path.relpath(OUT, ROOT)}")
