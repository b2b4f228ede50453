/** Commits under concurrency, integrity checks, range downloads and resumable transfers. */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubClient } from '../src/client/client.js';
import { ConflictError } from '../src/errors.js';
import { bytes, raw, sha256, startHub, type TestHub } from './helpers.js';
import { STORAGES } from './scale-out.js';

describe.each(STORAGES)('commits, integrity and transfers (%s storage)', (storage) => {
  let hub: TestHub;
  let alice: HubClient;
  let aliceToken: string;
  const auth = () => ({ authorization: `Bearer ${aliceToken}` });

  beforeAll(async () => {
    hub = await startHub({}, undefined, storage);
    ({ client: alice, token: aliceToken } = await hub.user('alice'));
    await alice.createRepo('alice/model');
  });
  afterAll(async () => hub.close());

  it('lets exactly one of several concurrent pushes win; the others get 409 and lose nothing', async () => {
    await alice.createRepo('alice/race');
    const base = await alice.uploadFiles('alice/race', [{ path: 'a.txt', content: 'base' }]);
    const writers = await Promise.all(
      [1, 2, 3, 4].map(async () => hub.client((await alice.createToken('w', 'write')).token)),
    );
    const results = await Promise.allSettled(
      writers.map((w, i) =>
        w.uploadFiles('alice/race', [{ path: `w${i}.txt`, content: `writer ${i}` }], {
          parent: base.commit,
          message: `w${i}`,
        }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(3);
    const head = (won[0] as PromiseFulfilledResult<{ commit: string }>).value.commit;
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(ConflictError);
      expect(l.reason.status).toBe(409);
      expect(l.reason.details.head).toBe(head);
    }
    // The losers retry on top of the new head: every commit ends up in history.
    for (let i = 0; i < writers.length; i++) {
      if (results[i].status === 'fulfilled') continue;
      await writers[i].uploadFiles('alice/race', [{ path: `w${i}.txt`, content: `writer ${i}` }], {
        message: `w${i}`,
      });
    }
    const log = await alice.log('alice/race');
    expect(log).toHaveLength(5);
    const files = (await alice.listFiles('alice/race')).map((f) => f.path);
    expect(files).toEqual(['a.txt', 'w0.txt', 'w1.txt', 'w2.txt', 'w3.txt']);
  });

  it('refuses a blob whose bytes do not match the declared sha256, storing nothing', async () => {
    const body = Buffer.from('the real bytes');
    const claimed = sha256('other bytes');
    const r = await raw(`${hub.url}/api/models/alice/model/blobs/${claimed}?path=x.bin`, {
      method: 'PUT',
      headers: auth(),
      body,
    });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ error: 'sha256_mismatch', expected: claimed, actual: sha256(body) });
    expect(await hub.blobs.stat(claimed)).toBeNull();
    expect(await hub.blobs.stat(sha256(body))).toBeNull();
    expect(await hub.leftovers()).toEqual([]);
    // Committing the unuploaded hash is refused and the branch does not move.
    const head = await alice.head('alice/model');
    const c = await raw(`${hub.url}/api/models/alice/model/commit/main`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        parent: head,
        operations: [{ op: 'add', path: 'x.bin', sha256: claimed, size: body.length }],
      }),
    });
    expect(c.status).toBe(422);
    expect(c.json).toMatchObject({ error: 'missing_blobs', missing: [claimed] });
    expect(await alice.head('alice/model')).toBe(head);
    // A declared size that disagrees with the body is refused as well.
    const s = await raw(`${hub.url}/api/models/alice/model/blobs/${sha256(body)}?size=3`, {
      method: 'PUT',
      headers: auth(),
      body,
    });
    expect(s.status).toBe(400);
    expect(s.json.error).toBe('size_mismatch');
  });

  it('serves byte ranges, ETags, conditional and HEAD requests', async () => {
    const data = bytes(100_000, 7);
    const { commit } = await alice.uploadFiles('alice/model', [{ path: 'weights/big.bin', content: data }]);
    const url = `${hub.url}/alice/model/resolve/main/weights/big.bin`;
    const etag = `"${sha256(data)}"`;

    const full = await raw(url, { headers: auth() });
    expect(full.status).toBe(200);
    expect(full.body.equals(data)).toBe(true);
    expect(full.headers.etag).toBe(etag);
    expect(full.headers['x-repo-commit']).toBe(commit);
    expect(full.headers['accept-ranges']).toBe('bytes');

    const mid = await raw(url, { headers: { ...auth(), range: 'bytes=10-19' } });
    expect(mid.status).toBe(206);
    expect(mid.headers['content-range']).toBe(`bytes 10-19/${data.length}`);
    expect(mid.body.equals(data.subarray(10, 20))).toBe(true);

    const suffix = await raw(url, { headers: { ...auth(), range: 'bytes=-5' } });
    expect(suffix.body.equals(data.subarray(data.length - 5))).toBe(true);
    const open = await raw(url, { headers: { ...auth(), range: 'bytes=99990-' } });
    expect(open.body.equals(data.subarray(99990))).toBe(true);
    const clipped = await raw(url, { headers: { ...auth(), range: 'bytes=99990-200000' } });
    expect(clipped.headers['content-range']).toBe(`bytes 99990-99999/${data.length}`);

    const beyond = await raw(url, { headers: { ...auth(), range: 'bytes=200000-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${data.length}`);

    const notModified = await raw(url, { headers: { ...auth(), 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);

    // If-Range with a stale ETag: the whole (changed) file instead of a wrong slice.
    const stale = await raw(url, { headers: { ...auth(), range: 'bytes=0-9', 'if-range': '"0000"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(data.length);

    const head = await raw(url, { method: 'HEAD', headers: auth() });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(data.length));
    expect(head.body.length).toBe(0);

    // By commit id: immutable caching; through the client: ranges too.
    const pinned = await raw(`${hub.url}/alice/model/resolve/${commit}/weights/big.bin`, {
      method: 'HEAD',
      headers: auth(),
    });
    expect(pinned.headers['cache-control']).toContain('immutable');
    const res = await alice.fetchFile('alice/model', 'weights/big.bin', {
      range: { start: 1000, end: 1999 },
    });
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(c as Buffer);
    expect(res.status).toBe(206);
    expect(Buffer.concat(chunks).equals(data.subarray(1000, 2000))).toBe(true);
  });

  it('resumes an upload session after the request is aborted mid-stream', async () => {
    const data = bytes(256 * 1024, 3);
    const digest = sha256(data);
    const session = await raw(`${hub.url}/api/models/alice/model/uploads`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'resumed.bin', sha256: digest, size: data.length }),
    });
    expect(session.status).toBe(201);
    const id = session.json.id as string;

    // Send the first half of a request announcing the whole file, then cut the connection.
    const half = data.length / 2;
    const req = request(`${hub.url}/api/uploads/${id}`, {
      method: 'PATCH',
      agent: false,
      headers: { ...auth(), 'upload-offset': '0', 'content-length': String(data.length) },
    });
    req.on('error', () => {});
    // Once the half is in the socket (on loopback: delivered), cut the connection.
    await new Promise((r) => req.write(data.subarray(0, half), r));
    await new Promise((r) => setTimeout(r, 20));
    req.destroy();
    const offsetNow = async () => (await alice.uploadStatus(id)).offset;
    for (let i = 0; i < 250 && (await offsetNow()) < half; i++) await new Promise((r) => setTimeout(r, 20));

    // What arrived stays staged, but no blob is visible.
    expect(await offsetNow()).toBe(half);
    expect(await hub.blobs.stat(digest)).toBeNull();
    // The client resumes from the server's offset (retrying while the aborted request settles).
    await alice.resumeUpload(id, { path: 'resumed.bin', content: data }, { chunkBytes: 50_000 });
    expect(await hub.blobs.stat(digest)).toEqual({ size: data.length });
    expect((await raw(`${hub.url}/api/uploads/${id}`, { headers: auth() })).status).toBe(404);

    // The uploaded blob can be committed without resending it.
    const head = await alice.head('alice/model');
    const c = await raw(`${hub.url}/api/models/alice/model/commit/main`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        parent: head,
        operations: [{ op: 'add', path: 'resumed.bin', sha256: digest, size: data.length }],
      }),
    });
    expect(c.status).toBe(201);
    expect(readFileSync(await alice.download('alice/model', 'resumed.bin')).equals(data)).toBe(true);
  });

  it('answers a wrong offset with 409 and the real one, and refuses a wrong final hash', async () => {
    const data = bytes(1000, 9);
    const wrong = sha256('nope');
    const s = await raw(`${hub.url}/api/models/alice/model/uploads`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'bad.bin', sha256: wrong, size: data.length }),
    });
    const url = `${hub.url}/api/uploads/${s.json.id}`;
    const first = await raw(url, {
      method: 'PATCH',
      headers: { ...auth(), 'upload-offset': '0' },
      body: data.subarray(0, 400),
    });
    expect(first.json).toMatchObject({ offset: 400, complete: false });
    const skew = await raw(url, {
      method: 'PATCH',
      headers: { ...auth(), 'upload-offset': '0' },
      body: data.subarray(0, 10),
    });
    expect(skew.status).toBe(409);
    expect(skew.json).toMatchObject({ error: 'offset_mismatch', offset: 400 });
    const head = await raw(url, { method: 'HEAD', headers: auth() });
    expect(head.headers['upload-offset']).toBe('400');
    const last = await raw(url, {
      method: 'PATCH',
      headers: { ...auth(), 'upload-offset': '400' },
      body: data.subarray(400),
    });
    expect(last.status).toBe(422);
    expect(last.json.error).toBe('sha256_mismatch');
    expect(await hub.blobs.stat(wrong)).toBeNull();
    expect((await raw(url, { headers: auth() })).status).toBe(404);
    // Too many bytes for the declared size are refused too.
    const s2 = await raw(`${hub.url}/api/models/alice/model/uploads`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'small.bin', sha256: sha256('ab'), size: 2 }),
    });
    const over = await raw(`${hub.url}/api/uploads/${s2.json.id}`, {
      method: 'PATCH',
      headers: { ...auth(), 'upload-offset': '0' },
      body: 'abc',
    });
    expect(over.status).toBe(413);
  });

  it('leaves no partial blob when a one-shot upload is cut off', async () => {
    const data = bytes(300_000, 5);
    const digest = sha256(data);
    const req = request(`${hub.url}/api/models/alice/model/blobs/${digest}?path=cut.bin`, {
      method: 'PUT',
      agent: false,
      headers: { ...auth(), 'content-length': String(data.length) },
    });
    req.on('error', () => {});
    req.write(data.subarray(0, 100_000));
    await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    for (let i = 0; i < 100 && (await hub.leftovers()).length > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await hub.leftovers()).toEqual([]);
    expect(await hub.blobs.stat(digest)).toBeNull();
    // A retry succeeds.
    await alice.uploadBlob('alice/model', { path: 'cut.bin', content: data });
    expect(await hub.blobs.stat(digest)).toEqual({ size: data.length });
  });

  it('uploads big files through resumable sessions and deduplicates blobs', async () => {
    const client = hub.client(aliceToken, { resumableThresholdBytes: 10_000, chunkBytes: 4096 });
    const data = bytes(50_000, 11);
    const r1 = await client.uploadFiles('alice/model', [
      { path: 'chunked.bin', content: data },
      { path: 'copy-of-chunked.bin', content: data },
    ]);
    expect(r1.created).toBe(true);
    const files = await client.listFiles('alice/model');
    const a = files.find((f) => f.path === 'chunked.bin')!;
    const b = files.find((f) => f.path === 'copy-of-chunked.bin')!;
    expect(a.sha256).toBe(b.sha256);
    expect(readFileSync(await client.download('alice/model', 'copy-of-chunked.bin')).equals(data)).toBe(true);
    // Pushing the same content again changes nothing and makes no commit.
    const r2 = await client.uploadFiles('alice/model', [{ path: 'chunked.bin', content: data }]);
    expect(r2).toMatchObject({ created: false, commit: r1.commit });
  });
});
