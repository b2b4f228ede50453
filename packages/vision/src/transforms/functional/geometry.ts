/**
 * Geometric transforms on image tensors `[C, H, W]` / `[N, C, H, W]`, following torchvision 0.14's
 * tensor implementations: `crop`, `centerCrop`, `pad`, `resize`, `resizedCrop`, `hflip`, `vflip`,
 * `affine` and `rotate`.
 */
import { fromHost, indexSelect, interpolate, pad as corePad, type Tensor, ValueError } from '@kindling/core';
import { imageDims, newArray, pair, rounder, roundHalfEven } from './common.js';

/** Resampling for `resize` and the affine transforms. */
export type InterpolationMode = 'nearest' | 'bilinear';

function checkInterpolation(op: string, mode: string): void {
  if (mode !== 'nearest' && mode !== 'bilinear') {
    throw new ValueError(`${op}: interpolation must be 'nearest' or 'bilinear', got '${mode}'`);
  }
}

/** Horizontally flips (the last dim). */
export function hflip(x: Tensor): Tensor {
  imageDims('hflip', x);
  return x.flip(-1);
}

/** Vertically flips (the second-to-last dim). */
export function vflip(x: Tensor): Tensor {
  imageDims('vflip', x);
  return x.flip(-2);
}

/** Padding modes of `pad` (torchvision's names: `edge` repeats the border, `symmetric` mirrors it too). */
export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** Options of `pad`. */
export interface PadOptions {
  /** Value of the new pixels in `constant` mode (default 0). */
  fill?: number;
  /** How to fill (default `constant`). */
  paddingMode?: PaddingMode;
}

/** `[left, right, top, bottom]` from torchvision's padding forms (n, [n], [lr, tb], [l, t, r, b]). */
function parsePadding(op: string, padding: number | readonly number[]): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : [...padding];
  if (![1, 2, 4].includes(p.length) || !p.every((v) => Number.isInteger(v))) {
    throw new ValueError(
      `${op}: padding must be an integer or a list of 1, 2 or 4 integers, got ${JSON.stringify(padding)}`,
    );
  }
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[0], p[1], p[1]];
  return [p[0], p[2], p[1], p[3]];
}

/** Mirror indices including the edge (`symmetric`), any pad width. */
function symmetricIndex(i: number, n: number): number {
  const period = 2 * n;
  const j = ((i % period) + period) % period;
  return j < n ? j : period - 1 - j;
}

/**
 * Pads the borders (`F.pad`): `padding` is n (all sides), `[lr, tb]` or `[left, top, right,
 * bottom]`; negative amounts crop.
 */
export function pad(x: Tensor, padding: number | readonly number[], options?: PadOptions): Tensor {
  const op = 'pad';
  const { h, w } = imageDims(op, x);
  const [l, r, t, b] = parsePadding(op, padding);
  const mode = options?.paddingMode ?? 'constant';
  const fill = options?.fill ?? 0;
  if (mode === 'constant') return corePad(x, [l, r, t, b], { mode: 'constant', value: fill });
  if (mode === 'edge') return corePad(x, [l, r, t, b], { mode: 'replicate' });
  if (mode === 'reflect') {
    if (l >= w || r >= w || t >= h || b >= h) {
      throw new ValueError(
        `${op}: reflect padding [${l}, ${t}, ${r}, ${b}] must be smaller than the image size ${h}x${w}`,
      );
    }
    return corePad(x, [l, r, t, b], { mode: 'reflect' });
  }
  if (mode !== 'symmetric') {
    throw new ValueError(
      `${op}: paddingMode must be constant, edge, reflect or symmetric, got '${String(mode)}'`,
    );
  }
  let img = x;
  if (l < 0 || r < 0 || t < 0 || b < 0) {
    img = corePad(img, [Math.min(l, 0), Math.min(r, 0), Math.min(t, 0), Math.min(b, 0)]);
  }
  const [L, R, T, B] = [l, r, t, b].map((v) => Math.max(v, 0));
  const H = img.shape[img.ndim - 2];
  const W = img.shape[img.ndim - 1];
  const xi = Int32Array.from({ length: W + L + R }, (_, i) => symmetricIndex(i - L, W));
  const yi = Int32Array.from({ length: H + T + B }, (_, i) => symmetricIndex(i - T, H));
  img = indexSelect(img, img.ndim - 1, fromHost(xi, [xi.length], 'int32'));
  return indexSelect(img, img.ndim - 2, fromHost(yi, [yi.length], 'int32'));
}

/**
 * Crops the box at (`top`, `left`) of size `height` x `width` (`F.crop`); parts outside the image
 * are zero-padded.
 */
