/**
 * Test helpers: a hub on 127.0.0.1 (port 0) on either storage configuration (embedded: SQLite +
 * blob folder in a temporary folder; scale-out: PostgreSQL + S3, see scale-out.ts), and clients.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubClient, type HubClientOptions } from '../src/client/client.js';
import type { HubSettings } from '../src/server/context.js';
import { bootstrapAdmin, createHubServer, type HubServer, openHubStores } from '../src/server/server.js';
import type { BlobStore } from '../src/storage/blob.js';
import { FsBlobStore } from '../src/storage/fs-blobs.js';
import type { MetadataStore } from '../src/storage/metadata.js';
import { S3BlobStore } from '../src/storage/s3-blobs.js';
import { openScaleOutStores, type ScaleOutLocation, type StorageKind } from './scale-out.js';

/** A running test hub. */
export interface TestHub {
  url: string;
  dir: string;
  server: HubServer;
  /** Which storage configuration. */
  storage: StorageKind;
  /** Where a scale-out hub keeps its data (to reopen it). */
  location?: ScaleOutLocation;
  metadata: MetadataStore;
  blobs: BlobStore;
  adminToken: string;
  /** Unfinished blob writes (temporary files, open multipart uploads): empty once writes settle. */
  leftovers(): Promise<string[]>;
  /** A client with the admin token (its own cache folder). */
  admin: HubClient;
  /** A client for `token` with a fresh cache folder. */
  client(token?: string, extra?: Partial<HubClientOptions>): HubClient;
  /** Creates a user and returns a client with its (admin-scoped) token. */
  user(name: string): Promise<{ client: HubClient; token: string }>;
  /** Stops the server; `keep` leaves the data folder for a restart. */
  close(opts?: { keep?: boolean }): Promise<void>;
}

/** Opens a hub's stores: in `dir/data` (embedded) or at a PostgreSQL schema + S3 prefix (scale-out). */
export async function openStores(
  storage: StorageKind,
  dir: string,
  location?: ScaleOutLocation,
): Promise<{ metadata: MetadataStore; blobs: BlobStore; location?: ScaleOutLocation }> {
  if (storage === 'embedded') return openHubStores(join(dir, 'data'));
  return openScaleOutStores(location);
}

/** Starts a hub in a fresh temporary folder (`reuse`: the folder, token and location of a stopped one). */
export async function startHub(
  settings: Partial<HubSettings> = {},
  reuse?: { dir: string; adminToken: string; location?: ScaleOutLocation },
  storage: StorageKind = 'embedded',
): Promise<TestHub> {
  const dir = reuse?.dir ?? mkdtempSync(join(tmpdir(), 'kindling-hub-test-'));
  const { metadata, blobs, location } = await openStores(storage, dir, reuse?.location);
  const log = process.env.HUB_TEST_LOG ? (l: string) => console.log(l) : undefined;
  const server = createHubServer({ metadata, blobs, ...(log ? { log } : {}), ...settings });
  const adminToken = reuse?.adminToken ?? (await bootstrapAdmin(metadata))!;
  const url = await server.listen(0, '127.0.0.1');
  const client = (token?: string, extra: Partial<HubClientOptions> = {}) =>
    new HubClient({
      endpoint: url,
      token,
      cacheDir: mkdtempSync(join(dir, 'cache-')),
      retryBaseMs: 5,
      ...extra,
    });
  const admin = client(adminToken);
  return {
    url,
    dir,
    server,
    storage,
    location,
    metadata,
    blobs,
    adminToken,
    async leftovers() {
      if (blobs instanceof FsBlobStore) return blobs.tmpEntries();
      if (blobs instanceof S3BlobStore) return blobs.pendingUploads();
      return [];
    },
    admin,
    client,
    async user(name: string) {
      const { token } = await admin.createUser(name);
      return { client: client(token), token };
    },
    async close(opts = {}) {
      await server.close();
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** sha256 (hex) of bytes. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A raw HTTP request (for what the client never sends); resolves to status, headers and JSON/bytes. */
export function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: any;
}> {
  return new Promise((resolve, reject) => {
    // The path is sent as written (a URL object would normalise `%2E%2E` segments away).
    const m = /^http:\/\/([^/:]+):(\d+)(\/.*)$/.exec(url);
    if (!m) throw new Error(`raw(): unsupported URL ${url}`);
    const target = { hostname: m[1], port: Number(m[2]), path: m[3] };
    const req = request(
      { ...target, method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          let json: any = null;
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Bytes of a small valid safetensors file holding one F32 tensor of `n` elements. */
export function safetensorsBytes(n = 4, name = 'w'): Buffer {
  let header = Buffer.from(
    JSON.stringify({ [name]: { dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] } }),
  );
  const pad = (8 - (header.length % 8)) % 8;
  header = Buffer.concat([header, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeUInt32LE(header.length, 0);
  const data = Buffer.from(new Float32Array(Array.from({ length: n }, (_, i) => i * 0.5)).buffer);
  return Buffer.concat([len, header, data]);
}

/** Deterministic pseudo-random bytes. */
export function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
