/**
 * Coverage: every primitive of core's CPU kernel table, every view kernel and every cross-device
 * kernel either has a derivative in the table or is declared non-differentiable. A new kernel
 * without a derivative fails here.
 */
import { describe, expect, it } from 'vitest';
import { getBackend, transferKernels, viewKernels } from '@kindling/core';
import { derivatives, nonDifferentiable } from '../src/index.js';

describe('derivative coverage', () => {
  const kernels = [
    ...Object.keys(getBackend('cpu').kernels),
    ...Object.keys(viewKernels),
    ...Object.keys(transferKernels),
  ];

  it('every kernel has a derivative or is listed as non-differentiable', () => {
    const missing = kernels.filter((op) => !(op in derivatives) && !nonDifferentiable.has(op));
    expect(missing, `primitives without a derivative: ${missing.join(', ')}`).toEqual([]);
  });

  it('no op is both differentiable and non-differentiable', () => {
    expect(Object.keys(derivatives).filter((op) => nonDifferentiable.has(op))).toEqual([]);
  });

  it('the table has no entry for an op no backend implements', () => {
    const known = new Set(kernels);
    expect(Object.keys(derivatives).filter((op) => !known.has(op))).toEqual([]);
    expect([...nonDifferentiable].filter((op) => !known.has(op))).toEqual([]);
  });
});
