/**
 * Module behaviour: discovery and naming of parameters, buffers and submodules (checked against
 * PyTorch's names for equivalent models, fixtures from tools/golden/nn_layers.py), the printed
 * tree, state dicts, modes, gradients, hooks and dtype conversion.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manualSeed, ones, randn, type Tensor, tensor, zeros } from '@kindling/core';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  Module,
  Parameter,
  ReLU,
  Sequential,
  StateDictError,
} from '../src/index.js';
import { expectMatches, fromSpec, type TensorSpec } from '../../core/test/helpers/golden.js';

const here = dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(readFileSync(join(here, 'fixtures', 'nn_module.json'), 'utf8')).cases as {
  net: {
    repr: string;
    keys: string[];
    state: Record<string, TensorSpec>;
    input: TensorSpec;
    r: TensorSpec;
    out: TensorSpec;
    grads: Record<string, TensorSpec>;
    stateAfter: Record<string, TensorSpec>;
    parameterNames: string[];
    bufferNames: string[];
    moduleNames: string[];
    numParameters: number;
  };
  sequential: { repr: string; keys: string[] };
  tied: { keys: string[]; parameterNames: string[]; moduleNames: string[]; numParameters: number };
};

/** The same model as the generator's `Net`. */
class Net extends Module {
  features = new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }),
    new BatchNorm2d(4),
    new ReLU(),
    new MaxPool2d(2),
  );
  flatten = new Flatten();
  classifier = new Sequential(new Linear(64, 10), new Dropout(0.2), new Linear(10, 3));
  forward(x: Tensor): Tensor {
    return this.classifier.call(this.flatten.call(this.features.call(x)));
  }
}

/** The generator's `Tied`: `b` shares `a`'s weight and `c` is `a` again. */
class Tied extends Module {
  a = new Linear(3, 3);
  b = new Linear(3, 3);
  c: Linear;
  constructor() {
    super();
    this.b.weight = this.a.weight;
    this.c = this.a;
  }
  forward(x: Tensor): Tensor {
    return this.c.call(this.b.call(this.a.call(x)));
  }
}

const loadState = (state: Record<string, TensorSpec>) =>
  Object.fromEntries(Object.entries(state).map(([k, v]) => [k, fromSpec(v)]));

describe('names and printed tree match PyTorch', () => {
  it('printed tree', () => {
    expect(String(new Net())).toBe(fx.net.repr);
    expect(String(new Sequential(new Linear(3, 4), new ReLU(), new BatchNorm1d(4)))).toBe(fx.sequential.repr);
  });

  it('state dict keys, parameter, buffer and module names', () => {
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual(fx.net.keys);
    expect([...net.namedParameters()].map(([k]) => k)).toEqual(fx.net.parameterNames);
    expect([...net.namedBuffers()].map(([k]) => k)).toEqual(fx.net.bufferNames);
    expect([...net.namedModules()].map(([k]) => k)).toEqual(fx.net.moduleNames);
    expect(net.numParameters()).toBe(fx.net.numParameters);
    const seq = new Sequential(new Linear(3, 4), new ReLU(), new BatchNorm1d(4));
    expect(Object.keys(seq.stateDict())).toEqual(fx.sequential.keys);
    expect(seq.stateDict()['2.num_batches_tracked'].dtype).toBe('int32');
  });

  it('shared parameters and modules are counted once (state dict keeps every name, as PyTorch)', () => {
    const tied = new Tied();
    expect([...tied.namedParameters()].map(([k]) => k)).toEqual(fx.tied.parameterNames);
    expect([...tied.namedModules()].map(([k]) => k)).toEqual(fx.tied.moduleNames);
    expect(tied.numParameters()).toBe(fx.tied.numParameters);
    expect([...tied.parameters()].length).toBe(3);
    expect(Object.keys(tied.stateDict())).toEqual(fx.tied.keys);
  });
});

describe('forward/backward of a small model matches PyTorch', () => {
  it('Net in training mode: output, every gradient and the updated running stats', () => {
    const net = new Net();
    net.loadStateDict(loadState(fx.net.state));
    net.train();
    net.classifier.at(1).eval(); // the generator ran with p = 0
    const x = fromSpec(fx.net.input);
    x.requiresGrad = true;
    const out = net.call(x);
    const tol = { rtol: 1e-4, atol: 1e-5 };
    expectMatches(out, fx.net.out, tol);
    out.mul(fromSpec(fx.net.r)).sum().backward();
    expectMatches(x.grad as Tensor, fx.net.grads.input, tol, 'input grad');
    for (const [k, p] of net.namedParameters())
      expectMatches(p.grad as Tensor, fx.net.grads[k], tol, `grad of ${k}`);
    const after = net.stateDict();
    for (const [k, spec] of Object.entries(fx.net.stateAfter))
      expectMatches(after[k], spec, tol, `state ${k}`);
  });
});

