import { autogradHooks } from './autograd-hooks.js';
import { getBackend } from './backend.js';
import { type DType, isFloating, type TypedArray } from './dtype.js';
import { DeviceError, ValueError } from './errors.js';
import { formatTensor } from './format.js';
import { decodeToNumbers } from './io/half.js';
import { contiguousStrides, isContiguousLayout, normalizeDim, shapeNumel } from './shape.js';
import type { DeviceName, Storage } from './storage.js';
import * as E from './ops/elementwise.js';
import * as R from './ops/reduce.js';
import * as L from './ops/linalg.js';
import * as S from './ops/shape-ops.js';
import * as I from './ops/indexing.js';
import * as V from './views.js';
import { cast, contiguous, copy_, toDevice, toDeviceAsync } from './ops/copy.js';
import type { IndexItem } from './views.js';

/** A scalar or a tensor: what binary ops accept as their second operand. */
export type TensorOrScalar = Tensor | number | boolean;

/** Dims argument of a reduction: one dim, several, or all when omitted. */
export type Dims = number | readonly number[] | undefined;

/**
 * An n-dimensional array on a device: a view (shape, strides, offset) of a storage. Methods mirror
 * PyTorch's in camelCase; in-place variants end with `_` as in PyTorch (`add_`, `zero_`).
 */
export class Tensor {
  /** Gradient accumulated by `backward()` (filled by `@kindling/autograd`). */
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor, or null for leaves (filled by `@kindling/autograd`). */
  gradFn: unknown = null;
  /** @internal Whether autograd tracks this tensor; read through `requiresGrad`. */
  _requiresGrad = false;
  /** @internal Autograd's per-tensor bookkeeping (retainGrad, hooks, output index). */
  _autograd: Record<string, unknown> | null = null;

  /** @internal Use `tensor()` or the other creation functions. */
  constructor(
    /** Memory this tensor views. */
    readonly storage: Storage,
    /** Size of each dimension. */
    readonly shape: readonly number[],
    /** Elements to skip in storage per step along each dimension. */
    readonly strides: readonly number[] = contiguousStrides(shape),
    /** Index of the first element in storage. */
    readonly offset = 0,
  ) {}

