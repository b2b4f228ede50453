/** Routes for repos: create, list, info (Hugging Face's shape), settings, refs, tags, branches, history, tree, audit. */
import { BadRequestError, ForbiddenError, NotFoundError } from '../../errors.js';
import type { Commit, FileEntry, Repo } from '../../model/types.js';
import { checkName, checkRefName } from '../../validate.js';
import { loadRepo, namespaceRole, repoAccess, requireCaller, requireScope } from '../auth.js';
import { auditEntry, type Ctx, intParam, jsonBody, repoId, resolveRevision } from '../context.js';
import { type RouteDef, type Schema, sendJson } from '../http.js';

const repoInfoSchema: Schema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'owner/name' },
    author: { type: 'string' },
    sha: { type: ['string', 'null'], description: 'commit id of the revision (null for an empty repo)' },
    private: { type: 'boolean' },
    lastModified: { type: 'string' },
    createdAt: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    library_name: { type: ['string', 'null'] },
    cardData: { type: ['object', 'null'] },
    config: { type: ['object', 'null'] },
    siblings: {
      type: 'array',
      items: {
        type: 'object',
        properties: { rfilename: { type: 'string' }, size: { type: 'integer' }, blobId: { type: 'string' } },
      },
    },
  },
};

/** Hugging Face-style tags derived from a commit's card and config. */
function derivedTags(commit: Commit | null): string[] {
  const tags = new Set<string>();
  const card = (commit?.cardData ?? {}) as Record<string, unknown>;
  const cfg = (commit?.modelConfig ?? {}) as Record<string, unknown>;
  if (typeof cfg.library === 'string') tags.add(cfg.library);
  if (Array.isArray(card.tags)) for (const t of card.tags) tags.add(String(t));
  if (typeof card.license === 'string') tags.add(`license:${card.license}`);
  if (Array.isArray(card.datasets)) for (const d of card.datasets) tags.add(`dataset:${d}`);
  const base = card.base_model;
  for (const b of typeof base === 'string' ? [base] : Array.isArray(base) ? base : [])
    tags.add(`base_model:${b}`);
  return [...tags];
}

/** The repo-info document (shaped like Hugging Face's `/api/models/{id}`). */
export function repoInfo(repo: Repo, commit: Commit | null, files: FileEntry[]) {
  const cfg = commit?.modelConfig ?? null;
  const card = commit?.cardData ?? null;
  return {
    _id: String(repo.id),
    id: repoId(repo),
    modelId: repoId(repo),
    author: repo.owner,
    sha: commit?.id ?? null,
    lastModified: commit?.createdAt ?? repo.createdAt,
    createdAt: repo.createdAt,
    private: repo.private,
    gated: false,
    disabled: false,
    downloads: 0,
    likes: 0,
    library_name:
      (typeof card?.library_name === 'string' ? card.library_name : null) ??
      (typeof cfg?.library === 'string' ? cfg.library : null),
    tags: derivedTags(commit),
    cardData: card,
    config: cfg,
    siblings: files.map((f) => ({ rfilename: f.path, size: f.size, blobId: f.sha256 })),
  };
}

async function info(ctx: Ctx, p: Record<string, string>, revision: string | null) {
  const { repo } = await loadRepo(ctx.hub.metadata, ctx.caller, p.owner, p.name, 'read');
  const store = ctx.hub.metadata;
  let commit: Commit | null = null;
  if (revision !== null) commit = (await resolveRevision(store, repo, revision)).commit;
  else {
    const main = await store.getRef(repo.id, 'branch', 'main');
    commit = main ? await store.getCommit(repo.id, main.commitId) : null;
  }
  const files = commit ? await store.getFiles(repo.id, commit.id) : [];
  sendJson(ctx.res, 200, repoInfo(repo, commit, files));
}

