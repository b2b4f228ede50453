/** The embedded stores (SQLite metadata, folder blobs) against the conformance suites. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../src/storage/fs-blobs.js';
import { SqliteMetadataStore } from '../src/storage/sqlite.js';
import { blobStoreSuite } from './conformance/blob-store.js';
import { metadataStoreSuite } from './conformance/metadata-store.js';

/** Every temporary folder of this file lives under one root, removed at the end. */
const root = mkdtempSync(join(tmpdir(), 'kindling-hub-stores-'));
const temp = (prefix: string) => mkdtempSync(join(root, prefix));
afterAll(() => rmSync(root, { recursive: true, force: true }));

metadataStoreSuite('SQLite (in memory)', async () => new SqliteMetadataStore(':memory:'));
blobStoreSuite('folder', async () => new FsBlobStore(temp('blobs-')));

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
});
