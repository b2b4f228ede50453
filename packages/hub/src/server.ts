/**
 * `@kindling/hub/server`: the hub server, its storage interfaces and their embedded
 * implementations (SQLite metadata + blob folder), and the `kindling-hub` CLI entry.
 */
export type { BlobStore, ByteRange, PutOptions } from './storage/blob.js';
export type { AuditFilter, CommitInput, MetadataStore, TeamInfo } from './storage/metadata.js';
export { SqliteMetadataStore } from './storage/sqlite.js';
export { FsBlobStore } from './storage/fs-blobs.js';
export { createHubServer, openHubStores, bootstrapAdmin } from './server/server.js';
export type { HubServer, HubServerOptions } from './server/server.js';
export type { HubSettings } from './server/context.js';
export { hashToken } from './server/auth.js';
export { runCli, USAGE } from './cli/main.js';
export type { CliIO } from './cli/main.js';