  /** Element type. */
  get dtype(): DType {
    return this.storage.dtype;
  }
  /** Device holding the data. */
  get device(): DeviceName {
    return this.storage.device;
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get numel(): number {
    return shapeNumel(this.shape);
  }
  /** Size of one dimension, or the whole shape. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    return dim === undefined ? [...this.shape] : this.shape[normalizeDim(dim, this.ndim, 'size')];
  }
  /** Number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }
  /** Stride of one dimension, or all strides. */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number | number[] {
    return dim === undefined ? [...this.strides] : this.strides[normalizeDim(dim, this.ndim, 'stride')];
  }
  /** Whether the elements are laid out row-major without gaps. */
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.strides);
  }
  /** Whether this is a floating-point tensor. */
  isFloatingPoint(): boolean {
    return isFloating(this.dtype);
  }
  /** In-place modification count of the underlying storage. */
  get version(): number {
    return this.storage.version;
  }

  // ---- autograd slots -------------------------------------------------------------------------

  /** Whether gradients flow to/through this tensor. Setting it needs `@kindling/autograd`. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  /**
   * Turns gradient tracking on or off (PyTorch's `requires_grad_`). Only leaf tensors may change it;
   * without `@kindling/autograd` imported this throws a KindlingError naming the package.
   */
  set requiresGrad(value: boolean) {
    if (value === this._requiresGrad) return;
    autogradHooks('requiresGrad').setRequiresGrad(this, value);
  }
  /** Sets `requiresGrad` in place and returns this tensor. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }
  /** Whether this tensor is a leaf of the graph (created by the user, not by a tracked op). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Backpropagates from this tensor (needs `@kindling/autograd`). */
  backward(
    gradient?: Tensor,
    options?: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] },
  ): void {
    autogradHooks('backward').backward(this, gradient, options);
  }
  /** Keeps `.grad` on this non-leaf tensor after backward. */
  retainGrad(): void {
    autogradHooks('retainGrad').retainGrad(this);
  }
  /** Registers a hook called with this tensor's gradient; it may return a replacement. Returns a remover. */
  registerHook(hook: (grad: Tensor) => Tensor | undefined): () => void {
    return autogradHooks('registerHook').registerHook(this, hook);
  }
  /** A tensor sharing this one's data but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }
  /** Cuts this tensor from the graph in place. */
  detach_(): this {
    this.gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  // ---- reading data ---------------------------------------------------------------------------

  /**
   * The elements in row-major order as a new typed array (bool as Uint8Array, float16/bfloat16
   * decoded to Float32Array). Works on every device.
   */
  async data(): Promise<TypedArray> {
    const c = contiguous(this);
    const raw = await getBackend(c.device).read(c.storage);
    return sliceElements(c, raw);
  }
  /** Like `data()`, synchronously; only on devices that allow it (the CPU). */
  dataSync(): TypedArray {
    const c = contiguous(this);
    const backend = getBackend(c.device);
    if (!backend.readSync)
      throw new DeviceError(`dataSync: device ${c.device} cannot be read synchronously; use await x.data()`);
    return sliceElements(c, backend.readSync(c.storage));
  }
  /** The value of a one-element tensor. */
  async item(): Promise<number | boolean> {
    return itemOf(this, await this.data());
  }
  /** `item()` synchronously (CPU). */
  itemSync(): number | boolean {
    return itemOf(this, this.dataSync());
  }
  /** The elements as nested arrays (booleans for bool tensors). */
  async tolist(): Promise<NestedArray> {
    return nest(this, await this.data());
  }
  /** `tolist()` synchronously (CPU). */
  tolistSync(): NestedArray {
    return nest(this, this.dataSync());
  }
  /** PyTorch-style printed form. */
  toString(): string {
    return formatTensor(this);
  }
  /** Frees device memory now (GPU); views of the same storage become unusable. */
  dispose(): void {
    if (this.storage.disposed) return;
    getBackend(this.device).free(this.storage);
    this.storage.disposed = true;
  }
  /** `using x = ...` support: disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- conversion -----------------------------------------------------------------------------

  /**
   * A copy (or this tensor, if nothing changes) with another dtype and/or device. Recorded by
   * autograd; a gradient cannot flow from WebGPU back to a CPU tensor (it would need a synchronous
   * read-back): make leaves on the device instead (`x.to('webgpu').requiresGrad_()`).
   */
  to(target: DType | DeviceName | { dtype?: DType; device?: DeviceName }): Tensor {
    const t =
      typeof target === 'string' ? (isDeviceName(target) ? { device: target } : { dtype: target }) : target;
    let out: Tensor = this;
    if (t.dtype && t.dtype !== out.dtype) out = cast(out, t.dtype);
    if (t.device && t.device !== out.device) out = toDevice(out, t.device);
    return out;
  }
  /**
   * `to()` that may read data back from the device: `await x.toAsync('cpu')` moves a GPU tensor to
   * the CPU (a dtype change happens on the CPU side of the move). Recorded by autograd: the
   * gradient is moved back to this tensor's device.
   */
  async toAsync(target: DType | DeviceName | { dtype?: DType; device?: DeviceName }): Promise<Tensor> {
    const t =
      typeof target === 'string' ? (isDeviceName(target) ? { device: target } : { dtype: target }) : target;
    let out: Tensor = this;
    const castFirst = t.device !== 'cpu';
    if (castFirst && t.dtype && t.dtype !== out.dtype) out = cast(out, t.dtype);
    if (t.device && t.device !== out.device) out = await toDeviceAsync(out, t.device);
    if (!castFirst && t.dtype && t.dtype !== out.dtype) out = cast(out, t.dtype);
    return out;
  }
  /** Same as `to('cpu')`. */
  cpu(): Tensor {
    return this.to('cpu');
  }
  /** `to('float32')`. */
  float(): Tensor {
    return this.to('float32');
  }
  /** `to('float64')`. */
  double(): Tensor {
    return this.to('float64');
  }
  /** `to('int32')`. */
  int(): Tensor {
    return this.to('int32');
  }
  /** `to('bool')`. */
  bool(): Tensor {
    return this.to('bool');
  }
  /** A contiguous tensor with the same values (this one if already contiguous). */
  contiguous(): Tensor {
    return contiguous(this);
  }
  /** A copy with its own storage. */
  clone(): Tensor {
    return cast(this, this.dtype, true);
  }
  /** Copies `src` (broadcast) into this tensor in place. */
  copy_(src: TensorOrScalar): this {
    copy_(this, src);
    return this;
  }

  // ---- views (views.ts) -----------------------------------------------------------------------

  /** A view with another shape (one size may be -1); the layout must allow it. */
  view(...shape: number[] | [readonly number[]]): Tensor {
    return V.view(this, flatArgs(shape));
  }
  /** A view when possible, otherwise a copy, with another shape. */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return V.reshape(this, flatArgs(shape));
  }
  /** Reorders dimensions. */
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return V.permute(this, flatArgs(dims));
  }
  /** Swaps two dimensions. */
  transpose(dim0: number, dim1: number): Tensor {
    return V.transpose(this, dim0, dim1);
  }
  /** Transpose of a tensor of at most 2 dims. */
  t(): Tensor {
    return V.t(this);
  }
  /** Transpose of the last two dims (PyTorch's `mT`). */
  get mT(): Tensor {
    return V.transpose(this, -2, -1);
  }
  /** Broadcasts to a larger shape without copying (-1 keeps a size). */
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return V.expand(this, flatArgs(shape));
  }
  /** Expands to another tensor's shape. */
  expandAs(other: Tensor): Tensor {
    return V.expand(this, other.shape);
  }
  /** Removes size-1 dims (all, or the given ones). */
  squeeze(dim?: number | readonly number[]): Tensor {
    return V.squeeze(this, dim);
  }
  /** Inserts a size-1 dim. */
  unsqueeze(dim: number): Tensor {
    return V.unsqueeze(this, dim);
  }
  /** Flattens dims `startDim..endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return V.flatten(this, startDim, endDim);
  }
  /** Splits one dim into several. */
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return V.unflatten(this, dim, sizes);
  }
  /** `length` elements along `dim` starting at `start`. */
  narrow(dim: number, start: number, length: number): Tensor {
    return V.narrow(this, dim, start, length);
  }
  /** The slice at `index` along `dim`, removing that dim. */
  select(dim: number, index: number): Tensor {
    return V.select(this, dim, index);
  }
  /** PyTorch-style indexing: numbers select, `slice(...)` slices, `null` inserts a dim, `'...'` fills. */
  index(items: readonly IndexItem[]): Tensor {
    return V.index(this, items);
  }
  /** A view of the diagonal-free elements as another shape, from explicit strides (advanced). */
  asStrided(shape: readonly number[], strides: readonly number[], offset?: number): Tensor {
    return V.asStrided(this, shape, strides, offset);
  }
  /** Splits into pieces of `splitSize` (or the given sizes) along `dim`. */
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return V.split(this, splitSize, dim);
  }
  /** Splits into `chunks` nearly equal pieces along `dim`. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return V.chunk(this, chunks, dim);
  }
  /** Slices along `dim` into views, removing that dim. */
  unbind(dim = 0): Tensor[] {
    return V.unbind(this, dim);
  }

  // ---- elementwise (ops/elementwise.ts) -------------------------------------------------------

  /** `this + alpha * other`. */
  add(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    return E.add(this, other, options);
  }
  /** `this - alpha * other`. */
  sub(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    return E.sub(this, other, options);
  }
  /** `this * other`. */
  mul(other: TensorOrScalar): Tensor {
    return E.mul(this, other);
  }
  /** `this / other` (true division; `roundingMode` 'floor' or 'trunc' for integer-style division). */
  div(other: TensorOrScalar, options?: { roundingMode?: 'floor' | 'trunc' }): Tensor {
    return E.div(this, other, options);
  }
  /** Floor division. */
  floorDivide(other: TensorOrScalar): Tensor {
    return E.floorDivide(this, other);
  }
  /** Python-style remainder (sign of the divisor). */
  remainder(other: TensorOrScalar): Tensor {
    return E.remainder(this, other);
  }
  /** C-style remainder (sign of the dividend). */
  fmod(other: TensorOrScalar): Tensor {
    return E.fmod(this, other);
  }
  /** `this ** exponent`. */
  pow(exponent: TensorOrScalar): Tensor {
    return E.pow(this, exponent);
  }
  /** Elementwise maximum. */
  maximum(other: TensorOrScalar): Tensor {
    return E.maximum(this, other);
  }
  /** Elementwise minimum. */
  minimum(other: TensorOrScalar): Tensor {
    return E.minimum(this, other);
  }
  /** Four-quadrant arctangent of `this / other`. */
  atan2(other: TensorOrScalar): Tensor {
    return E.atan2(this, other);
  }
  /** Linear interpolation `this + weight * (end - this)`. */
  lerp(end: TensorOrScalar, weight: TensorOrScalar): Tensor {
    return E.lerp(this, end, weight);
  }
  /** Clamps into `[min, max]` (either may be omitted). */
  clamp(min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor {
    return E.clamp(this, min, max);
  }
  /** `-this`. */
  neg(): Tensor {
    return E.neg(this);
  }
  /** `|this|`. */
  abs(): Tensor {
    return E.abs(this);
  }
  /** -1, 0 or 1. */
  sign(): Tensor {
    return E.sign(this);
  }
  /** Square root. */
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  /** `1 / sqrt(this)`. */
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  /** `this * this`. */
  square(): Tensor {
    return E.square(this);
  }
  /** `e ** this`. */
  exp(): Tensor {
    return E.exp(this);
  }
  /** `e ** this - 1`, accurate near 0. */
  expm1(): Tensor {
    return E.expm1(this);
  }
  /** Natural logarithm. */
  log(): Tensor {
    return E.log(this);
  }
  /** `log(1 + this)`, accurate near 0. */
  log1p(): Tensor {
    return E.log1p(this);
  }
  /** Base-2 logarithm. */
  log2(): Tensor {
    return E.log2(this);
  }
  /** Base-10 logarithm. */
  log10(): Tensor {
    return E.log10(this);
  }
  /** Sine. */
  sin(): Tensor {
    return E.sin(this);
  }
  /** Cosine. */
  cos(): Tensor {
    return E.cos(this);
  }
  /** Tangent. */
  tan(): Tensor {
    return E.tan(this);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return E.tanh(this);
  }
  /** Logistic sigmoid. */
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  /** `max(this, 0)`. */
  relu(): Tensor {
    return E.relu(this);
  }
  /** Gauss error function. */
  erf(): Tensor {
    return E.erf(this);
  }
  /** Round down. */
  floor(): Tensor {
    return E.floor(this);
  }
  /** Round up. */
  ceil(): Tensor {
    return E.ceil(this);
  }
  /** Round half to even, as PyTorch. */
  round(): Tensor {
    return E.round(this);
  }
  /** Round toward zero. */
  trunc(): Tensor {
    return E.trunc(this);
  }
  /** `1 / this`. */
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  /** `this == other` (bool). */
  eq(other: TensorOrScalar): Tensor {
    return E.eq(this, other);
  }
  /** `this != other` (bool). */
  ne(other: TensorOrScalar): Tensor {
    return E.ne(this, other);
  }
  /** `this < other` (bool). */
  lt(other: TensorOrScalar): Tensor {
    return E.lt(this, other);
  }
  /** `this <= other` (bool). */
  le(other: TensorOrScalar): Tensor {
    return E.le(this, other);
  }
  /** `this > other` (bool). */
  gt(other: TensorOrScalar): Tensor {
    return E.gt(this, other);
  }
  /** `this >= other` (bool). */
  ge(other: TensorOrScalar): Tensor {
    return E.ge(this, other);
  }
  /** Logical and (bool). */
  logicalAnd(other: TensorOrScalar): Tensor {
    return E.logicalAnd(this, other);
  }
  /** Logical or (bool). */
  logicalOr(other: TensorOrScalar): Tensor {
    return E.logicalOr(this, other);
  }
  /** Logical xor (bool). */
  logicalXor(other: TensorOrScalar): Tensor {
    return E.logicalXor(this, other);
  }
  /** Logical not (bool). */
  logicalNot(): Tensor {
    return E.logicalNot(this);
  }
  /** Which elements are NaN. */
  isnan(): Tensor {
    return E.isnan(this);
  }
  /** Which elements are ±inf. */
  isinf(): Tensor {
    return E.isinf(this);
  }
  /** Which elements are finite. */
  isfinite(): Tensor {
    return E.isfinite(this);
  }
  /** Replaces NaN and infinities with finite numbers. */
  nanToNum(options?: { nan?: number; posinf?: number; neginf?: number }): Tensor {
    return E.nanToNum(this, options);
  }
  /** Picks `this` where `condition`, else `other`. */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return E.where(condition, this, other);
  }
  /** In-place `add`. */
  add_(other: TensorOrScalar, options?: { alpha?: number }): this {
    return copy_(this, E.add(this, other, options));
  }
  /** In-place `sub`. */
  sub_(other: TensorOrScalar, options?: { alpha?: number }): this {
    return copy_(this, E.sub(this, other, options));
  }
  /** In-place `mul`. */
  mul_(other: TensorOrScalar): this {
    return copy_(this, E.mul(this, other));
  }
  /** In-place `div`. */
  div_(other: TensorOrScalar): this {
    return copy_(this, E.div(this, other));
  }
  /** In-place `clamp`. */
  clamp_(min?: TensorOrScalar | null, max?: TensorOrScalar | null): this {
    return copy_(this, E.clamp(this, min, max));
  }
  /** In-place `pow`. */
  pow_(exponent: TensorOrScalar): this {
    return copy_(this, E.pow(this, exponent));
  }
  /** In-place `neg`. */
  neg_(): this {
    return copy_(this, E.neg(this));
  }
  /** In-place `sqrt`. */
  sqrt_(): this {
    return copy_(this, E.sqrt(this));
  }
  /** In-place `exp`. */
  exp_(): this {
    return copy_(this, E.exp(this));
  }
  /** In-place `relu`. */
  relu_(): this {
    return copy_(this, E.relu(this));
  }
  /** In-place `lerp`. */
  lerp_(end: TensorOrScalar, weight: TensorOrScalar): this {
    return copy_(this, E.lerp(this, end, weight));
  }
  /** Fills with a value in place. */
  fill_(value: number | boolean): this {
    return copy_(this, value);
  }
  /** Fills with zeros in place. */
  zero_(): this {
    return copy_(this, 0);
  }
  /** `this += value * tensor1 * tensor2` in place. */
  addcmul_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this {
    return copy_(this, E.addcmul(this, tensor1, tensor2, options));
  }
  /** `this += value * tensor1 / tensor2` in place. */
  addcdiv_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this {
    return copy_(this, E.addcdiv(this, tensor1, tensor2, options));
  }
  /** Writes `value` where `mask` is true, in place. */
  maskedFill_(mask: Tensor, value: TensorOrScalar): this {
    return copy_(this, E.where(mask, value, this));
  }
  /** Writes `value` where `mask` is true. */
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return E.where(mask, value, this);
  }

  // ---- reductions (ops/reduce.ts) -------------------------------------------------------------

  /** Sum over `dim` (all dims when omitted). */
  sum(dim?: Dims, options?: { keepdim?: boolean; dtype?: DType }): Tensor {
    return R.sum(this, dim, options);
  }
  /** Mean over `dim`. */
  mean(dim?: Dims, options?: { keepdim?: boolean }): Tensor {
    return R.mean(this, dim, options);
  }
  /** Product over one dim (or all). */
  prod(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return R.prod(this, dim, options);
  }
  /** Maximum over all elements (no dim) or values and indices along `dim`. */
  max(): Tensor;
  max(dim: number, options?: { keepdim?: boolean }): I.ValuesIndices;
  max(dim?: number, options?: { keepdim?: boolean }): Tensor | I.ValuesIndices {
    return dim === undefined ? R.max(this) : R.max(this, dim, options);
  }
  /** Minimum over all elements (no dim) or values and indices along `dim`. */
  min(): Tensor;
  min(dim: number, options?: { keepdim?: boolean }): I.ValuesIndices;
  min(dim?: number, options?: { keepdim?: boolean }): Tensor | I.ValuesIndices {
    return dim === undefined ? R.min(this) : R.min(this, dim, options);
  }
  /** Maximum values over `dim`. */
  amax(dim?: Dims, options?: { keepdim?: boolean }): Tensor {
    return R.amax(this, dim, options);
  }
  /** Minimum values over `dim`. */
  amin(dim?: Dims, options?: { keepdim?: boolean }): Tensor {
    return R.amin(this, dim, options);
  }
  /** Index of the maximum (over the flattened tensor when no dim). */
  argmax(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return R.argmax(this, dim, options);
  }
  /** Index of the minimum (over the flattened tensor when no dim). */
  argmin(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return R.argmin(this, dim, options);
  }
  /** Variance with Bessel-style `correction` (default 1). */
  var(dim?: Dims, options?: { correction?: number; keepdim?: boolean }): Tensor {
    return R.variance(this, dim, options);
  }
  /** Standard deviation with `correction` (default 1). */
  std(dim?: Dims, options?: { correction?: number; keepdim?: boolean }): Tensor {
    return R.std(this, dim, options);
  }
  /** Vector norm: p = 1, 2, Infinity, -Infinity, 'fro' or any number. */
  norm(p: number | 'fro' = 2, dim?: Dims, options?: { keepdim?: boolean }): Tensor {
    return R.norm(this, p, dim, options);
  }
  /** `log(sum(exp(this)))` over `dim`, computed stably. */
  logsumexp(dim: Dims, options?: { keepdim?: boolean }): Tensor {
    return R.logsumexp(this, dim, options);
  }
  /** Softmax along `dim`. */
  softmax(dim: number): Tensor {
    return R.softmax(this, dim);
  }
  /** Log-softmax along `dim`. */
  logSoftmax(dim: number): Tensor {
    return R.logSoftmax(this, dim);
  }
  /** Cumulative sum along `dim`. */
  cumsum(dim: number): Tensor {
    return R.cumsum(this, dim);
  }
  /** Cumulative product along `dim`. */
  cumprod(dim: number): Tensor {
    return R.cumprod(this, dim);
  }
  /** Whether all elements (along `dim`) are true. */
  all(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return R.all(this, dim, options);
  }
  /** Whether any element (along `dim`) is true. */
  any(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return R.any(this, dim, options);
  }

  // ---- linear algebra (ops/linalg.ts) ---------------------------------------------------------

  /** Matrix product with PyTorch's broadcasting rules (1-D, 2-D, batched). */
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }
  /** 2-D matrix product. */
  mm(other: Tensor): Tensor {
    return L.mm(this, other);
  }
  /** Batched 3-D matrix product. */
  bmm(other: Tensor): Tensor {
    return L.bmm(this, other);
  }
  /** Dot product of two 1-D tensors. */
  dot(other: Tensor): Tensor {
    return L.dot(this, other);
  }
  /** Outer product of two 1-D tensors. */
  outer(other: Tensor): Tensor {
    return L.outer(this, other);
  }

  // ---- shape and indexing ops (ops/shape-ops.ts, ops/indexing.ts) -----------------------------

  /** Repeats the tensor along each dim (`torch.Tensor.repeat`). */
  repeat(...sizes: number[] | [readonly number[]]): Tensor {
    return S.repeat(this, flatArgs(sizes));
  }
  /** Like `repeat`, padding `sizes` with leading ones (`torch.tile`). */
  tile(...sizes: number[] | [readonly number[]]): Tensor {
    return S.tile(this, flatArgs(sizes));
  }
  /** Reverses the order along the given dims. */
  flip(dims: number | readonly number[]): Tensor {
    return S.flip(this, dims);
  }
  /** Rolls elements along dims (wrapping around). */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return S.roll(this, shifts, dims);
  }
  /** Lower triangle (below `diagonal`). */
  tril(diagonal = 0): Tensor {
    return S.tril(this, diagonal);
  }
  /** Upper triangle (above `diagonal`). */
  triu(diagonal = 0): Tensor {
    return S.triu(this, diagonal);
  }
  /** Picks values along `dim` at `index`. */
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }
  /** Out-of-place scatter: writes `src` at `index` along `dim`. */
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return I.scatter(this, dim, index, src);
  }
  /** Out-of-place scatter-add: adds `src` at `index` along `dim`. */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return I.scatterAdd(this, dim, index, src);
  }
  /** Selects entries `index` (1-D) along `dim`. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  /** Out-of-place index-add: adds `alpha * source` at rows `index` along `dim`. */
  indexAdd(dim: number, index: Tensor, source: Tensor, options?: { alpha?: number }): Tensor {
    return I.indexAdd(this, dim, index, source, options);
  }
  /** The elements where `mask` is true, as a 1-D tensor. */
  maskedSelect(mask: Tensor): Tensor {
    return I.maskedSelect(this, mask);
  }
  /** Indices of the non-zero elements, shape `[n, ndim]`. */
  nonzero(): Tensor {
    return I.nonzero(this);
  }
  /** Sorted values and their indices along `dim`. */
  sort(dim = -1, options?: { descending?: boolean; stable?: boolean }): I.ValuesIndices {
    return I.sort(this, dim, options);
  }
  /** Indices that sort along `dim`. */
  argsort(dim = -1, options?: { descending?: boolean; stable?: boolean }): Tensor {
    return I.argsort(this, dim, options);
  }
  /** The `k` largest (or smallest) values and their indices along `dim`. */
  topk(k: number, dim = -1, options?: { largest?: boolean; sorted?: boolean }): I.ValuesIndices {
    return I.topk(this, k, dim, options);
  }

  // ---- neural-network kernels (ops/nn-kernels.ts) ---------------------------------------------

  /** GELU, exact (`approximate: 'none'`) or tanh approximation. */
  gelu(options?: { approximate?: 'none' | 'tanh' }): Tensor {
    return E.gelu(this, options);
  }
  /** SiLU / swish: `x * sigmoid(x)`. */
  silu(): Tensor {
    return E.silu(this);
  }
}

