/** Routes for users, tokens, organisations, teams and the global audit log. */
import { BadRequestError, ForbiddenError, NotFoundError } from '../../errors.js';
import { isRole, type Namespace, type Role, roleAtLeast, type TokenRecord } from '../../model/types.js';
import { checkName } from '../../validate.js';
import {
  hashToken,
  namespaceRole,
  newTokenId,
  newTokenSecret,
  requireCaller,
  requireScope,
} from '../auth.js';
import { auditEntry, type Ctx, intParam, jsonBody } from '../context.js';
import { type RouteDef, sendJson } from '../http.js';

/** Names that cannot be users or organisations (they would shadow routes). */
export const RESERVED_NAMES = new Set([
  'api',
  'admin',
  'models',
  'datasets',
  'spaces',
  'settings',
  'new',
  'login',
  'logout',
  'docs',
  'static',
  'organizations',
  'resolve',
]);

/** Checks a new namespace name (format and reserved words). */
export function checkNewNamespace(kind: string, name: unknown): string {
  const n = checkName(kind, name);
  if (RESERVED_NAMES.has(n.toLowerCase()))
    throw new BadRequestError(`'${n}' is a reserved name`, 'invalid_name');
  return n;
}

/** A token as listed (never with its secret). */
export function tokenView(t: TokenRecord) {
  return { id: t.id, name: t.name, scope: t.scope, createdAt: t.createdAt, revokedAt: t.revokedAt };
}

async function getOrg(ctx: Ctx, name: string): Promise<Namespace> {
  const ns = await ctx.hub.metadata.getNamespace(name);
  if (ns?.kind !== 'org') throw new NotFoundError(`organisation '${name}' not found`, 'org_not_found');
  return ns;
}

async function getUser(ctx: Ctx, name: string): Promise<Namespace> {
  const ns = await ctx.hub.metadata.getNamespace(name);
  if (ns?.kind !== 'user') throw new NotFoundError(`user '${name}' not found`, 'user_not_found');
  return ns;
}

/** Caller must be an admin of the organisation, with an admin-scoped token. */
async function requireOrgAdmin(ctx: Ctx, org: Namespace) {
  const caller = requireCaller(ctx.caller);
  const role = await namespaceRole(ctx.hub.metadata, caller.user, org);
  if (role === null) throw new NotFoundError(`organisation '${org.name}' not found`, 'org_not_found');
  if (role !== 'admin') throw new ForbiddenError(`you are not an admin of organisation '${org.name}'`);
  requireScope(caller, 'admin');
  return caller;
}

function roleFrom(body: Record<string, unknown>, key = 'role'): Role {
  const r = body[key];
  if (!isRole(r)) throw new BadRequestError(`'${key}' must be one of read, write, admin`, 'invalid_role');
  return r;
}

const tokenSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scope: { enum: ['read', 'write', 'admin'] },
    createdAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
  },
};

async function whoami(ctx: Ctx) {
  const caller = requireCaller(ctx.caller);
  const orgs = await ctx.hub.metadata.listMemberships(caller.user.id);
  sendJson(ctx.res, 200, {
    type: 'user',
    name: caller.user.name,
    isAdmin: caller.user.isAdmin,
    orgs: orgs.map((o) => ({ name: o.org, roleInOrg: o.role })),
    auth: { type: 'access_token', accessToken: { ...tokenView(caller.token), role: caller.token.scope } },
  });
}

