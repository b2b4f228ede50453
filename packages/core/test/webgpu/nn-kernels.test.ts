/** Every case of the core_nn golden fixture (conv, pool, fold, interpolate, embedding, attention) on the WebGPU backend. */
import { describe } from 'vitest';
import { gpuGoldenTests, useWebGPU } from './harness.js';

import { impls } from '../impls/nn-kernels.js';

useWebGPU();

describe('nn kernels on webgpu match PyTorch 1.13', () => {
  gpuGoldenTests('core_nn', impls, { all: true });
});
