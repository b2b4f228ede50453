/**
 * exportOnnx: models traced from Kindling run in onnxruntime-node (1.30, CPU) with the same outputs
 * (atol 1e-4, rtol 1e-4: ORT fuses and reorders float32 arithmetic): an MLP, a LeNet-style CNN,
 * a small ResNet block, and a small GPT block (embedding + causal TransformerEncoderLayer + head).
 * Also: dynamic batch axes, round trips through loadOnnx, and refused exports.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { noGrad } from '@kindling/autograd';
import { arange, avgPool2d, conv2d, manualSeed, maxPool2d, randn, type Tensor, tensor } from '@kindling/core';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Embedding,
  exportOnnx,
  Flatten,
  GELU,
  generateSquareSubsequentMask,
  functional as F,
  LayerNorm,
  Linear,
  loadOnnx,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  Tanh,
  TransformerEncoderLayer,
  UnsupportedOnnxError,
} from '@kindling/nn';
import { decodeModel } from '../src/onnx/schema.js';

const TOL = 1e-4;

async function runOrt(
  bytes: Uint8Array,
  feeds: Record<string, Tensor>,
): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds)) {
    const data = t.dataSync();
    ortFeeds[k] =
      t.dtype === 'int32'
        ? new ort.Tensor('int32', Int32Array.from(data), [...t.shape])
        : new ort.Tensor('float32', Float32Array.from(data), [...t.shape]);
  }
  const res = await session.run(ortFeeds);
  return Object.fromEntries(Object.entries(res).map(([k, v]) => [k, v.data as Float32Array]));
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
  expect(got.length, `${where}: length`).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (TOL + TOL * Math.abs(want[i])));
  expect(worst, `${where}: worst error relative to tolerance`).toBeLessThanOrEqual(1);
}

/** Exports, runs in onnxruntime and in loadOnnx, and compares with the module's own output. */
async function checkModel(model: Module, inputs: Tensor[], names?: string[]): Promise<Uint8Array> {
  model.eval();
  const want = noGrad(() => (model.call as (...a: Tensor[]) => Tensor)(...inputs)).dataSync();
  const inputNames = names ?? (inputs.length === 1 ? ['input'] : inputs.map((_, i) => `input_${i}`));
  const bytes = exportOnnx(model, inputs, { inputNames });
  const feeds = Object.fromEntries(inputNames.map((n, i) => [n, inputs[i]]));
  const ortOut = await runOrt(bytes, feeds);
  expectClose(ortOut.output, want, 'onnxruntime');
  const back = loadOnnx(bytes);
  expectClose((noGrad(() => back.run(feeds)).output as Tensor).dataSync(), want, 'loadOnnx');
  return bytes;
}

function randomizeBatchNorm(model: Module): void {
  noGrad(() => {
    for (const m of model.modules()) {
      if (m instanceof BatchNorm2d) {
        m.runningMean?.copy_(randn([m.numFeatures]).mul(0.2));
        m.runningVar?.copy_(randn([m.numFeatures]).abs().add(0.5));
        m.weight?.copy_(randn([m.numFeatures]).mul(0.3).add(1));
        m.bias?.copy_(randn([m.numFeatures]).mul(0.1));
      }
    }
  });
}

class ResBlock extends Module {
  conv1 = new Conv2d(4, 8, 3, { stride: 2, padding: 1, bias: false });
  bn1 = new BatchNorm2d(8);
  relu = new ReLU();
  conv2 = new Conv2d(8, 8, 3, { padding: 1, bias: false });
  bn2 = new BatchNorm2d(8);
  downsample = new Sequential(new Conv2d(4, 8, 1, { stride: 2, bias: false }), new BatchNorm2d(8));
  pool = new AdaptiveAvgPool2d(1);
  fc = new Linear(8, 3);
  forward(x: Tensor): Tensor {
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.bn2.call(this.conv2.call(out));
    out = this.relu.call(out.add(this.downsample.call(x) as Tensor));
    return this.fc.call(this.pool.call(out).flatten(1));
  }
}

