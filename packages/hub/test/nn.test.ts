/**
 * nn integration, end to end on both storage configurations (the "done" flow): team A
 * trains a small MLP on the 8x8 digits for a few steps, pushes it with a card (`pushToHub`) and
 * tags v1.0; team B, with a read-only token, builds it back by tag (`fromHub`) from the
 * architecture registry and gets IDENTICAL outputs. Plus the registry's and the loader's refusals:
 * unknown architectures, mismatched weights, wrong libraries.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { manualSeed, type Tensor, tensor } from '@kindling/core';
import { Adam, CrossEntropyLoss, Linear, type Module, ReLU, Sequential, StateDictError } from '@kindling/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../src/errors.js';
import { parseModelCard } from '../src/model/card.js';
import {
  architectureRegistry,
  listArchitectures,
  registerArchitecture,
  unregisterArchitecture,
} from '../src/nn/architectures.js';
import { fromHub, pushToHub } from '../src/nn/hub-models.js';
import { startHub, type TestHub } from './helpers.js';
import { STORAGES } from './scale-out.js';

const CSV = new URL('../../../data/digits.csv.gz', import.meta.url);

/** The first `n` digits: pixels in [0, 1] (float32 [n, 64]) and int32 labels. */
function digits(n: number): { x: Tensor; y: Tensor } {
  const rows = gunzipSync(readFileSync(CSV)).toString('utf8').trim().split('\n').slice(0, n);
  const x = new Float32Array(rows.length * 64);
  const y = new Int32Array(rows.length);
  rows.forEach((line, i) => {
    const v = line.split(',').map(Number);
    for (let j = 0; j < 64; j++) x[i * 64 + j] = v[j] / 16;
    y[i] = v[64];
  });
  return { x: tensor(x).reshape([rows.length, 64]), y: tensor(y) };
}

/** The architecture under test: a 64-hidden-10 MLP. */
const digitsMlp = (cfg: { hidden?: number } = {}): Module =>
  new Sequential(new Linear(64, cfg.hidden ?? 32), new ReLU(), new Linear(cfg.hidden ?? 32, 10));

const CARD = {
  data: {
    license: 'mit',
    tags: ['digits', 'mlp'],
    datasets: ['sklearn-digits'],
    metrics: [{ name: 'loss', value: 0 }],
  },
  body: '# Digits MLP\n\nTrained for a few steps with **Kindling**.\n',
};

beforeAll(() => {
  registerArchitecture('test-digits-mlp', digitsMlp, { override: true });
});
afterAll(() => {
  unregisterArchitecture('test-digits-mlp');
});

describe('architecture registry', () => {
  it('registers factories once, shared through globalThis, and refuses silent shadowing', () => {
    expect(listArchitectures()).toContain('test-digits-mlp');
    expect(() => registerArchitecture('test-digits-mlp', digitsMlp)).toThrow(/already registered/);
    expect(() => registerArchitecture('', digitsMlp)).toThrow(/non-empty/);
    // A package that does not depend on @kindling/hub fills the same registry through the symbol.
    const shared = (globalThis as Record<symbol, unknown>)[Symbol.for('@kindling/architectures')];
    expect(shared).toBe(architectureRegistry());
    (shared as Map<string, unknown>).set('test-from-symbol', { factory: digitsMlp, library: 'kindling' });
    expect(listArchitectures()).toContain('test-from-symbol');
    expect(unregisterArchitecture('test-from-symbol')).toBe(true);
  });
});

