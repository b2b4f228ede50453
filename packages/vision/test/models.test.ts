/**
 * Model parity with torchvision 0.14 (fixtures from tools/golden/vision_models.py): each case builds
 * the model through the architecture registry, loads torchvision's state dict strictly (exact keys
 * and shapes; for `resnet18_formula`, weights computed from the generator's shared formula), checks
 * our state-dict keys, shapes and order equal torchvision's, and compares the eval-mode output.
 * Also: full-size key lists, the registry, input errors, and a training step.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { noGrad } from '@kindling/autograd';
import {
  KindlingError,
  manualSeed,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@kindling/core';
import { load, type Module, type StateDict, StateDictError } from '@kindling/nn';
import {
  architectures,
  createModel,
  LeNet5,
  lenet5,
  MobileNetV2,
  mobilenetV2,
  makeDivisible,
  registerArchitecture,
  ResNet,
  resnet18,
  resnet34,
  resnet50,
  type VGG,
  vgg11,
  VisionTransformer,
  vitB16,
} from '../src/index.js';
import { expectMatches, fromSpec, type TensorSpec } from '../../core/test/helpers/golden.js';

interface ModelCase {
  architecture: string;
  config: Record<string, unknown>;
  input: TensorSpec;
  out: TensorSpec;
  keys: [string, number[]][];
  weights: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures');
const fixture = JSON.parse(readFileSync(join(fixtures, 'vision_models.json'), 'utf8')) as {
  cases: Record<string, ModelCase>;
  keyLists: Record<string, [string, number[]][]>;
};

/** `[key, shape]` of a module's state dict, in order. */
function keyList(m: Module): [string, number[]][] {
  return Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.shape]]);
}

/**
 * The generator's `formula_state_dict`: element i of the t-th entry (torchvision's order) is
 * s = sin(1.7 i + 0.3 t) in float64, scaled by kind, then rounded to float32.
 */
function formulaStateDict(keys: [string, number[]][]): StateDict {
  const out: StateDict = {};
  keys.forEach(([k, shape], t) => {
    if (k.endsWith('num_batches_tracked')) {
      out[k] = zeros(shape, { dtype: 'int32' });
      return;
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    let scale = 1;
    let shift = 0;
    let squash = false;
    if (k.endsWith('weight') && shape.length >= 2) scale = 2 / Math.sqrt(n / shape[0]);
    else if (k.endsWith('weight')) [scale, shift] = [0.1, 1];
    else if (k.endsWith('running_var')) squash = true;
    else scale = 0.1;
    for (let i = 0; i < n; i++) {
      const s = Math.sin(1.7 * i + 0.3 * t);
      v[i] = squash ? 1 + 0.25 * (s + 1) : shift + scale * s;
    }
    out[k] = tensor(v).reshape(shape);
  });
  return out;
}

function maxAbs(spec: TensorSpec): number {
  return Math.max(...spec.data.map((x) => Math.abs(Number(x))));
}

describe('torchvision parity', () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(`${name}: ${c.architecture} loads torchvision's state dict strictly and matches its output`, async () => {
      manualSeed(0);
      const build = architectures.get(c.architecture);
      expect(build, `architecture ${c.architecture} registered`).toBeDefined();
      const model = build!(c.config).eval();
      expect(keyList(model)).toEqual(c.keys);
      const state =
        c.weights === 'formula' ? formulaStateDict(c.keys) : await load(join(fixtures, c.weights));
      const { missingKeys, unexpectedKeys } = model.loadStateDict(state, { strict: true });
      expect(missingKeys).toEqual([]);
      expect(unexpectedKeys).toEqual([]);
      const out = noGrad(() => model.call(fromSpec(c.input)) as Tensor);
      // Deep float32 networks: accumulation order differs from PyTorch's, so scale atol by the output.
      expectMatches(out, c.out, { rtol: 1e-4, atol: 1e-4 * Math.max(1, maxAbs(c.out)) });
    });
  }

  it('the half-precision checkpoint is stored as F16 and loads into float32 parameters', async () => {
    const sd = await load(join(fixtures, 'vision_models_resnet50_narrow_f16.safetensors'));
    expect(sd['conv1.weight'].dtype).toBe('float16');
    const m = resnet50({ numClasses: 10, widths: [8, 16, 32, 64] });
    m.loadStateDict(sd);
    expect(m.conv1.weight.dtype).toBe('float32');
  });

  it('default-size ResNet-18/34/50 and MobileNetV2 have exactly torchvision 0.14 keys and shapes', () => {
    const builders: Record<string, () => Module> = {
      resnet18: () => resnet18(),
      resnet34: () => resnet34(),
      resnet50: () => resnet50(),
      mobilenet_v2: () => mobilenetV2(),
    };
    for (const [name, keys] of Object.entries(fixture.keyLists)) {
      const m = builders[name]();
      expect(keyList(m), name).toEqual(keys);
    }
  });
});

