/**
 * Recurrent layers: parity with PyTorch 1.13 (outputs, final states, input and parameter
 * gradients, repr, state-dict keys) for RNN/LSTM/GRU and the cells, plus initialisation, dropout
 * between layers, checkpoint loading and shape/dtype errors.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DTypeError, manualSeed, randn, ShapeError, type Tensor, ValueError } from '@kindling/core';
import { expectMatches, fromSpec } from '../../core/test/helpers/golden.js';
import { GRU, GRUCell, LSTM, LSTMCell, loadInto, RNN, RNNCell } from '../src/index.js';
import { type SeqImpl, seqCases, seqParityTests, TOL } from './helpers/seq-parity.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** `[out, h]` or `[out, [h, c]]` (or a cell's outputs) as a flat list. */
const flat = (r: Tensor | readonly unknown[]): Tensor[] =>
  Array.isArray(r) ? r.flatMap((x) => flat(x as Tensor)) : [r as Tensor];
const plain: SeqImpl['run'] = (m, xs) => flat(m.call(...xs));
const withPair: SeqImpl['run'] = (m, xs) => flat(m.call(xs[0], [xs[1], xs[2]]));

const impls: Record<string, SeqImpl> = {
  RNN_tanh: { make: () => new RNN(4, 5), run: plain },
  RNN_relu_2layer_h0: { make: () => new RNN(4, 5, { numLayers: 2, nonlinearity: 'relu' }), run: plain },
  RNN_nobias_bf_bidir: {
    make: () => new RNN(3, 4, { bias: false, batchFirst: true, bidirectional: true }),
    run: plain,
  },
  RNN_unbatched_h0: { make: () => new RNN(4, 3), run: plain },
  RNN_dropout_eval: { make: () => new RNN(3, 4, { numLayers: 2, dropout: 0.5 }), run: plain },
  RNN_dropout1_train: { make: () => new RNN(3, 4, { numLayers: 2, dropout: 1 }), run: plain },
  LSTM: { make: () => new LSTM(4, 5), run: plain },
  LSTM_multi_bidir_bf: {
    make: () => new LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true }),
    run: withPair,
  },
  LSTM_nobias_2layer: { make: () => new LSTM(3, 4, { numLayers: 2, bias: false }), run: plain },
  LSTM_unbatched_h0: { make: () => new LSTM(3, 4, { bidirectional: true }), run: withPair },
  LSTM_proj: { make: () => new LSTM(3, 5, { numLayers: 2, projSize: 2, bidirectional: true }), run: plain },
  LSTM_dropout1_train: {
    make: () => new LSTM(3, 4, { numLayers: 3, dropout: 1, batchFirst: true }),
    run: plain,
  },
  LSTM_f64: { make: () => new LSTM(3, 4, { dtype: 'float64' }), run: plain },
  GRU_h0: { make: () => new GRU(4, 5), run: plain },
  GRU_multi_bidir: { make: () => new GRU(3, 4, { numLayers: 2, bidirectional: true }), run: plain },
  GRU_unbatched_bf: { make: () => new GRU(3, 4, { batchFirst: true }), run: plain },
  GRU_nobias: { make: () => new GRU(3, 4, { bias: false }), run: plain },
  RNNCell: { make: () => new RNNCell(4, 5), run: plain },
  RNNCell_relu_nobias: { make: () => new RNNCell(4, 5, { bias: false, nonlinearity: 'relu' }), run: plain },
  RNNCell_unbatched: { make: () => new RNNCell(3, 4), run: plain },
  LSTMCell: { make: () => new LSTMCell(4, 5), run: withPair },
  LSTMCell_nohx: { make: () => new LSTMCell(3, 4, { bias: false }), run: plain },
  LSTMCell_unbatched: { make: () => new LSTMCell(3, 4), run: withPair },
  GRUCell: { make: () => new GRUCell(4, 5), run: plain },
  GRUCell_unbatched_nohx: { make: () => new GRUCell(3, 4), run: plain },
};

describe('recurrent layers match PyTorch', () => {
  seqParityTests(impls, (name) => /^(RNN|LSTM|GRU)/.test(name));
});