class TinyGpt extends Module {
  tok = new Embedding(20, 16);
  pos = new Embedding(8, 16);
  block = new TransformerEncoderLayer(16, 4, {
    dimFeedforward: 32,
    dropout: 0.1,
    batchFirst: true,
    normFirst: true,
    activation: 'gelu',
  });
  norm = new LayerNorm(16);
  head = new Linear(16, 20, { bias: false });
  forward(ids: Tensor): Tensor {
    const t = ids.shape[1];
    const h = this.tok.call(ids).add(this.pos.call(arange(0, t, 1, { dtype: 'int32' })));
    const mask = generateSquareSubsequentMask(t);
    return this.head.call(this.norm.call(this.block.call(h, { srcMask: mask })));
  }
}

describe('exportOnnx → onnxruntime-node', () => {
  it('an MLP', async () => {
    manualSeed(1);
    const mlp = new Sequential(
      new Linear(8, 16),
      new ReLU(),
      new Linear(16, 16),
      new Tanh(),
      new Linear(16, 4),
    );
    await checkModel(mlp, [randn([3, 8])]);
  });

  it('a LeNet-style CNN with batch norm', async () => {
    manualSeed(2);
    const lenet = new Sequential(
      new Conv2d(1, 6, 5, { padding: 2 }),
      new BatchNorm2d(6),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(6, 16, 5),
      new ReLU(),
      new MaxPool2d(2, { stride: 2, ceilMode: true }),
      new Flatten(),
      new Linear(16 * 5 * 5, 32),
      new GELU(),
      new Dropout(0.5),
      new Linear(32, 10),
    );
    randomizeBatchNorm(lenet);
    const bytes = await checkModel(lenet, [randn([2, 1, 28, 28])]);
    const ops = decodeModel(bytes).graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(2);
    expect(ops).toEqual(expect.arrayContaining(['BatchNormalization', 'MaxPool', 'Gemm', 'Erf']));
  });

  it('a small ResNet block (strided conv, downsample, residual add, global pool)', async () => {
    manualSeed(3);
    const block = new ResBlock();
    randomizeBatchNorm(block);
    await checkModel(block, [randn([2, 4, 9, 9])]);
  });

  it('a small GPT block (embeddings, causal pre-norm TransformerEncoderLayer, GELU, head)', async () => {
    manualSeed(4);
    const gpt = new TinyGpt();
    const ids = tensor(
      [
        [1, 5, 7, 19, 0, 3],
        [2, 2, 9, 4, 11, 8],
      ],
      { dtype: 'int32' },
    );
    const bytes = await checkModel(gpt, [ids], ['ids']);
    const ops = new Set(decodeModel(bytes).graph.nodes.map((n) => n.opType));
    for (const op of ['Gather', 'LayerNormalization', 'MatMul', 'Softmax', 'Transpose'])
      expect(ops.has(op), op).toBe(true);
  });

  it('primitive-level tracing: a functional forward with views, split, reductions and softmax', async () => {
    class Functional extends Module {
      w = new Linear(6, 6);
      forward(x: Tensor): Tensor {
        const [top, bottom] = this.w.call(x).split([2, 4], 0);
        const h = bottom
          .add(top.sum(0, { keepdim: true }))
          .reshape([2, 2, 6])
          .permute([0, 2, 1]);
        const s = h.softmax(-1).mul(h.sigmoid()).sum(1, { keepdim: true });
        return s
          .sub(h.amax(1, { keepdim: true }))
          .abs()
          .sqrt()
          .log1p()
          .expand([2, 4, 2])
          .transpose(1, 2);
      }
    }
    manualSeed(5);
    const bytes = await checkModel(new Functional(), [randn([6, 6])]);
    expect(decodeModel(bytes).graph.nodes.some((n) => n.opType === 'Split')).toBe(true);
  });

  it('functional conv and pooling (fused conv2d, grouped im2col conv and max-pool primitives)', async () => {
    class FunctionalCnn extends Module {
      weight = new Conv2d(3, 4, 3).weight;
      grouped = new Conv2d(4, 4, 1, { groups: 2 }).weight;
      forward(x: Tensor): Tensor {
        const y = conv2d(
          conv2d(x, this.weight, null, { stride: 2, padding: 1, dilation: 1 }),
          this.grouped,
          null,
          {
            groups: 2,
          },
        );
        const p = avgPool2d(y.relu(), 2, { ceilMode: true, countIncludePad: false });
        return maxPool2d(p, 2, { stride: 1, padding: 1 });
      }
    }
    manualSeed(9);
    const bytes = await checkModel(new FunctionalCnn(), [randn([2, 3, 9, 9])]);
    const ops = decodeModel(bytes).graph.nodes.map((n) => n.opType);
    // The fused convolution is one Conv node; the grouped one and avgPool2d run through im2col (a
    // one-hot Conv each) + MatMul / mean.
    expect(ops.filter((op) => op === 'Conv').length).toBe(3);
    expect(ops).toEqual(expect.arrayContaining(['MaxPool', 'MatMul']));
  });

  it('functional layerNorm (the fused primitive) with and without affine parameters', async () => {
    class FunctionalNorm extends Module {
      norm = new LayerNorm([6]);
      forward(x: Tensor): Tensor {
        const y = F.layerNorm(x, [6], { weight: this.norm.weight, bias: this.norm.bias });
        return F.layerNorm(y.reshape([2, 3, 2, 3]), [2, 3], { eps: 1e-3 });
      }
    }
    manualSeed(10);
    const m = new FunctionalNorm();
    noGrad(() => {
      m.norm.weight!.copy_(randn([6]));
      m.norm.bias!.copy_(randn([6]));
    });
    const bytes = await checkModel(m, [randn([2, 3, 6])]);
    const ops = decodeModel(bytes).graph.nodes.map((n) => n.opType);
    expect(ops.filter((op) => op === 'LayerNormalization').length).toBe(2);
  });

  it('dynamic batch axes: one export runs other batch sizes', async () => {
    manualSeed(6);
    const cnn = new Sequential(new Conv2d(2, 4, 3), new ReLU(), new Flatten(), new Linear(4 * 4 * 4, 3));
    cnn.eval();
    const bytes = exportOnnx(cnn, randn([2, 2, 6, 6]), {
      inputNames: ['x'],
      outputNames: ['y'],
      dynamicAxes: { x: { 0: 'batch' }, y: { 0: 'batch' } },
    });
    const g = decodeModel(bytes).graph;
    expect(g.inputs[0].type).toMatchObject({ shape: ['batch', 2, 6, 6] });
    for (const n of [1, 5]) {
      const x = randn([n, 2, 6, 6]);
      const want = noGrad(() => cnn.call(x) as Tensor).dataSync();
      const got = await runOrt(bytes, { x });
      expectClose(got.y, want, `batch ${n}`);
    }
    expect(() => exportOnnx(cnn, randn([2, 2, 6, 6]), { dynamicAxes: { nope: [0] } })).toThrow(
      /not an input or output/,
    );
  });

  it('initializers carry the state-dict names, and loadOnnx restores them', () => {
    manualSeed(7);
    const mlp = new Sequential(new Linear(4, 5), new ReLU(), new Linear(5, 2));
    const bytes = exportOnnx(mlp.eval(), randn([1, 4]));
    const names = decodeModel(bytes).graph.initializers.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['0.weight', '0.bias', '2.weight', '2.bias']));
    const back = loadOnnx(bytes);
    expect(Object.keys(back.stateDict()).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(back.stateDict()['2.weight'].tolistSync()).toEqual(mlp.stateDict()['2.weight'].tolistSync());
  });

  it('refuses what it cannot export, listing every op in one error', () => {
    manualSeed(8);
    const train = new Sequential(new Linear(4, 4), new Dropout(0.5));
    train.train();
    let err: unknown;
    try {
      exportOnnx(train, randn([2, 4]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOnnxError);
    expect((err as Error).message).toMatch(/random op 'uniform'.*eval\(\)/);
    expect(() => exportOnnx(new Linear(2, 2), randn([1, 2]), { opsetVersion: 13 })).toThrow(
      /opsetVersion 17/,
    );
  });
});
