/** Interrupted transfers: a server stopped mid-upload, and a flaky network between client and server. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, raw, sha256, startHub, type TestHub } from './helpers.js';
import { STORAGES } from './scale-out.js';

interface Action {
  status?: number;
  corrupt?: boolean;
  cutRequestAfter?: number;
  cutResponseAfter?: number;
}

/** A proxy on 127.0.0.1 that can answer 503, or cut a request or a response after some bytes. */
async function flakyProxy(
  target: string,
  policy: (req: { method: string; url: string; n: number }) => Action,
) {
  const seen: Array<{ method: string; url: string; range?: string }> = [];
  const server: Server = createServer((req, res) => {
    const info = { method: req.method ?? 'GET', url: req.url ?? '/', n: seen.length };
    seen.push({ method: info.method, url: info.url, range: req.headers.range });
    const action = policy(info);
    if (action.status) {
      req.resume();
      res.writeHead(action.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'unavailable', message: 'try again' }));
      return;
    }
    const up = request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers, agent: false },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        if (action.corrupt) {
          let first = true;
          ures.on('data', (c: Buffer) => {
            const out = Buffer.from(c);
            if (first) out[0] ^= 0xff;
            first = false;
            res.write(out);
          });
          ures.on('end', () => res.end());
          return;
        }
        const cut = action.cutResponseAfter;
        if (cut === undefined) return void ures.pipe(res);
        let sent = 0;
        ures.on('data', (c: Buffer) => {
          if (sent >= cut) return;
          const part = c.subarray(0, cut - sent);
          sent += part.length;
          res.write(part);
          // Half-close (FIN, not RST, which could discard bytes the client has not read yet).
          if (sent >= cut) setTimeout(() => res.socket?.end(), 20);
        });
        ures.on('end', () => res.end());
      },
    );
    up.on('error', () => res.destroy());
    const cutReq = action.cutRequestAfter;
    if (cutReq === undefined) return void req.pipe(up);
    let got = 0;
    req.on('data', (c: Buffer) => {
      if (got >= cutReq) return;
      const part = c.subarray(0, cutReq - got);
      got += part.length;
      up.write(part);
      if (got >= cutReq)
        setTimeout(() => {
          up.destroy();
          req.socket.destroy();
        }, 30);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe.each(STORAGES)('a server stopped mid-upload (%s storage)', (storage) => {
  let hub: TestHub;
  let token: string;

  beforeAll(async () => {
    hub = await startHub({}, undefined, storage);
    token = (await hub.user('alice')).token;
    await hub.client(token).createRepo('alice/r');
  });
  afterAll(async () => hub.close());

  it('leaves nothing partial and resumes the upload after a restart', async () => {
    const data = bytes(200_000, 21);
    const digest = sha256(data);
    const auth = { authorization: `Bearer ${token}` };
    const s = await raw(`${hub.url}/api/models/alice/r/uploads`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'w.bin', sha256: digest, size: data.length }),
    });
    const req = request(`${hub.url}/api/uploads/${s.json.id}`, {
      method: 'PATCH',
      agent: false,
      headers: { ...auth, 'upload-offset': '0', 'content-length': String(data.length) },
    });
    req.on('error', () => {});
    await new Promise((r) => req.write(data.subarray(0, 80_000), r));
    // The embedded store shows bytes as they arrive; S3 segments are written when the request ends.
    const client = hub.client(token);
    const until = Date.now() + (storage === 'embedded' ? 3000 : 100);
    while (Date.now() < until && (await client.uploadStatus(s.json.id)).offset < 80_000)
      await new Promise((r) => setTimeout(r, 5));
    // A direct upload is in flight too.
    const other = bytes(100_000, 22);
    const put = request(`${hub.url}/api/models/alice/r/blobs/${sha256(other)}`, {
      method: 'PUT',
      agent: false,
      headers: { ...auth, 'content-length': String(other.length) },
    });
    put.on('error', () => {});
    put.write(other.subarray(0, 50_000));
    await new Promise((r) => setTimeout(r, 30));

    await hub.close({ keep: true });
    hub = await startHub({}, { dir: hub.dir, adminToken: hub.adminToken, location: hub.location }, storage);

    // After the restart: no partial blob anywhere, the session resumes from what was staged.
    expect(await hub.leftovers()).toEqual([]);
    expect(await hub.blobs.stat(sha256(other))).toBeNull();
    expect(await hub.blobs.stat(digest)).toBeNull();
    const resumed = hub.client(token);
    expect((await resumed.uploadStatus(s.json.id)).offset).toBe(80_000);
    await resumed.resumeUpload(s.json.id, { path: 'w.bin', content: data });
    expect(await hub.blobs.stat(digest)).toEqual({ size: data.length });
  });
});