describe('architecture details', () => {
  it('parameter counts match torchvision', () => {
    // Counts printed by torchvision 0.14 for these configurations.
    expect(lenet5().numParameters()).toBe(61706);
    expect(mobilenetV2({ numClasses: 10, widthMult: 0.25 }).numParameters()).toBe(250922);
  });

  it('ResNet initialisation follows torchvision (Kaiming fan-out convs, BN 1/0, zeroInitResidual)', () => {
    manualSeed(3);
    const m = resnet18({ widths: [16, 16, 16, 32], numClasses: 4, zeroInitResidual: true });
    // layer4.1.conv2: [32, 32, 3, 3], fan_out = 32 * 9, std = sqrt(2 / 288) = 0.0833
    const w = m.layer4.at(1) as unknown as { conv2: { weight: Tensor }; bn2: { weight: Tensor } };
    expect(w.conv2.weight.std().itemSync()).toBeCloseTo(Math.sqrt(2 / 288), 2);
    expect(w.bn2.weight.abs().sum().itemSync()).toBe(0);
    expect(m.bn1.weight!.sum().itemSync()).toBe(16);
    const b = resnet50({ widths: [4, 4, 4, 4], zeroInitResidual: true }).layer1.at(0) as unknown as {
      bn2: { weight: Tensor };
      bn3: { weight: Tensor };
    };
    expect(b.bn3.weight.abs().sum().itemSync()).toBe(0);
    expect(b.bn2.weight.sum().itemSync()).toBe(4);
  });

  it('makeDivisible follows torchvision', () => {
    expect(makeDivisible(32 * 0.25, 8)).toBe(8);
    expect(makeDivisible(1280, 8)).toBe(1280);
    expect(makeDivisible(24 * 0.35, 8)).toBe(8);
    expect(makeDivisible(96 * 0.75, 8)).toBe(72);
    expect(makeDivisible(20, 8)).toBe(24);
  });

  it('ViT: builders are registered; names and sequence length follow torchvision', () => {
    for (const n of ['vit_b_16', 'vit_b_32', 'vit_l_16', 'vit_l_32', 'vit_h_14'])
      expect(architectures.has(n), n).toBe(true);
    const m = new VisionTransformer({
      imageSize: 16,
      patchSize: 4,
      numLayers: 3,
      numHeads: 2,
      hiddenDim: 8,
      mlpDim: 4,
    });
    expect(m.seqLength).toBe(17);
    expect(m.encoder.pos_embedding.shape).toEqual([1, 17, 8]);
    expect([...m.encoder.layers.namedChildren()].map(([k]) => k)).toEqual([
      'encoder_layer_0',
      'encoder_layer_1',
      'encoder_layer_2',
    ]);
    // The head starts at zero, as torchvision's.
    expect(
      noGrad(() => m.eval().call(randn([2, 3, 16, 16])))
        .abs()
        .sum()
        .itemSync(),
    ).toBe(0);
    expect(() => vitB16({ imageSize: 30 })).toThrow(ValueError);
  });

  it('VGG builders use their configurations, with batch norm in the _bn variants', () => {
    const small = { cfg: [4, 'M', 8, 'M'] as const, hiddenDim: 8, numClasses: 2, poolSize: 1 };
    const plain = architectures.get('vgg11')!(small) as VGG;
    const bn = architectures.get('vgg11_bn')!(small) as VGG;
    expect(Object.keys(plain.stateDict())).toEqual([
      'features.0.weight',
      'features.0.bias',
      'features.3.weight',
      'features.3.bias',
      'classifier.0.weight',
      'classifier.0.bias',
      'classifier.3.weight',
      'classifier.3.bias',
      'classifier.6.weight',
      'classifier.6.bias',
    ]);
    expect(Object.keys(bn.stateDict())).toContain('features.5.running_var');
    const x = randn([1, 3, 4, 4]);
    expect(noGrad(() => bn.eval().call(x)).shape).toEqual([1, 2]);
  });
});

