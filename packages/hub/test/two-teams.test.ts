/**
 * End to end, on both storage configurations: team A publishes a private org repo, team B pulls it
 * by tag, an outsider sees nothing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError, OfflineError } from '../src/errors.js';
import { parseModelCard } from '../src/model/card.js';
import { raw, safetensorsBytes, sha256, startHub, type TestHub } from './helpers.js';
import { STORAGES } from './scale-out.js';

const CARD = `---
license: mit
tags: [vision, mnist]
datasets: [mnist]
metrics:
  - name: accuracy
    value: 0.981
base_model: acme/base-mlp
---
# MNIST classifier

A two-layer MLP trained with Kindling.
`;

describe.each(STORAGES)('two teams share a private model repo (%s storage)', (storage) => {
  let hub: TestHub;
  let folder: string;
  const files: Record<string, Buffer> = {
    'config.json': Buffer.from(
      JSON.stringify({ library: 'kindling', architecture: 'MLP', config: { hidden: 128 } }),
    ),
    'model.safetensors': safetensorsBytes(64),
    'README.md': Buffer.from(CARD),
    'notes/train.log': Buffer.from('epoch 1 loss 0.3\nepoch 2 loss 0.1\n'),
  };

  beforeAll(async () => {
    hub = await startHub({}, undefined, storage);
    folder = join(hub.dir, 'push-src');
    for (const [p, b] of Object.entries(files)) {
      mkdirSync(join(folder, p, '..'), { recursive: true });
      writeFileSync(join(folder, p), b);
    }
    writeFileSync(join(folder, '.secret'), 'dotfiles are not pushed');
  });
  afterAll(async () => hub.close());

  it('runs the whole flow', async () => {
    const alice = (await hub.user('alice')).client;
    const { client: bobAdmin } = await hub.user('bob');
    const eve = (await hub.user('eve')).client;

    // Team A's lead sets up the organisation, the teams and a private repo.
    await alice.createOrg('acme');
    await alice.createTeam('acme', 'team-a');
    await alice.createTeam('acme', 'team-b');
    await alice.setTeamMember('acme', 'team-b', 'bob');
    await alice.createRepo('acme/classifier', { private: true });
    await alice.setTeamRepo('acme', 'team-b', 'classifier', 'read');

    // Push the folder as one commit, tag it.
    const c1 = await alice.uploadFolder('acme/classifier', folder, { message: 'First model' });
    expect(c1.created).toBe(true);
    expect(c1.parent).toBeNull();
    await alice.tag('acme/classifier', 'v1.0');

    // Team B pulls by tag with a read-only token and gets identical bytes.
    const bobRead = hub.client((await bobAdmin.createToken('ci', 'read')).token);
    expect((await bobRead.whoami()).name).toBe('bob');
    const snap = await bobRead.snapshot('acme/classifier', { revision: 'v1.0' });
    for (const [p, b] of Object.entries(files)) expect(readFileSync(join(snap, p)).equals(b)).toBe(true);
    expect(() => readFileSync(join(snap, '.secret'))).toThrow();
    expect(await bobRead.resolve('acme/classifier', 'v1.0')).toBe(c1.commit);

    // Repo info in Hugging Face's shape, with the card's metadata.
    const info = await bobRead.repoInfo('acme/classifier', { revision: 'v1.0' });
    expect(info.id).toBe('acme/classifier');
    expect(info.sha).toBe(c1.commit);
    expect(info.private).toBe(true);
    expect(info.cardData).toEqual(parseModelCard(CARD).data);
    expect(info.config).toEqual({ library: 'kindling', architecture: 'MLP', config: { hidden: 128 } });
    expect(info.library_name).toBe('kindling');
    expect(info.tags).toEqual(expect.arrayContaining(['kindling', 'vision', 'license:mit', 'dataset:mnist']));
    expect(info.siblings.map((s: { rfilename: string }) => s.rfilename).sort()).toEqual(
      Object.keys(files).sort(),
    );
    const st = info.siblings.find((s: { rfilename: string }) => s.rfilename === 'model.safetensors');
    expect(st).toMatchObject({
      size: files['model.safetensors'].length,
      blobId: sha256(files['model.safetensors']),
    });

    // The read token cannot push.
    await expect(
      bobRead.uploadFiles('acme/classifier', [{ path: 'x.txt', content: 'x' }]),
    ).rejects.toBeInstanceOf(ForbiddenError);

    // An outsider, and anonymous callers, see nothing: 404, exactly as for a missing repo.
    await expect(eve.repoInfo('acme/classifier')).rejects.toBeInstanceOf(NotFoundError);
    await expect(eve.download('acme/classifier', 'README.md')).rejects.toBeInstanceOf(NotFoundError);
    await expect(hub.client().repoInfo('acme/classifier')).rejects.toBeInstanceOf(NotFoundError);
    const anon = await raw(`${hub.url}/acme/classifier/resolve/main/README.md`);
    expect(anon.status).toBe(404);
    expect(anon.json).toMatchObject({ error: 'repo_not_found' });
    expect((await eve.listRepos()).map((r) => r.id)).not.toContain('acme/classifier');
    expect((await bobRead.listRepos()).map((r) => r.id)).toContain('acme/classifier');

    // Team A moves on; v1.0 still pulls the old bytes; tags are immutable.
    const c2 = await alice.uploadFiles(
      'acme/classifier',
      [{ path: 'README.md', content: `${CARD}\nv2 notes\n` }],
      {
        message: 'Update card',
      },
    );
    expect(c2.parent).toBe(c1.commit);
    await expect(alice.tag('acme/classifier', 'v1.0')).rejects.toBeInstanceOf(ConflictError);
    const v1Readme = await bobRead.download('acme/classifier', 'README.md', { revision: 'v1.0' });
    expect(readFileSync(v1Readme, 'utf8')).toBe(CARD);
    const mainReadme = await bobRead.download('acme/classifier', 'README.md');
    expect(readFileSync(mainReadme, 'utf8')).toContain('v2 notes');
    // The unchanged safetensors blob was not sent again (preupload said it exists).
    const log = await bobRead.log('acme/classifier');
    expect(log.map((e) => e.title)).toEqual(['Update card', 'First model']);
    expect(log[0].parents).toEqual([c1.commit]);
    expect(log[0].authors).toEqual([{ user: 'alice' }]);

    // Offline: what was pulled stays available; anything else fails clearly.
    const offline = hub.client(undefined, { cacheDir: bobRead.cache.root, offline: true });
    expect(await offline.resolve('acme/classifier', 'v1.0')).toBe(c1.commit);
    const again = await offline.snapshot('acme/classifier', { revision: 'v1.0' });
    expect(again).toBe(snap);
    await expect(offline.resolve('acme/classifier', 'v9')).rejects.toBeInstanceOf(OfflineError);
    await expect(offline.repoInfo('acme/classifier')).rejects.toBeInstanceOf(OfflineError);

    // Every write is in the audit log, attributed to its author.
    const audit = await alice.audit('acme/classifier');
    const actions = audit.map((e) => `${e.actor}:${e.action}`).reverse();
    expect(actions).toEqual([
      'alice:repo.create',
      'alice:team.repo.grant',
      'alice:commit',
      'alice:tag.create',
      'alice:commit',
    ]);
    expect(audit[0].details).toMatchObject({ branch: 'main', commit: c2.commit, parent: c1.commit });
    // Only repo admins read it.
    await expect(bobRead.audit('acme/classifier')).rejects.toBeInstanceOf(ForbiddenError);
  });
});