describe('recurrent layers', () => {
  it('name parameters as PyTorch, in its order, with its shapes', () => {
    const m = new LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2 });
    const shapes = Object.fromEntries([...m.namedParameters()].map(([k, p]) => [k, [...p.shape]]));
    expect(Object.keys(shapes).slice(0, 5)).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_hr_l0',
    ]);
    expect(shapes.weight_ih_l0).toEqual([16, 3]);
    expect(shapes.weight_hh_l0).toEqual([16, 2]);
    expect(shapes.weight_hr_l0_reverse).toEqual([2, 4]);
    expect(shapes.weight_ih_l1).toEqual([16, 4]);
    expect(m.allWeights.map((ws) => ws.length)).toEqual([5, 5, 5, 5]);
    expect(Object.keys(new GRU(2, 3, { bias: false }).stateDict())).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect(Object.keys(new GRUCell(2, 3, { bias: false }).stateDict())).toEqual(['weight_ih', 'weight_hh']);
  });

  it('initialise every parameter from U(±1/√hiddenSize)', () => {
    manualSeed(3);
    for (const m of [new LSTM(6, 16, { numLayers: 2 }), new GRUCell(5, 16), new RNN(4, 16)]) {
      for (const [name, p] of m.namedParameters()) {
        const v = [...p.dataSync()];
        expect(Math.max(...v.map(Math.abs)), name).toBeLessThanOrEqual(0.25);
        // The spread of U(-a, a) has standard deviation a/√3 ≈ 0.144.
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
        expect(sd, name).toBeGreaterThan(0.09);
        expect(sd, name).toBeLessThan(0.2);
      }
    }
  });

  it('apply dropout between layers only when training, reproducibly under manualSeed', () => {
    const m = new GRU(3, 8, { numLayers: 2, dropout: 0.5 });
    const x = randn([4, 2, 3]);
    const run = (seed: number) => {
      manualSeed(seed);
      return [...m.call(x)[0].dataSync()];
    };
    m.train();
    const a = run(1);
    expect(run(1)).toEqual(a);
    expect(run(2)).not.toEqual(a);
    m.eval();
    const e1 = run(1);
    expect(run(2)).toEqual(e1);
    expect(e1).not.toEqual(a);
  });

  it('load a PyTorch LSTM state dict from a safetensors file', async () => {
    const name = 'LSTM_multi_bidir_bf';
    const c = seqCases[name];
    const m = new LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true }).eval();
    expect(await loadInto(m, join(fixtures, `nn_seq_${name}.safetensors`))).toEqual({
      missingKeys: [],
      unexpectedKeys: [],
    });
    const [x, h0, c0] = c.inputs.map(fromSpec);
    const [out, [hN, cN]] = m.call(x, [h0, c0]);
    expectMatches(out, c.outs[0], TOL, 'out');
    expectMatches(hN, c.outs[1], TOL, 'hN');
    expectMatches(cN, c.outs[2], TOL, 'cN');
  });

  it('produce the documented output shapes', () => {
    const m = new LSTM(3, 5, { numLayers: 3, bidirectional: true, projSize: 2, batchFirst: true });
    const [out, [h, c]] = m.call(randn([4, 7, 3]));
    expect(out.shape).toEqual([4, 7, 4]);
    expect(h.shape).toEqual([6, 4, 2]);
    expect(c.shape).toEqual([6, 4, 5]);
    const [o2, h2] = new GRU(3, 5, { batchFirst: true }).call(randn([7, 3]));
    expect(o2.shape).toEqual([7, 5]);
    expect(h2.shape).toEqual([1, 5]);
  });
});

describe('recurrent layer errors', () => {
  const expectShapeError = (f: () => unknown, ...parts: string[]) => {
    expect(f).toThrow(ShapeError);
    try {
      f();
    } catch (e) {
      for (const p of parts) expect((e as Error).message).toContain(p);
    }
  };

  it('name the layer, the expected and the got shape for wrong inputs', () => {
    expectShapeError(() => new LSTM(3, 4).call(randn([5, 2, 4])), 'LSTM', '[seq, batch, 3]', '[5, 2, 4]');
    expectShapeError(
      () => new GRU(3, 4, { batchFirst: true }).call(randn([2, 5, 3, 1])),
      'GRU',
      '[batch, seq, 3]',
      '[2, 5, 3, 1]',
    );
    expectShapeError(() => new RNN(3, 4).call(randn([0, 2, 3])), 'RNN', 'sequence length', '[0, 2, 3]');
    expectShapeError(() => new RNNCell(3, 4).call(randn([2, 2, 3])), 'RNNCell', '[batch, 3]', '[2, 2, 3]');
  });

  it('name the layer, the expected and the got shape for wrong initial states', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2 });
    expectShapeError(
      () => lstm.call(randn([5, 2, 3]), [randn([1, 2, 4]), randn([2, 2, 4])]),
      'LSTM',
      'h0',
      '[2, 2, 4]',
      '[1, 2, 4]',
    );
    expectShapeError(
      () => lstm.call(randn([5, 3]), [randn([2, 4]), randn([2, 1, 4])]),
      'LSTM',
      'c0',
      '[2, 4]',
      '[2, 1, 4]',
    );
    expectShapeError(
      () => new GRU(3, 4).call(randn([5, 2, 3]), randn([1, 3, 4])),
      'GRU',
      '[1, 2, 4]',
      '[1, 3, 4]',
    );
    expectShapeError(
      () => new GRUCell(3, 4).call(randn([2, 3]), randn([3, 4])),
      'GRUCell',
      '[2, 4]',
      '[3, 4]',
    );
    expectShapeError(
      () => new LSTMCell(3, 4).call(randn([3]), [randn([4]), randn([1, 4])]),
      'LSTMCell',
      '[4]',
      '[1, 4]',
    );
  });

  it('reject inputs of another dtype and bad options', () => {
    expect(() => new LSTM(3, 4).call(randn([5, 2, 3], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => new GRUCell(3, 4).call(randn([2, 3]), randn([2, 4], { dtype: 'float64' }))).toThrow(
      DTypeError,
    );
    expect(() => new RNN(3, 4, { dropout: 1.5 })).toThrow(ValueError);
    expect(() => new RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(ValueError);
    expect(() => new GRU(3, 4, { projSize: 2 } as object)).toThrow(ValueError);
    expect(() => new LSTM(3, 4, { projSize: 4 })).toThrow(ValueError);
    expect(() => new LSTM(3, 0)).toThrow(ValueError);
  });
});