describe('input errors name the model', () => {
  const cases: [string, () => Module, number[], RegExp][] = [
    ['LeNet5 channels', () => lenet5(), [1, 3, 28, 28], /LeNet5.*\[N, 1, 28, 28\].*\[1, 3, 28, 28\]/],
    ['LeNet5 size', () => lenet5(), [1, 1, 32, 32], /LeNet5.*28x28.*\[1, 1, 32, 32\]/],
    ['ResNet channels', () => resnet18({ widths: [4, 4, 4, 4] }), [1, 1, 16, 16], /ResNet.*inChannels=3/],
    ['ResNet rank', () => resnet18({ widths: [4, 4, 4, 4] }), [3, 16, 16], /ResNet.*\[3, 16, 16\]/],
    [
      'MobileNetV2 channels',
      () => mobilenetV2({ widthMult: 0.25 }),
      [1, 4, 8, 8],
      /MobileNetV2.*inChannels=3/,
    ],
    ['VGG size', () => vgg11({ cfg: [4, 'M', 4, 'M'], hiddenDim: 4 }), [1, 3, 2, 2], /VGG.*at least 4x4/],
    [
      'ViT size',
      () =>
        new VisionTransformer({
          imageSize: 16,
          patchSize: 8,
          numLayers: 1,
          numHeads: 1,
          hiddenDim: 8,
          mlpDim: 8,
        }),
      [1, 3, 16, 24],
      /VisionTransformer.*16x16.*\[1, 3, 16, 24\]/,
    ],
  ];
  for (const [name, build, shape, msg] of cases) {
    it(name, () => {
      const m = build().eval();
      const x = zeros(shape);
      expect(() => m.call(x)).toThrow(ShapeError);
      expect(() => m.call(x)).toThrow(msg);
    });
  }

  it('a mis-shaped checkpoint is rejected with every bad key', () => {
    const m = resnet18({ widths: [8, 16, 32, 64], numClasses: 10 });
    const other = resnet18({ widths: [8, 16, 32, 64], numClasses: 5 }).stateDict();
    delete other['layer1.0.bn1.running_mean'];
    expect(() => m.loadStateDict(other)).toThrow(StateDictError);
    expect(() => m.loadStateDict(other)).toThrow(/layer1\.0\.bn1\.running_mean.*fc\.weight/s);
  });

  it('invalid configurations throw ValueErrors', () => {
    expect(() => lenet5({ imageSize: 20 })).toThrow(ValueError);
    expect(() => new ResNet('basic', [2, 2, 2], {})).toThrow(ValueError);
    expect(() => resnet18({ groups: 2 })).toThrow(/BasicBlock only supports/);
    expect(() => mobilenetV2({ widthMult: 0 })).toThrow(ValueError);
    expect(() => new VisionTransformer({ hiddenDim: 10, numHeads: 3 })).toThrow(/divisible/);
  });
});

describe('registry', () => {
  it('lists the built-in architectures', () => {
    for (const n of [
      'lenet5',
      'resnet18',
      'resnet34',
      'resnet50',
      'vgg11',
      'vgg11_bn',
      'mobilenet_v2',
      'vit',
    ])
      expect(architectures.has(n), n).toBe(true);
    expect(createModel('lenet5', { numClasses: 3 })).toBeInstanceOf(LeNet5);
    expect(createModel('mobilenet_v2', { widthMult: 0.25, numClasses: 2 })).toBeInstanceOf(MobileNetV2);
  });

  it('registers new architectures and refuses silent replacement', () => {
    const name = 'test_tiny_lenet';
    registerArchitecture(name, (cfg?: { numClasses?: number }) => lenet5(cfg));
    expect((architectures.get(name)!({ numClasses: 4 }) as LeNet5).numClasses).toBe(4);
    expect(() => registerArchitecture(name, () => lenet5())).toThrow(ValueError);
    registerArchitecture(name, () => lenet5({ numClasses: 5 }), { override: true });
    expect((createModel(name) as LeNet5).numClasses).toBe(5);
    architectures.delete(name);
    expect(() => createModel(name)).toThrow(/unknown architecture 'test_tiny_lenet'.*resnet18/);
    expect(() => registerArchitecture('', () => lenet5())).toThrow(KindlingError);
  });
});

describe('training', () => {
  it('a narrow ResNet-18 trains: backward reaches every parameter and BN statistics update', () => {
    manualSeed(1);
    const m = resnet18({ widths: [4, 8, 8, 8], numClasses: 3 });
    const x = randn([2, 3, 16, 16]);
    const before = m.bn1.runningMean!.clone();
    const out = m.call(x);
    out.square().sum().backward();
    for (const [k, p] of m.namedParameters()) expect(p.grad, k).not.toBeNull();
    expect(m.bn1.runningMean!.sub(before).abs().sum().itemSync()).toBeGreaterThan(0);
  });

  it('dropout is active in train mode and off in eval mode (MobileNetV2 classifier)', () => {
    manualSeed(2);
    const m = mobilenetV2({ widthMult: 0.25, numClasses: 4, dropout: 0.9 });
    m.eval();
    const x = randn([1, 3, 8, 8]);
    const a = noGrad(() => m.call(x));
    const b = noGrad(() => m.call(x));
    expectMatches(b, { shape: [...a.shape], dtype: 'float32', data: [...a.dataSync()] });
    m.train();
    m.features.eval();
    const c = noGrad(() => m.call(x));
    expect(c.sub(a).abs().sum().itemSync()).toBeGreaterThan(0);
  });
});
