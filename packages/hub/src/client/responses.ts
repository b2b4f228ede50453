/**
 * What the {@link HubClient} methods resolve to: the JSON the hub's HTTP API answers with, typed
 * (the fields the client relies on; the server may send more, e.g. Hugging Face's extra keys).
 */
import type { FileEntry, Role } from '../model/types.js';

/** One organisation the caller belongs to, as {@link HubClient.whoami} lists it. */
export interface OrgMembership {
  /** The organisation's name. */
  name: string;
  /** The caller's role in it. */
  roleInOrg: Role;
}

/** The caller, as {@link HubClient.whoami} returns it (Hugging Face's `/api/whoami-v2` shape). */
export interface WhoAmI {
  /** The user's name (their namespace). */
  name: string;
  /** Whether the user is a site administrator. */
  isAdmin: boolean;
  /** The organisations the user belongs to, with their role in each. */
  orgs: OrgMembership[];
  /** The token used for this request: `{ type: 'access_token', accessToken: { id, name, role, ... } }`. */
  auth: unknown;
}

/** A token without its secret, as {@link HubClient.listTokens} and {@link HubClient.revokeToken} give it. */
export interface TokenInfo {
  /** Public id (what {@link HubClient.revokeToken} takes). */
  id: string;
  /** The label given at creation. */
  name: string;
  /** The most the token may do. */
  scope: Role;
  /** ISO time of creation. */
  createdAt: string;
  /** ISO time of revocation (the first, if revoked twice); null while the token is valid. */
  revokedAt: string | null;
}

/** A token just made by {@link HubClient.createToken}: its listing plus the secret. */
export interface CreatedToken extends TokenInfo {
  /** The bearer secret: shown only in this answer, the hub keeps just its hash. */
  token: string;
}

/** A user just made by {@link HubClient.createUser}. */
export interface CreatedUser {
  /** The new user's name. */
  name: string;
  /** The secret of the user's first token (admin scope, named `initial`); shown only here. */
  token: string;
}

/** A repo just made by {@link HubClient.createRepo}. */
export interface CreatedRepo {
  /** The repo id, `owner/name`. */
  id: string;
  /** Its path on the hub's web UI, `/owner/name`. */
  url: string;
  /** Whether the repo is private. */
  private: boolean;
}

/** One repo of {@link HubClient.listRepos}. */
export interface RepoListing {
  /** The repo id, `owner/name`. */
  id: string;
  /** Whether the repo is private (listed only to those who may read it). */
  private: boolean;
  /** Head commit of `main`; null for a repo without commits. */
  sha: string | null;
}

/** A branch or tag as {@link HubClient.refs} lists it. */
export interface RefTarget {
  /** The branch or tag name. */
  name: string;
  /** The commit id it points at. */
  targetCommit: string;
}

/** A repo's branches and tags, from {@link HubClient.refs}. */
export interface RepoRefs {
  /** Every branch (`main` included once the repo has a commit). */
  branches: RefTarget[];
  /** Every tag. */
  tags: RefTarget[];
}

/** What {@link HubClient.tag} returns. */
export interface TagResult {
  /** The new tag's name. */
  tag: string;
  /** The commit id it points at (the revision, resolved). */
  commit: string;
}

/** What {@link HubClient.createBranch} returns. */
export interface BranchResult {
  /** The new branch's name. */
  branch: string;
  /** The commit id it starts at (the `from` revision, resolved). */
  commit: string;
}

/** A revision's full file list, from {@link HubClient.manifest}. */
export interface Manifest {
  /** The commit id the revision resolved to. */
  commit: string;
  /** Every file of that commit (path, sha256, size). */
  files: FileEntry[];
}

/** A blob sent by {@link HubClient.uploadBlob}. */
export interface UploadedBlob {
  /** sha256 (hex) of the content: its address on the hub. */
  sha256: string;
  /** Size in bytes. */
  size: number;
}

/** A resumable upload session's state, from {@link HubClient.uploadStatus}. */
export interface UploadStatus {
  /** The session id. */
  id: string;
  /** Bytes the hub has received so far: where the next chunk must start. */
  offset: number;
  /** Size in bytes of the whole blob. */
  size: number;
  /** Expected sha256 (hex) of the whole blob. */
  sha256: string;
  /** The repo path the blob is for. */
  path: string;
}
