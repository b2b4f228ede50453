/** Every case of the core_linalg golden fixture (matmul, bmm, linear, addmm, einsum) on the WebGPU backend. */
import { describe } from 'vitest';
import { gpuGoldenTests, useWebGPU } from './harness.js';

import { impls } from '../impls/linalg.js';

useWebGPU();

describe('linear algebra on webgpu matches PyTorch 1.13', () => {
  gpuGoldenTests('core_linalg', impls, { all: true });
});
