/**
 * Several hub server instances on one scale-out store (PostgreSQL + S3) serve one hub
 * consistently: each instance has its own connection pool and S3 client, and nothing but the
 * stores is shared (instance B is a `kindling-hub serve --postgres ... --s3-endpoint ...`). Concurrent pushes through both instances lose nothing (exactly one wins each
 * race, the others get 409 with the new head), an upload session can be continued through another
 * instance, and only one instance at a time may append to a session.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubClient } from '../src/client/client.js';
import { ConflictError } from '../src/errors.js';
import { runCli } from '../src/cli/main.js';
import { bytes, raw, sha256, startHub, type TestHub } from './helpers.js';
import { services } from './scale-out.js';

describe.skipIf(!services.available)('two server instances on one PostgreSQL + S3 hub', () => {
  let a: TestHub;
  const stopB = new AbortController();
  let served: Promise<number> | undefined;
  let bUrl: string;
  let aliceA: HubClient;
  let aliceB: HubClient;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    if (!services.available) return;
    a = await startHub({}, undefined, 'scale-out');
    // Instance B is started the way an operator would: `kindling-hub serve` on the same stores.
    let out = '';
    served = runCli(
      [
        'serve',
        '--postgres',
        services.pgUrl,
        '--pg-schema',
        a.location!.schema,
        '--s3-endpoint',
        services.s3.endpoint,
        '--s3-bucket',
        services.s3.bucket,
        '--s3-prefix',
        a.location!.prefix,
        '--port',
        '0',
      ],
      {
        stdout: (t) => {
          out += t;
        },
        stderr: () => {},
        env: {
          KINDLING_HUB_S3_ACCESS_KEY_ID: services.s3.accessKeyId,
          KINDLING_HUB_S3_SECRET_ACCESS_KEY: services.s3.secretAccessKey,
        },
        signal: stopB.signal,
      },
    );
    for (let i = 0; i < 500 && !/listening on/.test(out); i++) await new Promise((r) => setTimeout(r, 10));
    bUrl = /listening on (\S+) \(PostgreSQL \+ S3/.exec(out)![1];
    expect(out).not.toContain('shown once'); // A already made the admin
    ({ client: aliceA, token } = await a.user('alice'));
    aliceB = a.client(token, { endpoint: bUrl });
  });
  afterAll(async () => {
    stopB.abort();
    if (served) expect(await served).toBe(0);
    await a?.close();
  });

  it('sees the same users, tokens, repos and refs through either instance', async () => {
    expect((await aliceB.whoami()).name).toBe('alice');
    await aliceB.createRepo('alice/shared', { private: true });
    expect((await aliceA.repoInfo('alice/shared')).private).toBe(true);
    const c = await aliceA.uploadFiles('alice/shared', [{ path: 'a.txt', content: 'from A' }]);
    expect(await aliceB.resolve('alice/shared', 'main')).toBe(c.commit);
    await aliceB.tag('alice/shared', 'v1.0');
    await expect(aliceA.tag('alice/shared', 'v1.0')).rejects.toBeInstanceOf(ConflictError);
    const revoked = await aliceA.createToken('temp', 'read');
    await aliceB.revokeToken(revoked.id);
    expect(
      (await raw(`${a.url}/api/whoami`, { headers: { authorization: `Bearer ${revoked.token}` } })).status,
    ).toBe(401);
  });

  it('lets exactly one of concurrent pushes through both instances win, and loses no commit', async () => {
    await aliceA.createRepo('alice/race');
    let head = (await aliceA.uploadFiles('alice/race', [{ path: 'base.txt', content: 'base' }])).commit;
    const writers = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (i) =>
        a.client((await aliceA.createToken(`w${i}`, 'write')).token, { endpoint: i % 2 ? bUrl : a.url }),
      ),
    );
    let expected = 1;
    for (const round of [1, 2]) {
      const results = await Promise.allSettled(
        writers.map((w, i) =>
          w.uploadFiles(
            'alice/race',
            [{ path: `r${round}/w${i}.txt`, content: `round ${round} writer ${i}` }],
            {
              parent: head,
              message: `r${round} w${i}`,
            },
          ),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{
        commit: string;
      }>[];
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(writers.length - 1);
      for (const l of lost) {
        expect(l.reason).toBeInstanceOf(ConflictError);
        expect(l.reason.details.head).toBe(won[0].value.commit);
      }
      // The losers retry on top of the new head (through their own instance) until they land.
      for (let i = 0; i < writers.length; i++) {
        if (results[i].status === 'fulfilled') continue;
        for (let attempt = 0; ; attempt++) {
          try {
            await writers[i].uploadFiles('alice/race', [
              { path: `r${round}/w${i}.txt`, content: `round ${round} writer ${i}` },
            ]);
            break;
          } catch (err) {
            if (!(err instanceof ConflictError) || attempt > 5) throw err;
          }
        }
      }
      expected += writers.length;
      head = (await aliceB.head('alice/race'))!;
    }
    const log = await aliceB.log('alice/race', { limit: 100 });
    expect(log).toHaveLength(expected);
    const files = (await aliceA.listFiles('alice/race')).map((f) => f.path);
    expect(files).toHaveLength(1 + 2 * writers.length);
    // Both instances agree on the history.
    expect((await aliceA.log('alice/race', { limit: 100 })).map((e) => e.id)).toEqual(log.map((e) => e.id));
  });

  it('continues an upload session through the other instance, one writer at a time', async () => {
    await aliceA.createRepo('alice/big');
    const data = bytes(300_000, 21);
    const digest = sha256(data);
    const session = await raw(`${a.url}/api/models/alice/big/uploads`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'weights.bin', sha256: digest, size: data.length }),
    });
    expect(session.status).toBe(201);
    const id = session.json.id as string;
    const patch = (base: string, offset: number, body: Buffer) =>
      raw(`${base}/api/uploads/${id}`, {
        method: 'PATCH',
        headers: { ...auth(), 'upload-offset': String(offset) },
        body,
      });

    expect((await patch(a.url, 0, data.subarray(0, 100_000))).json).toMatchObject({ offset: 100_000 });
    // While a slow request streams into the session through A, B refuses a second writer.
    const slow = request(`${a.url}/api/uploads/${id}`, {
      method: 'PATCH',
      agent: false,
      headers: { ...auth(), 'upload-offset': '100000', 'content-length': '100000' },
    });
    const slowDone = new Promise<number>((ok, fail) => {
      slow.on('response', (res) => {
        res.resume();
        ok(res.statusCode ?? 0);
      });
      slow.on('error', fail);
    });
    await new Promise((r) => slow.write(data.subarray(100_000, 150_000), r));
    let busy = await patch(bUrl, 100_000, data.subarray(100_000, 200_000));
    for (let i = 0; i < 50 && busy.json?.error !== 'upload_busy'; i++) {
      // The slow request may not hold the lease yet: wait until it does.
      await new Promise((r) => setTimeout(r, 20));
      busy = await patch(bUrl, 100_000, data.subarray(100_000, 200_000));
    }
    expect(busy.status).toBe(409);
    expect(busy.json.error).toBe('upload_busy');
    slow.end(data.subarray(150_000, 200_000));
    expect(await slowDone).toBe(200);

    // B sees the offset A wrote, and the last chunk through B verifies and stores the blob.
    const status = await raw(`${bUrl}/api/uploads/${id}`, { method: 'HEAD', headers: auth() });
    expect(status.headers['upload-offset']).toBe('200000');
    const last = await patch(bUrl, 200_000, data.subarray(200_000));
    expect(last.json).toMatchObject({ complete: true, offset: data.length });

    const head = await aliceA.head('alice/big');
    const commit = await raw(`${a.url}/api/models/alice/big/commit/main`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        parent: head,
        operations: [{ op: 'add', path: 'weights.bin', sha256: digest, size: data.length }],
      }),
    });
    expect(commit.status).toBe(201);
    expect(readFileSync(await aliceB.download('alice/big', 'weights.bin')).equals(data)).toBe(true);
  });
});