describe('interrupted transfers', () => {
  let hub: TestHub;
  let token: string;

  beforeAll(async () => {
    hub = await startHub();
    token = (await hub.user('alice')).token;
    await hub.client(token).createRepo('alice/r');
  });
  afterAll(async () => hub.close());

  it('refuses corrupted downloads and caches nothing', async () => {
    const data = bytes(10_000, 31);
    await hub.client(token).uploadFiles('alice/r', [{ path: 'c.bin', content: data }]);
    const proxy = await flakyProxy(hub.url, ({ url }) =>
      url.includes('/resolve/') ? { corrupt: true } : {},
    );
    try {
      const client = hub.client(token, { endpoint: proxy.url });
      await expect(client.download('alice/r', 'c.bin')).rejects.toMatchObject({
        status: 422,
        code: 'sha256_mismatch',
      });
      expect(client.cache.hasBlob(sha256(data))).toBe(false);
      expect(existsSync(client.cache.incompletePath(sha256(data)))).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('retries 503s with backoff and resumes cut uploads and downloads', async () => {
    const data = bytes(120_000, 23);
    let patches = 0;
    let downloads = 0;
    let unavailable = 0;
    const proxy = await flakyProxy(hub.url, ({ method, url }) => {
      if (url === '/api/whoami' && unavailable++ < 2) return { status: 503 };
      if (method === 'PATCH' && patches++ === 1) return { cutRequestAfter: 10_000 };
      if (url.includes('/resolve/') && downloads++ === 0) return { cutResponseAfter: 50_000 };
      return {};
    });
    try {
      const client = hub.client(token, {
        endpoint: proxy.url,
        resumableThresholdBytes: 1000,
        chunkBytes: 30_000,
      });
      expect((await client.whoami()).name).toBe('alice');
      expect(proxy.seen.filter((r) => r.url === '/api/whoami')).toHaveLength(3);

      await client.uploadFiles('alice/r', [{ path: 'big.bin', content: data }]);
      expect(patches).toBeGreaterThan(Math.ceil(data.length / 30_000));

      const fresh = hub.client(token, { endpoint: proxy.url });
      const file = await fresh.download('alice/r', 'big.bin');
      expect(readFileSync(file).equals(data)).toBe(true);
      // The cut response was retried (with a Range request when bytes had reached the disk).
      expect(proxy.seen.filter((r) => r.url.includes('/resolve/'))).toHaveLength(2);

      // A partial download left in the cache is resumed with a Range request, and a corrupt one
      // is detected by its hash and fetched again whole.
      const sha = sha256(data);
      for (const [prefix, expectedRanges] of [
        [data.subarray(0, 30_000), ['bytes=30000-']],
        [Buffer.alloc(30_000, 1), ['bytes=30000-', undefined]],
      ] as const) {
        const again = hub.client(token, { endpoint: proxy.url });
        mkdirSync(join(again.cache.root, 'blobs'), { recursive: true });
        writeFileSync(again.cache.incompletePath(sha), prefix);
        const before = proxy.seen.length;
        expect(readFileSync(await again.download('alice/r', 'big.bin')).equals(data)).toBe(true);
        const ranges = proxy.seen
          .slice(before)
          .filter((r) => r.url.includes('/resolve/'))
          .map((r) => r.range);
        expect(ranges).toEqual(expectedRanges);
      }
    } finally {
      await proxy.close();
    }
  });
});
