/** Gradient clipping (`torch.nn.utils.clip_grad_norm_`, `clip_grad_value_`). */
import { noGrad } from '@kindling/autograd';
import { clamp, DeviceError, div, norm, stack, Tensor, tensor, ValueError } from '@kindling/core';

/** Options of `clipGradNorm_`. */
export interface ClipGradNormOptions {
  /** The p of the p-norm: a number > 0, or Infinity / 'inf' for the max-norm (default 2). */
  normType?: number | 'inf';
  /**
   * Throw if the total norm is NaN or infinite instead of clipping with it (default false). Needs a
   * synchronous read-back: gradients on WebGPU get a DeviceError with it.
   */
  errorIfNonfinite?: boolean;
}

function paramList(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  for (const p of list)
    if (!(p instanceof Tensor)) throw new ValueError(`${op}: expected tensors, got ${typeof p}`);
  return list;
}

/**
 * Rescales the gradients of `parameters` in place so that their total norm (the norm of the
 * vector of every gradient's norm) is at most `maxNorm`: each gradient is multiplied by
 * `min(1, maxNorm / (total + 1e-6))`. Parameters without a gradient are skipped. Returns the total
 * norm before clipping, as a 0-d tensor (a float32 zero when no parameter has a gradient).
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  options?: ClipGradNormOptions,
): Tensor {
  const op = 'clipGradNorm_';
  const p = options?.normType === 'inf' ? Infinity : (options?.normType ?? 2);
  if (typeof p !== 'number' || !(p > 0))
    throw new ValueError(`${op}: normType must be > 0 or 'inf', got ${String(p)}`);
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm))
    throw new ValueError(`${op}: maxNorm must be a number, got ${String(maxNorm)}`);
  const grads = paramList(op, parameters)
    .map((t) => t.grad)
    .filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const dtype = grads.some((g) => g.dtype === 'float64') ? 'float64' : 'float32';
    const norms = grads.map((g) => norm(g.detach(), p).to(dtype));
    const total = norms.length === 1 ? norms[0] : norm(stack(norms), p);
    if (options?.errorIfNonfinite) {
      if (total.device !== 'cpu') {
        throw new DeviceError(
          `${op}: errorIfNonfinite reads the total norm back synchronously, which ${total.device} cannot; pass errorIfNonfinite: false and check \`await total.item()\` instead`,
        );
      }
      const v = Number(total.itemSync());
      if (!Number.isFinite(v)) {
        throw new ValueError(
          `${op}: the total norm of order ${p} for gradients from \`parameters\` is non-finite (${v}), so it cannot be clipped; pass errorIfNonfinite: false to clip anyway`,
        );
      }
    }
    const coef = clamp(div(maxNorm, total.add(1e-6)), null, 1);
    for (const g of grads) g.mul_(coef);
    return total;
  });
}

/** Clamps every gradient of `parameters` into `[-clipValue, clipValue]` in place (parameters without one are skipped). */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) {
    throw new ValueError(`${op}: clipValue must be a number, got ${String(clipValue)}`);
  }
  const grads = paramList(op, parameters)
    .map((t) => t.grad)
    .filter((g): g is Tensor => g !== null);
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}
