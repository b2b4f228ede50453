// PLACEHOLDER: being written (linear algebra).
import { NotSupportedError } from '../errors.js';
import type { Tensor } from '../tensor.js';
const todo = (name: string): never => {
  throw new NotSupportedError(`${name}: not implemented yet`);
};
export const matmul = (_a: Tensor, _b: Tensor): Tensor => todo('matmul');
export const mm = (_a: Tensor, _b: Tensor): Tensor => todo('mm');
export const bmm = (_a: Tensor, _b: Tensor): Tensor => todo('bmm');
export const dot = (_a: Tensor, _b: Tensor): Tensor => todo('dot');
export const outer = (_a: Tensor, _b: Tensor): Tensor => todo('outer');
