/** Custom autograd Functions. */
import { describe, expect, it } from 'vitest';
import { type Tensor, tensor } from '@kindling/core';
import * as AG from '../src/index.js';
import { type FunctionCtx, grad, gradcheck, gradgradcheck, noGrad } from '../src/index.js';
import { leaf, vals } from './helpers/data.js';

class Exp extends AG.Function {
  static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
    const y = x.exp();
    ctx.saveForBackward(y);
    return y;
  }
  static override backward(ctx: FunctionCtx, g: Tensor): Tensor {
    const [y] = ctx.savedTensors;
    return g.mul(y);
  }
}

/** `a * x + b` with a plain-number argument and two outputs, one of them non-differentiable. */
class ScaleShift extends AG.Function {
  static override forward(ctx: FunctionCtx, x: Tensor, a: number, b: Tensor): Tensor[] {
    ctx.a = a;
    const y = x.mul(a).add(b);
    const mask = y.gt(0).to(y.dtype);
    ctx.markNonDifferentiable(mask);
    return [y, mask];
  }
  static override backward(ctx: FunctionCtx, gy: Tensor, gmask: Tensor): (Tensor | null)[] {
    expect(vals(gmask).every((v) => v === 0)).toBe(true);
    return [
      ctx.needsInputGrad[0] ? gy.mul(ctx.a as number) : null,
      null,
      ctx.needsInputGrad[2] ? gy.sum(0) : null,
    ];
  }
}

describe('custom Function', () => {
  it('forward runs without recording; backward gives the gradient', () => {
    const x = leaf([0.5, -1]);
    const y = Exp.apply(x);
    expect(y.requiresGrad).toBe(true);
    expect((y.gradFn as { name: string }).name).toBe('ExpBackward');
    y.sum().backward();
    expect(vals(x.grad)).toEqual([Math.exp(0.5), Math.exp(-1)]);
  });

  it('passes gradcheck, and gradgradcheck when backward is written with differentiable ops', () => {
    const x = leaf([0.3, -0.8, 1.1]);
    expect(gradcheck((t) => Exp.apply(t), [x])).toBe(true);
    expect(gradgradcheck((t) => Exp.apply(t), [x])).toBe(true);
  });

  it('handles non-tensor arguments, several outputs and markNonDifferentiable', () => {
    const x = leaf([
      [1, -2],
      [3, -4],
    ]);
    const b = leaf([0.5, 0.25]);
    const [y, mask] = ScaleShift.apply(x, 3, b);
    expect(mask.requiresGrad).toBe(false);
    expect(vals(mask)).toEqual([1, 0, 1, 0]);
    y.sum().backward();
    expect(vals(x.grad)).toEqual([3, 3, 3, 3]);
    expect(vals(b.grad)).toEqual([2, 2]);
    expect(gradcheck((t, s) => ScaleShift.apply(t, 3, s)[0], [leaf([[1, -2]]), leaf([0.5, 0.25])])).toBe(
      true,
    );
  });

  it('records nothing under noGrad or when no input requires grad', () => {
    const x = leaf([1]);
    expect(noGrad(() => Exp.apply(x)).requiresGrad).toBe(false);
    expect(Exp.apply(tensor([1.5])).requiresGrad).toBe(false);
  });

  it('detects saved tensors modified in place, and freed graphs', () => {
    const x = leaf([1, 2]);
    const y = Exp.apply(x);
    noGrad(() => y.mul_(2));
    expect(() => y.sum().backward()).toThrow(/ExpBackward.*in-place/);
    const z = Exp.apply(x);
    z.sum().backward();
    expect(() => z.sum().backward()).toThrow(/second time/);
  });

  it('rejects too many gradients', () => {
    class Bad extends AG.Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor[] {
        return [g, g];
      }
    }
    const x = leaf([1]);
    expect(() => grad(Bad.apply(x).sum(), x)).toThrow(/returned 2 gradients/);
  });

  it('gradcheck catches a wrong backward, and refuses float32 inputs', () => {
    class WrongSin extends AG.Function {
      static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.saveForBackward(x);
        return x.sin();
      }
      static override backward(ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(ctx.savedTensors[0].sin()); // should be cos
      }
    }
    const x = leaf([0.3, 1.2]);
    expect(() => gradcheck((t) => WrongSin.apply(t), [x])).toThrow(/Jacobian mismatch/);
    expect(gradcheck((t) => WrongSin.apply(t), [x], { raiseException: false })).toBe(false);
    expect(() => gradcheck((t) => t.sin(), [tensor([0.5], { requiresGrad: true })])).toThrow(/float64/);
  });
});
