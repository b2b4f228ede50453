import { bmm, transpose } from '@kindling/core';
import type { DerivativeTable } from './types.js';

/** Derivative of the one linear-algebra primitive, `bmm(a [B,M,K], b [B,K,N])`. */
export const linalgDerivatives: DerivativeTable = {
  bmm: {
    saveInputs: [0, 1],
    backward(ctx) {
      const g = ctx.grad;
      return [
        ctx.needs(0) ? bmm(g, transpose(ctx.input(1), 1, 2)) : null,
        ctx.needs(1) ? bmm(transpose(ctx.input(0), 1, 2), g) : null,
      ];
    },
  },
};
