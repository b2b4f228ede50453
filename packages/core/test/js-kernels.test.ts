// Re-runs the golden suites of the ops that have native kernels (matmul/bmm, convolution, sliding
// windows and pooling, elementwise ops, reductions, copies of strided views, fused optimizer
// updates) with the JavaScript kernels forced, so both kernel sets are checked in every run. The other test
// files run with the native kernels when the addon is built (KINDLING_NATIVE=0 runs everything on
// the JavaScript kernels). Vitest isolates test files, so the switch affects this file only.
import { expect, it } from 'vitest';
import { getBackendInfo, useNativeKernels } from '@kindling/core';

useNativeKernels(false);

await import('./linalg.test.js');
await import('./nn-kernels.test.js');
await import('./elementwise.test.js');
await import('./reduce.test.js');
await import('./shape-ops.test.js');
await import('./optim.test.js');

it('runs these suites on the JavaScript kernels', () => {
  expect(getBackendInfo().kernels).toBe('js');
});
