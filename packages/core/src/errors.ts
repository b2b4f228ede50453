/** Base class of every error Kindling throws on bad input: the message names the op, what it got and what it expected. */
export class KindlingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit the op (broadcasting, matmul inner sizes, view sizes...). */
export class ShapeError extends KindlingError {}

/** A dtype the op does not accept, or two dtypes that cannot be combined. */
export class DTypeError extends KindlingError {}

/** Tensors on different devices, or a device that is not available. */
export class DeviceError extends KindlingError {}

/** A dimension or an index out of range. */
export class IndexError extends KindlingError {}

/** A bad argument value (negative size, invalid einsum string, corrupt file...). */
export class ValueError extends KindlingError {}

/** Asked for something that needs another package or a backend that lacks a kernel. */
export class NotSupportedError extends KindlingError {}