class WithBuffers extends Module {
  lin = new Linear(2, 2);
  constructor() {
    super();
    this.registerBuffer('steps', zeros([], { dtype: 'int32' }));
    this.registerBuffer('cache', ones([2]), { persistent: false });
    this.registerBuffer('nothing', null);
  }
  forward(x: Tensor): Tensor {
    return this.lin.call(x);
  }
}

describe('buffers, children, apply and modes', () => {
  it('persistent buffers are saved, non-persistent ones are not', () => {
    const m = new WithBuffers();
    expect([...m.namedBuffers()].map(([k]) => k)).toEqual(['steps', 'cache']);
    // A module's own entries come before its children's, as in PyTorch.
    expect(Object.keys(m.stateDict())).toEqual(['steps', 'lin.weight', 'lin.bias']);
    expect(m.getBuffer('cache')?.shape).toEqual([2]);
  });

  it('children, modules and apply visit in PyTorch order', () => {
    const net = new Net();
    expect([...net.namedChildren()].map(([k]) => k)).toEqual(['features', 'flatten', 'classifier']);
    const visited: string[] = [];
    net.apply((m) => visited.push(m.constructor.name));
    // Post-order, as torch.nn.Module.apply.
    expect(visited).toEqual([
      'Conv2d',
      'BatchNorm2d',
      'ReLU',
      'MaxPool2d',
      'Sequential',
      'Flatten',
      'Linear',
      'Dropout',
      'Linear',
      'Sequential',
      'Net',
    ]);
  });

  it('train/eval propagate to every descendant', () => {
    const net = new Net();
    net.eval();
    expect([...net.modules()].every((m) => m.training === false)).toBe(true);
    net.train();
    expect([...net.modules()].every((m) => m.training)).toBe(true);
    net.features.train(false);
    expect(net.training).toBe(true);
    expect([...net.features.modules()].every((m) => !m.training)).toBe(true);
  });

  it('eval mode changes BatchNorm and Dropout behaviour', () => {
    manualSeed(0);
    const net = new Net().eval();
    const x = randn([2, 1, 8, 8]);
    const y1 = net.call(x).dataSync();
    const y2 = net.call(x).dataSync();
    expect([...y1]).toEqual([...y2]);
    expect((net.features.at(1) as BatchNorm2d).numBatchesTracked?.itemSync()).toBe(0);
  });
});

