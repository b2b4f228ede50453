/**
 * `HubClient`: the programmatic client of a Kindling hub. Uploads hash files locally (streaming),
 * ask the server which blobs it lacks, send those (one streamed `PUT`, or a resumable session in
 * chunks for large files), then commit everything as one atomic commit based on the branch head.
 * Downloads land in a local content-addressed cache ({@link LocalCache}), verified against their
 * sha256, resumed with `Range` after an interruption, and usable offline. Idempotent requests are
 * retried with exponential backoff and jitter on network errors and 429/502/503/504.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  ConflictError,
  errorFromResponse,
  HubError,
  IntegrityError,
  NotFoundError,
  OfflineError,
} from '../errors.js';
import type { AuditEntry, FileEntry, Role } from '../model/types.js';
import { checkPath, parseRepoId } from '../validate.js';
import { LocalCache } from './cache.js';
import type {
  BranchResult,
  CreatedRepo,
  CreatedToken,
  CreatedUser,
  Manifest,
  RepoListing,
  RepoRefs,
  TagResult,
  TokenInfo,
  UploadedBlob,
  UploadStatus,
  WhoAmI,
} from './responses.js';
import { type Body, isRetryableNetworkError, readAll, send, type TransportResponse } from './transport.js';

/** Options of {@link HubClient}. */
export interface HubClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  /** Bearer token (omit for anonymous access to public repos). */
  token?: string;
  /** Local cache folder (default `$KINDLING_HUB_CACHE` or `~/.cache/kindling-hub`). */
  cacheDir?: string;
  /** Never touch the network: resolve and read only from the cache (default `$KINDLING_HUB_OFFLINE=1`). */
  offline?: boolean;
  /** Retries of a failed idempotent request (default 4). */
  retries?: number;
  /** First backoff delay in ms, doubled each retry, with jitter (default 250). */
  retryBaseMs?: number;
  /** Longest backoff delay in ms (default 10 000). */
  retryMaxMs?: number;
  /** Files above this size go through resumable sessions (default: the server's hint). */
  resumableThresholdBytes?: number;
  /** Chunk size of resumable uploads (default: the server's hint). */
  chunkBytes?: number;
  /** Abort a request after this long without traffic (default 60 s). */
  idleTimeoutMs?: number;
}

/** A file to upload from memory. */
export interface ContentSource {
  /** Where the file goes in the repo (`/`-separated, checked like every repo path). */
  path: string;
  /** The file's bytes; a string is encoded as UTF-8. */
  content: Uint8Array | string;
}

/** A file to upload from the local disk: streamed (hashed, then sent), never loaded whole. */
export interface FileSource {
  /** Where the file goes in the repo (`/`-separated, checked like every repo path). */
  path: string;
  /** The local file to read. */
  file: string;
}

/** A file to upload: bytes in memory, or a local file (streamed, never loaded whole). */
export type UploadSource = ContentSource | FileSource;

/** Options of {@link HubClient.uploadFiles}. */
export interface UploadOptions {
  /** Branch to commit to (default `main`). */
  branch?: string;
  /** Commit message (default `Upload files`). */
  message?: string;
  /** The head this commit builds on (default: the branch's current head; null: a new branch). */
  parent?: string | null;
  /** Paths to delete in the same commit. */
  deletes?: string[];
  /** Start from an empty tree: files not uploaded now are removed (default false). */
  replace?: boolean;
}

/** What a commit produced. */
export interface CommitResult {
  /** The new head (the old one when nothing changed). */
  commit: string;
  /** The commit it is based on. */
  parent: string | null;
  /** The branch. */
  branch: string;
  /** False when the upload changed nothing (no commit was made). */
  created: boolean;
}

/** One entry of {@link HubClient.log}. */
export interface LogEntry {
  /** Commit id. */
  id: string;
  /** First line of the message. */
  title: string;
  /** Full message. */
  message: string;
  /** Authors (one: the user whose token made the commit). */
  authors: Array<{
    /** The author's user name. */
    user: string;
  }>;
  /** ISO date. */
  date: string;
  /** Parent ids. */
  parents: string[];
}

