/** Options and helpers shared by the layers (internal). */
import { type DeviceName, type DType, empty } from '@kindling/core';
import { Parameter } from '../parameter.js';

/** Where and in which dtype a layer creates its parameters and buffers (PyTorch's `factory_kwargs`). */
export interface FactoryOptions {
  /** Parameter dtype (default: the default float dtype). */
  dtype?: DType;
  /** Parameter device (default `cpu`). */
  device?: DeviceName;
}

/** A new parameter of `shape` (values to be set by an initialiser). */
export function newParameter(shape: readonly number[], options?: FactoryOptions): Parameter {
  return new Parameter(empty(shape, { dtype: options?.dtype, device: options?.device }));
}
