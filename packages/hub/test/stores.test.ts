/**
 * Both storage configurations against the conformance suites: the embedded stores (SQLite
 * metadata, folder blobs) and the scale-out ones (PostgreSQL, S3), plus store-specific checks.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../src/storage/fs-blobs.js';
import { SqliteMetadataStore } from '../src/storage/sqlite.js';
import { blobStoreSuite } from './conformance/blob-store.js';
import { metadataStoreSuite } from './conformance/metadata-store.js';
import { newLocation, openScaleOutStores, services } from './scale-out.js';

/** Every temporary folder of this file lives under one root, removed at the end. */
const root = mkdtempSync(join(tmpdir(), 'kindling-hub-stores-'));
const temp = (prefix: string) => mkdtempSync(join(root, prefix));
afterAll(() => rmSync(root, { recursive: true, force: true }));

metadataStoreSuite('SQLite (in memory)', async () => new SqliteMetadataStore(':memory:'));
blobStoreSuite('folder', async () => new FsBlobStore(temp('blobs-')));

describe.skipIf(!services.available)('scale-out stores', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of open) await s.close();
  });
  const fresh = async () => {
    const stores = await openScaleOutStores();
    open.push(stores.metadata, stores.blobs);
    return stores;
  };
  metadataStoreSuite('PostgreSQL', async () => (await fresh()).metadata);
  blobStoreSuite('S3 (Swift)', async () => (await fresh()).blobs);

  it('creates its schema once for processes starting together and checks its version', async () => {
    const loc = newLocation();
    const [a, b] = await Promise.all([openScaleOutStores(loc), openScaleOutStores(loc)]);
    open.push(a.metadata, a.blobs, b.metadata, b.blobs);
    await a.metadata.createUser('alice');
    expect((await b.metadata.getNamespace('ALICE'))?.kind).toBe('user');
    await a.metadata.pool.query("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    await expect(openScaleOutStores(loc)).rejects.toThrow(/schema version 99/);
  });

  it('leaves no multipart upload behind when a large write fails', async () => {
    const { blobs } = await fresh();
    const big = Buffer.alloc(6 * 1024 * 1024 + 3, 1);
    await expect(blobs.put(Readable.from([big]), { sha256: 'a'.repeat(64) })).rejects.toMatchObject({
      code: 'sha256_mismatch',
    });
    expect(await blobs.pendingUploads()).toEqual([]);
  });
});

describe('embedded stores on disk', () => {
  it('removes leftovers of interrupted writes on open but keeps staged uploads', () => {
    const dir = temp('blobs-');
    new FsBlobStore(dir);
    writeFileSync(join(dir, 'tmp', 'partial-write'), 'half a blob');
    writeFileSync(join(dir, 'staging', 'up_keepme1'), 'staged');
    const reopened = new FsBlobStore(dir);
    expect(reopened.tmpEntries()).toEqual([]);
    expect(existsSync(join(dir, 'staging', 'up_keepme1'))).toBe(true);
  });

  it('persists metadata across reopening and refuses a newer schema', async () => {
    const file = join(temp('meta-'), 'hub.db');
    const a = new SqliteMetadataStore(file);
    await a.createUser('alice');
    await a.close();
    const b = new SqliteMetadataStore(file);
    expect((await b.getNamespace('alice'))?.kind).toBe('user');
    b.db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    await b.close();
    expect(() => new SqliteMetadataStore(file)).toThrow(/schema version 99/);
  });

  it('migrates a version 1 database (no upload leases) in place', async () => {
    const file = join(temp('meta-'), 'hub.db');
    const a = new SqliteMetadataStore(file);
    const u = await a.createUser('alice');
    const repo = await a.createRepo({ ownerId: u.id, name: 'r', private: false });
    a.db.exec('ALTER TABLE uploads DROP COLUMN lease_holder; ALTER TABLE uploads DROP COLUMN lease_until');
    a.db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema_version'").run();
    await a.close();
    const b = new SqliteMetadataStore(file);
    await b.createUpload({
      id: 'up_migrated',
      repoId: repo.id,
      userId: u.id,
      path: 'x',
      sha256: 'a'.repeat(64),
      size: 1,
      createdAt: new Date().toISOString(),
      expiresAt: '2999-01-01T00:00:00.000Z',
    });
    expect(
      await b.leaseUpload('up_migrated', 'h', '2999-01-01T00:00:00.000Z', new Date().toISOString()),
    ).toBe(true);
    expect(b.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({ value: '2' });
    await b.close();
  });
});
