/**
 * Parity harness for the sequence layers' fixtures (tools/golden/nn_seq.py → fixtures/nn_seq.json):
 * loads PyTorch's state dict into our layer by key, runs the same call, and compares the repr, the
 * outputs and the gradients of `sum_i (out_i * r_i).sum()` w.r.t. inputs and parameters, on every
 * test device (WebGPU too).
 */
import '@kindling/autograd';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DeviceName, Tensor } from '@kindling/core';
import {
  expectNoFloat64,
  hasFloat64,
  host,
  TEST_DEVICES,
  useDevice,
} from '../../../core/test/helpers/devices.js';
import { expectMatches, fromSpec, type TensorSpec } from '../../../core/test/helpers/golden.js';
import type { Module } from '../../src/index.js';

/** One recorded PyTorch run. */
export interface SeqCase {
  repr: string;
  train: boolean;
  state: Record<string, TensorSpec>;
  inputs: TensorSpec[];
  kwargs: Record<string, TensorSpec | boolean>;
  r: TensorSpec[];
  outs: TensorSpec[];
  grads: Record<string, TensorSpec>;
}

/** How to build our layer for a case and run it like the Python call. */
export interface SeqImpl {
  make: () => Module;
  /** Returns the output tensors in the fixture's order (nulls, e.g. MHA's skipped weights, dropped). */
  run: (m: any, inputs: Tensor[], kwargs: Record<string, any>) => Tensor[];
}

const here = dirname(fileURLToPath(import.meta.url));
const raw = JSON.parse(readFileSync(join(here, '..', 'fixtures', 'nn_seq.json'), 'utf8'));
/** Every case of the fixture file. */
export const seqCases: Record<string, SeqCase> = raw.cases;
/** `generateSquareSubsequentMask(n)` for a few n. */
export const squareMasks: Record<string, TensorSpec> = raw.squareSubsequentMask;

/** Float32 parity tolerance (the recurrences and softmaxes accumulate rounding differently). */
export const TOL = { rtol: 1e-4, atol: 2e-5 };

/** Loads a fixture state dict into `m` (keys must match exactly). */
export function loadState(m: Module, c: SeqCase): void {
  const sd = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromSpec(v)]));
  m.loadStateDict(sd);
}

/**
 * Declares the parity tests of every fixture case whose name passes `select`, on every test device;
 * each such case must have an implementation and every implementation a case.
 */
export function seqParityTests(impls: Record<string, SeqImpl>, select: (name: string) => boolean): void {
  const names = Object.keys(seqCases).filter(select);
  it('every selected fixture case has an implementation and vice versa', () => {
    expect(Object.keys(impls).sort()).toEqual(names.sort());
  });
  for (const device of TEST_DEVICES) {
    describe(`on ${device}`, () => {
      useDevice(device);
      for (const name of names) {
        const impl = impls[name];
        if (impl) it(`matches PyTorch: ${name}`, () => checkCase(seqCases[name], impl, device));
      }
    });
  }
}

/** Runs one case on `device` and compares outputs and gradients with PyTorch's. */
async function checkCase(c: SeqCase, impl: SeqImpl, device: DeviceName): Promise<void> {
  const m = impl.make();
  expect(String(m), 'repr').toBe(c.repr);
  expect(Object.keys(m.stateDict()), 'state dict keys (in order)').toEqual(Object.keys(c.state));
  loadState(m, c);
  m.train(c.train);
  if (c.outs[0].dtype === 'float64' && !hasFloat64(device)) {
    expectNoFloat64(device, () => m.to(device));
    return;
  }
  m.to(device);
  const inputs = c.inputs.map((s) => fromSpec(s).to(device).requiresGrad_());
  const kwargs = Object.fromEntries(
    Object.entries(c.kwargs).map(([k, v]) => [k, typeof v === 'object' ? fromSpec(v).to(device) : v]),
  );
  const outs = impl.run(m, inputs, kwargs);
  expect(outs.length, 'number of outputs').toBe(c.outs.length);
  for (let i = 0; i < outs.length; i++) {
    expect(outs[i].device, `out[${i}] device`).toBe(device);
    expectMatches(await host(outs[i]), c.outs[i], TOL, `out[${i}]`);
  }
  let loss = outs[0].mul(fromSpec(c.r[0]).to(device)).sum();
  for (let i = 1; i < outs.length; i++) loss = loss.add(outs[i].mul(fromSpec(c.r[i]).to(device)).sum());
  loss.backward();
  const params = Object.fromEntries(m.namedParameters());
  for (const [k, g] of Object.entries(c.grads)) {
    const m2 = /^input(\d+)$/.exec(k);
    const t = m2 ? inputs[Number(m2[1])] : params[k];
    expect(t, `tensor for grad ${k}`).toBeDefined();
    expect(t.grad, `grad of ${k}`).toBeTruthy();
    expectMatches(await host(t.grad as Tensor), g, TOL, `grad ${k}`);
  }
}
