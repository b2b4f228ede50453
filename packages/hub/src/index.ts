/**
 * Public surface of @kindling/hub: the client (`HubClient`), the data model, model cards, name and
 * path validation, and errors. The server and its stores live in `@kindling/hub/server` so that
 * importing the client never loads the SQLite native module.
 */
export { VERSION } from './version.js';
export * from './errors.js';
export * from './validate.js';
export * from './model/types.js';
export * from './model/card.js';
export * from './model/safetensors-header.js';
export { HubClient, folderSources } from './client/client.js';
export type {
  CommitResult,
  HubClientOptions,
  LogEntry,
  UploadOptions,
  UploadSource,
} from './client/client.js';
export { LocalCache, safeJoin } from './client/cache.js';
