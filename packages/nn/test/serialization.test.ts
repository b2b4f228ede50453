/**
 * Checkpoints: PyTorch state dicts written as .safetensors by tools/golden/nn_layers.py load by key
 * and reproduce PyTorch's outputs; save/load round trips (files and bytes), metadata, strictness
 * and errors.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KindlingError, manualSeed, randn, type Tensor, tensor } from '@kindling/core';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Embedding,
  Linear,
  load,
  loadInto,
  loadWithMetadata,
  type Module,
  ReLU,
  save,
  Sequential,
  StateDictError,
  stateDictFromBytes,
  stateDictToBytes,
  stateDictToBytesAsync,
} from '../src/index.js';
import { expectMatches, fromSpec, type TensorSpec } from '../../core/test/helpers/golden.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures');
const cases: Record<
  string,
  { state: Record<string, TensorSpec>; inputs: TensorSpec[]; out: TensorSpec; train: boolean }
> = JSON.parse(readFileSync(join(fixtures, 'nn_layers.json'), 'utf8')).cases;
const tmp = mkdtempSync(join(tmpdir(), 'kindling-nn-ser-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const pytorchFiles: [string, () => Module][] = [
  ['Linear', () => new Linear(4, 3)],
  ['Conv2d', () => new Conv2d(3, 4, 3)],
  ['BatchNorm2d_train', () => new BatchNorm2d(3)],
  ['Embedding', () => new Embedding(10, 4)],
];

function expectSameTensor(a: Tensor, b: Tensor, where: string): void {
  expect(a.dtype, `${where} dtype`).toBe(b.dtype);
  expect([...a.shape], `${where} shape`).toEqual([...b.shape]);
  expect([...a.dataSync()], `${where} values`).toEqual([...b.dataSync()]);
}

describe('PyTorch-written safetensors files', () => {
  for (const [name, build] of pytorchFiles) {
    it(`${name}: load() gives PyTorch's state dict, loadInto() reproduces its output`, async () => {
      const path = join(fixtures, `nn_layers_${name}.safetensors`);
      const c = cases[name];
      const sd = await load(path);
      expect(Object.keys(sd).sort()).toEqual(Object.keys(c.state).sort());
      for (const [k, spec] of Object.entries(c.state)) expectMatches(sd[k], spec, { rtol: 0, atol: 0 }, k);
      const { metadata } = await loadWithMetadata(path);
      expect(metadata).toEqual({ format: 'pt', case: name });
      const m = build();
      expect(await loadInto(m, path)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      m.train(c.train);
      expectMatches(m.call(...c.inputs.map(fromSpec)) as Tensor, c.out, { rtol: 1e-4, atol: 1e-5 });
    });
  }

  it('num_batches_tracked stored as I64 by PyTorch loads as int32', async () => {
    const sd = await load(join(fixtures, 'nn_layers_BatchNorm2d_train.safetensors'));
    expect(sd.num_batches_tracked.dtype).toBe('int32');
    expect(sd.num_batches_tracked.shape).toEqual([]);
  });

  it('loadInto reports mismatches for the wrong architecture; strict: false tolerates missing keys', async () => {
    const path = join(fixtures, 'nn_layers_Linear.safetensors');
    await expect(loadInto(new Linear(4, 2), path)).rejects.toThrow(StateDictError);
    await expect(loadInto(new Linear(4, 2), path)).rejects.toThrow(
      /weight: checkpoint has \[3, 4\], model has \[2, 4\]/,
    );
    const seq = new Sequential(new Linear(4, 3));
    await expect(loadInto(seq, path)).rejects.toThrow(
      /missing keys: 0\.weight, 0\.bias.*unexpected keys: (bias, weight|weight, bias)/,
    );
    const bn = new BatchNorm2d(3);
    const r = await loadInto(bn, join(fixtures, 'nn_layers_BatchNorm2d_train.safetensors'), {
      strict: false,
    });
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const lin = new Linear(4, 3, { bias: true });
    const partial = join(tmp, 'partial.safetensors');
    await save({ weight: (await load(path)).weight }, partial);
    expect(await loadInto(lin, partial, { strict: false })).toEqual({
      missingKeys: ['bias'],
      unexpectedKeys: [],
    });
  });
});

describe('save and load round trips', () => {
  it('a module saves under its state-dict keys with metadata, atomically', async () => {
    manualSeed(0);
    const model = new Sequential(new Conv2d(2, 3, 3), new BatchNorm2d(3), new ReLU());
    model.call(randn([2, 2, 5, 5])); // move the running stats
    const path = join(tmp, 'model.safetensors');
    await save(model, path, { epoch: '3' });
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const { stateDict, metadata } = await loadWithMetadata(path);
    expect(metadata).toEqual({ format: 'pt', epoch: '3' });
    const own = model.stateDict();
    expect(Object.keys(stateDict).sort()).toEqual(Object.keys(own).sort());
    for (const [k, t] of Object.entries(own)) expectSameTensor(stateDict[k], t, k);
    const copy = new Sequential(new Conv2d(2, 3, 3), new BatchNorm2d(3), new ReLU());
    await loadInto(copy, path);
    const x = randn([1, 2, 5, 5]);
    model.eval();
    copy.eval();
    expectSameTensor(copy.call(x), model.call(x), 'output');
    // Overwriting an existing file works and replaces it.
    await save(new Sequential(new Linear(2, 2)), path);
    expect(Object.keys(await load(path)).sort()).toEqual(['0.bias', '0.weight']);
  });

  it('float64, int32, bool and non-contiguous tensors survive the bytes round trip', () => {
    const sd = {
      a: randn([3, 4], { dtype: 'float64' }),
      b: tensor(
        [
          [1, -2],
          [3, 2147483647],
        ],
        { dtype: 'int32' },
      ),
      c: tensor([true, false, true]),
      d: randn([4, 5]).t(),
      e: tensor(2.5),
    };
    const bytes = stateDictToBytes(sd, { note: 'x' });
    const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
    expect(header.__metadata__).toEqual({ format: 'pt', note: 'x' });
    expect(header.d).toMatchObject({ dtype: 'F32', shape: [5, 4] });
    const back = stateDictFromBytes(bytes);
    for (const [k, t] of Object.entries(sd)) expectSameTensor(back[k], t.contiguous(), k);
    expect(stateDictFromBytes(bytes.slice().buffer).a.dtype).toBe('float64');
  });

  it('stateDictToBytesAsync gives the same bytes; tied weights save and load under every key', async () => {
    manualSeed(1);
    const lin = new Linear(3, 3);
    expect([...(await stateDictToBytesAsync(lin))]).toEqual([...stateDictToBytes(lin)]);
    const tied = new Sequential(lin, new ReLU(), lin);
    const keys = Object.keys(stateDictFromBytes(stateDictToBytes(tied)));
    expect(keys.sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    const other = new Sequential(new Linear(3, 3), new ReLU(), new Linear(3, 3));
    other.loadStateDict(stateDictFromBytes(stateDictToBytes(tied)));
    expectSameTensor((other.at(2) as Linear).weight, lin.weight, 'tied weight');
  });

  it('rejects bad arguments with KindlingErrors', async () => {
    expect(() => stateDictToBytes({ w: 3 as unknown as Tensor })).toThrow(KindlingError);
    expect(() => stateDictToBytes(null as unknown as Module)).toThrow(KindlingError);
    expect(() => stateDictFromBytes(new Uint8Array([1, 2, 3]))).toThrow(KindlingError);
    await expect(save(new Linear(1, 1), '')).rejects.toThrow(KindlingError);
    await expect(loadInto({} as Module, join(fixtures, 'nn_layers_Linear.safetensors'))).rejects.toThrow(
      KindlingError,
    );
    await expect(load(join(tmp, 'does-not-exist.safetensors'))).rejects.toThrow();
  });
});

describe('README example', () => {
  it('runs as written', async () => {
    manualSeed(0);
    const makeModel = () =>
      new Sequential(new Linear(4, 16), new BatchNorm1d(16), new ReLU(), new Dropout(0.1), new Linear(16, 3));
    const model = makeModel();
    const loss = model
      .call(randn([8, 4]))
      .square()
      .mean();
    loss.backward();
    expect([...model.parameters()].every((p) => p.grad !== null)).toBe(true);
    expect(
      String(model).startsWith('Sequential(\n  (0): Linear(in_features=4, out_features=16, bias=True)'),
    ).toBe(true);
    const path = join(tmp, 'model.safetensors');
    await save(model, path);
    expect(Object.keys(await load(path))).toContain('1.running_mean');
    const restored = makeModel();
    await loadInto(restored, path);
    restored.eval();
    model.eval();
    const x = randn([2, 4]);
    expectSameTensor(restored.call(x), model.call(x), 'restored output');
  });
});
