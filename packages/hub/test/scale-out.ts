/**
 * The storage configurations the hub tests run on: `embedded` (SQLite + blob folder) always, and
 * `scale-out` (PostgreSQL + S3) when test/setup/services.ts could start the servers. Each call of
 * {@link openScaleOutStores} gets fresh, empty stores: its own PostgreSQL schema and S3 key prefix.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { PgMetadataStore } from '../src/storage/postgres.js';
import { S3BlobStore } from '../src/storage/s3-blobs.js';

/** A storage configuration. */
export type StorageKind = 'embedded' | 'scale-out';

/** The servers of the scale-out configuration, or why they are not there. */
export const services = inject('hubServices');

if (!services.available) console.warn(`[hub] scale-out storage tests skipped: ${services.reason}`);

/** Every configuration the tests can run on here. */
export const STORAGES: StorageKind[] = services.available ? ['embedded', 'scale-out'] : ['embedded'];

/** Where one scale-out hub keeps its data (pass it again to reopen the same hub). */
export interface ScaleOutLocation {
  /** PostgreSQL schema. */
  schema: string;
  /** S3 key prefix. */
  prefix: string;
}

/** A fresh location (unique schema and prefix). */
export function newLocation(): ScaleOutLocation {
  const id = `t${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  return { schema: `hub_${id}`, prefix: `${id}/` };
}

/** Opens PostgreSQL + S3 stores at a location (a fresh one by default). */
export async function openScaleOutStores(
  loc: ScaleOutLocation = newLocation(),
  opts: { partBytes?: number } = {},
) {
  if (!services.available) throw new Error(`scale-out stores unavailable: ${services.reason}`);
  const metadata = await PgMetadataStore.open({
    connectionString: services.pgUrl,
    schema: loc.schema,
    max: 8,
  });
  const blobs = await S3BlobStore.open({
    ...services.s3,
    prefix: loc.prefix,
    partBytes: opts.partBytes ?? 5 * 1024 * 1024,
  });
  return { metadata, blobs, location: loc };
}
