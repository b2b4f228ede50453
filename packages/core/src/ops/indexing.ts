// PLACEHOLDER: being written (indexing ops).
import { NotSupportedError } from '../errors.js';
import type { Tensor, TensorOrScalar } from '../tensor.js';
const todo = (name: string): never => {
  throw new NotSupportedError(`${name}: not implemented yet`);
};
type VI = { values: Tensor; indices: Tensor };
export const gather = (_x: Tensor, _d: number, _i: Tensor): Tensor => todo('gather');
export const scatter = (_x: Tensor, _d: number, _i: Tensor, _s: TensorOrScalar): Tensor => todo('scatter');
export const scatterAdd = (_x: Tensor, _d: number, _i: Tensor, _s: Tensor): Tensor => todo('scatterAdd');
export const indexSelect = (_x: Tensor, _d: number, _i: Tensor): Tensor => todo('indexSelect');
export const indexAdd = (_x: Tensor, _d: number, _i: Tensor, _s: Tensor, _o?: { alpha?: number }): Tensor =>
  todo('indexAdd');
export const maskedSelect = (_x: Tensor, _m: Tensor): Tensor => todo('maskedSelect');
export const nonzero = (_x: Tensor): Tensor => todo('nonzero');
export const sort = (_x: Tensor, _d?: number, _o?: { descending?: boolean; stable?: boolean }): VI =>
  todo('sort');
export const argsort = (_x: Tensor, _d?: number, _o?: { descending?: boolean; stable?: boolean }): Tensor =>
  todo('argsort');
export const topk = (_x: Tensor, _k: number, _d?: number, _o?: { largest?: boolean; sorted?: boolean }): VI =>
  todo('topk');
