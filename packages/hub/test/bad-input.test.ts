/** Bad input is refused with a clear status and JSON message, and nothing is written. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubClient } from '../src/client/client.js';
import { safeJoin } from '../src/client/cache.js';
import { BadRequestError, IntegrityError, UnauthorizedError } from '../src/errors.js';
import type { SqliteMetadataStore } from '../src/storage/sqlite.js';
import { raw, safetensorsBytes, sha256, startHub, type TestHub } from './helpers.js';

function stHeader(header: unknown, data: Buffer = Buffer.alloc(0), declaredLength?: number): Buffer {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  const n = declaredLength ?? h.length;
  len.writeUInt32LE(n % 2 ** 32, 0);
  len.writeUInt32LE(Math.floor(n / 2 ** 32), 4);
  return Buffer.concat([len, h, data]);
}

describe('bad input', () => {
  let hub: TestHub;
  let alice: HubClient;
  let token: string;
  let head: string;
  const auth = () => ({ authorization: `Bearer ${token}` });
  const json = (body: unknown) => ({
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  beforeAll(async () => {
    hub = await startHub({ maxJsonBytes: 64 * 1024, maxSafetensorsHeaderBytes: 4096 });
    ({ client: alice, token } = await hub.user('alice'));
    await alice.createRepo('alice/m', { private: true });
    head = (await alice.uploadFiles('alice/m', [{ path: 'ok.txt', content: 'ok' }])).commit;
  });
  afterAll(async () => hub.close());

  async function auditCount() {
    return (await alice.audit('alice/m', { limit: 1000 })).length;
  }

  it('refuses path traversal and malformed paths', async () => {
    const before = await auditCount();
    const blob = Buffer.from('x');
    await alice.uploadBlob('alice/m', { path: 'x', content: blob });
    for (const path of [
      '../x',
      '/etc/passwd',
      'a/../../b',
      'a\\b',
      'C:/x',
      'a\u0000b',
      './a',
      'a//b',
      'a/',
      '',
      '..',
    ]) {
      const r = await raw(
        `${hub.url}/api/models/alice/m/commit/main`,
        json({ parent: head, operations: [{ op: 'add', path, sha256: sha256(blob), size: 1 }] }),
      );
      expect(r.status, JSON.stringify(path)).toBe(400);
      expect(r.json.error).toBe('invalid_path');
      expect(r.json.message).toContain('invalid file path');
    }
    const put = await raw(`${hub.url}/api/models/alice/m/blobs/${sha256(blob)}?path=..%2Fx`, {
      method: 'PUT',
      headers: auth(),
      body: blob,
    });
    expect(put.status).toBe(400);
    const dl = await raw(`${hub.url}/alice/m/resolve/main/a/%2E%2E/%2E%2E/etc/passwd`, { headers: auth() });
    expect(dl.status).toBe(400);
    expect(dl.json.error).toBe('invalid_path');
    // A file cannot also be a folder.
    const clash = await raw(
      `${hub.url}/api/models/alice/m/commit/main`,
      json({
        parent: head,
        operations: [{ op: 'add', path: 'ok.txt/inner', sha256: sha256(blob), size: 1 }],
      }),
    );
    expect(clash.status).toBe(400);
    expect(clash.json.error).toBe('path_conflict');
    expect(await alice.head('alice/m')).toBe(head);
    expect(await auditCount()).toBe(before);
    // The client refuses such paths before sending anything, and never writes outside its cache.
    await expect(alice.uploadFiles('alice/m', [{ path: '../evil', content: 'x' }])).rejects.toBeInstanceOf(
      BadRequestError,
    );
    expect(() => safeJoin('/tmp/cache', '../etc/passwd')).toThrow(BadRequestError);
    expect(() => safeJoin('/tmp/cache', 'a/../../b')).toThrow(BadRequestError);
    expect(safeJoin('/tmp/cache', 'a/b.txt')).toBe('/tmp/cache/a/b.txt');
  });

  it('refuses wrong, malformed and revoked tokens with 401, and private repos with 404', async () => {
    const wrong = await raw(`${hub.url}/api/models`, { headers: { authorization: 'Bearer kh_not-a-token' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: 'invalid_token' });
    expect(wrong.headers['www-authenticate']).toContain('Bearer');
    const malformed = await raw(`${hub.url}/api/models`, { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
    expect((await raw(`${hub.url}/api/whoami`)).status).toBe(401);

    const t = await alice.createToken('short-lived', 'read');
    const c = hub.client(t.token);
    expect((await c.whoami()).name).toBe('alice');
    await alice.revokeToken(t.id);
    const revoked = c.whoami();
    await expect(revoked).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(c.whoami()).rejects.toMatchObject({ code: 'token_revoked' });
    // Listing never shows secrets; a read token cannot mint a stronger one.
    const listed = await alice.listTokens();
    expect(listed.find((x) => x.id === t.id)?.revokedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(t.token);
    const reader = hub.client((await alice.createToken('r', 'read')).token);
    await expect(reader.createToken('w', 'write')).rejects.toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });
    // Others' tokens are invisible.
    const { client: bob } = await hub.user('bob');
    await expect(bob.revokeToken(t.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.repoInfo('alice/m')).rejects.toMatchObject({ status: 404, code: 'repo_not_found' });
    await expect(bob.uploadFiles('alice/m', [{ path: 'a', content: 'a' }])).rejects.toMatchObject({
      status: 404,
    });
    // Tokens are stored hashed.
    const rows = (hub.metadata as SqliteMetadataStore).db.prepare('SELECT hash FROM tokens').all() as Array<{
      hash: string;
    }>;
    expect(rows.some((r) => r.hash === t.token)).toBe(false);
    expect(rows.some((r) => r.hash === sha256(t.token))).toBe(true);
  });

  it('refuses huge and malformed JSON bodies', async () => {
    const huge = await raw(`${hub.url}/api/repos/create`, json({ name: 'big', pad: 'x'.repeat(100 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.json.error).toBe('payload_too_large');
    const bad = await raw(`${hub.url}/api/repos/create`, {
      method: 'POST',
      headers: auth(),
      body: '{"name": ',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_json');
    const arr = await raw(`${hub.url}/api/repos/create`, { method: 'POST', headers: auth(), body: '[1]' });
    expect(arr.status).toBe(400);
    const name = await raw(`${hub.url}/api/repos/create`, json({ name: '../x' }));
    expect(name.status).toBe(400);
    expect(name.json.error).toBe('invalid_name');
    expect((await alice.listRepos()).map((r) => r.id)).toEqual(['alice/m']);
    const route = await raw(`${hub.url}/api/nope`);
    expect(route.status).toBe(404);
    expect(route.json.error).toBe('route_not_found');
    const method = await raw(`${hub.url}/api/tokens`, { method: 'PATCH', headers: auth() });
    expect(method.status).toBe(405);
  });

  it('checks .safetensors headers while streaming and at commit', async () => {
    const cases: Array<[string, Buffer]> = [
      ['oversized header', stHeader('{}', Buffer.alloc(0), 2 ** 40)],
      [
        'header over the server limit',
        stHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, pad: 'x'.repeat(5000) }),
      ],
      ['not JSON', stHeader('{"a": [}', Buffer.alloc(0))],
      [
        'wrong byte count',
        stHeader({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }, Buffer.alloc(8)),
      ],
      [
        'unknown dtype',
        stHeader({ w: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, Buffer.alloc(16)),
      ],
      ['hole', stHeader({ w: { dtype: 'U8', shape: [1], data_offsets: [1, 2] } }, Buffer.alloc(2))],
      ['trailing bytes', Buffer.concat([safetensorsBytes(2), Buffer.alloc(3)])],
      ['truncated', safetensorsBytes(4).subarray(0, 20)],
      ['too short', Buffer.alloc(5)],
    ];
    for (const [what, body] of cases) {
      const r = await raw(`${hub.url}/api/models/alice/m/blobs/${sha256(body)}?path=model.safetensors`, {
        method: 'PUT',
        headers: auth(),
        body,
      });
      expect(r.status, what).toBe(422);
      expect(r.json.error, what).toBe('invalid_safetensors');
      expect(await hub.blobs.stat(sha256(body)), what).toBeNull();
    }
    // Uploaded under another name, then committed as .safetensors: caught at commit.
    const bad = stHeader({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }, Buffer.alloc(8));
    await alice.uploadBlob('alice/m', { path: 'raw.bin', content: bad });
    await expect(
      alice.uploadFiles('alice/m', [{ path: 'weights.safetensors', content: bad }]),
    ).rejects.toMatchObject({
      status: 422,
      code: 'invalid_safetensors',
    });
    // The same through a resumable session: refused at the end, session discarded.
    const client = hub.client(token, { resumableThresholdBytes: 1, chunkBytes: 8 });
    await expect(
      client.uploadFiles('alice/m', [{ path: 'model.safetensors', content: bad }]),
    ).rejects.toMatchObject({
      status: 422,
      code: 'invalid_safetensors',
    });
    // A valid one goes through both ways.
    await client.uploadFiles('alice/m', [{ path: 'model.safetensors', content: safetensorsBytes(16) }]);
    await alice.uploadFiles('alice/m', [{ path: 'other.safetensors', content: safetensorsBytes(3) }]);
    head = await alice.resolve('alice/m');
  });

  it('checks config.json and the model card at commit', async () => {
    const before = await alice.head('alice/m');
    await expect(
      alice.uploadFiles('alice/m', [{ path: 'README.md', content: '---\nlicense: [unclosed\n---\nbody' }]),
    ).rejects.toMatchObject({ status: 422, code: 'invalid_model_card' });
    await expect(
      alice.uploadFiles('alice/m', [{ path: 'README.md', content: '---\ntags: 3\n---\n' }]),
    ).rejects.toMatchObject({
      status: 422,
      code: 'invalid_model_card',
    });
    await expect(
      alice.uploadFiles('alice/m', [{ path: 'config.json', content: '{"library": "kindling"}' }]),
    ).rejects.toBeInstanceOf(IntegrityError);
    await expect(
      alice.uploadFiles('alice/m', [{ path: 'config.json', content: 'not json' }]),
    ).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect(await alice.head('alice/m')).toBe(before);
  });

  it('does not let a hash alone pull a private file into another repo', async () => {
    const secret = Buffer.from('private weights of alice');
    await alice.uploadFiles('alice/m', [{ path: 'secret.bin', content: secret }]);
    const { client: mallory, token: mToken } = await hub.user('mallory');
    await mallory.createRepo('mallory/steal');
    const pre = await raw(`${hub.url}/api/models/mallory/steal/preupload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ files: [{ path: 's.bin', sha256: sha256(secret), size: secret.length }] }),
    });
    expect(pre.json.files[0].exists).toBe(false);
    const c = await raw(`${hub.url}/api/models/mallory/steal/commit/main`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        parent: null,
        operations: [{ op: 'add', path: 's.bin', sha256: sha256(secret), size: secret.length }],
      }),
    });
    expect(c.status).toBe(422);
    expect(c.json.error).toBe('missing_blobs');
    // Uploading the bytes proves possession: then it is fine (and deduplicated).
    const r = await mallory.uploadFiles('mallory/steal', [{ path: 's.bin', content: secret }]);
    expect(r.created).toBe(true);
  });
});
