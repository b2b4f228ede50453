import type { Kernel } from '../../backend.js';
import { accumulateKernels } from './accumulate.js';
import { activationGradKernels } from './activation-grad.js';
import { convKernels } from './conv.js';
import { convFusedKernels } from './conv-fused.js';
import { indexingKernels } from './indexing.js';
import { layerNormKernels } from './layer-norm.js';
import { matmulKernels } from './matmul.js';
import { optimKernels } from './optim.js';
import { randomKernels } from './random.js';
import { reduceKernels } from './reduce.js';
import { softmaxKernels } from './softmax.js';

/** Kernel tables of the CPU backend beyond elementwise and copy (one module per op family). */
export const kernelModules: Record<string, Kernel>[] = [
  randomKernels,
  reduceKernels,
  convKernels,
  convFusedKernels,
  indexingKernels,
  matmulKernels,
  optimKernels,
  activationGradKernels,
  layerNormKernels,
  softmaxKernels,
  accumulateKernels,
];