/** Nested arrays of numbers or booleans, as `tolist()` returns. */
export type NestedArray = number | boolean | NestedArray[];

const DEVICE_NAMES = new Set(['cpu', 'webgpu']);
function isDeviceName(s: string): s is DeviceName {
  return DEVICE_NAMES.has(s);
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0])
    ? [...(args[0] as readonly number[])]
    : (args as number[]);
}

function sliceElements(c: Tensor, raw: TypedArray): TypedArray {
  const view = raw.subarray(c.offset, c.offset + c.numel);
  if (c.dtype === 'float16' || c.dtype === 'bfloat16') return decodeToNumbers(view as Uint16Array, c.dtype);
  return view.slice();
}

function itemOf(t: Tensor, data: TypedArray): number | boolean {
  if (t.numel !== 1)
    throw new ValueError(`item: a tensor with ${t.numel} elements cannot be converted to a scalar`);
  return t.dtype === 'bool' ? data[0] !== 0 : data[0];
}

function nest(t: Tensor, data: TypedArray): NestedArray {
  const conv = t.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (t.ndim === 0) return conv(data[0]);
  const build = (dim: number, start: number): NestedArray[] => {
    const out: NestedArray[] = [];
    const step = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < t.shape[dim]; i++) {
      out.push(dim === t.ndim - 1 ? conv(data[start + i]) : build(dim + 1, start + i * step));
    }
    return out;
  };
  return build(0, 0);
}