/** Account, token, organisation and team routes. */
export const accountRoutes: RouteDef<Ctx>[] = [
  {
    method: 'GET',
    path: '/api/health',
    summary: 'Liveness check',
    tag: 'server',
    auth: 'none',
    response: { status: 200, schema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
    handler: async (ctx) => sendJson(ctx.res, 200, { ok: true }),
  },
  {
    method: 'GET',
    path: '/api/whoami',
    summary: 'The caller, their organisations and the token used',
    tag: 'account',
    auth: 'required',
    response: { status: 200 },
    handler: whoami,
  },
  {
    method: 'GET',
    path: '/api/whoami-v2',
    summary: 'Alias of /api/whoami (Hugging Face name)',
    tag: 'account',
    auth: 'required',
    response: { status: 200 },
    handler: whoami,
  },
  {
    method: 'POST',
    path: '/api/users',
    summary: 'Create a user and its first (admin-scoped) token; site admins only',
    tag: 'account',
    auth: 'required',
    body: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, isAdmin: { type: 'boolean' } },
    },
    response: { status: 201, description: '`{ name, token }`: the token secret is shown once' },
    handler: async (ctx) => {
      const caller = requireCaller(ctx.caller);
      if (!caller.user.isAdmin) throw new ForbiddenError('only site admins may create users');
      requireScope(caller, 'admin');
      const body = await jsonBody(ctx);
      const name = checkNewNamespace('user', body.name);
      const store = ctx.hub.metadata;
      const user = await store.createUser(name, {
        isAdmin: body.isAdmin === true,
        audit: auditEntry(ctx, 'user.create', `user:${name}`, { isAdmin: body.isAdmin === true }),
      });
      const secret = newTokenSecret();
      const token = await store.createToken({
        id: newTokenId(),
        userId: user.id,
        name: 'initial',
        scope: 'admin',
        hash: hashToken(secret),
      });
      sendJson(ctx.res, 201, { name: user.name, isAdmin: user.isAdmin, token: secret, tokenId: token.id });
    },
  },
  {
    method: 'GET',
    path: '/api/tokens',
    summary: "List the caller's tokens (without secrets)",
    tag: 'account',
    auth: 'required',
    response: { status: 200, schema: { type: 'array', items: tokenSchema } },
    handler: async (ctx) => {
      const caller = requireCaller(ctx.caller);
      sendJson(ctx.res, 200, (await ctx.hub.metadata.listTokens(caller.user.id)).map(tokenView));
    },
  },
  {
    method: 'POST',
    path: '/api/tokens',
    summary: "Create a token for the caller; its scope cannot exceed the calling token's",
    tag: 'account',
    auth: 'required',
    body: {
      type: 'object',
      required: ['name', 'scope'],
      properties: { name: { type: 'string' }, scope: { enum: ['read', 'write', 'admin'] } },
    },
    response: { status: 201, description: 'the token, with its secret `token` shown once' },
    handler: async (ctx) => {
      const caller = requireCaller(ctx.caller);
      const body = await jsonBody(ctx);
      const scope = roleFrom(body, 'scope');
      const name =
        typeof body.name === 'string' && body.name.length > 0 && body.name.length <= 100 ? body.name : null;
      if (name === null)
        throw new BadRequestError("'name' must be a string of 1-100 characters", 'invalid_name');
      if (!roleAtLeast(caller.token.scope, scope))
        throw new ForbiddenError(
          `a '${caller.token.scope}' token cannot create a '${scope}' token`,
          'insufficient_scope',
        );
      const secret = newTokenSecret();
      const id = newTokenId();
      const token = await ctx.hub.metadata.createToken(
        { id, userId: caller.user.id, name, scope, hash: hashToken(secret) },
        { audit: auditEntry(ctx, 'token.create', `token:${id}`, { name, scope }) },
      );
      sendJson(ctx.res, 201, { ...tokenView(token), token: secret });
    },
  },
  {
    method: 'DELETE',
    path: '/api/tokens/{id}',
    summary: 'Revoke a token (your own; site admins: any)',
    tag: 'account',
    auth: 'required',
    response: { status: 200, schema: tokenSchema },
    handler: async (ctx, p) => {
      const caller = requireCaller(ctx.caller);
      const store = ctx.hub.metadata;
      const token = await store.getToken(p.id);
      if (!token || (token.userId !== caller.user.id && !caller.user.isAdmin))
        throw new NotFoundError(`token '${p.id}' not found`, 'token_not_found');
      if (token.userId !== caller.user.id) requireScope(caller, 'admin');
      await store.revokeToken(token.id, { audit: auditEntry(ctx, 'token.revoke', `token:${token.id}`) });
      sendJson(ctx.res, 200, tokenView((await store.getToken(token.id))!));
    },
  },
  {
    method: 'POST',
    path: '/api/orgs',
    summary: 'Create an organisation; the caller becomes its admin',
    tag: 'organisations',
    auth: 'required',
    body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    response: { status: 201 },
    handler: async (ctx) => {
      const caller = requireCaller(ctx.caller);
      requireScope(caller, 'write');
      const body = await jsonBody(ctx);
      const name = checkNewNamespace('organisation', body.name);
      const org = await ctx.hub.metadata.createOrg(name, caller.user.id, {
        audit: auditEntry(ctx, 'org.create', `org:${name}`),
      });
      sendJson(ctx.res, 201, { name: org.name, members: [{ user: caller.user.name, role: 'admin' }] });
    },
  },
  {
    method: 'GET',
    path: '/api/orgs/{org}',
    summary: 'An organisation; members see its members and teams',
    tag: 'organisations',
    auth: 'optional',
    response: { status: 200 },
    handler: async (ctx, p) => {
      const org = await getOrg(ctx, p.org);
      const store = ctx.hub.metadata;
      const role = ctx.caller ? await namespaceRole(store, ctx.caller.user, org) : null;
      if (role === null) return sendJson(ctx.res, 200, { name: org.name, type: 'org' });
      sendJson(ctx.res, 200, {
        name: org.name,
        type: 'org',
        members: await store.listOrgMembers(org.id),
        teams: (await store.listTeams(org.id)).map((t) => ({
          name: t.name,
          members: t.members,
          repos: t.repos,
        })),
      });
    },
  },
  {
    method: 'PUT',
    path: '/api/orgs/{org}/members/{user}',
    summary: "Add a member or change a member's role (org admins)",
    tag: 'organisations',
    auth: 'required',
    body: { type: 'object', required: ['role'], properties: { role: { enum: ['read', 'write', 'admin'] } } },
    response: { status: 200 },
    handler: async (ctx, p) => {
      const org = await getOrg(ctx, p.org);
      await requireOrgAdmin(ctx, org);
      const role = roleFrom(await jsonBody(ctx));
      const user = await getUser(ctx, p.user);
      await ctx.hub.metadata.setOrgRole(org.id, user.id, role, {
        audit: auditEntry(ctx, 'org.member.set', `org:${org.name}`, { user: user.name, role }),
      });
      sendJson(ctx.res, 200, { org: org.name, user: user.name, role });
    },
  },
  {
    method: 'DELETE',
    path: '/api/orgs/{org}/members/{user}',
    summary: 'Remove a member (org admins)',
    tag: 'organisations',
    auth: 'required',
    response: { status: 200 },
    handler: async (ctx, p) => {
      const org = await getOrg(ctx, p.org);
      await requireOrgAdmin(ctx, org);
      const user = await getUser(ctx, p.user);
      await ctx.hub.metadata.setOrgRole(org.id, user.id, null, {
        audit: auditEntry(ctx, 'org.member.remove', `org:${org.name}`, { user: user.name }),
      });
      sendJson(ctx.res, 200, { org: org.name, user: user.name, role: null });
    },
  },
  {
    method: 'POST',
    path: '/api/orgs/{org}/teams',
    summary: 'Create a team (org admins)',
    tag: 'organisations',
    auth: 'required',
    body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    response: { status: 201 },
    handler: async (ctx, p) => {
      const org = await getOrg(ctx, p.org);
      await requireOrgAdmin(ctx, org);
      const name = checkName('team', (await jsonBody(ctx)).name);
      await ctx.hub.metadata.createTeam(org.id, name, {
        audit: auditEntry(ctx, 'team.create', `org:${org.name}`, { team: name }),
      });
      sendJson(ctx.res, 201, { org: org.name, name, members: [], repos: [] });
    },
  },
  {
    method: 'PUT',
    path: '/api/orgs/{org}/teams/{team}/members/{user}',
    summary: 'Add a user to a team (org admins)',
    tag: 'organisations',
    auth: 'required',
    response: { status: 200 },
    handler: async (ctx, p) => teamMember(ctx, p, true),
  },
  {
    method: 'DELETE',
    path: '/api/orgs/{org}/teams/{team}/members/{user}',
    summary: 'Remove a user from a team (org admins)',
    tag: 'organisations',
    auth: 'required',
    response: { status: 200 },
    handler: async (ctx, p) => teamMember(ctx, p, false),
  },
  {
    method: 'PUT',
    path: '/api/orgs/{org}/teams/{team}/repos/{name}',
    summary: "Grant a team a role on one of the organisation's repos (org admins)",
    tag: 'organisations',
    auth: 'required',
    body: { type: 'object', required: ['role'], properties: { role: { enum: ['read', 'write', 'admin'] } } },
    response: { status: 200 },
    handler: async (ctx, p) => teamRepo(ctx, p, roleFrom(await jsonBody(ctx))),
  },
  {
    method: 'DELETE',
    path: '/api/orgs/{org}/teams/{team}/repos/{name}',
    summary: "Remove a team's grant on a repo (org admins)",
    tag: 'organisations',
    auth: 'required',
    response: { status: 200 },
    handler: async (ctx, p) => teamRepo(ctx, p, null),
  },
  {
    method: 'GET',
    path: '/api/audit',
    summary: 'The audit log (site admins); filter with target, paginate with before',
    tag: 'audit',
    auth: 'required',
    query: {
      target: 'only entries about this target',
      before: 'entries with a smaller id',
      limit: 'at most (100)',
    },
    response: { status: 200 },
    handler: async (ctx) => {
      const caller = requireCaller(ctx.caller);
      if (!caller.user.isAdmin) throw new ForbiddenError('only site admins may read the whole audit log');
      requireScope(caller, 'admin');
      const q = ctx.url.searchParams;
      sendJson(
        ctx.res,
        200,
        await ctx.hub.metadata.listAudit({
          target: q.get('target') ?? undefined,
          before: q.has('before') ? intParam(ctx, 'before', 1, Number.MAX_SAFE_INTEGER) : undefined,
          limit: intParam(ctx, 'limit', 100, 1000),
        }),
      );
    },
  },
];