describe.each(STORAGES)('pushToHub / fromHub (%s storage)', (storage) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub({}, undefined, storage);
  });
  afterAll(async () => hub.close());

  it('team A trains and pushes with a card, team B pulls v1.0 by tag and gets identical outputs', async () => {
    const { client: teamA } = await hub.user('team-a');
    await teamA.createOrg('lab');

    // Team A trains a few Adam steps on the digits.
    manualSeed(1234);
    const model = digitsMlp({ hidden: 24 });
    const { x, y } = digits(256);
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    const lossFn = new CrossEntropyLoss();
    const losses: number[] = [];
    for (let step = 0; step < 8; step++) {
      opt.zeroGrad();
      const loss = lossFn.call(model.call(x), y);
      loss.backward();
      opt.step();
      losses.push(Number(loss.itemSync()));
    }
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    model.eval();
    const probe = digits(40).x;
    const expected = Float32Array.from(model.call(probe).dataSync() as Float32Array);

    const pushed = await pushToHub(model, 'lab/digits-mlp', {
      client: teamA,
      private: true,
      card: {
        ...CARD,
        data: { ...CARD.data, metrics: [{ name: 'loss', value: losses[losses.length - 1] }] },
      },
      config: { library: 'kindling', architecture: 'test-digits-mlp', config: { hidden: 24 } },
      message: 'Train 8 steps',
      tag: 'v1.0',
    });
    expect(pushed.created).toBe(true);
    // One commit with the three files.
    const files = (await teamA.listFiles('lab/digits-mlp')).map((f) => f.path);
    expect(files).toEqual(['README.md', 'config.json', 'model.safetensors']);
    expect(await teamA.log('lab/digits-mlp')).toHaveLength(1);
    const info = await teamA.repoInfo('lab/digits-mlp', { revision: 'v1.0' });
    expect(info.config).toEqual({
      library: 'kindling',
      architecture: 'test-digits-mlp',
      config: { hidden: 24 },
    });
    expect(info.cardData.license).toBe('mit');

    // Team A keeps training; main moves on, v1.0 does not.
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      lossFn.call(model.call(x), y).backward();
      opt.step();
    }
    await pushToHub(model, 'lab/digits-mlp', {
      client: teamA,
      card: CARD,
      config: { architecture: 'test-digits-mlp', config: { hidden: 24 } },
    });

    // Team B: a read-only token of a member.
    const { client: bAdmin } = await hub.user('team-b');
    await teamA.setOrgMember('lab', 'team-b', 'read');
    const teamB = hub.client((await bAdmin.createToken('pull', 'read')).token);
    const pulled = await fromHub('lab/digits-mlp', { client: teamB, revision: 'v1.0' });
    expect(pulled.training).toBe(false);
    const got = pulled.call(probe).dataSync() as Float32Array;
    expect(got.length).toBe(expected.length);
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(expected.buffer))).toBe(
      true,
    );
    // Main is the further-trained model: different outputs.
    const latest = await fromHub('lab/digits-mlp', { client: teamB });
    expect(Array.from(latest.call(probe).dataSync() as Float32Array)).not.toEqual(Array.from(expected));

    // The card round-trips; offline, the cached v1.0 still builds.
    const card = parseModelCard(
      readFileSync(await teamB.download('lab/digits-mlp', 'README.md', { revision: 'v1.0' }), 'utf8'),
    );
    expect(card.body).toContain('# Digits MLP');
    const offline = hub.client(undefined, { cacheDir: teamB.cache.root, offline: true });
    const again = await fromHub('lab/digits-mlp', { client: offline, revision: 'v1.0' });
    expect(Array.from(again.call(probe).dataSync() as Float32Array)).toEqual(Array.from(expected));
    // Someone outside the org sees nothing.
    const { client: eve } = await hub.user('eve');
    await expect(fromHub('lab/digits-mlp', { client: eve })).rejects.toMatchObject({ status: 404 });
  });

  it('refuses unknown architectures, wrong libraries and weights that do not match strictly', async () => {
    const { client } = await hub.user('mallory');
    const model = digitsMlp({ hidden: 8 });
    // An architecture nobody registered: the repo's config cannot make anything run.
    await pushToHub(model, 'mallory/unknown', {
      client,
      config: { architecture: 'evil-arch', config: { code: 'process.exit(1)' } },
    });
    const unknown = await fromHub('mallory/unknown', { client }).catch((e) => e);
    expect(unknown).toBeInstanceOf(HubError);
    expect(unknown.code).toBe('unknown_architecture');
    expect(unknown.message).toContain('test-digits-mlp');
    // Registered by another library.
    await pushToHub(model, 'mallory/otherlib', {
      client,
      config: { library: 'other', architecture: 'test-digits-mlp', config: { hidden: 8 } },
    });
    await expect(fromHub('mallory/otherlib', { client })).rejects.toMatchObject({ code: 'library_mismatch' });
    // A config whose shapes disagree with the weights: strict loading lists the mismatches.
    await pushToHub(model, 'mallory/mismatch', {
      client,
      config: { architecture: 'test-digits-mlp', config: { hidden: 9 } },
    });
    const mismatch = await fromHub('mallory/mismatch', { client }).catch((e) => e);
    expect(mismatch).toBeInstanceOf(StateDictError);
    expect(mismatch.shapeMismatches.length).toBeGreaterThan(0);
    // An explicit registry (e.g. a domain package's own map of factories) works as well.
    const pulled = await fromHub('mallory/unknown', {
      client,
      architectures: new Map([
        ['evil-arch', (cfg: { hidden?: number }) => digitsMlp({ hidden: cfg.hidden ?? 8 })],
      ]),
    });
    expect([...pulled.parameters()]).toHaveLength(4);
  });
});