interface Prepared {
  path: string;
  sha256: string;
  size: number;
  open: (start?: number, end?: number) => Readable;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

async function prepare(src: UploadSource): Promise<Prepared> {
  const path = checkPath(src.path);
  if ('content' in src) {
    const buf = typeof src.content === 'string' ? Buffer.from(src.content, 'utf8') : Buffer.from(src.content);
    return {
      path,
      sha256: createHash('sha256').update(buf).digest('hex'),
      size: buf.length,
      open: (start = 0, end = buf.length) => Readable.from([buf.subarray(start, end)]),
    };
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const c of createReadStream(src.file)) {
    hash.update(c as Buffer);
    size += (c as Buffer).length;
  }
  const file = src.file;
  return {
    path,
    sha256: hash.digest('hex'),
    size,
    open: (start = 0, end = size) =>
      end <= start ? Readable.from([]) : createReadStream(file, { start, end: end - 1 }),
  };
}

/** Lists a local folder's files as upload sources (skipping dot-files and symlinks by default). */
export function folderSources(
  dir: string,
  opts: { pathInRepo?: string; ignore?: (relPath: string) => boolean } = {},
): UploadSource[] {
  const ignore = opts.ignore ?? ((rel: string) => rel.split('/').some((s) => s.startsWith('.')));
  const prefix = opts.pathInRepo ? `${opts.pathInRepo.replace(/\/+$/, '')}/` : '';
  const out: UploadSource[] = [];
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      if (ignore(childRel)) continue;
      const childAbs = join(abs, name);
      const st = lstatSync(childAbs);
      if (st.isDirectory()) walk(childAbs, childRel);
      else if (st.isFile()) out.push({ path: `${prefix}${childRel}`, file: childAbs });
    }
  };
  walk(dir, '');
  return out;
}

/** Client of a Kindling hub server. */
export class HubClient {
  /** Server base URL (no trailing slash). */
  readonly endpoint: string;
  /** The local download cache. */
  readonly cache: LocalCache;
  /** Offline mode: only the cache is used. */
  offline: boolean;
  private readonly token: string | undefined;
  private readonly opts: HubClientOptions;

  /** Creates a client; nothing is sent until a method is called. */
  constructor(opts: HubClientOptions) {
    this.opts = opts;
    this.endpoint = opts.endpoint.replace(/\/+$/, '');
    this.token = opts.token;
    this.offline = opts.offline ?? process.env.KINDLING_HUB_OFFLINE === '1';
    this.cache = new LocalCache(
      opts.cacheDir ?? process.env.KINDLING_HUB_CACHE ?? join(homedir(), '.cache', 'kindling-hub'),
    );
  }

  // ---------------------------------------------------------------- transport

  private backoff(attempt: number, retryAfter?: string | string[]): number {
    const ra = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    const max = this.opts.retryMaxMs ?? 10_000;
    if (Number.isFinite(ra) && ra > 0) return Math.min(ra * 1000, max);
    const base = (this.opts.retryBaseMs ?? 250) * 2 ** attempt;
    return Math.min(max, base / 2 + Math.random() * (base / 2));
  }

  /**
   * Sends a request with retries: `idempotent` requests retry on network errors and 429/5xx
   * gateway statuses; `status` ones only on 429/503 (the server did not act); `none` never.
   * Throws the matching {@link HubError} for error statuses.
   */
  private async request(
    method: string,
    path: string,
    opts: {
      json?: unknown;
      body?: Body;
      headers?: Record<string, string>;
      retry?: 'idempotent' | 'status' | 'none';
    } = {},
  ): Promise<TransportResponse> {
    if (this.offline) throw new OfflineError(`offline mode: cannot ${method} ${path}`);
    const retry =
      opts.retry ??
      (method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE'
        ? 'idempotent'
        : 'status');
    const headers: Record<string, string> = { 'user-agent': 'kindling-hub-client', ...opts.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    const retries = this.opts.retries ?? 4;
    for (let attempt = 0; ; attempt++) {
      let res: TransportResponse;
      try {
        res = await send({
          method,
          url: this.endpoint + path,
          headers,
          body,
          idleTimeoutMs: this.opts.idleTimeoutMs,
        });
      } catch (err) {
        if (retry === 'idempotent' && attempt < retries && isRetryableNetworkError(err)) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw err;
      }
      const retryable =
        retry === 'idempotent'
          ? RETRY_STATUS.has(res.status)
          : retry === 'status' && (res.status === 429 || res.status === 503);
      if (retryable && attempt < retries) {
        res.body.resume();
        await sleep(this.backoff(attempt, res.headers['retry-after']));
        continue;
      }
      if (res.status >= 400) {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse((await readAll(res.body, 1024 * 1024)).toString('utf8'));
        } catch {
          // not JSON
        }
        throw errorFromResponse(res.status, parsed, `HTTP ${res.status} from ${method} ${path}`);
      }
      return res;
    }
  }

