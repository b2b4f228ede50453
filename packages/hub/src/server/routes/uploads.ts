/**
 * Uploads and commits. Blob bytes arrive either in one streamed `PUT` (verified against the
 * declared sha256 while streaming, nothing stored on a mismatch) or through a resumable upload
 * session (`PATCH` chunks at an `Upload-Offset`; an interrupted request keeps what arrived and the
 * client resumes from the session's offset). A commit then names files by path, sha256 and size:
 * it is refused unless every blob is present (and was uploaded for this repo or is already
 * readable to it), every `.safetensors` header, `config.json` and model card checks out, and the
 * branch still points at the declared parent (409 otherwise). The branch moves in one transaction.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  BadRequestError,
  ConflictError,
  IntegrityError,
  NotFoundError,
  PayloadTooLargeError,
} from '../../errors.js';
import { parseModelCard, parseModelConfig } from '../../model/card.js';
import { isSafetensorsPath, SafetensorsHeaderCheck } from '../../model/safetensors-header.js';
import type { Commit, FileEntry, Repo, UploadSession } from '../../model/types.js';
import type { BlobStore } from '../../storage/blob.js';
import { checkPath, checkRefName, checkSha256, checkSize, isSha256 } from '../../validate.js';
import { loadRepo, requireCaller } from '../auth.js';
import { auditEntry, type Ctx, type Hub, jsonBody, repoId } from '../context.js';
import { type RouteDef, type Schema, sendJson } from '../http.js';

/** Largest `config.json` / front matter prefix of `README.md` the server parses at commit time. */
const MAX_PARSED_FILE = 1024 * 1024;

const fileSpec: Schema = {
  type: 'object',
  required: ['path', 'sha256', 'size'],
  properties: { path: { type: 'string' }, sha256: { type: 'string' }, size: { type: 'integer' } },
};

