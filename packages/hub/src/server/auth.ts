/**
 * Bearer tokens and access control. A token is `kh_` + 32 random bytes (base64url); only its
 * sha256 is stored. A caller's access to a repo is the strongest of: owning the namespace (admin),
 * being a site admin (admin), their organisation role, their teams' grants on the repo; then
 * capped by the token's scope; public repos add `read` for everyone. Private repos the caller
 * cannot read answer 404 exactly like missing ones.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import {
  maxRole,
  minRole,
  type Namespace,
  type Repo,
  type Role,
  roleAtLeast,
  type TokenRecord,
} from '../model/types.js';
import type { MetadataStore } from '../storage/metadata.js';

/** The authenticated caller of a request. */
export interface Caller {
  /** The user. */
  user: Namespace;
  /** The token used. */
  token: TokenRecord;
}

/** A fresh token secret. */
export function newTokenSecret(): string {
  return `kh_${randomBytes(32).toString('base64url')}`;
}

/** A fresh public token id. */
export function newTokenId(): string {
  return `tok_${randomBytes(9).toString('base64url')}`;
}

/** sha256 (hex) of a token secret, as stored. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Authenticates a request from its `Authorization: Bearer` header: null without one; 401 for a
 * malformed header or an unknown or revoked token (never silently anonymous).
 */
export async function authenticate(req: IncomingMessage, store: MetadataStore): Promise<Caller | null> {
  const header = req.headers.authorization;
  if (header === undefined || header === '') return null;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!m)
    throw new UnauthorizedError("malformed Authorization header: expected 'Bearer <token>'", 'invalid_token');
  const token = await store.getTokenByHash(hashToken(m[1]));
  if (!token) throw new UnauthorizedError('invalid token', 'invalid_token');
  if (token.revokedAt !== null) throw new UnauthorizedError('token has been revoked', 'token_revoked');
  const user = await store.getNamespaceById(token.userId);
  if (!user) throw new UnauthorizedError('invalid token', 'invalid_token');
  return { user, token };
}

/** Name of the web page's sign-in cookie (holds a token secret; HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'kindling_hub_token';

/** The token secret in a request's sign-in cookie, or null. */
export function cookieToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{1,200}$/.test(v) ? v : null;
    }
  }
  return null;
}

/**
 * The caller named by the sign-in cookie, or null (no cookie, or a wrong or revoked token: the
 * page is then shown as to anyone).
 */
export async function cookieCaller(req: IncomingMessage, store: MetadataStore): Promise<Caller | null> {
  const secret = cookieToken(req);
  if (!secret) return null;
  const token = await store.getTokenByHash(hashToken(secret));
  if (!token || token.revokedAt !== null) return null;
  const user = await store.getNamespaceById(token.userId);
  return user ? { user, token } : null;
}

/** Throws 401 when there is no caller. */
export function requireCaller(caller: Caller | null): Caller {
  if (!caller) throw new UnauthorizedError('authentication required: send Authorization: Bearer <token>');
  return caller;
}

/** Throws 403 when the token's scope is below `need`. */
export function requireScope(caller: Caller, need: Role): void {
  if (!roleAtLeast(caller.token.scope, need))
    throw new ForbiddenError(
      `this token's scope '${caller.token.scope}' does not allow '${need}' operations`,
      'insufficient_scope',
    );
}

/** The role a user holds on a repo through ownership, site admin, organisation and teams (ignoring token scope). */
export async function userRepoRole(store: MetadataStore, user: Namespace, repo: Repo): Promise<Role | null> {
  if (user.isAdmin || repo.ownerId === user.id) return 'admin';
  let role: Role | null = null;
  const owner = await store.getNamespaceById(repo.ownerId);
  if (owner?.kind === 'org') role = await store.getOrgRole(owner.id, user.id);
  for (const r of await store.teamRolesFor(user.id, repo.id)) role = maxRole(role, r);
  return role;
}

/** What a caller may do to a repo: null when it must not even see it. */
export async function repoAccess(
  store: MetadataStore,
  caller: Caller | null,
  repo: Repo,
): Promise<Role | null> {
  const userRole = caller ? await userRepoRole(store, caller.user, repo) : null;
  // Every scope includes read, so a token sees whatever its user can see.
  let role = caller ? minRole(userRole, caller.token.scope) : null;
  if (!repo.private) role = maxRole(role, 'read');
  return role;
}

/**
 * Loads `owner/name` for an operation needing `need`: 404 when it does not exist or the caller
 * cannot see it; 401 when anonymous; 403 when visible but not allowed (with the reason).
 */
export async function loadRepo(
  store: MetadataStore,
  caller: Caller | null,
  owner: string,
  name: string,
  need: Role,
): Promise<{ repo: Repo; role: Role }> {
  const repo = await store.getRepo(owner, name);
  const role = repo ? await repoAccess(store, caller, repo) : null;
  if (!repo || role === null)
    throw new NotFoundError(`repository '${owner}/${name}' not found`, 'repo_not_found');
  if (!roleAtLeast(role, need)) {
    if (!caller)
      throw new UnauthorizedError(`authentication required to ${need} '${repo.owner}/${repo.name}'`);
    requireScope(caller, need);
    throw new ForbiddenError(`you do not have ${need} access to '${repo.owner}/${repo.name}'`);
  }
  return { repo, role };
}

/** The role a user holds in a namespace (admin of their own, their organisation role, admin for site admins). */
export async function namespaceRole(
  store: MetadataStore,
  user: Namespace,
  ns: Namespace,
): Promise<Role | null> {
  if (user.isAdmin || user.id === ns.id) return 'admin';
  if (ns.kind === 'org') return store.getOrgRole(ns.id, user.id);
  return null;
}
