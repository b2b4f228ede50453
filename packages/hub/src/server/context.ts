/**
 * What every route handler gets: the request, the response, the resolved server settings and
 * stores, the authenticated caller, plus helpers shared by the routes (bounded JSON bodies, audit
 * entries, revision resolution).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, NotFoundError } from '../errors.js';
import type { Commit, NewAuditEntry, Repo } from '../model/types.js';
import type { BlobStore } from '../storage/blob.js';
import type { MetadataStore } from '../storage/metadata.js';
import type { Caller } from './auth.js';
import { readJson } from './http.js';

/** Limits and knobs of a hub server (all optional in {@link HubServerOptions}). */
export interface HubSettings {
  /** Largest JSON request body (default 1 MiB). */
  maxJsonBytes: number;
  /** Largest JSON body of a commit or preupload request, which lists files (default 16 MiB). */
  maxCommitJsonBytes: number;
  /** Largest file (default 50 GiB). */
  maxFileBytes: number;
  /** Largest `.safetensors` header accepted (default 16 MiB). */
  maxSafetensorsHeaderBytes: number;
  /** Largest number of operations in one commit (default 100 000). */
  maxCommitOperations: number;
  /** Files above this size should use resumable upload sessions (a hint to clients; default 64 MiB). */
  resumableThresholdBytes: number;
  /** Chunk size clients should use for resumable uploads (a hint; default 16 MiB). */
  chunkBytes: number;
  /** Lifetime of an upload session (default 24 h). */
  uploadTtlMs: number;
  /** Access log sink (default: none). */
  log: (line: string) => void;
}

/** The two stores a hub keeps its state in; `M` and `B` name the implementations when known. */
export interface HubStores<M extends MetadataStore = MetadataStore, B extends BlobStore = BlobStore> {
  /** Users, organisations, tokens, repos, commits, refs, upload sessions and the audit log. */
  metadata: M;
  /** File contents, content-addressed by sha256. */
  blobs: B;
}

/** A hub server's settings plus its stores. */
export interface Hub extends HubSettings, HubStores {}

/** Per-request context passed to route handlers. */
export interface Ctx {
  /** The request. */
  req: IncomingMessage;
  /** The response. */
  res: ServerResponse;
  /** The parsed request URL. */
  url: URL;
  /** Server settings and stores. */
  hub: Hub;
  /** The authenticated caller (null when anonymous). */
  caller: Caller | null;
}

/** Reads the request's JSON body as an object (400 when it is not one); `limit` defaults to `maxJsonBytes`. */
export async function jsonBody(ctx: Ctx, limit = ctx.hub.maxJsonBytes): Promise<Record<string, unknown>> {
  const body = await readJson(ctx.req, limit);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestError('request body must be a JSON object', 'invalid_json');
  return body as Record<string, unknown>;
}

/** An audit entry attributed to the request's caller. */
export function auditEntry(
  ctx: Ctx,
  action: string,
  target: string,
  details: Record<string, unknown> = {},
): NewAuditEntry {
  return {
    actor: ctx.caller?.user.name ?? null,
    tokenId: ctx.caller?.token.id ?? null,
    action,
    target,
    details,
  };
}

/** `owner/name` of a repo. */
export function repoId(repo: Repo): string {
  return `${repo.owner}/${repo.name}`;
}

/**
 * Resolves a revision: a branch, then a tag, then a full commit id or a unique prefix of at least
 * 7 hex digits. 404 `revision_not_found` otherwise.
 */
export async function resolveRevision(
  store: MetadataStore,
  repo: Repo,
  revision: string,
): Promise<{ commit: Commit; kind: 'branch' | 'tag' | 'commit' }> {
  for (const kind of ['branch', 'tag'] as const) {
    const ref = await store.getRef(repo.id, kind, revision);
    if (ref) {
      const commit = await store.getCommit(repo.id, ref.commitId);
      if (commit) return { commit, kind };
    }
  }
  if (/^[0-9a-f]{7,64}$/.test(revision)) {
    const ids = await store.findCommits(repo.id, revision, 2);
    if (ids.length === 1) {
      const commit = await store.getCommit(repo.id, ids[0]);
      if (commit) return { commit, kind: 'commit' };
    }
    if (ids.length > 1)
      throw new BadRequestError(`revision '${revision}' is ambiguous`, 'ambiguous_revision');
  }
  throw new NotFoundError(`revision '${revision}' not found in '${repoId(repo)}'`, 'revision_not_found');
}

/** Parses a positive integer query parameter with a default and a ceiling. */
export function intParam(ctx: Ctx, name: string, def: number, max: number): number {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null) return def;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new BadRequestError(`query parameter ${name} must be a positive integer`, 'bad_query');
  return Math.min(n, max);
}
