import { getBackend } from '../backend.js';
import type { DType } from '../dtype.js';
import type { DeviceName } from '../storage.js';
import { Tensor } from '../tensor.js';
import { encodeValues } from './creation.js';

/** A 0-d tensor holding `value`. */
export function scalarTensor(value: number | boolean, dtype: DType, device: DeviceName = 'cpu'): Tensor {
  return new Tensor(getBackend(device).fromHost(encodeValues([Number(value)], dtype), dtype), []);
}
