// PLACEHOLDER: being written (reductions). Signatures fixed by tensor.ts.
import type { DType } from '../dtype.js';
import { NotSupportedError } from '../errors.js';
import type { Dims, Tensor } from '../tensor.js';
const todo = (name: string): never => {
  throw new NotSupportedError(`${name}: not implemented yet`);
};
type K = { keepdim?: boolean };
export const sum = (_x: Tensor, _d?: Dims, _o?: K & { dtype?: DType }): Tensor => todo('sum');
export const mean = (_x: Tensor, _d?: Dims, _o?: K): Tensor => todo('mean');
export const prod = (_x: Tensor, _d?: number, _o?: K): Tensor => todo('prod');
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, o?: K): { values: Tensor; indices: Tensor };
export function max(_x: Tensor, _dim?: number, _o?: K): any {
  return todo('max');
}
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, o?: K): { values: Tensor; indices: Tensor };
export function min(_x: Tensor, _dim?: number, _o?: K): any {
  return todo('min');
}
export const amax = (_x: Tensor, _d?: Dims, _o?: K): Tensor => todo('amax');
export const amin = (_x: Tensor, _d?: Dims, _o?: K): Tensor => todo('amin');
export const argmax = (_x: Tensor, _d?: number, _o?: K): Tensor => todo('argmax');
export const argmin = (_x: Tensor, _d?: number, _o?: K): Tensor => todo('argmin');
export const variance = (_x: Tensor, _d?: Dims, _o?: K & { correction?: number }): Tensor => todo('var');
export const std = (_x: Tensor, _d?: Dims, _o?: K & { correction?: number }): Tensor => todo('std');
export const norm = (_x: Tensor, _p: number | 'fro', _d?: Dims, _o?: K): Tensor => todo('norm');
export const logsumexp = (_x: Tensor, _d: Dims, _o?: K): Tensor => todo('logsumexp');
export const softmax = (_x: Tensor, _d: number): Tensor => todo('softmax');
export const logSoftmax = (_x: Tensor, _d: number): Tensor => todo('logSoftmax');
export const cumsum = (_x: Tensor, _d: number): Tensor => todo('cumsum');
export const cumprod = (_x: Tensor, _d: number): Tensor => todo('cumprod');
export const all = (_x: Tensor, _d?: number, _o?: K): Tensor => todo('all');
export const any = (_x: Tensor, _d?: number, _o?: K): Tensor => todo('any');