/** Repo routes (everything under /api/repos and /api/models/{owner}/{name} except files and commits). */
export const repoRoutes: RouteDef<Ctx>[] = [
  {
    method: 'POST',
    path: '/api/repos/create',
    summary: 'Create a repo in your namespace or in an organisation (Hugging Face body shape)',
    tag: 'repos',
    auth: 'required',
    body: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string' },
        organization: { type: 'string', description: 'owner when not the caller' },
        private: { type: 'boolean' },
      },
    },
    response: {
      status: 201,
      schema: { type: 'object', properties: { id: { type: 'string' }, url: { type: 'string' } } },
    },
    handler: async (ctx) => {
      const caller = requireCaller(ctx.caller);
      requireScope(caller, 'write');
      const body = await jsonBody(ctx);
      const name = checkName('repo', body.name);
      const ownerName =
        body.organization === undefined ? caller.user.name : checkName('owner', body.organization);
      const store = ctx.hub.metadata;
      const owner = await store.getNamespace(ownerName);
      if (!owner) throw new NotFoundError(`namespace '${ownerName}' not found`, 'namespace_not_found');
      const role = await namespaceRole(store, caller.user, owner);
      if (role === null || role === 'read')
        throw new ForbiddenError(`you may not create repos in '${owner.name}'`);
      if (body.private !== undefined && typeof body.private !== 'boolean')
        throw new BadRequestError("'private' must be a boolean", 'bad_request');
      const repo = await store.createRepo(
        { ownerId: owner.id, name, private: body.private === true },
        {
          audit: auditEntry(ctx, 'repo.create', `${owner.name}/${name}`, { private: body.private === true }),
        },
      );
      sendJson(ctx.res, 201, { id: repoId(repo), url: `/${repoId(repo)}`, private: repo.private });
    },
  },
  {
    method: 'GET',
    path: '/api/models',
    summary: 'List the repos the caller can see',
    tag: 'repos',
    auth: 'optional',
    query: { author: 'only repos of this owner', search: 'substring of owner/name', limit: 'at most (100)' },
    response: { status: 200 },
    handler: async (ctx) => {
      const store = ctx.hub.metadata;
      const q = ctx.url.searchParams;
      const author = q.get('author');
      const search = q.get('search')?.toLowerCase();
      const limit = intParam(ctx, 'limit', 100, 1000);
      let ownerId: number | undefined;
      if (author) {
        const ns = await store.getNamespace(author);
        if (!ns) return sendJson(ctx.res, 200, []);
        ownerId = ns.id;
      }
      const out: unknown[] = [];
      for (const repo of await store.listRepos({ ownerId })) {
        if (out.length >= limit) break;
        if (search && !repoId(repo).toLowerCase().includes(search)) continue;
        if ((await repoAccess(store, ctx.caller, repo)) === null) continue;
        const main = await store.getRef(repo.id, 'branch', 'main');
        const commit = main ? await store.getCommit(repo.id, main.commitId) : null;
        out.push({
          _id: String(repo.id),
          id: repoId(repo),
          author: repo.owner,
          private: repo.private,
          sha: commit?.id ?? null,
          lastModified: commit?.createdAt ?? repo.createdAt,
          tags: derivedTags(commit),
        });
      }
      sendJson(ctx.res, 200, out);
    },
  },
  {
    method: 'GET',
    path: '/api/models/{owner}/{name}',
    summary: "Repo info at the main branch (Hugging Face's shape: sha, siblings, cardData...)",
    tag: 'repos',
    auth: 'optional',
    response: { status: 200, schema: repoInfoSchema },
    handler: (ctx, p) => info(ctx, p, null),
  },
  {
    method: 'GET',
    path: '/api/models/{owner}/{name}/revision/{revision}',
    summary: 'Repo info at a branch, tag or commit',
    tag: 'repos',
    auth: 'optional',
    response: { status: 200, schema: repoInfoSchema },
    handler: (ctx, p) => info(ctx, p, p.revision),
  },
  {
    method: 'PUT',
    path: '/api/models/{owner}/{name}/settings',
    summary: 'Change visibility (repo admins)',
    tag: 'repos',
    auth: 'required',
    body: { type: 'object', properties: { private: { type: 'boolean' } } },
    response: { status: 200 },
    handler: async (ctx, p) => {
      const { repo } = await loadRepo(ctx.hub.metadata, ctx.caller, p.owner, p.name, 'admin');
      const body = await jsonBody(ctx);
      if (typeof body.private !== 'boolean')
        throw new BadRequestError("'private' must be a boolean", 'bad_request');
      await ctx.hub.metadata.setRepoPrivate(repo.id, body.private, {
        audit: auditEntry(ctx, 'repo.settings', repoId(repo), { private: body.private }),
      });
      sendJson(ctx.res, 200, { id: repoId(repo), private: body.private });
    },
  },
  {
    method: 'DELETE',
    path: '/api/models/{owner}/{name}',
    summary: 'Delete a repo with its history (repo admins; blobs stay for a later garbage collection)',
    tag: 'repos',
    auth: 'required',
    response: { status: 200 },
    handler: async (ctx, p) => {
      const { repo } = await loadRepo(ctx.hub.metadata, ctx.caller, p.owner, p.name, 'admin');
      await ctx.hub.metadata.deleteRepo(repo.id, { audit: auditEntry(ctx, 'repo.delete', repoId(repo)) });
      sendJson(ctx.res, 200, { id: repoId(repo), deleted: true });
    },
  },
  {
    method: 'GET',
    path: '/api/models/{owner}/{name}/refs',
    summary: 'Branches and tags',
    tag: 'history',
    auth: 'optional',
    response: { status: 200 },
    handler: async (ctx, p) => {
      const { repo } = await loadRepo(ctx.hub.metadata, ctx.caller, p.owner, p.name, 'read');
      const refs = await ctx.hub.metadata.listRefs(repo.id);
      const view = (kind: 'branch' | 'tag') =>
        refs
          .filter((r) => r.kind === kind)
          .map((r) => ({
            name: r.name,
            ref: `refs/${kind === 'branch' ? 'heads' : 'tags'}/${r.name}`,
            targetCommit: r.commitId,
          }));
      sendJson(ctx.res, 200, { branches: view('branch'), tags: view('tag') });
    },
  },
  {
    method: 'POST',
    path: '/api/models/{owner}/{name}/tag/{revision}',
    summary: 'Tag a revision (tags are immutable: 409 when the tag exists)',
    tag: 'history',
    auth: 'required',
    body: {
      type: 'object',
      required: ['tag'],
      properties: { tag: { type: 'string' }, message: { type: 'string' } },
    },
    response: { status: 201 },
    handler: async (ctx, p) => {
      const store = ctx.hub.metadata;
      const { repo } = await loadRepo(store, ctx.caller, p.owner, p.name, 'write');
      const body = await jsonBody(ctx);
      const tag = checkRefName('tag', body.tag);
      const { commit } = await resolveRevision(store, repo, p.revision);
      await store.createRef(
        repo.id,
        { kind: 'tag', name: tag, commitId: commit.id },
        {
          audit: auditEntry(ctx, 'tag.create', repoId(repo), {
            tag,
            commit: commit.id,
            message: typeof body.message === 'string' ? body.message : undefined,
          }),
        },
      );
      sendJson(ctx.res, 201, { tag, commit: commit.id });
    },
  },
  {
    method: 'DELETE',
    path: '/api/models/{owner}/{name}/tag/{tag}',
    summary: 'Delete a tag (repo admins)',
    tag: 'history',
    auth: 'required',
    response: { status: 200 },
    handler: async (ctx, p) => {
      const store = ctx.hub.metadata;
      const { repo } = await loadRepo(store, ctx.caller, p.owner, p.name, 'admin');
      const ref = await store.getRef(repo.id, 'tag', p.tag);
      if (!ref) throw new NotFoundError(`tag '${p.tag}' not found`, 'revision_not_found');
      await store.deleteRef(repo.id, 'tag', p.tag, {
        audit: auditEntry(ctx, 'tag.delete', repoId(repo), { tag: p.tag, commit: ref.commitId }),
      });
      sendJson(ctx.res, 200, { tag: p.tag, deleted: true });
    },
  },
  {
    method: 'POST',
    path: '/api/models/{owner}/{name}/branch/{branch}',
    summary: 'Create a branch at a revision (default: main)',
    tag: 'history',
    auth: 'required',
    body: { type: 'object', properties: { startingPoint: { type: 'string' } } },
    response: { status: 201 },
    handler: async (ctx, p) => {
      const store = ctx.hub.metadata;
      const { repo } = await loadRepo(store, ctx.caller, p.owner, p.name, 'write');
      const branch = checkRefName('branch', p.branch);
      const body = await jsonBody(ctx);
      const from = typeof body.startingPoint === 'string' ? body.startingPoint : 'main';
      const { commit } = await resolveRevision(store, repo, from);
      await store.createRef(
        repo.id,
        { kind: 'branch', name: branch, commitId: commit.id },
        { audit: auditEntry(ctx, 'branch.create', repoId(repo), { branch, commit: commit.id }) },
      );
      sendJson(ctx.res, 201, { branch, commit: commit.id });
    },
  },
  {
    method: 'DELETE',
    path: '/api/models/{owner}/{name}/branch/{branch}',
    summary: 'Delete a branch other than main (repo admins)',
    tag: 'history',
    auth: 'required',
    response: { status: 200 },
    handler: async (ctx, p) => {
      const store = ctx.hub.metadata;
      const { repo } = await loadRepo(store, ctx.caller, p.owner, p.name, 'admin');
      if (p.branch === 'main') throw new BadRequestError('the main branch cannot be deleted', 'bad_request');
      const ref = await store.getRef(repo.id, 'branch', p.branch);
      if (!ref) throw new NotFoundError(`branch '${p.branch}' not found`, 'revision_not_found');
      await store.deleteRef(repo.id, 'branch', p.branch, {
        audit: auditEntry(ctx, 'branch.delete', repoId(repo), { branch: p.branch, commit: ref.commitId }),
      });
      sendJson(ctx.res, 200, { branch: p.branch, deleted: true });
    },
  },
  {
    method: 'GET',
    path: '/api/models/{owner}/{name}/commits/{revision}',
    summary: 'First-parent history from a revision, newest first',
    tag: 'history',
    auth: 'optional',
    query: { limit: 'at most this many commits (100, max 1000)' },
    response: { status: 200 },
    handler: async (ctx, p) => {
      const store = ctx.hub.metadata;
      const { repo } = await loadRepo(store, ctx.caller, p.owner, p.name, 'read');
      const { commit } = await resolveRevision(store, repo, p.revision);
      const commits = await store.listCommits(repo.id, commit.id, intParam(ctx, 'limit', 100, 1000));
      sendJson(
        ctx.res,
        200,
        commits.map((c) => ({
          id: c.id,
          title: c.message.split('\n')[0],
          message: c.message,
          authors: [{ user: c.author }],
          date: c.createdAt,
          parents: c.parent ? [c.parent] : [],
        })),
      );
    },
  },
  {
    method: 'GET',
    path: '/api/models/{owner}/{name}/tree/{revision}',
    summary: 'All files at a revision (recursive)',
    tag: 'files',
    auth: 'optional',
    response: { status: 200 },
    handler: (ctx, p) => tree(ctx, p, ''),
  },
  {
    method: 'GET',
    path: '/api/models/{owner}/{name}/tree/{revision}/{path*}',
    summary: 'Files under a folder at a revision (recursive)',
    tag: 'files',
    auth: 'optional',
    response: { status: 200 },
    handler: (ctx, p) => tree(ctx, p, `${p.path.replace(/\/+$/, '')}/`),
  },
  {
    method: 'GET',
    path: '/api/models/{owner}/{name}/audit',
    summary: "The repo's audit log (repo admins), newest first",
    tag: 'audit',
    auth: 'required',
    query: { before: 'entries with a smaller id', limit: 'at most (100)' },
    response: { status: 200 },
    handler: async (ctx, p) => {
      const { repo } = await loadRepo(ctx.hub.metadata, ctx.caller, p.owner, p.name, 'admin');
      sendJson(
        ctx.res,
        200,
        await ctx.hub.metadata.listAudit({
          target: repoId(repo),
          before: ctx.url.searchParams.has('before')
            ? intParam(ctx, 'before', 1, Number.MAX_SAFE_INTEGER)
            : undefined,
          limit: intParam(ctx, 'limit', 100, 1000),
        }),
      );
    },
  },
];

async function tree(ctx: Ctx, p: Record<string, string>, prefix: string) {
  const store = ctx.hub.metadata;
  const { repo } = await loadRepo(store, ctx.caller, p.owner, p.name, 'read');
  const { commit } = await resolveRevision(store, repo, p.revision);
  const files = (await store.getFiles(repo.id, commit.id)).filter((f) => f.path.startsWith(prefix));
  sendJson(
    ctx.res,
    200,
    files.map((f) => ({ type: 'file', path: f.path, size: f.size, oid: f.sha256 })),
    { 'x-repo-commit': commit.id },
  );
}
