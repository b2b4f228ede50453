/**
 * The hub's data model, as stored by a {@link MetadataStore}: users and organisations share one
 * namespace; organisations have members (with a role) and teams (with per-repo permissions); a
 * repo `owner/name` is a history of immutable commits, each a full manifest of files
 * (path → sha256, size) whose contents live once, content-addressed, in a {@link BlobStore};
 * branches and tags point at commits.
 */

/** Access levels, in increasing order. Token scopes use the same words. */
export type Role = 'read' | 'write' | 'admin';

/** Ordered access levels (index = strength). */
export const ROLES: readonly Role[] = ['read', 'write', 'admin'];

/** True when `a` grants at least what `b` does. */
export function roleAtLeast(a: Role | null, b: Role): boolean {
  return a !== null && ROLES.indexOf(a) >= ROLES.indexOf(b);
}

/** The stronger of two access levels. */
export function maxRole(a: Role | null, b: Role | null): Role | null {
  if (a === null) return b;
  if (b === null) return a;
  return ROLES.indexOf(a) >= ROLES.indexOf(b) ? a : b;
}

/** The weaker of two access levels. */
export function minRole(a: Role | null, b: Role | null): Role | null {
  if (a === null || b === null) return null;
  return ROLES.indexOf(a) <= ROLES.indexOf(b) ? a : b;
}

/** True for `read`, `write` or `admin`. */
export function isRole(v: unknown): v is Role {
  return v === 'read' || v === 'write' || v === 'admin';
}

/** A namespace owner: a user or an organisation. */
export interface Namespace {
  /** Internal id. */
  id: number;
  /** Unique name (also the first half of `owner/name`). */
  name: string;
  /** `user` or `org`. */
  kind: 'user' | 'org';
  /** Site administrators may do anything (users only). */
  isAdmin: boolean;
  /** ISO time of creation. */
  createdAt: string;
}

/** A team inside an organisation. */
export interface Team {
  /** Internal id. */
  id: number;
  /** Owning organisation's id. */
  orgId: number;
  /** Name, unique within the organisation. */
  name: string;
}

/** A bearer token (the secret itself is never stored, only its sha256). */
export interface TokenRecord {
  /** Public id (shown in listings, used to revoke). */
  id: string;
  /** The owning user's id. */
  userId: number;
  /** Human label. */
  name: string;
  /** The most this token may do. */
  scope: Role;
  /** sha256 (hex) of the secret. */
  hash: string;
  /** ISO time of creation. */
  createdAt: string;
  /** ISO time of revocation, or null while valid. */
  revokedAt: string | null;
}

/** A repository. */
export interface Repo {
  /** Internal id. */
  id: number;
  /** Owning namespace's id. */
  ownerId: number;
  /** Owning namespace's name. */
  owner: string;
  /** Repo name. */
  name: string;
  /** Private repos are invisible (404) to whoever cannot read them. */
  private: boolean;
  /** ISO time of creation. */
  createdAt: string;
}

/** One file of a commit's manifest. */
export interface FileEntry {
  /** Path inside the repo (`/`-separated). */
  path: string;
  /** sha256 (hex) of the content; the blob's address. */
  sha256: string;
  /** Size in bytes. */
  size: number;
}

/** An immutable commit: a full manifest plus who/when/why. */
export interface Commit {
  /** sha256 (hex) of the commit's canonical form. */
  id: string;
  /** Owning repo's id. */
  repoId: number;
  /** Parent commit id, or null for the first commit of a history. */
  parent: string | null;
  /** Commit message. */
  message: string;
  /** The author's user name. */
  author: string;
  /** ISO time. */
  createdAt: string;
  /** Model card front matter of README.md at this commit (null when there is no README.md). */
  cardData: Record<string, unknown> | null;
  /** Parsed config.json at this commit (null when absent). */
  modelConfig: Record<string, unknown> | null;
}

/** A branch or tag. */
export interface Ref {
  /** `branch` or `tag`. */
  kind: 'branch' | 'tag';
  /** Name (no slashes). */
  name: string;
  /** The commit it points at. */
  commitId: string;
}

/** A resumable upload session: a blob being received in pieces. */
export interface UploadSession {
  /** Random public id. */
  id: string;
  /** Repo the upload is for (uploads need write access to it). */
  repoId: number;
  /** The uploading user's id. */
  userId: number;
  /** Path hint (used to check `.safetensors` headers). */
  path: string;
  /** Expected sha256 of the whole blob. */
  sha256: string;
  /** Expected size of the whole blob. */
  size: number;
  /** ISO time of creation. */
  createdAt: string;
  /** ISO time after which the session may be discarded. */
  expiresAt: string;
}

/** One entry of the audit log. */
export interface AuditEntry {
  /** Sequence number. */
  id: number;
  /** ISO time. */
  time: string;
  /** Acting user's name (null for the system). */
  actor: string | null;
  /** Id of the token used (null for the system). */
  tokenId: string | null;
  /** What was done (`repo.create`, `commit`, `tag.create`, `token.revoke`, ...). */
  action: string;
  /** What it was done to (`owner/name`, `org:name`, `token:id` ...). */
  target: string;
  /** Action-specific details. */
  details: Record<string, unknown>;
}

/** An audit entry before it is stored. */
export type NewAuditEntry = Omit<AuditEntry, 'id' | 'time'>;
