import { fromHost, type Tensor } from '@kindling/core';

/** An RGB colour, 0..255 per channel. */
export type Color = readonly [number, number, number];

/** A point `[x, y]`. */
export type Point = readonly [number, number];

/**
 * A tiny rasteriser for the environments' `render()`: filled polygons, circles and lines on an
 * RGB image, sampled at pixel centres (no anti-aliasing). Coordinates are pygame's: x to the right,
 * y down from the top row, and `yUp` flips them so that y grows upwards (what Gymnasium's classic
 * control renderers do with `pygame.transform.flip`).
 */
export class Canvas {
  /** Row-major RGB bytes, `height * width * 3`. */
  readonly pixels: Uint8Array;

  /** A `width` x `height` canvas filled with `background`; with `yUp`, y = 0 is the bottom row. */
  constructor(
    /** Image width in pixels (the x range). */
    readonly width: number,
    /** Image height in pixels (the y range). */
    readonly height: number,
    background: Color = [255, 255, 255],
    /** Whether y grows upwards from the bottom row (default) instead of down from the top row. */
    readonly yUp = true,
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    this.fill(background);
  }

  /** Fills the whole canvas. */
  fill(color: Color): void {
    const p = this.pixels;
    for (let i = 0; i < p.length; i += 3) {
      p[i] = color[0];
      p[i + 1] = color[1];
      p[i + 2] = color[2];
    }
  }

  private setRow(row: number, x0: number, x1: number, color: Color): void {
    if (row < 0 || row >= this.height) return;
    const a = Math.max(0, x0);
    const b = Math.min(this.width - 1, x1);
    const r = this.yUp ? this.height - 1 - row : row;
    for (let x = a; x <= b; x++) {
      const i = (r * this.width + x) * 3;
      this.pixels[i] = color[0];
      this.pixels[i + 1] = color[1];
      this.pixels[i + 2] = color[2];
    }
  }

  /** Fills a simple polygon (even-odd rule): a pixel is painted when its centre is inside. */
  polygon(points: readonly Point[], color: Color): void {
    if (points.length < 3) return;
    let ymin = Infinity;
    let ymax = -Infinity;
    for (const [, y] of points) {
      ymin = Math.min(ymin, y);
      ymax = Math.max(ymax, y);
    }
    const r0 = Math.max(0, Math.ceil(ymin - 0.5));
    const r1 = Math.min(this.height - 1, Math.floor(ymax - 0.5));
    const xs: number[] = [];
    for (let row = r0; row <= r1; row++) {
      const yc = row + 0.5;
      xs.length = 0;
      for (let i = 0; i < points.length; i++) {
        const [xa, ya] = points[i];
        const [xb, yb] = points[(i + 1) % points.length];
        if (ya <= yc === yb <= yc) continue;
        xs.push(xa + ((yc - ya) * (xb - xa)) / (yb - ya));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2)
        this.setRow(row, Math.ceil(xs[k] - 0.5), Math.floor(xs[k + 1] - 0.5), color);
    }
  }

  /** Fills a disc of radius `r` centred on `(cx, cy)`. */
  circle(cx: number, cy: number, r: number, color: Color): void {
    const r0 = Math.max(0, Math.ceil(cy - r - 0.5));
    const r1 = Math.min(this.height - 1, Math.floor(cy + r - 0.5));
    for (let row = r0; row <= r1; row++) {
      const dy = row + 0.5 - cy;
      const half = Math.sqrt(Math.max(0, r * r - dy * dy));
      this.setRow(row, Math.ceil(cx - half - 0.5), Math.floor(cx + half - 0.5), color);
    }
  }

  /** A line of `width` pixels from `a` to `b` (a thin rectangle). */
  line(a: Point, b: Point, color: Color, width = 1): void {
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len = Math.hypot(dx, dy);
    const w = Math.max(width, 1) / 2;
    if (len === 0) {
      this.circle(a[0], a[1], w, color);
      return;
    }
    const nx = (-dy / len) * w;
    const ny = (dx / len) * w;
    this.polygon(
      [
        [a[0] + nx, a[1] + ny],
        [b[0] + nx, b[1] + ny],
        [b[0] - nx, b[1] - ny],
        [a[0] - nx, a[1] - ny],
      ],
      color,
    );
  }

  /** Connected line segments through `points`. */
  polyline(points: readonly Point[], color: Color, width = 1): void {
    for (let i = 0; i + 1 < points.length; i++) this.line(points[i], points[i + 1], color, width);
  }

  /** The image as an int32 tensor of shape `[height, width, 3]`. */
  toTensor(): Tensor {
    return fromHost(Int32Array.from(this.pixels), [this.height, this.width, 3], 'int32');
  }
}

/** Rotates `[x, y]` by `angle` radians (pygame's `Vector2.rotate_rad`). */
export function rotate(p: Point, angle: number): [number, number] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [p[0] * c - p[1] * s, p[0] * s + p[1] * c];
}
