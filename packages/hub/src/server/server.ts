/**
 * The hub server: `node:http` plus the route table. {@link createHubServer} wires stores and
 * settings; {@link openHubStores} opens the embedded default (SQLite file + blob folder) in a
 * data directory and {@link openScaleOutStores} the scale-out one (PostgreSQL + S3), which several
 * server processes can share; {@link bootstrapAdmin} creates the first admin and its token on an
 * empty hub.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { HubError } from '../errors.js';
import { DEFAULT_MAX_SAFETENSORS_HEADER } from '../model/safetensors-header.js';
import { FsBlobStore } from '../storage/fs-blobs.js';
import type { MetadataStore } from '../storage/metadata.js';
import { PgMetadataStore, type PgMetadataStoreOptions } from '../storage/postgres.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../storage/s3-blobs.js';
import { SqliteMetadataStore } from '../storage/sqlite.js';
import { authenticate, cookieCaller, hashToken, newTokenId, newTokenSecret } from './auth.js';
import type { Ctx, Hub, HubSettings, HubStores } from './context.js';
import { Router, sendError, sendJson } from './http.js';
import { buildOpenApi } from './openapi.js';
import { accountRoutes } from './routes/account.js';
import { fileRoutes } from './routes/files.js';
import { repoRoutes } from './routes/repos.js';
import { sweepExpiredUploads, uploadRoutes } from './routes/uploads.js';
import { sendHtmlError, webRoutes } from './routes/web.js';

/** Options of {@link createHubServer}: the stores plus any {@link HubSettings} to override. */
export interface HubServerOptions extends Partial<HubSettings>, HubStores {
  /** Close idle or stalled connections after this long without traffic (default 120 s). */
  idleTimeoutMs?: number;
}

/** A running (or ready to run) hub server. */
export interface HubServer {
  /** The underlying `node:http` server. */
  readonly server: Server;
  /** Settings and stores in effect. */
  readonly hub: Hub;
  /** The route table (also the source of `/api/openapi.json`). */
  readonly router: Router<Ctx>;
  /** Starts listening (port 0: any free port); resolves to the base URL, e.g. `http://127.0.0.1:4321`. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting connections, closes open ones, lets their handlers unwind (up to 10 s) and closes the stores. */
  close(): Promise<void>;
}

const DEFAULTS: HubSettings = {
  maxJsonBytes: 1024 * 1024,
  maxCommitJsonBytes: 16 * 1024 * 1024,
  maxFileBytes: 50 * 1024 ** 3,
  maxSafetensorsHeaderBytes: DEFAULT_MAX_SAFETENSORS_HEADER,
  maxCommitOperations: 100_000,
  resumableThresholdBytes: 64 * 1024 * 1024,
  chunkBytes: 16 * 1024 * 1024,
  uploadTtlMs: 24 * 3600 * 1000,
  log: () => {},
};

