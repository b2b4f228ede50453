/**
 * Public surface of @kindling/hub: the client (`HubClient`), `pushToHub` / `fromHub` with the
 * architecture registry, the data model, model cards, name and path validation, and errors. The server and its stores live in `@kindling/hub/server` so that
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
  ContentSource,
  FileSource,
  HubClientOptions,
  LogEntry,
  UploadOptions,
  UploadSource,
} from './client/client.js';
export type {
  BranchResult,
  CreatedRepo,
  CreatedToken,
  CreatedUser,
  Manifest,
  OrgMembership,
  RefTarget,
  RepoListing,
  RepoRefs,
  TagResult,
  TokenInfo,
  UploadedBlob,
  UploadStatus,
  WhoAmI,
} from './client/responses.js';
export { LocalCache, safeJoin } from './client/cache.js';
export { pushToHub, fromHub } from './nn/hub-models.js';
export type { PushToHubOptions, FromHubOptions } from './nn/hub-models.js';
export {
  registerArchitecture,
  unregisterArchitecture,
  listArchitectures,
  architectureRegistry,
} from './nn/architectures.js';
export type { ArchitectureFactory, ArchitectureEntry } from './nn/architectures.js';
export { renderMarkdown, escapeHtml } from './web/markdown.js';
