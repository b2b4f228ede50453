// PLACEHOLDER: being written (shape ops).
import { NotSupportedError } from '../errors.js';
import type { Tensor } from '../tensor.js';
const todo = (name: string): never => {
  throw new NotSupportedError(`${name}: not implemented yet`);
};
export const repeat = (_x: Tensor, _s: readonly number[]): Tensor => todo('repeat');
export const tile = (_x: Tensor, _s: readonly number[]): Tensor => todo('tile');
export const flip = (_x: Tensor, _d: number | readonly number[]): Tensor => todo('flip');
export const roll = (_x: Tensor, _s: number | readonly number[], _d?: number | readonly number[]): Tensor =>
  todo('roll');
export const tril = (_x: Tensor, _d?: number): Tensor => todo('tril');
export const triu = (_x: Tensor, _d?: number): Tensor => todo('triu');