  private async json<T>(
    method: string,
    path: string,
    opts: Parameters<HubClient['request']>[2] = {},
  ): Promise<T> {
    const res = await this.request(method, path, opts);
    const buf = await readAll(res.body);
    return (buf.length ? JSON.parse(buf.toString('utf8')) : null) as T;
  }

  private repoPath(repo: string): string {
    const { owner, name } = parseRepoId(repo);
    return `/api/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  }

  // ---------------------------------------------------------------- account

  /** The caller (`{ name, isAdmin, orgs, auth }`). */
  async whoami(): Promise<WhoAmI> {
    return this.json('GET', '/api/whoami');
  }

  /** Creates a token for the caller; `token` (the secret) is returned only here. */
  async createToken(name: string, scope: Role): Promise<CreatedToken> {
    return this.json('POST', '/api/tokens', { json: { name, scope } });
  }

  /** The caller's tokens (no secrets). */
  async listTokens(): Promise<TokenInfo[]> {
    return this.json('GET', '/api/tokens');
  }

  /** Revokes a token by id. */
  async revokeToken(id: string): Promise<TokenInfo> {
    return this.json('DELETE', `/api/tokens/${encodeURIComponent(id)}`);
  }

  /** Creates a user and returns its first (admin-scoped) token (site admins only). */
  async createUser(name: string, opts: { isAdmin?: boolean } = {}): Promise<CreatedUser> {
    return this.json('POST', '/api/users', { json: { name, isAdmin: opts.isAdmin ?? false } });
  }

  /** Creates an organisation (the caller becomes its admin). */
  async createOrg(name: string): Promise<unknown> {
    return this.json('POST', '/api/orgs', { json: { name } });
  }

  /** Sets a user's role in an organisation (null removes them). */
  async setOrgMember(org: string, user: string, role: Role | null): Promise<unknown> {
    const path = `/api/orgs/${encodeURIComponent(org)}/members/${encodeURIComponent(user)}`;
    return role === null ? this.json('DELETE', path) : this.json('PUT', path, { json: { role } });
  }

  /** Creates a team in an organisation. */
  async createTeam(org: string, team: string): Promise<unknown> {
    return this.json('POST', `/api/orgs/${encodeURIComponent(org)}/teams`, { json: { name: team } });
  }

  /** Adds (or with `member` false removes) a user to a team. */
  async setTeamMember(org: string, team: string, user: string, member = true): Promise<unknown> {
    const path = `/api/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(user)}`;
    return this.json(member ? 'PUT' : 'DELETE', path);
  }

  /** Grants a team a role on one of the organisation's repos (null removes the grant). */
  async setTeamRepo(org: string, team: string, repoName: string, role: Role | null): Promise<unknown> {
    const path = `/api/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(team)}/repos/${encodeURIComponent(repoName)}`;
    return role === null ? this.json('DELETE', path) : this.json('PUT', path, { json: { role } });
  }

  // ---------------------------------------------------------------- repos

  /** Creates `owner/name` (owner: you or an organisation where you have write). */
  async createRepo(repo: string, opts: { private?: boolean } = {}): Promise<CreatedRepo> {
    const { owner, name } = parseRepoId(repo);
    return this.json('POST', '/api/repos/create', {
      json: { name, organization: owner, private: opts.private ?? false },
    });
  }

  /** Repo info (Hugging Face's shape: `sha`, `siblings`, `cardData`, ...). */
  async repoInfo(repo: string, opts: { revision?: string } = {}): Promise<Record<string, any>> {
    const base = this.repoPath(repo);
    return this.json('GET', opts.revision ? `${base}/revision/${encodeURIComponent(opts.revision)}` : base);
  }

  /** Repos visible to the caller. */
  async listRepos(opts: { author?: string; search?: string } = {}): Promise<RepoListing[]> {
    const q = new URLSearchParams();
    if (opts.author) q.set('author', opts.author);
    if (opts.search) q.set('search', opts.search);
    const qs = q.toString();
    return this.json('GET', `/api/models${qs ? `?${qs}` : ''}`);
  }

  /** Changes a repo's visibility (repo admins). */
  async setPrivate(repo: string, isPrivate: boolean): Promise<unknown> {
    return this.json('PUT', `${this.repoPath(repo)}/settings`, { json: { private: isPrivate } });
  }

  /** Deletes a repo (repo admins). */
  async deleteRepo(repo: string): Promise<unknown> {
    return this.json('DELETE', this.repoPath(repo));
  }

  /** Branches and tags. */
  async refs(repo: string): Promise<RepoRefs> {
    return this.json('GET', `${this.repoPath(repo)}/refs`);
  }

  /** Tags a revision (default `main`); tags are immutable. */
  async tag(
    repo: string,
    tag: string,
    opts: { revision?: string; message?: string } = {},
  ): Promise<TagResult> {
    return this.json('POST', `${this.repoPath(repo)}/tag/${encodeURIComponent(opts.revision ?? 'main')}`, {
      json: { tag, message: opts.message },
    });
  }

  /** Deletes a tag (repo admins). */
  async deleteTag(repo: string, tag: string): Promise<unknown> {
    return this.json('DELETE', `${this.repoPath(repo)}/tag/${encodeURIComponent(tag)}`);
  }

  /** Creates a branch at a revision (default `main`). */
  async createBranch(repo: string, branch: string, opts: { from?: string } = {}): Promise<BranchResult> {
    return this.json('POST', `${this.repoPath(repo)}/branch/${encodeURIComponent(branch)}`, {
      json: { startingPoint: opts.from ?? 'main' },
    });
  }

  /** First-parent history from a revision (default `main`), newest first. */
  async log(repo: string, opts: { revision?: string; limit?: number } = {}): Promise<LogEntry[]> {
    const q = opts.limit ? `?limit=${opts.limit}` : '';
    return this.json(
      'GET',
      `${this.repoPath(repo)}/commits/${encodeURIComponent(opts.revision ?? 'main')}${q}`,
    );
  }

  /** The repo's audit log (repo admins). */
  async audit(repo: string, opts: { limit?: number } = {}): Promise<AuditEntry[]> {
    return this.json('GET', `${this.repoPath(repo)}/audit${opts.limit ? `?limit=${opts.limit}` : ''}`);
  }

  /** The whole audit log, newest first (site admins); `target` filters (`owner/name`, `org:x`, `token:id`...). */
  async siteAudit(opts: { target?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const q = new URLSearchParams();
    if (opts.target) q.set('target', opts.target);
    if (opts.limit) q.set('limit', String(opts.limit));
    const qs = q.toString();
    return this.json('GET', `/api/audit${qs ? `?${qs}` : ''}`);
  }

  /** Commit id and file list of a revision; cached for offline use. Offline: from the cache only. */
  async manifest(repo: string, revision = 'main'): Promise<Manifest> {
    if (this.offline) {
      const commit = this.cache.readRef(repo, revision);
      const files = commit ? this.cache.readManifest(repo, commit) : null;
      if (!commit || !files)
        throw new OfflineError(
          `offline mode: revision '${revision}' of '${repo}' is not in the cache at ${this.cache.root}`,
        );
      return { commit, files };
    }
    const res = await this.request('GET', `${this.repoPath(repo)}/tree/${encodeURIComponent(revision)}`);
    const list = JSON.parse((await readAll(res.body)).toString('utf8')) as Array<{
      path: string;
      size: number;
      oid: string;
    }>;
    const commit = String(res.headers['x-repo-commit'] ?? '');
    const files = list.map((f) => ({ path: f.path, sha256: f.oid, size: f.size }));
    this.cache.writeManifest(repo, commit, files);
    this.cache.writeRef(repo, revision, commit);
    return { commit, files };
  }

  /** The commit id a branch, tag or commit prefix resolves to (offline: the cached one). */
  async resolve(repo: string, revision = 'main'): Promise<string> {
    return (await this.manifest(repo, revision)).commit;
  }

  /** Files at a revision (path, sha256, size). */
  async listFiles(repo: string, opts: { revision?: string } = {}): Promise<FileEntry[]> {
    return (await this.manifest(repo, opts.revision ?? 'main')).files;
  }

  /** The current head of a branch, or null when the branch does not exist. */
  async head(repo: string, branch = 'main'): Promise<string | null> {
    const refs = await this.refs(repo);
    return refs.branches.find((b) => b.name === branch)?.targetCommit ?? null;
  }

  // ---------------------------------------------------------------- uploads

  /**
   * Uploads files and commits them as one commit. Blobs the server already holds for this repo
   * are not sent again. A concurrent push to the branch makes the commit fail with a 409
   * {@link ConflictError} (its `details.head` is the new head): nothing is lost, retry on top of it.
   */
  async uploadFiles(repo: string, sources: UploadSource[], opts: UploadOptions = {}): Promise<CommitResult> {
    const branch = opts.branch ?? 'main';
    const prepared: Prepared[] = [];
    const seen = new Set<string>();
    for (const s of sources) {
      const p = await prepare(s);
      if (seen.has(p.path)) throw new ConflictError(`'${p.path}' is listed twice`, 'duplicate_path');
      seen.add(p.path);
      prepared.push(p);
    }
    const parent = opts.parent !== undefined ? opts.parent : await this.head(repo, branch);
    const pre = await this.json<{
      files: Array<{ path: string; exists: boolean; upload: 'none' | 'direct' | 'resumable' }>;
      resumableThresholdBytes: number;
      chunkBytes: number;
    }>('POST', `${this.repoPath(repo)}/preupload`, {
      json: { files: prepared.map(({ path, sha256, size }) => ({ path, sha256, size })) },
    });
    const threshold = this.opts.resumableThresholdBytes ?? pre.resumableThresholdBytes;
    const sent = new Set<string>();
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i];
      if (pre.files[i].exists || sent.has(p.sha256)) continue;
      sent.add(p.sha256);
      await this.sendBlob(repo, p, p.size > threshold, this.opts.chunkBytes ?? pre.chunkBytes);
    }
    const operations = [
      ...prepared.map((p) => ({ op: 'add', path: p.path, sha256: p.sha256, size: p.size })),
      ...(opts.deletes ?? []).map((path) => ({ op: 'delete', path: checkPath(path) })),
    ];
    const out = await this.json<{ commitOid: string; parent: string | null; created: boolean }>(
      'POST',
      `${this.repoPath(repo)}/commit/${encodeURIComponent(branch)}`,
      {
        json: { message: opts.message ?? 'Upload files', parent, operations, replace: opts.replace ?? false },
      },
    );
    return { commit: out.commitOid, parent: out.parent, branch, created: out.created };
  }

  /** Uploads a local folder as one commit (see {@link folderSources} for what is included). */
  async uploadFolder(
    repo: string,
    dir: string,
    opts: UploadOptions & { pathInRepo?: string; ignore?: (relPath: string) => boolean } = {},
  ): Promise<CommitResult> {
    return this.uploadFiles(repo, folderSources(dir, opts), opts);
  }

  /** Uploads one blob without committing it (resumable: through an upload session). */
  async uploadBlob(
    repo: string,
    source: UploadSource,
    opts: { resumable?: boolean; chunkBytes?: number } = {},
  ): Promise<UploadedBlob> {
    const p = await prepare(source);
    await this.sendBlob(
      repo,
      p,
      opts.resumable ?? false,
      opts.chunkBytes ?? this.opts.chunkBytes ?? 16 * 1024 * 1024,
    );
    return { sha256: p.sha256, size: p.size };
  }

  private async sendBlob(repo: string, p: Prepared, resumable: boolean, chunkBytes: number) {
    if (!resumable) {
      const q = new URLSearchParams({ path: p.path, size: String(p.size) });
      const res = await this.request('PUT', `${this.repoPath(repo)}/blobs/${p.sha256}?${q}`, {
        body: () => p.open(),
        headers: { 'content-length': String(p.size), 'content-type': 'application/octet-stream' },
      });
      res.body.resume();
      return;
    }
    const session = await this.json<{ id: string }>('POST', `${this.repoPath(repo)}/uploads`, {
      json: { path: p.path, sha256: p.sha256, size: p.size },
    });
    await this.continueUpload(session.id, p, chunkBytes);
  }

  /** The state of an upload session (`offset` = bytes the server holds). */
  async uploadStatus(id: string): Promise<UploadStatus> {
    return this.json('GET', `/api/uploads/${encodeURIComponent(id)}`);
  }

  /** Continues an interrupted upload session from the offset the server reports. */
  async resumeUpload(id: string, source: UploadSource, opts: { chunkBytes?: number } = {}): Promise<void> {
    const p = await prepare(source);
    await this.continueUpload(id, p, opts.chunkBytes ?? this.opts.chunkBytes ?? 16 * 1024 * 1024);
  }

  private async continueUpload(id: string, p: Prepared, chunkBytes: number) {
    const retries = this.opts.retries ?? 4;
    let failures = 0;
    let offset = (await this.uploadStatus(id)).offset;
    for (;;) {
      const end = Math.min(p.size, offset + chunkBytes);
      try {
        const out = await this.json<{ offset: number; complete: boolean }>(
          'PATCH',
          `/api/uploads/${encodeURIComponent(id)}`,
          {
            body: () => p.open(offset, end),
            headers: {
              'upload-offset': String(offset),
              'content-length': String(end - offset),
              'content-type': 'application/offset+octet-stream',
            },
            retry: 'none',
          },
        );
        if (out.complete) return;
        offset = out.offset;
        failures = 0;
      } catch (err) {
        if (
          err instanceof ConflictError &&
          err.code === 'offset_mismatch' &&
          typeof err.details.offset === 'number'
        ) {
          offset = err.details.offset;
          continue;
        }
        const transient =
          (err instanceof ConflictError && err.code === 'upload_busy') ||
          (err instanceof HubError && RETRY_STATUS.has(err.status)) ||
          (!(err instanceof HubError) && isRetryableNetworkError(err));
        if (!transient || ++failures > retries) throw err;
        await sleep(this.backoff(failures - 1));
        offset = (await this.uploadStatus(id)).offset;
      }
    }
  }

  // ---------------------------------------------------------------- downloads

  /** Streams a file straight from the server (no cache); `range` is inclusive, as in HTTP. */
  async fetchFile(
    repo: string,
    path: string,
    opts: { revision?: string; range?: { start: number; end?: number } } = {},
  ): Promise<TransportResponse> {
    const { owner, name } = parseRepoId(repo);
    const headers: Record<string, string> = {};
    if (opts.range) headers.range = `bytes=${opts.range.start}-${opts.range.end ?? ''}`;
    return this.request(
      'GET',
      `/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/resolve/${encodeURIComponent(opts.revision ?? 'main')}/${encodePath(checkPath(path))}`,
      { headers },
    );
  }

  /** Downloads one file into the cache (verified) and returns its local path in the revision's snapshot. */
  async download(repo: string, path: string, opts: { revision?: string } = {}): Promise<string> {
    const { commit, files } = await this.manifest(repo, opts.revision ?? 'main');
    const file = files.find((f) => f.path === path);
    if (!file)
      throw new NotFoundError(
        `'${path}' not found in '${repo}' at '${opts.revision ?? 'main'}'`,
        'entry_not_found',
      );
    await this.ensureBlob(repo, commit, file);
    return this.cache.linkIntoSnapshot(repo, commit, file);
  }

  /** Downloads every file of a revision (or those `allow` accepts) and returns the snapshot folder. */
  async snapshot(
    repo: string,
    opts: { revision?: string; allow?: (path: string) => boolean } = {},
  ): Promise<string> {
    const { commit, files } = await this.manifest(repo, opts.revision ?? 'main');
    for (const f of files) {
      if (opts.allow && !opts.allow(f.path)) continue;
      await this.ensureBlob(repo, commit, f);
      this.cache.linkIntoSnapshot(repo, commit, f);
    }
    mkdirSync(this.cache.snapshotDir(repo, commit), { recursive: true });
    return this.cache.snapshotDir(repo, commit);
  }

  /** Makes sure a blob is in the cache: downloads it (resuming a partial download) and verifies it. */
  private async ensureBlob(repo: string, commit: string, file: FileEntry): Promise<void> {
    if (this.cache.hasBlob(file.sha256)) return;
    if (this.offline)
      throw new OfflineError(
        `offline mode: '${file.path}' of '${repo}' (${file.sha256}) is not in the cache`,
      );
    const { owner, name } = parseRepoId(repo);
    const url = `/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/resolve/${commit}/${encodePath(file.path)}`;
    const retries = this.opts.retries ?? 4;
    const inc = this.cache.incompletePath(file.sha256);
    mkdirSync(join(inc, '..'), { recursive: true });
    let restartedClean = false;
    for (let attempt = 0; ; attempt++) {
      let have = 0;
      let resumed = false;
      try {
        have = statSync(inc).size;
      } catch {
        have = 0;
      }
      if (have > file.size) {
        rmSync(inc, { force: true });
        have = 0;
      }
      const hash = createHash('sha256');
      try {
        if (have > 0) for await (const c of createReadStream(inc)) hash.update(c as Buffer);
        if (have < file.size) {
          const headers: Record<string, string> =
            have > 0 ? { range: `bytes=${have}-`, 'if-range': `"${file.sha256}"` } : {};
          const res = await this.request('GET', url, { headers, retry: 'none' });
          const partial = res.status === 206;
          resumed = partial;
          if (partial && !String(res.headers['content-range'] ?? '').startsWith(`bytes ${have}-`)) {
            res.body.destroy();
            throw new IntegrityError(`server answered an unexpected range ${res.headers['content-range']}`);
          }
          const h = partial ? hash : createHash('sha256');
          // Each chunk is written before the next is read: after a cut, the partial file holds
          // exactly what arrived, and the next attempt resumes from its size.
          const fh = await open(inc, partial ? 'a' : 'w');
          try {
            for await (const chunk of res.body) {
              h.update(chunk as Buffer);
              await fh.write(chunk as Buffer);
            }
          } finally {
            await fh.close();
          }
          const got = statSync(inc).size;
          if (got < file.size)
            // A response cut short without an error: a network fault, resumable like one.
            throw Object.assign(
              new Error(`download of '${file.path}' stopped at ${got}/${file.size} bytes`),
              {
                code: 'ECONNRESET',
              },
            );
          this.finishBlob(inc, file, h.digest('hex'));
        } else {
          resumed = true;
          this.finishBlob(inc, file, hash.digest('hex'));
        }
        return;
      } catch (err) {
        if (err instanceof IntegrityError && resumed && !restartedClean) {
          // A corrupt partial download: start over once from scratch.
          rmSync(inc, { force: true });
          restartedClean = true;
          continue;
        }
        if (err instanceof HubError || attempt >= retries || !isRetryableNetworkError(err)) throw err;
        await sleep(this.backoff(attempt));
      }
    }
  }

  private finishBlob(inc: string, file: FileEntry, digest: string) {
    const size = statSync(inc).size;
    if (size !== file.size || digest !== file.sha256) {
      rmSync(inc, { force: true });
      throw new IntegrityError(
        `downloaded '${file.path}' has ${size} bytes and sha256 ${digest}; expected ${file.size} bytes and ${file.sha256}`,
        'sha256_mismatch',
      );
    }
    mkdirSync(join(this.cache.blobPath(file.sha256), '..'), { recursive: true });
    try {
      // rename is atomic: readers see the whole verified blob or nothing.
      renameSync(inc, this.cache.blobPath(file.sha256));
    } catch (err) {
      rmSync(inc, { force: true });
      throw err;
    }
  }
}