export function crop(x: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const op = 'crop';
  const { h, w } = imageDims(op, x);
  for (const [k, v] of Object.entries({ top, left, height, width })) {
    if (!Number.isInteger(v)) throw new ValueError(`${op}: ${k} must be an integer, got ${v}`);
  }
  if (height < 0 || width < 0)
    throw new ValueError(`${op}: height and width must be >= 0, got ${height}x${width}`);
  const bottom = top + height;
  const right = left + width;
  const nd = x.ndim;
  if (left >= 0 && top >= 0 && right <= w && bottom <= h) {
    return x.narrow(nd - 2, top, height).narrow(nd - 1, left, width);
  }
  // The part inside the image, then zero padding around it.
  const y0 = Math.min(Math.max(top, 0), h);
  const y1 = Math.min(Math.max(bottom, y0), h);
  const x0 = Math.min(Math.max(left, 0), w);
  const x1 = Math.min(Math.max(right, x0), w);
  const inside = x.narrow(nd - 2, y0, y1 - y0).narrow(nd - 1, x0, x1 - x0);
  const padTop = Math.min(Math.max(-top, 0), height);
  const padLeft = Math.min(Math.max(-left, 0), width);
  return corePad(inside, [padLeft, width - padLeft - (x1 - x0), padTop, height - padTop - (y1 - y0)]);
}

/**
 * Crops the centre `size` (n or `[h, w]`) box (`F.center_crop`); an image smaller than the box is
 * zero-padded first. Offsets round half to even, as Python's `round`.
 */
export function centerCrop(x: Tensor, size: number | readonly number[]): Tensor {
  const op = 'centerCrop';
  let { h, w } = imageDims(op, x);
  const [ch, cw] = pair(op, size);
  let img = x;
  if (cw > w || ch > h) {
    const padding = [
      cw > w ? Math.floor((cw - w) / 2) : 0,
      ch > h ? Math.floor((ch - h) / 2) : 0,
      cw > w ? Math.floor((cw - w + 1) / 2) : 0,
      ch > h ? Math.floor((ch - h + 1) / 2) : 0,
    ];
    img = pad(img, padding);
    h = img.shape[img.ndim - 2];
    w = img.shape[img.ndim - 1];
    if (cw === w && ch === h) return img;
  }
  const top = roundHalfEven((h - ch) / 2);
  const left = roundHalfEven((w - cw) / 2);
  return crop(img, top, left, ch, cw);
}

/**
 * Output size of `resize` (torchvision's `_compute_resized_output_size`): a number (or `[n]`)
 * sets the shorter side and keeps the aspect ratio (the longer side truncated), capped by
 * `maxSize`; `[h, w]` is used as given.
 */
