/**
 * Fused, in-place optimizer updates. An Adam step written with tensor ops is about ten
 * elementwise passes over every parameter, each allocating a full-size temporary; these run it as
 * one pass that writes the parameter and its state where they are (the `adamUpdate_` and
 * `sgdUpdate_` primitives, when the device has them and every operand is contiguous), and fall
 * back to the same arithmetic written with tensor ops otherwise.
 *
 * Primitives (no outputs; they write their inputs and bump their storage versions):
 * - `adamUpdate_`: inputs `[param, grad, expAvg, expAvgSq, maxExpAvgSq?]`, attrs
 *   `AdamUpdateOptions` with `step` already incremented.
 * - `sgdUpdate_`: inputs `[param, grad, momentumBuffer?]`, attrs `SGDUpdateOptions`.
 */
import { getBackend } from '../backend.js';
import { dispatch } from '../dispatch.js';
import { DeviceError, DTypeError, ShapeError, ValueError } from '../errors.js';
import { fmtShape, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { maximum } from './elementwise.js';

/** Hyper-parameters of one Adam/AdamW update (`torch.optim.Adam` / `AdamW`, PyTorch 1.13 semantics). */
export interface AdamUpdateOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rate of the running average of the gradient (PyTorch's `betas[0]`). */
  beta1: number;
  /** Decay rate of the running average of the squared gradient (PyTorch's `betas[1]`). */
  beta2: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay: an L2 term added to the gradient (Adam) or decoupled decay (AdamW). */
  weightDecay: number;
  /** The step number this update makes, counting from 1 (for the bias corrections). */
  step: number;
  /** AdamW's decoupled decay (`p *= 1 - lr * weightDecay`) instead of Adam's L2 term. */
  decoupled: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

/** Hyper-parameters of one SGD update (`torch.optim.SGD`, PyTorch 1.13 semantics). */
export interface SGDUpdateOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (0: plain SGD, no buffer). */
  momentum: number;
  /** Dampening of the gradient's contribution to the momentum buffer. */
  dampening: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
  /** First step: the momentum buffer is set to the gradient instead of being decayed. */
  initBuffer: boolean;
}

function checkOperands(op: string, param: Tensor, others: Record<string, Tensor | null>): void {
  if (param.dtype !== 'float32' && param.dtype !== 'float64') {
    throw new DTypeError(`${op}: expected a float32 or float64 parameter, got ${param.dtype}`);
  }
  for (const [name, t] of Object.entries(others)) {
    if (t === null) continue;
    if (!sameShape(t.shape, param.shape)) {
      throw new ShapeError(
        `${op}: ${name} has shape ${fmtShape(t.shape)} but the parameter has shape ${fmtShape(param.shape)}`,
      );
    }
    if (t.dtype !== param.dtype) {
      throw new DTypeError(`${op}: ${name} is ${t.dtype} but the parameter is ${param.dtype}`);
    }
    if (t.device !== param.device) {
      throw new DeviceError(`${op}: ${name} is on ${t.device} but the parameter is on ${param.device}`);
    }
  }
}

/** Whether the device has the fused kernel and every operand is laid out for it. */
function canFuse(op: string, operands: Tensor[]): boolean {
  if (!getBackend(operands[0].device).kernels[op]) return false;
  return operands.every((t) => t.isContiguous());
}

/**
 * One Adam/AdamW step on `param` in place, updating `expAvg`, `expAvgSq` (and, for AMSGrad,
 * `maxExpAvgSq`) in place too — exactly PyTorch 1.13's single-tensor Adam: `g = ±grad
 * (+ weightDecay * p)`, `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g²`, `vmax = max(vmax, v)`,
 * `p -= lr / (1 - b1^t) * m / (sqrt(v or vmax) / sqrt(1 - b2^t) + eps)`. Call it without
 * autograd recording (optimizers run under `noGrad`).
 */
export function adamUpdate_(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  maxExpAvgSq: Tensor | null,
  options: AdamUpdateOptions,
): void {
  checkOperands('adamUpdate_', param, { grad, expAvg, expAvgSq, maxExpAvgSq });
  if (!(Number.isInteger(options.step) && options.step >= 1)) {
    throw new ValueError(`adamUpdate_: step must be an integer >= 1, got ${options.step}`);
  }
  const operands = maxExpAvgSq
    ? [param, grad, expAvg, expAvgSq, maxExpAvgSq]
    : [param, grad, expAvg, expAvgSq];
  if (canFuse('adamUpdate_', operands)) {
    dispatch('adamUpdate_', operands, { ...options });
    return;
  }
  const { lr, beta1, beta2, eps, weightDecay, step, decoupled, maximize } = options;
  let g = maximize ? grad.neg() : grad;
  if (decoupled) param.mul_(1 - lr * weightDecay);
  else if (weightDecay !== 0) g = g.add(param, { alpha: weightDecay });
  expAvg.mul_(beta1).add_(g, { alpha: 1 - beta1 });
  expAvgSq.mul_(beta2).addcmul_(g, g, { value: 1 - beta2 });
  let second = expAvgSq;
  if (maxExpAvgSq) {
    maxExpAvgSq.copy_(maximum(maxExpAvgSq, expAvgSq));
    second = maxExpAvgSq;
  }
  const denom = second
    .sqrt()
    .div(Math.sqrt(1 - beta2 ** step))
    .add(eps);
  param.addcdiv_(expAvg, denom, { value: -lr / (1 - beta1 ** step) });
}

/**
 * One SGD step on `param` in place (PyTorch 1.13's single-tensor SGD): `g = ±grad
 * (+ weightDecay * p)`; with momentum, `buf = g` on the first step (`initBuffer`) and
 * `buf = momentum * buf + (1 - dampening) * g` after, then `g = buf` (Nesterov:
 * `g + momentum * buf`); finally `p -= lr * g`. `momentumBuffer` is required when momentum is
 * not 0. Call it without autograd recording (optimizers run under `noGrad`).
 */
export function sgdUpdate_(
  param: Tensor,
  grad: Tensor,
  momentumBuffer: Tensor | null,
  options: SGDUpdateOptions,
): void {
  checkOperands('sgdUpdate_', param, { grad, momentumBuffer });
  if (options.momentum !== 0 && !momentumBuffer) {
    throw new ValueError('sgdUpdate_: a momentum buffer is required when momentum is not 0');
  }
  const buf = options.momentum !== 0 ? momentumBuffer : null;
  const operands = buf ? [param, grad, buf] : [param, grad];
  if (canFuse('sgdUpdate_', operands)) {
    dispatch('sgdUpdate_', operands, { ...options });
    return;
  }
  const { lr, momentum, dampening, weightDecay, nesterov, maximize, initBuffer } = options;
  let d = maximize ? grad.neg() : grad;
  if (weightDecay !== 0) d = d.add(param, { alpha: weightDecay });
  if (buf) {
    if (initBuffer) buf.copy_(d);
    else buf.mul_(momentum).add_(d, { alpha: 1 - dampening });
    d = nesterov ? d.add(buf, { alpha: momentum }) : buf;
  }
  param.add_(d, { alpha: -lr });
}