async function loadTeam(ctx: Ctx, p: Record<string, string>) {
  const org = await getOrg(ctx, p.org);
  await requireOrgAdmin(ctx, org);
  const team = await ctx.hub.metadata.getTeam(org.id, p.team);
  if (!team) throw new NotFoundError(`team '${p.team}' not found in '${org.name}'`, 'team_not_found');
  return { org, team };
}

async function teamMember(ctx: Ctx, p: Record<string, string>, member: boolean) {
  const { org, team } = await loadTeam(ctx, p);
  const user = await getUser(ctx, p.user);
  await ctx.hub.metadata.setTeamMember(team.id, user.id, member, {
    audit: auditEntry(ctx, member ? 'team.member.add' : 'team.member.remove', `org:${org.name}`, {
      team: team.name,
      user: user.name,
    }),
  });
  sendJson(ctx.res, 200, { org: org.name, team: team.name, user: user.name, member });
}

async function teamRepo(ctx: Ctx, p: Record<string, string>, role: Role | null) {
  const { org, team } = await loadTeam(ctx, p);
  const repo = await ctx.hub.metadata.getRepo(org.name, p.name);
  if (!repo) throw new NotFoundError(`repository '${org.name}/${p.name}' not found`, 'repo_not_found');
  await ctx.hub.metadata.setTeamRepoRole(team.id, repo.id, role, {
    audit: auditEntry(ctx, role ? 'team.repo.grant' : 'team.repo.revoke', `${repo.owner}/${repo.name}`, {
      team: team.name,
      role,
    }),
  });
  sendJson(ctx.res, 200, { org: org.name, team: team.name, repo: repo.name, role });
}
