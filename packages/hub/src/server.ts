/**
 * `@kindling/hub/server`: the hub server, its storage interfaces and their implementations
 * (embedded: SQLite metadata + blob folder; scale-out: PostgreSQL + S3), and the `kindling-hub`
 * CLI entry.
 */
export type { BlobStat, BlobStore, ByteRange, PutOptions, PutResult } from './storage/blob.js';
export type {
  AuditFilter,
  CommitInput,
  Membership,
  MetadataStore,
  OrgMember,
  TeamInfo,
  TeamRepoGrant,
} from './storage/metadata.js';
export { SqliteMetadataStore } from './storage/sqlite.js';
export { FsBlobStore } from './storage/fs-blobs.js';
export { PgMetadataStore } from './storage/postgres.js';
export type { PgMetadataStoreOptions } from './storage/postgres.js';
export { S3BlobStore } from './storage/s3-blobs.js';
export type { S3BlobStoreOptions } from './storage/s3-blobs.js';
export { S3Client, S3Error } from './storage/s3-client.js';
export type {
  S3Config,
  S3MultipartUpload,
  S3ObjectHead,
  S3ObjectSummary,
  S3Request,
  S3Response,
} from './storage/s3-client.js';
export { createHubServer, openHubStores, openScaleOutStores, bootstrapAdmin } from './server/server.js';
export type { HubServer, HubServerOptions } from './server/server.js';
export type { HubSettings, HubStores } from './server/context.js';
export { hashToken } from './server/auth.js';
export { runCli, USAGE } from './cli/main.js';
export type { CliIO } from './cli/main.js';