describe('gradients and requiresGrad', () => {
  it('zeroGrad clears to null or to zeros', () => {
    manualSeed(1);
    const net = new Net();
    net
      .call(randn([2, 1, 8, 8]))
      .sum()
      .backward();
    expect([...net.parameters()].every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad({ setToNone: false });
    for (const p of net.parameters()) expect((p.grad as Tensor).abs().sum().itemSync()).toBe(0);
    net.zeroGrad();
    expect([...net.parameters()].every((p) => p.grad === null)).toBe(true);
  });

  it('requiresGrad_ freezes and unfreezes every parameter', () => {
    const net = new Net();
    net.requiresGrad_(false);
    expect([...net.parameters()].some((p) => p.requiresGrad)).toBe(false);
    expect(net.numParameters({ trainableOnly: true })).toBe(0);
    net.features.requiresGrad_(true);
    expect(net.numParameters({ trainableOnly: true })).toBe(4 * 9 + 4 + 4 + 4);
  });
});

describe('hooks', () => {
  it('pre-hooks replace inputs, post-hooks replace outputs, removers remove', () => {
    const lin = new Linear(2, 2, { bias: false });
    lin.loadStateDict({
      weight: tensor(
        [
          [1, 0],
          [0, 1],
        ],
        { dtype: 'float32' },
      ),
    });
    const calls: string[] = [];
    const removePre = lin.registerForwardPreHook((_m, inputs) => {
      calls.push('pre');
      return [(inputs[0] as Tensor).mul(2)];
    });
    const removePost = lin.registerForwardHook((m, inputs, out) => {
      calls.push('post');
      expect(m).toBe(lin);
      expect((inputs[0] as Tensor).tolistSync()).toEqual([[2, 4]]);
      return (out as Tensor).add(1);
    });
    const x = tensor([[1, 2]], { dtype: 'float32' });
    expect(lin.call(x).tolistSync()).toEqual([[3, 5]]);
    expect(calls).toEqual(['pre', 'post']);
    removePre();
    removePost();
    expect(lin.call(x).tolistSync()).toEqual([[1, 2]]);
    expect(calls).toEqual(['pre', 'post']);
  });

  it('an observing hook that returns nothing leaves the output alone', () => {
    const relu = new ReLU();
    const seen: number[][] = [];
    relu.registerForwardHook((_m, _i, out) => {
      seen.push((out as Tensor).tolistSync() as number[]);
    });
    expect(relu.call(tensor([-1, 2], { dtype: 'float32' })).tolistSync()).toEqual([0, 2]);
    expect(seen).toEqual([[0, 2]]);
  });
});

describe("to('float64')", () => {
  it('converts floating parameters and buffers, keeps int buffers and parameter identity rules', () => {
    manualSeed(2);
    const net = new Net();
    net.requiresGrad_(false);
    net.features.requiresGrad_(true);
    const before = net.stateDict();
    net.to('float64');
    for (const [k, p] of net.namedParameters()) {
      expect(p, k).toBeInstanceOf(Parameter);
      expect(p.dtype, k).toBe('float64');
      expect(p.requiresGrad, k).toBe(k.startsWith('features'));
    }
    const bn = net.features.at(1) as BatchNorm2d;
    expect(bn.runningMean?.dtype).toBe('float64');
    expect(bn.numBatchesTracked?.dtype).toBe('int32');
    const after = net.stateDict();
    for (const k of Object.keys(before)) expect([...after[k].dataSync()]).toEqual([...before[k].dataSync()]);
    const out = net.eval().call(randn([1, 1, 8, 8], { dtype: 'float64' }));
    expect(out.dtype).toBe('float64');
  });

  it('tied parameters stay tied', () => {
    const tied = new Tied().to('float64');
    expect(tied.b.weight).toBe(tied.a.weight);
    expect(tied.c).toBe(tied.a);
    expect(tied.a.weight.dtype).toBe('float64');
    expect([...tied.parameters()].length).toBe(3);
  });
});

describe('loadStateDict', () => {
  it('reports every missing, unexpected and mis-shaped key at once', () => {
    const net = new Net();
    const sd = net.stateDict();
    delete sd['features.0.bias'];
    delete sd['features.1.running_var'];
    sd['classifier.3.weight'] = zeros([2]);
    sd['classifier.0.weight'] = zeros([10, 63]);
    let err: unknown;
    try {
      net.loadStateDict(sd);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    const e = err as StateDictError;
    expect(e.missingKeys).toEqual(['features.0.bias', 'features.1.running_var']);
    expect(e.unexpectedKeys).toEqual(['classifier.3.weight']);
    expect(e.shapeMismatches).toEqual(['classifier.0.weight: checkpoint has [10, 63], model has [10, 64]']);
    for (const k of [
      'features.0.bias',
      'features.1.running_var',
      'classifier.3.weight',
      'classifier.0.weight',
    ])
      expect(e.message).toContain(k);
  });

  it('non-strict loading reports missing and unexpected keys and loads the rest', () => {
    const lin = new Linear(2, 2);
    const result = lin.loadStateDict(
      {
        weight: tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'float32' },
        ),
        extra: zeros([1]),
      },
      { strict: false },
    );
    expect(result).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['extra'] });
    expect(lin.weight.tolistSync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('shape mismatches fail even when not strict; values convert to the parameter dtype', () => {
    const lin = new Linear(2, 2);
    expect(() => lin.loadStateDict({ weight: zeros([3, 2]) }, { strict: false })).toThrow(StateDictError);
    const bn = new BatchNorm1d(2);
    bn.loadStateDict({
      weight: ones([2], { dtype: 'float64' }),
      bias: zeros([2]),
      running_mean: zeros([2]),
      running_var: ones([2]),
      num_batches_tracked: tensor(7, { dtype: 'int32' }),
    });
    expect(bn.weight?.dtype).toBe('float32');
    expect(bn.numBatchesTracked?.itemSync()).toBe(7);
  });
});