export function resizedOutputSize(
  h: number,
  w: number,
  size: number | readonly number[],
  maxSize?: number,
): [number, number] {
  const op = 'resize';
  const s = typeof size === 'number' ? [size] : [...size];
  if ((s.length !== 1 && s.length !== 2) || !s.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ValueError(
      `${op}: size must be a positive integer, [n] or [h, w], got ${JSON.stringify(size)}`,
    );
  }
  if (s.length === 2) {
    if (maxSize !== undefined) {
      throw new ValueError(
        `${op}: maxSize is only allowed when size sets the shorter side (a number or [n])`,
      );
    }
    return [s[0], s[1]];
  }
  const [short, long] = w <= h ? [w, h] : [h, w];
  let newShort = s[0];
  let newLong = Math.trunc((newShort * long) / short);
  if (maxSize !== undefined) {
    if (maxSize <= newShort) {
      throw new ValueError(
        `${op}: maxSize = ${maxSize} must be strictly greater than the requested size ${newShort}`,
      );
    }
    if (newLong > maxSize) {
      newShort = Math.trunc((maxSize * newShort) / newLong);
      newLong = maxSize;
    }
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

/** Options of `resize`. */
export interface ResizeOptions {
  /** `bilinear` (default) or `nearest`. */
  interpolation?: InterpolationMode;
  /** Upper bound of the longer side when `size` sets the shorter one. */
  maxSize?: number;
  /** Only `false` (torchvision 0.14's default for tensors) is supported. */
  antialias?: false;
}

/**
 * Resizes (`F.resize`): `size` as in `resizedOutputSize`; bilinear uses half-pixel centres
 * (`align_corners=False`) without antialiasing; int32 images are resampled in float32 and rounded
 * half to even.
 */
export function resize(x: Tensor, size: number | readonly number[], options?: ResizeOptions): Tensor {
  const op = 'resize';
  const { h, w } = imageDims(op, x);
  const mode = options?.interpolation ?? 'bilinear';
  checkInterpolation(op, mode);
  if (options?.antialias) throw new ValueError(`${op}: antialias=true is not supported; resize without it`);
  const [oh, ow] = resizedOutputSize(h, w, size, options?.maxSize);
  if (oh === h && ow === w) return x;
  if (mode === 'bilinear') return resizeBilinear(x, oh, ow);
  const batched = x.ndim === 4 ? x : x.unsqueeze(0);
  const int = x.dtype === 'int32';
  let y = interpolate(int ? batched.to('float32') : batched, { size: [oh, ow], mode: 'nearest' });
  if (int) y = y.to('int32');
  return x.ndim === 4 ? y : y.squeeze(0);
}

/** Source indices and weights of linear interpolation along one dim, as PyTorch's CPU kernel. */
function linearTaps(inSize: number, outSize: number, f: (v: number) => number) {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l0 = new Float64Array(outSize);
  const l1 = new Float64Array(outSize);
  const scale = f(inSize / outSize);
  for (let i = 0; i < outSize; i++) {
    if (inSize === outSize) {
      i0[i] = i1[i] = i;
      l0[i] = 1;
      continue;
    }
    // The source index is computed in double (PyTorch's CPU accumulate type), the weights in float.
    const src = Math.max(scale * (i + 0.5) - 0.5, 0);
    const k = Math.min(Math.floor(src), inSize - 1);
    i0[i] = k;
    i1[i] = k + (k < inSize - 1 ? 1 : 0);
    const lam1 = f(Math.min(Math.max(src - k, 0), 1));
    l1[i] = lam1;
    l0[i] = f(1 - lam1);
  }
  return { i0, i1, l0, l1 };
}

/**
 * Bilinear resize with half-pixel centres (`align_corners=False`), reproducing PyTorch 1.13's CPU
 * kernel bit for bit on float32: each row is interpolated along the width, then the two rows
 * along the height, each step `a * w0 + b * w1` as one fused multiply-add. int32 images are
 * resampled in float32 and rounded half to even, as torchvision.
 */
function resizeBilinear(x: Tensor, oh: number, ow: number): Tensor {
  const { n, c, h, w } = imageDims('resize', x);
  const int = x.dtype === 'int32';
  const f = rounder(x);
  const fma = (a: number, b: number, acc: number) => f(a * b + acc);
  const ys = linearTaps(h, oh, f);
  const xs = linearTaps(w, ow, f);
  const src = x.dataSync();
  const out = newArray(x, n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    const obase = p * oh * ow;
    for (let i = 0; i < oh; i++) {
      const r0 = base + ys.i0[i] * w;
      const r1 = base + ys.i1[i] * w;
      const h0 = ys.l0[i];
      const h1 = ys.l1[i];
      for (let j = 0; j < ow; j++) {
        const a = xs.i0[j];
        const b = xs.i1[j];
        const w0 = xs.l0[j];
        const w1 = xs.l1[j];
        const t0 = fma(src[r0 + a] as number, w0, f((src[r0 + b] as number) * w1));
        const t1 = fma(src[r1 + a] as number, w0, f((src[r1 + b] as number) * w1));
        const v = fma(t0, h0, f(t1 * h1));
        out[obase + i * ow + j] = int ? roundHalfEven(v) : v;
      }
    }
  }
  const shape = x.ndim === 4 ? [n, c, oh, ow] : [c, oh, ow];
  return fromHost(out, shape, x.dtype);
}

/** Crops then resizes (`F.resized_crop`). */
export function resizedCrop(
  x: Tensor,
  top: number,
  left: number,
  height: number,
  width: number,
  size: number | readonly number[],
  options?: ResizeOptions,
): Tensor {
  return resize(crop(x, top, left, height, width), size, options);
}

/** Options of `rotate` and `affine`. */
export interface AffineOptions {
  /** `nearest` (default) or `bilinear`. */
  interpolation?: InterpolationMode;
  /**
   * Value(s) for pixels that come from outside the image: one number or one per channel. Without
   * it they are 0 (with bilinear, `fill` also blends the border with the fill colour, as torchvision).
   */
  fill?: number | readonly number[];
}

/**
 * torchvision's `_get_inverse_affine_matrix`: the matrix mapping output to input pixel
 * coordinates (origin at the image centre) of a rotation by `angle` degrees about `center`, then
 * `translate`, `scale` and `shear` (degrees).
 */
export function inverseAffineMatrix(
  center: readonly [number, number],
  angle: number,
  translate: readonly [number, number],
  scale: number,
  shear: readonly [number, number],
): number[] {
  const rot = (angle * Math.PI) / 180;
  const sx = (shear[0] * Math.PI) / 180;
  const sy = (shear[1] * Math.PI) / 180;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/**
 * Samples every output pixel at `matrix * (x, y, 1)` (torchvision's affine grid + `grid_sample`
 * with zero padding, `align_corners=False`), in float32 like torchvision for int32/float32
 * images. `oh` x `ow` is the output size.
 */
function gridTransform(
  x: Tensor,
  matrix: readonly number[],
  oh: number,
  ow: number,
  mode: InterpolationMode,
  fill: readonly number[] | undefined,
  op: string,
): Tensor {
  const { n, c, h, w } = imageDims(op, x);
  if (fill !== undefined && fill.length !== 1 && fill.length !== c) {
    throw new ValueError(`${op}: fill must have 1 or ${c} values (one per channel), got ${fill.length}`);
  }
  const f = rounder(x);
  const th = matrix.map(f);
  // rescaled theta: theta^T / [0.5 w, 0.5 h]
  const hw2 = f(0.5 * w);
  const hh2 = f(0.5 * h);
  const a0 = f(th[0] / hw2);
  const a1 = f(th[1] / hw2);
  const a2 = f(th[2] / hw2);
  const b0 = f(th[3] / hh2);
  const b1 = f(th[4] / hh2);
  const b2 = f(th[5] / hh2);
  // Source pixel coordinates of each output pixel (grid_sample's unnormalisation).
  const sw = f(w / 2);
  const sh = f(h / 2);
  const sx = new Float64Array(oh * ow);
  const sy = new Float64Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    const yb = -oh * 0.5 + 0.5 + i;
    for (let j = 0; j < ow; j++) {
      const xb = -ow * 0.5 + 0.5 + j;
      const gx = f(f(f(xb * a0) + f(yb * a1)) + a2);
      const gy = f(f(f(xb * b0) + f(yb * b1)) + b2);
      // grid_sample's unnormalisation (align_corners=False), as its vectorised CPU kernel.
      sx[i * ow + j] = f(f(gx + 1) * sw - 0.5);
      sy[i * ow + j] = f(f(gy + 1) * sh - 0.5);
    }
  }
  const src = x.dataSync();
  const int = x.dtype === 'int32';
  const out = newArray(x, n * c * oh * ow);
  const plane = h * w;
  const oplane = oh * ow;
  const acc = new Float64Array(oplane);
  const mask = fill !== undefined ? new Float64Array(oplane) : undefined;
  if (mask) {
    // grid_sample of an all-ones plane: how much of each output pixel comes from inside the image.
    for (let p = 0; p < oplane; p++) mask[p] = sampleAt(null, 0, w, h, sx[p], sy[p], mode, f);
  }
  for (let k = 0; k < n; k++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (k * c + ch) * plane;
      for (let p = 0; p < oplane; p++) acc[p] = sampleAt(src, base, w, h, sx[p], sy[p], mode, f);
      const fv = fill ? f(fill.length === 1 ? fill[0] : fill[ch]) : 0;
      const obase = (k * c + ch) * oplane;
      for (let p = 0; p < oplane; p++) {
        let v = acc[p];
        if (mask) {
          if (mode === 'nearest') v = mask[p] < 0.5 ? fv : v;
          else v = f(f(v * mask[p]) + f(f(1 - mask[p]) * fv));
        }
        out[obase + p] = int ? roundHalfEven(v) : v;
      }
    }
  }
  const shape = x.ndim === 4 ? [n, c, oh, ow] : [c, oh, ow];
  return fromHost(out, shape, x.dtype);
}

/** One grid_sample lookup (zero padding); `src` null samples an all-ones image. */
function sampleAt(
  src: ArrayLike<number> | null,
  base: number,
  w: number,
  h: number,
  ix: number,
  iy: number,
  mode: InterpolationMode,
  f: (v: number) => number,
): number {
  if (mode === 'nearest') {
    const xi = roundHalfEven(ix);
    const yi = roundHalfEven(iy);
    if (xi < 0 || xi >= w || yi < 0 || yi >= h) return 0;
    return src ? src[base + yi * w + xi] : 1;
  }
  const x0 = Math.floor(ix);
  const y0 = Math.floor(iy);
  // PyTorch's vectorised CPU kernel: distances to the west/north neighbours, then the weights.
  const dw = f(ix - x0);
  const de = f(1 - dw);
  const dn = f(iy - y0);
  const ds = f(1 - dn);
  const inX0 = x0 >= 0 && x0 < w;
  const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
  const inY0 = y0 >= 0 && y0 < h;
  const inY1 = y0 + 1 >= 0 && y0 + 1 < h;
  const row0 = base + y0 * w;
  const row1 = row0 + w;
  const vnw = inX0 && inY0 ? (src ? src[row0 + x0] : 1) : 0;
  const vne = inX1 && inY0 ? (src ? src[row0 + x0 + 1] : 1) : 0;
  const vsw = inX0 && inY1 ? (src ? src[row1 + x0] : 1) : 0;
  const vse = inX1 && inY1 ? (src ? src[row1 + x0 + 1] : 1) : 0;
  // (nw_val * nw) + (ne_val * ne) + ..., the compiler fusing each multiply-add.
  let v = f(vnw * f(ds * de));
  v = f(vne * f(ds * dw) + v);
  v = f(vsw * f(dn * de) + v);
  return f(vse * f(dn * dw) + v);
}

function fillList(fill: number | readonly number[] | undefined): number[] | undefined {
  return fill === undefined ? undefined : typeof fill === 'number' ? [fill] : [...fill];
}

/** torchvision's `_compute_affine_output_size`: the bounding box of the transformed corners. */
function expandedSize(m: readonly number[], w: number, h: number): [number, number] {
  const f = Math.fround;
  const pts = [
    [-0.5 * w, -0.5 * h],
    [-0.5 * w, 0.5 * h],
    [0.5 * w, 0.5 * h],
    [0.5 * w, -0.5 * h],
  ];
  const th = m.map(f);
  const xs = pts.map(([px, py]) => f(f(f(px * th[0]) + f(py * th[1])) + th[2]));
  const ys = pts.map(([px, py]) => f(f(f(px * th[3]) + f(py * th[4])) + th[5]));
  const tol = 1e-4;
  const bound = (v: number, half: number, up: boolean) => {
    const t = f(Math.trunc(f(f(v + half) / f(tol))) * f(tol));
    return up ? Math.ceil(t) : Math.floor(t);
  };
  const ow = bound(Math.max(...xs), 0.5 * w, true) - bound(Math.min(...xs), 0.5 * w, false);
  const oh = bound(Math.max(...ys), 0.5 * h, true) - bound(Math.min(...ys), 0.5 * h, false);
  return [ow, oh];
}

/** Options of `rotate`. */
export interface RotateOptions extends AffineOptions {
  /** Grow the output to hold the whole rotated image (default false: same size). */
  expand?: boolean;
  /** Centre of rotation `[x, y]` in pixels (default: the image centre). */
  center?: readonly [number, number];
}

/**
 * Rotates by `angle` degrees counter-clockwise (`F.rotate` on tensors): nearest (default) or
 * bilinear sampling, zeros (or `fill`) outside.
 */
export function rotate(x: Tensor, angle: number, options?: RotateOptions): Tensor {
  const op = 'rotate';
  const { h, w } = imageDims(op, x);
  if (!Number.isFinite(angle)) throw new ValueError(`${op}: angle must be a finite number, got ${angle}`);
  const mode = options?.interpolation ?? 'nearest';
  checkInterpolation(op, mode);
  const center: [number, number] = options?.center
    ? [options.center[0] - w * 0.5, options.center[1] - h * 0.5]
    : [0, 0];
  const m = inverseAffineMatrix(center, -angle, [0, 0], 1, [0, 0]);
  const [ow, oh] = options?.expand ? expandedSize(m, w, h) : [w, h];
  return gridTransform(x, m, oh, ow, mode, fillList(options?.fill), op);
}

/**
 * Rotates by `angle` degrees (clockwise, as torchvision's `affine`), translates by `translate`
 * pixels, scales and shears (`F.affine` on tensors), keeping the image size.
 */
export function affine(
  x: Tensor,
  angle: number,
  translate: readonly [number, number],
  scale: number,
  shear: number | readonly [number, number],
  options?: AffineOptions & { center?: readonly [number, number] },
): Tensor {
  const op = 'affine';
  const { h, w } = imageDims(op, x);
  if (!(scale > 0)) throw new ValueError(`${op}: scale must be positive, got ${scale}`);
  const mode = options?.interpolation ?? 'nearest';
  checkInterpolation(op, mode);
  const sh: [number, number] = typeof shear === 'number' ? [shear, 0] : [shear[0], shear[1]];
  const center: [number, number] = options?.center
    ? [options.center[0] - w * 0.5, options.center[1] - h * 0.5]
    : [0, 0];
  const m = inverseAffineMatrix(center, angle, translate, scale, sh);
  return gridTransform(x, m, h, w, mode, fillList(options?.fill), op);
}
