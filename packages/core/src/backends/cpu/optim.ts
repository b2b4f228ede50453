/**
 * The fused optimizer updates (`adamUpdate_`, `sgdUpdate_`; contract in ops/optim.ts): one loop
 * over contiguous operands, writing the parameter and its state in place. Intermediates are kept
 * in double precision and rounded once on store.
 */
import type { Kernel } from '../../backend.js';
import type { AdamUpdateOptions, SGDUpdateOptions } from '../../ops/optim.js';
import type { Tensor } from '../../tensor.js';
import { cpuData } from './memory.js';

/** The elements of a contiguous tensor, as a view of its storage. */
function elements(t: Tensor): Float32Array | Float64Array {
  return cpuData(t).subarray(t.offset, t.offset + t.numel) as Float32Array | Float64Array;
}

function bumpVersions(tensors: Tensor[]): void {
  for (const t of tensors) t.storage.version++;
}

const adamUpdate: Kernel = (inputs, attrs) => {
  const o = attrs as unknown as AdamUpdateOptions;
  const [p, g, m, v] = inputs.map(elements);
  const vmax = inputs.length > 4 ? elements(inputs[4]) : null;
  const sign = o.maximize ? -1 : 1;
  const decay = o.decoupled ? 1 - o.lr * o.weightDecay : 1;
  const l2 = o.decoupled ? 0 : o.weightDecay;
  const { beta1, beta2, eps } = o;
  const stepSize = o.lr / (1 - beta1 ** o.step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** o.step);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] * decay;
    const gi = sign * g[i] + l2 * pi;
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    let second = vi;
    if (vmax) {
      second = Math.max(vmax[i], vi);
      vmax[i] = second;
    }
    p[i] = pi - (stepSize * mi) / (Math.sqrt(second) / bc2Sqrt + eps);
  }
  bumpVersions(inputs.filter((_, i) => i !== 1));
  return [];
};

const sgdUpdate: Kernel = (inputs, attrs) => {
  const o = attrs as unknown as SGDUpdateOptions;
  const [p, g] = inputs.map(elements);
  const buf = inputs.length > 2 ? elements(inputs[2]) : null;
  const sign = o.maximize ? -1 : 1;
  const { lr, momentum, weightDecay, nesterov, initBuffer } = o;
  const keep = 1 - o.dampening;
  for (let i = 0; i < p.length; i++) {
    let d = sign * g[i] + weightDecay * p[i];
    if (buf) {
      const b = initBuffer ? d : momentum * buf[i] + keep * d;
      buf[i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] -= lr * d;
  }
  bumpVersions(inputs.filter((_, i) => i !== 1));
  return [];
};

/** Fused optimizer kernels of the CPU backend. */
export const optimKernels: Record<string, Kernel> = { adamUpdate_: adamUpdate, sgdUpdate_: sgdUpdate };
