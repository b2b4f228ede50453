/**
 * The metadata store interface: everything but file contents. The embedded default is
 * {@link SqliteMetadataStore}; {@link PgMetadataStore} (PostgreSQL) is the scale-out one; both pass
 * the same conformance suite (`test/conformance/metadata-store.ts`). Every method is async so
 * a networked database fits; every mutating method takes an optional audit entry that the store
 * writes in the same transaction as the change.
 */
import type {
  AuditEntry,
  Commit,
  FileEntry,
  Namespace,
  NewAuditEntry,
  Ref,
  Repo,
  Role,
  Team,
  TokenRecord,
  UploadSession,
} from '../model/types.js';

/** What {@link MetadataStore.commit} needs: a compare-and-swap of a branch head plus the new commit. */
export interface CommitInput {
  /** The repo. */
  repoId: number;
  /** The branch to advance (created when absent and `expectedHead` is null). */
  branch: string;
  /** The head the pusher based its commit on; a different current head is a 409 conflict. */
  expectedHead: string | null;
  /** The new commit (its `parent` equals `expectedHead`). */
  commit: Commit;
  /** Its full manifest. */
  files: FileEntry[];
  /** Audit entry written in the same transaction. */
  audit?: NewAuditEntry;
}

/** Filter of {@link MetadataStore.listAudit}. */
export interface AuditFilter {
  /** Only entries about this target (`owner/name`, `org:x`...). */
  target?: string;
  /** Only entries whose target starts with this (`owner/` for every repo of an owner). */
  targetPrefix?: string;
  /** Only entries with an id below this (paging backwards). */
  before?: number;
  /** At most this many (newest first). */
  limit?: number;
}

/** An organisation a user belongs to, as {@link MetadataStore.listMemberships} lists it. */
export interface Membership {
  /** The organisation's name. */
  org: string;
  /** The user's role in it. */
  role: Role;
}

/** A member of an organisation, as {@link MetadataStore.listOrgMembers} lists it. */
export interface OrgMember {
  /** The member's user name. */
  user: string;
  /** Their role in the organisation. */
  role: Role;
}

/** A team's access to one repo of its organisation. */
export interface TeamRepoGrant {
  /** The repo's name inside the organisation (without the `org/` prefix). */
  repo: string;
  /** What the team's members may do to it. */
  role: Role;
}

/** A team with its members and repo grants. */
export interface TeamInfo extends Team {
  /** Member user names. */
  members: string[];
  /** Repo grants: the org's repos the team may access, and how. */
  repos: TeamRepoGrant[];
}

/** Persistent metadata of a hub. */
export interface MetadataStore {
  /** Releases the store's resources. */
  close(): Promise<void>;

  /** Number of users (the server bootstraps an admin when there are none). */
  countUsers(): Promise<number>;
  /** Creates a user; 409 when the name is taken by a user or an organisation. */
  createUser(name: string, opts?: { isAdmin?: boolean; audit?: NewAuditEntry }): Promise<Namespace>;
  /** Creates an organisation whose first member (role admin) is `creatorId`; 409 when taken. */
  createOrg(name: string, creatorId: number, opts?: { audit?: NewAuditEntry }): Promise<Namespace>;
  /** Looks a user or organisation up by name (case-insensitive). */
  getNamespace(name: string): Promise<Namespace | null>;
  /** Looks a user or organisation up by id. */
  getNamespaceById(id: number): Promise<Namespace | null>;
  /** Sets (or, with null, removes) a user's role in an organisation. */
  setOrgRole(
    orgId: number,
    userId: number,
    role: Role | null,
    opts?: { audit?: NewAuditEntry },
  ): Promise<void>;
  /** A user's role in an organisation, or null. */
  getOrgRole(orgId: number, userId: number): Promise<Role | null>;
  /** The organisations a user belongs to, with the role. */
  listMemberships(userId: number): Promise<Membership[]>;
  /** An organisation's members. */
  listOrgMembers(orgId: number): Promise<OrgMember[]>;

  /** Creates a team; 409 when the organisation already has one of that name. */
  createTeam(orgId: number, name: string, opts?: { audit?: NewAuditEntry }): Promise<Team>;
  /** Looks a team up by organisation and name. */
  getTeam(orgId: number, name: string): Promise<Team | null>;
  /** Lists an organisation's teams with members and grants. */
  listTeams(orgId: number): Promise<TeamInfo[]>;
  /** Adds (`member` true) or removes a user from a team. */
  setTeamMember(
    teamId: number,
    userId: number,
    member: boolean,
    opts?: { audit?: NewAuditEntry },
  ): Promise<void>;
  /** Grants a team a role on a repo of its organisation (null removes the grant). */
  setTeamRepoRole(
    teamId: number,
    repoId: number,
    role: Role | null,
    opts?: { audit?: NewAuditEntry },
  ): Promise<void>;
  /** The roles a user's teams grant on a repo. */
  teamRolesFor(userId: number, repoId: number): Promise<Role[]>;