/** Creates a hub server over the given stores (it does not listen yet). */
export function createHubServer(options: HubServerOptions): HubServer {
  const { metadata, blobs, idleTimeoutMs = 120_000, ...settings } = options;
  const hub: Hub = { ...DEFAULTS, ...settings, metadata, blobs };
  const router = new Router<Ctx>();
  router.add(...accountRoutes, ...repoRoutes, ...uploadRoutes(), ...fileRoutes, ...webRoutes);
  router.add({
    method: 'GET',
    path: '/api/openapi.json',
    summary: 'This API, as an OpenAPI 3.1 description',
    tag: 'server',
    auth: 'none',
    response: { status: 200 },
    handler: async (ctx) => sendJson(ctx.res, 200, openapi),
  });
  const openapi = buildOpenApi(router.routes);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const started = Date.now();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    // The raw path, not WHATWG-normalised: `%2E%2E` must reach the path checks, not be resolved away.
    const pathname = q < 0 ? target : target.slice(0, q);
    const url = new URL(q < 0 ? '' : target.slice(q), 'http://hub.invalid');
    let html = false;
    try {
      if (!pathname.startsWith('/'))
        throw new HubError(400, 'bad_url', 'request target must be an absolute path');
      const { def, params } = router.match(req.method ?? 'GET', pathname);
      html = def.html === true;
      let caller = await authenticate(req, metadata);
      if (!caller && def.cookieAuth && (req.method === 'GET' || req.method === 'HEAD'))
        caller = await cookieCaller(req, metadata);
      await def.handler({ req, res, url, hub, caller }, params);
    } catch (err) {
      if (req.destroyed && res.destroyed) return;
      const e =
        err instanceof HubError
          ? err
          : (err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as Error).message === 'aborted'
            ? new HubError(400, 'aborted', 'request aborted')
            : new HubError(500, 'internal_error', 'internal server error');
      if (e.status === 500) hub.log(`error: ${(err as Error).stack ?? String(err)}`);
      if (!res.destroyed) {
        if (html && !res.headersSent) sendHtmlError(req, res, e);
        else sendError(req, res, e);
      }
    } finally {
      hub.log(`${req.method} ${pathname} ${res.statusCode} ${Date.now() - started}ms`);
    }
  }

  // Requests being handled: close() lets them finish unwinding (releasing upload leases, aborting
  // partial writes) before it closes the stores.
  const inflight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const p = handle(req, res);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  // Large uploads may take long: no total-request deadline, but idle connections are closed.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  server.setTimeout(idleTimeoutMs);

  let sweeper: NodeJS.Timeout | null = null;
  return {
    server,
    hub,
    router,
    async listen(port = 0, host = '127.0.0.1') {
      await sweepExpiredUploads(hub);
      sweeper = setInterval(() => void sweepExpiredUploads(hub).catch(() => {}), 3600_000);
      sweeper.unref();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address() as AddressInfo;
      const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return `http://${h}:${addr.port}`;
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (inflight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inflight]),
          new Promise((r) => {
            timer = setTimeout(r, 10_000);
          }),
        ]);
        clearTimeout(timer);
      }
      await metadata.close();
      await blobs.close();
    },
  };
}

/** Opens the embedded stores in a data directory: `hub.db` (SQLite) and `blobs/` (the blob folder). */
export function openHubStores(dataDir: string): HubStores<SqliteMetadataStore, FsBlobStore> {
  mkdirSync(dataDir, { recursive: true });
  return {
    metadata: new SqliteMetadataStore(join(dataDir, 'hub.db')),
    blobs: new FsBlobStore(join(dataDir, 'blobs')),
  };
}

/**
 * Opens the scale-out stores: metadata in PostgreSQL (schema created when missing) and blobs in an
 * S3-compatible bucket (created when missing). Any number of server processes may open the same
 * pair and serve one hub.
 */
export async function openScaleOutStores(opts: {
  postgres: PgMetadataStoreOptions;
  s3: S3BlobStoreOptions;
}): Promise<HubStores<PgMetadataStore, S3BlobStore>> {
  const metadata = await PgMetadataStore.open(opts.postgres);
  try {
    return { metadata, blobs: await S3BlobStore.open(opts.s3) };
  } catch (err) {
    await metadata.close();
    throw err;
  }
}

/**
 * On a hub with no users, creates the site admin `name` and an admin-scoped token (the given
 * secret, or a fresh one) and returns the secret; returns null when users exist.
 */
export async function bootstrapAdmin(
  metadata: MetadataStore,
  opts: { name?: string; token?: string } = {},
): Promise<string | null> {
  if ((await metadata.countUsers()) > 0) return null;
  const name = opts.name ?? 'admin';
  const user = await metadata.createUser(name, {
    isAdmin: true,
    audit: {
      actor: null,
      tokenId: null,
      action: 'user.create',
      target: `user:${name}`,
      details: { isAdmin: true, bootstrap: true },
    },
  });
  const secret = opts.token ?? newTokenSecret();
  await metadata.createToken({
    id: newTokenId(),
    userId: user.id,
    name: 'bootstrap',
    scope: 'admin',
    hash: hashToken(secret),
  });
  return secret;
}