/** Reads at most `max` bytes from the start of a blob. */
async function readPrefix(blobs: BlobStore, sha256: string, size: number, max: number): Promise<Buffer> {
  if (size === 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of await blobs.read(sha256, { start: 0, end: Math.min(size, max) - 1 }))
    chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Checks a stored `.safetensors` blob's header (reads only the header). */
async function checkStoredSafetensors(
  hub: Hub,
  read: (range: { start: number; end: number }) => Promise<AsyncIterable<Buffer>>,
  path: string,
  size: number,
) {
  const check = new SafetensorsHeaderCheck(path, hub.maxSafetensorsHeaderBytes);
  let pos = 0;
  while (!check.headerDone && pos < size) {
    const end = Math.min(size, check.bytesNeeded) - 1;
    if (end < pos) break;
    for await (const c of await read({ start: pos, end })) check.push(c);
    pos = end + 1;
  }
  check.finish(size);
}

/** Canonical commit id: sha256 over the parent, metadata and sorted manifest. */
export function computeCommitId(c: {
  parent: string | null;
  message: string;
  author: string;
  createdAt: string;
  files: FileEntry[];
}): string {
  const canonical = JSON.stringify({
    parent: c.parent,
    author: c.author,
    date: c.createdAt,
    message: c.message,
    files: c.files.map((f) => [f.path, f.sha256, f.size]),
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

async function loadSession(ctx: Ctx, id: string): Promise<{ session: UploadSession; repo: Repo }> {
  const caller = requireCaller(ctx.caller);
  const store = ctx.hub.metadata;
  const session = await store.getUpload(id);
  if (!session || session.userId !== caller.user.id)
    throw new NotFoundError(`upload session '${id}' not found`, 'upload_not_found');
  const repo = await store.getRepoById(session.repoId);
  if (!repo) throw new NotFoundError(`upload session '${id}' not found`, 'upload_not_found');
  await loadRepo(store, ctx.caller, repo.owner, repo.name, 'write');
  return { session, repo };
}

async function discardSession(hub: Hub, id: string) {
  await hub.blobs.stagingDelete(id);
  await hub.metadata.deleteUpload(id);
}

function sessionView(s: UploadSession, offset: number) {
  return {
    id: s.id,
    url: `/api/uploads/${s.id}`,
    path: s.path,
    sha256: s.sha256,
    size: s.size,
    offset,
    complete: false,
    expiresAt: s.expiresAt,
  };
}

/** How long an upload lease lasts without renewal, and how often it is renewed while a chunk streams in. */
const LEASE_MS = 30_000;
const LEASE_RENEW_MS = 10_000;

/**
 * Runs `fn` holding the write lease of an upload session (409 `upload_busy` when another request,
 * in this process or another one sharing the metadata store, holds it). The lease is renewed while
 * `fn` runs and expires by itself (30 s) if this process dies; the embedded store, which only one
 * process uses, drops every lease when it opens.
 */
async function withUploadLease<T>(hub: Hub, id: string, fn: () => Promise<T>): Promise<T> {
  const holder = randomBytes(12).toString('base64url');
  const take = () =>
    hub.metadata.leaseUpload(
      id,
      holder,
      new Date(Date.now() + LEASE_MS).toISOString(),
      new Date().toISOString(),
    );
  if (!(await take()))
    throw new ConflictError(
      'another request is writing to this upload session; retry shortly',
      'upload_busy',
    );
  const renew = setInterval(() => void take().catch(() => {}), LEASE_RENEW_MS);
  renew.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await hub.metadata.releaseUpload(id, holder).catch(() => {});
  }
}

/** Upload and commit routes. */
export function uploadRoutes(): RouteDef<Ctx>[] {
  return [
    {
      method: 'POST',
      path: '/api/models/{owner}/{name}/preupload',
      summary: 'Which blobs the server already holds for this repo, and how to upload the others',
      tag: 'uploads',
      auth: 'required',
      body: {
        type: 'object',
        required: ['files'],
        properties: { files: { type: 'array', items: fileSpec } },
      },
      response: { status: 200 },
      handler: async (ctx, p) => {
        const hub = ctx.hub;
        const { repo } = await loadRepo(hub.metadata, ctx.caller, p.owner, p.name, 'write');
        const body = await jsonBody(ctx, hub.maxCommitJsonBytes);
        if (!Array.isArray(body.files) || body.files.length > hub.maxCommitOperations)
          throw new BadRequestError(`'files' must be an array of at most ${hub.maxCommitOperations} entries`);
        const files = [];
        for (const f of body.files as Array<Record<string, unknown>>) {
          const path = checkPath(f?.path);
          const sha256 = checkSha256(f.sha256);
          const size = checkSize(f.size);
          const stat = await hub.blobs.stat(sha256);
          const exists =
            stat !== null && stat.size === size && (await hub.metadata.isBlobKnown(repo.id, sha256));
          files.push({
            path,
            sha256,
            size,
            exists,
            upload: exists ? 'none' : size > hub.resumableThresholdBytes ? 'resumable' : 'direct',
          });
        }
        sendJson(ctx.res, 200, {
          files,
          resumableThresholdBytes: hub.resumableThresholdBytes,
          chunkBytes: hub.chunkBytes,
          maxFileBytes: hub.maxFileBytes,
        });
      },
    },
    {
      method: 'PUT',
      path: '/api/models/{owner}/{name}/blobs/{sha256}',
      summary: 'Upload one blob in a single streamed request, verified against its sha256',
      tag: 'uploads',
      auth: 'required',
      query: {
        path: 'repo path the blob is for (`.safetensors` headers are checked)',
        size: 'declared size (else Content-Length)',
      },
      body: 'binary',
      response: {
        status: 201,
        schema: {
          type: 'object',
          properties: { sha256: { type: 'string' }, size: { type: 'integer' }, created: { type: 'boolean' } },
        },
      },
      handler: async (ctx, p) => {
        const hub = ctx.hub;
        const { repo } = await loadRepo(hub.metadata, ctx.caller, p.owner, p.name, 'write');
        const sha256 = checkSha256(p.sha256);
        const q = ctx.url.searchParams;
        const lengthHeader = ctx.req.headers['content-length'];
        const declared = q.has('size') ? checkSize(Number(q.get('size'))) : undefined;
        const length =
          lengthHeader !== undefined ? checkSize(Number(lengthHeader), 'Content-Length') : undefined;
        if (declared !== undefined && length !== undefined && declared !== length)
          throw new BadRequestError(
            `size=${declared} does not match Content-Length ${length}`,
            'size_mismatch',
          );
        const size = declared ?? length;
        if (size !== undefined && size > hub.maxFileBytes)
          throw new PayloadTooLargeError(`file of ${size} bytes exceeds the ${hub.maxFileBytes}-byte limit`);
        const path = q.has('path') ? checkPath(q.get('path')) : null;
        const check =
          path && isSafetensorsPath(path)
            ? new SafetensorsHeaderCheck(path, hub.maxSafetensorsHeaderBytes)
            : null;
        let seen = 0;
        const result = await hub.blobs.put(ctx.req, {
          sha256,
          size,
          inspect: (chunk) => {
            seen += chunk.length;
            if (seen > hub.maxFileBytes)
              throw new PayloadTooLargeError(`file exceeds the ${hub.maxFileBytes}-byte limit`);
            check?.push(chunk);
          },
          onEnd: (total) => check?.finish(total),
        });
        await hub.metadata.recordBlobUpload(repo.id, sha256);
        sendJson(ctx.res, 201, { sha256, size: result.size, created: result.created });
      },
    },
    {
      method: 'POST',
      path: '/api/models/{owner}/{name}/uploads',
      summary: 'Open a resumable upload session for one blob',
      tag: 'uploads',
      auth: 'required',
      body: fileSpec,
      response: { status: 201, description: 'the session: `{ id, url, offset, size, sha256, expiresAt }`' },
      handler: async (ctx, p) => {
        const hub = ctx.hub;
        const caller = requireCaller(ctx.caller);
        const { repo } = await loadRepo(hub.metadata, caller, p.owner, p.name, 'write');
        const body = await jsonBody(ctx);
        const path = checkPath(body.path);
        const sha256 = checkSha256(body.sha256);
        const size = checkSize(body.size);
        if (size > hub.maxFileBytes)
          throw new PayloadTooLargeError(`file of ${size} bytes exceeds the ${hub.maxFileBytes}-byte limit`);
        const now = Date.now();
        const session: UploadSession = {
          id: `up_${randomBytes(16).toString('base64url')}`,
          repoId: repo.id,
          userId: caller.user.id,
          path,
          sha256,
          size,
          createdAt: new Date(now).toISOString(),
          expiresAt: new Date(now + hub.uploadTtlMs).toISOString(),
        };
        await hub.blobs.stagingCreate(session.id);
        await hub.metadata.createUpload(session);
        sendJson(ctx.res, 201, { ...sessionView(session, 0), chunkBytes: hub.chunkBytes });
      },
    },
    {
      method: 'GET',
      head: true,
      path: '/api/uploads/{id}',
      summary: "An upload session's state; HEAD answers with Upload-Offset / Upload-Length headers",
      tag: 'uploads',
      auth: 'required',
      response: { status: 200 },
      handler: async (ctx, p) => {
        const { session } = await loadSession(ctx, p.id);
        const offset = (await ctx.hub.blobs.stagingSize(session.id)) ?? 0;
        const headers = {
          'upload-offset': String(offset),
          'upload-length': String(session.size),
          'cache-control': 'no-store',
        };
        if (ctx.req.method === 'HEAD') {
          ctx.res.writeHead(200, headers);
          ctx.res.end();
          return;
        }
        sendJson(ctx.res, 200, sessionView(session, offset), headers);
      },
    },
    {
      method: 'PATCH',
      path: '/api/uploads/{id}',
      summary:
        'Append bytes at the Upload-Offset header (409 with the real offset when it differs); the last chunk verifies and stores the blob',
      tag: 'uploads',
      auth: 'required',
      body: 'binary',
      response: { status: 200, description: '`{ offset, size, complete }`' },
      handler: async (ctx, p) => {
        const hub = ctx.hub;
        const { session, repo } = await loadSession(ctx, p.id);
        const offsetHeader = ctx.req.headers['upload-offset'];
        if (offsetHeader === undefined)
          throw new BadRequestError('missing Upload-Offset header', 'bad_request');
        const offset = checkSize(Number(offsetHeader), 'Upload-Offset');
        await withUploadLease(hub, session.id, async () => {
          const newSize = await hub.blobs.stagingAppend(session.id, offset, ctx.req, {
            maxBytes: session.size,
          });
          if (newSize < session.size)
            return sendJson(
              ctx.res,
              200,
              { ...sessionView(session, newSize) },
              { 'upload-offset': String(newSize) },
            );
          try {
            if (isSafetensorsPath(session.path))
              await checkStoredSafetensors(
                hub,
                async (r) => (await hub.blobs.stagingRead(session.id, r)) as AsyncIterable<Buffer>,
                session.path,
                session.size,
              );
            await hub.blobs.stagingFinalize(session.id, { sha256: session.sha256, size: session.size });
          } catch (err) {
            await discardSession(hub, session.id);
            throw err;
          }
          await hub.metadata.recordBlobUpload(repo.id, session.sha256);
          await hub.metadata.deleteUpload(session.id);
          sendJson(
            ctx.res,
            200,
            { ...sessionView(session, newSize), complete: true },
            { 'upload-offset': String(newSize) },
          );
        });
      },
    },
    {
      method: 'DELETE',
      path: '/api/uploads/{id}',
      summary: 'Abandon an upload session',
      tag: 'uploads',
      auth: 'required',
      response: { status: 200 },
      handler: async (ctx, p) => {
        const { session } = await loadSession(ctx, p.id);
        await withUploadLease(ctx.hub, session.id, () => discardSession(ctx.hub, session.id));
        sendJson(ctx.res, 200, { id: session.id, deleted: true });
      },
    },
    {
      method: 'POST',
      path: '/api/models/{owner}/{name}/commit/{branch}',
      summary:
        'Commit file additions/deletions on a branch, atomically; `parent` must be the branch head (409 otherwise)',
      tag: 'uploads',
      auth: 'required',
      body: {
        type: 'object',
        required: ['parent', 'operations'],
        properties: {
          message: { type: 'string' },
          parent: { type: ['string', 'null'], description: 'head the push is based on (null: new branch)' },
          replace: { type: 'boolean', description: 'start from an empty tree instead of the parent' },
          operations: {
            type: 'array',
            items: {
              oneOf: [
                {
                  type: 'object',
                  required: ['op', 'path', 'sha256', 'size'],
                  properties: {
                    op: { const: 'add' },
                    path: { type: 'string' },
                    sha256: { type: 'string' },
                    size: { type: 'integer' },
                  },
                },
                {
                  type: 'object',
                  required: ['op', 'path'],
                  properties: { op: { const: 'delete' }, path: { type: 'string' } },
                },
              ],
            },
          },
        },
      },
      response: {
        status: 201,
        description:
          '`{ commitOid, commitUrl, parent, branch, created }` (`created` false when nothing changed)',
      },
      handler: (ctx, p) => commitHandler(ctx, p),
    },
  ];
}

async function commitHandler(ctx: Ctx, p: Record<string, string>) {
  const hub = ctx.hub;
  const store = hub.metadata;
  const caller = requireCaller(ctx.caller);
  const { repo } = await loadRepo(store, caller, p.owner, p.name, 'write');
  const branch = checkRefName('branch', p.branch);
  const body = await jsonBody(ctx, hub.maxCommitJsonBytes);
  const message = body.message === undefined ? 'Upload files' : body.message;
  if (typeof message !== 'string' || message.length === 0 || message.length > 65536)
    throw new BadRequestError("'message' must be a non-empty string of at most 65536 characters");
  if (!('parent' in body))
    throw new BadRequestError("'parent' is required (the branch head, or null for a new branch)");
  const parent = body.parent === null ? null : isSha256(body.parent) ? body.parent : undefined;
  if (parent === undefined)
    throw new BadRequestError("'parent' must be a commit id or null", 'invalid_sha256');
  const ops = body.operations;
  if (!Array.isArray(ops) || ops.length > hub.maxCommitOperations)
    throw new BadRequestError(`'operations' must be an array of at most ${hub.maxCommitOperations} entries`);

  // Base tree: the parent's manifest (a parent that is not the head fails the compare-and-swap below).
  const head = (await store.getRef(repo.id, 'branch', branch))?.commitId ?? null;
  if (head !== parent)
    throw new ConflictError(
      `branch '${branch}' is at ${head ?? '(no commit)'}, not at the parent ${parent ?? '(none)'} this push is based on; pull and retry`,
      'stale_parent',
      { head },
    );
  const parentCommit = parent ? await store.getCommit(repo.id, parent) : null;
  const base = parent ? await store.getFiles(repo.id, parent) : [];
  const tree = new Map<string, FileEntry>(body.replace === true ? [] : base.map((f) => [f.path, f]));
  const touched = new Set<string>();
  const added: FileEntry[] = [];
  const deleted: string[] = [];
  for (const op of ops as Array<Record<string, unknown>>) {
    if (typeof op !== 'object' || op === null) throw new BadRequestError('each operation must be an object');
    const path = checkPath(op.path);
    if (touched.has(path))
      throw new BadRequestError(`'${path}' appears in several operations`, 'duplicate_path');
    touched.add(path);
    if (op.op === 'add') {
      const entry = { path, sha256: checkSha256(op.sha256), size: checkSize(op.size) };
      tree.set(path, entry);
      added.push(entry);
    } else if (op.op === 'delete') {
      if (!tree.delete(path))
        throw new BadRequestError(`cannot delete '${path}': no such file`, 'path_not_found');
      deleted.push(path);
    } else
      throw new BadRequestError(`unknown operation ${JSON.stringify(op.op)}; expected 'add' or 'delete'`);
  }
  const files = [...tree.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const paths = new Set(files.map((f) => f.path));
  for (const f of files) {
    const segs = f.path.split('/');
    for (let i = 1; i < segs.length; i++) {
      const dir = segs.slice(0, i).join('/');
      if (paths.has(dir))
        throw new BadRequestError(
          `'${dir}' cannot be both a file and the folder of '${f.path}'`,
          'path_conflict',
        );
    }
  }
  const unchanged =
    parent !== null &&
    files.length === base.length &&
    files.every((f, i) => base[i].path === f.path && base[i].sha256 === f.sha256);
  if (unchanged)
    return sendJson(ctx.res, 200, {
      commitOid: parent,
      commitUrl: `/${repoId(repo)}/commit/${parent}`,
      parent,
      branch,
      created: false,
    });

  // Every new blob must be present, of the declared size, and uploaded for (or readable to) this repo.
  const baseSha = new Map(base.map((f) => [f.path, f.sha256]));
  const fresh = added.filter((f) => baseSha.get(f.path) !== f.sha256);
  const missing: string[] = [];
  for (const f of fresh) {
    const stat = await hub.blobs.stat(f.sha256);
    if (!stat || !(await store.isBlobKnown(repo.id, f.sha256))) missing.push(f.sha256);
    else if (stat.size !== f.size)
      throw new IntegrityError(
        `'${f.path}' is declared as ${f.size} bytes but its blob has ${stat.size}`,
        'size_mismatch',
      );
  }
  if (missing.length > 0)
    throw new IntegrityError(
      `${missing.length} blob(s) are not uploaded for this repo; upload them before committing`,
      'missing_blobs',
      { missing: [...new Set(missing)] },
    );
  for (const f of fresh)
    if (isSafetensorsPath(f.path))
      await checkStoredSafetensors(
        hub,
        async (r) => (await hub.blobs.read(f.sha256, r)) as AsyncIterable<Buffer>,
        f.path,
        f.size,
      );

  // Card and config metadata, re-parsed only when those files changed.
  let cardData = parentCommit?.cardData ?? null;
  let modelConfig = parentCommit?.modelConfig ?? null;
  const readme = tree.get('README.md');
  if (!readme) cardData = null;
  else if (readme.sha256 !== baseSha.get('README.md') || !parentCommit) {
    const text = (await readPrefix(hub.blobs, readme.sha256, readme.size, MAX_PARSED_FILE)).toString('utf8');
    cardData = parseModelCard(text).data;
  }
  const config = tree.get('config.json');
  if (!config) modelConfig = null;
  else if (config.sha256 !== baseSha.get('config.json') || !parentCommit) {
    if (config.size > MAX_PARSED_FILE)
      throw new IntegrityError(`config.json is larger than ${MAX_PARSED_FILE} bytes`, 'invalid_config');
    modelConfig = parseModelConfig(
      (await readPrefix(hub.blobs, config.sha256, config.size, MAX_PARSED_FILE)).toString('utf8'),
    ) as unknown as Record<string, unknown>;
  }

  const createdAt = new Date().toISOString();
  const id = computeCommitId({ parent, message, author: caller.user.name, createdAt, files });
  const commit: Commit = {
    id,
    repoId: repo.id,
    parent,
    message,
    author: caller.user.name,
    createdAt,
    cardData,
    modelConfig,
  };
  await store.commit({
    repoId: repo.id,
    branch,
    expectedHead: parent,
    commit,
    files,
    audit: auditEntry(ctx, 'commit', repoId(repo), {
      branch,
      commit: id,
      parent,
      added: added.map((f) => f.path),
      deleted,
    }),
  });
  sendJson(ctx.res, 201, {
    commitOid: id,
    commitUrl: `/${repoId(repo)}/commit/${id}`,
    parent,
    branch,
    created: true,
  });
}

/** Drops expired upload sessions and their staged bytes (skipping any being written to); returns how many. */
export async function sweepExpiredUploads(hub: Hub): Promise<number> {
  let n = 0;
  for (const s of await hub.metadata.listExpiredUploads(new Date().toISOString())) {
    try {
      await withUploadLease(hub, s.id, () => discardSession(hub, s.id));
      n++;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  return n;
}
