/**
 * `accumulate_`: inputs `[dst, src]` of one shape and dtype, dst contiguous; adds src into dst in
 * place (bumping dst's storage version) and returns nothing. Autograd's engine uses it to sum
 * gradients arriving at one slot into a buffer only it holds, instead of allocating a new sum each
 * time (an optional kernel; see backend.ts). Not differentiable.
 */
import type { Kernel } from '../../backend.js';
import { cpuContiguousData, cpuData } from './memory.js';

const accumulate: Kernel = ([dst, src]) => {
  const out = cpuData(dst);
  const add = cpuContiguousData(src);
  const o = dst.offset;
  for (let i = 0; i < add.length; i++) out[o + i] += add[i];
  dst.storage.version++;
  return [];
};

/** The in-place accumulation kernel of the CPU backend (JavaScript). */
export const accumulateKernels: Record<string, Kernel> = { accumulate_: accumulate };