  /** Stores a new token. */
  createToken(
    token: Omit<TokenRecord, 'createdAt' | 'revokedAt'>,
    opts?: { audit?: NewAuditEntry },
  ): Promise<TokenRecord>;
  /** Finds a token by the sha256 of its secret (revoked ones included). */
  getTokenByHash(hash: string): Promise<TokenRecord | null>;
  /** Finds a token by id. */
  getToken(id: string): Promise<TokenRecord | null>;
  /** A user's tokens, revoked ones included, oldest first. */
  listTokens(userId: number): Promise<TokenRecord[]>;
  /** Marks a token revoked; false when it was already revoked or does not exist. */
  revokeToken(id: string, opts?: { audit?: NewAuditEntry }): Promise<boolean>;

  /** Creates a repo; 409 when the owner already has one of that name. */
  createRepo(
    input: { ownerId: number; name: string; private: boolean },
    opts?: { audit?: NewAuditEntry },
  ): Promise<Repo>;
  /** Looks a repo up by owner and name (case-insensitive). */
  getRepo(owner: string, name: string): Promise<Repo | null>;
  /** Looks a repo up by id. */
  getRepoById(id: number): Promise<Repo | null>;
  /** Lists repos, optionally of one owner, by name. */
  listRepos(filter?: { ownerId?: number }): Promise<Repo[]>;
  /** Changes a repo's visibility. */
  setRepoPrivate(repoId: number, isPrivate: boolean, opts?: { audit?: NewAuditEntry }): Promise<void>;
  /** Deletes a repo with its history, refs, grants and upload sessions (blobs stay, for a later GC). */
  deleteRepo(repoId: number, opts?: { audit?: NewAuditEntry }): Promise<void>;

  /** A branch or tag, or null. */
  getRef(repoId: number, kind: Ref['kind'], name: string): Promise<Ref | null>;
  /** All branches and tags of a repo. */
  listRefs(repoId: number): Promise<Ref[]>;
  /** Creates a branch or tag pointing at an existing commit; 409 when it exists. */
  createRef(repoId: number, ref: Ref, opts?: { audit?: NewAuditEntry }): Promise<void>;
  /** Deletes a branch or tag; false when absent. */
  deleteRef(
    repoId: number,
    kind: Ref['kind'],
    name: string,
    opts?: { audit?: NewAuditEntry },
  ): Promise<boolean>;

  /**
   * Atomically checks that `branch`'s head is `expectedHead` and, if so, stores the commit with
   * its manifest and moves the branch to it (one transaction). Otherwise throws a 409
   * ConflictError whose details hold the current `head`; nothing changes.
   */
  commit(input: CommitInput): Promise<void>;
  /** A commit of a repo, or null. */
  getCommit(repoId: number, id: string): Promise<Commit | null>;
  /** Ids of the repo's commits starting with `prefix` (at most `limit`, default 2). */
  findCommits(repoId: number, prefix: string, limit?: number): Promise<string[]>;
  /** A commit's manifest, sorted by path. */
  getFiles(repoId: number, commitId: string): Promise<FileEntry[]>;
  /** One file of a commit's manifest, or null. */
  getFile(repoId: number, commitId: string, path: string): Promise<FileEntry | null>;
  /** First-parent history from `from`, newest first. */
  listCommits(repoId: number, from: string, limit: number): Promise<Commit[]>;

  /** Records that a blob's bytes were uploaded (so proven held) for a repo. */
  recordBlobUpload(repoId: number, sha256: string): Promise<void>;
  /**
   * True when a commit to `repoId` may reference the blob without uploading it: it was uploaded
   * for this repo, or a commit of this repo or of a public repo references it. (Knowing a hash is
   * not enough to get a private repo's file into your own repo.)
   */
  isBlobKnown(repoId: number, sha256: string): Promise<boolean>;

  /** Stores an upload session. */
  createUpload(session: UploadSession): Promise<void>;
  /** An upload session, or null. */
  getUpload(id: string): Promise<UploadSession | null>;
  /** Removes an upload session. */
  deleteUpload(id: string): Promise<void>;
  /** Sessions whose `expiresAt` is before `now` (ISO). */
  listExpiredUploads(now: string): Promise<UploadSession[]>;
  /**
   * Takes (or renews) the write lease of an upload session for `holder` until `until` (ISO): true
   * when the session exists and nobody else holds an unexpired lease at `now`. Several server
   * processes sharing a store use it so that only one appends to a session at a time.
   */
  leaseUpload(id: string, holder: string, until: string, now: string): Promise<boolean>;
  /** Gives a lease back (only `holder`'s own; no error otherwise). */
  releaseUpload(id: string, holder: string): Promise<void>;

  /** Appends an audit entry outside any other change. */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Audit entries, newest first. */
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]>;
}
