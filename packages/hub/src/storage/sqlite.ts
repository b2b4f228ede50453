/**
 * The embedded metadata store: one SQLite file through better-sqlite3 (WAL mode, foreign keys on,
 * synchronous=FULL). better-sqlite3 is synchronous, so each method runs to completion before any
 * other request's code: every multi-statement change is also wrapped in a transaction so it is
 * atomic against crashes.
 */
import Database from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../errors.js';
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
import type {
  AuditFilter,
  CommitInput,
  Membership,
  MetadataStore,
  OrgMember,
  TeamInfo,
  TeamRepoGrant,
} from './metadata.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS namespaces (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'org')),
  is_admin INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS org_members (
  org_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE IF NOT EXISTS teams (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL COLLATE NOCASE,
  UNIQUE (org_id, name)
);
CREATE TABLE IF NOT EXISTS team_members (
  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
);
CREATE TABLE IF NOT EXISTS repos (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL COLLATE NOCASE,
  private INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (owner_id, name)
);
CREATE TABLE IF NOT EXISTS team_repos (
  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  PRIMARY KEY (team_id, repo_id)
);
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  scope TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS commits (
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  parent TEXT,
  message TEXT NOT NULL,
  author TEXT NOT NULL,
  created_at TEXT NOT NULL,
  card_data TEXT,
  model_config TEXT,
  PRIMARY KEY (repo_id, id)
);
CREATE TABLE IF NOT EXISTS commit_files (
  repo_id INTEGER NOT NULL,
  commit_id TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (repo_id, commit_id, path),
  FOREIGN KEY (repo_id, commit_id) REFERENCES commits(repo_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS commit_files_sha256 ON commit_files(sha256);
CREATE TABLE IF NOT EXISTS refs (
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('branch', 'tag')),
  name TEXT NOT NULL,
  commit_id TEXT NOT NULL,
  PRIMARY KEY (repo_id, kind, name)
);
CREATE TABLE IF NOT EXISTS repo_blobs (
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (repo_id, sha256)
);
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY,
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  lease_holder TEXT,
  lease_until TEXT
);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  actor TEXT,
  token_id TEXT,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_target ON audit(target);
`;

const SCHEMA_VERSION = '2';

type Row = Record<string, any>;

function now(): string {
  return new Date().toISOString();
}

function toNamespace(r: Row): Namespace {
  return { id: r.id, name: r.name, kind: r.kind, isAdmin: r.is_admin === 1, createdAt: r.created_at };
}

function toRepo(r: Row): Repo {
  return {
    id: r.id,
    ownerId: r.owner_id,
    owner: r.owner,
    name: r.name,
    private: r.private === 1,
    createdAt: r.created_at,
  };
}

function toToken(r: Row): TokenRecord {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    scope: r.scope,
    hash: r.hash,
    createdAt: r.created_at,
    revokedAt: r.revoked_at ?? null,
  };
}

function toCommit(r: Row): Commit {
  return {
    id: r.id,
    repoId: r.repo_id,
    parent: r.parent ?? null,
    message: r.message,
    author: r.author,
    createdAt: r.created_at,
    cardData: r.card_data ? JSON.parse(r.card_data) : null,
    modelConfig: r.model_config ? JSON.parse(r.model_config) : null,
  };
}

function toUpload(r: Row): UploadSession {
  return {
    id: r.id,
    repoId: r.repo_id,
    userId: r.user_id,
    path: r.path,
    sha256: r.sha256,
    size: r.size,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

function toAudit(r: Row): AuditEntry {
  return {
    id: r.id,
    time: r.time,
    actor: r.actor ?? null,
    tokenId: r.token_id ?? null,
    action: r.action,
    target: r.target,
    details: JSON.parse(r.details),
  };
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

const REPO_SELECT = 'SELECT r.*, n.name AS owner FROM repos r JOIN namespaces n ON n.id = r.owner_id';

/** {@link MetadataStore} on a SQLite file (or `:memory:`). */
export class SqliteMetadataStore implements MetadataStore {
  /** The underlying connection (for tests and tools). */
  readonly db: Database.Database;

  /** Opens (creating if needed) the database at `file`. */
  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const v = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as
      | Row
      | undefined;
    if (!v)
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', SCHEMA_VERSION);
    else if (v.value === '1') {
      // Version 2 added upload leases.
      this.db.transaction(() => {
        const cols = (this.db.prepare('PRAGMA table_info(uploads)').all() as Row[]).map((c) => c.name);
        if (!cols.includes('lease_holder')) this.db.exec('ALTER TABLE uploads ADD COLUMN lease_holder TEXT');
        if (!cols.includes('lease_until')) this.db.exec('ALTER TABLE uploads ADD COLUMN lease_until TEXT');
        this.run("UPDATE meta SET value = ? WHERE key = 'schema_version'", SCHEMA_VERSION);
      })();
    } else if (v.value !== SCHEMA_VERSION)
      throw new Error(
        `hub database ${file} has schema version ${v.value}; this build expects ${SCHEMA_VERSION}`,
      );
    // One process serves an embedded hub: leases of a previous run (that died mid-upload) are void.
    this.run('UPDATE uploads SET lease_holder = NULL, lease_until = NULL WHERE lease_holder IS NOT NULL');
  }

  private get(sql: string, ...args: unknown[]): Row | undefined {
    return this.db.prepare(sql).get(...args) as Row | undefined;
  }

  private all(sql: string, ...args: unknown[]): Row[] {
    return this.db.prepare(sql).all(...args) as Row[];
  }

  private run(sql: string, ...args: unknown[]): Database.RunResult {
    return this.db.prepare(sql).run(...args);
  }

  private auditSync(entry: NewAuditEntry | undefined): AuditEntry | null {
    if (!entry) return null;
    const time = now();
    const info = this.run(
      'INSERT INTO audit (time, actor, token_id, action, target, details) VALUES (?, ?, ?, ?, ?, ?)',
      time,
      entry.actor,
      entry.tokenId,
      entry.action,
      entry.target,
      JSON.stringify(entry.details ?? {}),
    );
    return { id: Number(info.lastInsertRowid), time, ...entry, details: entry.details ?? {} };
  }

  /** Runs `fn` and the audit entry in one transaction. */
  private tx<T>(fn: () => T, audit?: NewAuditEntry): T {
    return this.db.transaction(() => {
      const out = fn();
      this.auditSync(audit);
      return out;
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async countUsers(): Promise<number> {
    return this.get("SELECT COUNT(*) AS n FROM namespaces WHERE kind = 'user'")!.n;
  }

  private createNamespace(name: string, kind: 'user' | 'org', isAdmin: boolean): Namespace {
    try {
      const info = this.run(
        'INSERT INTO namespaces (name, kind, is_admin, created_at) VALUES (?, ?, ?, ?)',
        name,
        kind,
        isAdmin ? 1 : 0,
        now(),
      );
      return toNamespace(this.get('SELECT * FROM namespaces WHERE id = ?', info.lastInsertRowid)!);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError(`the name '${name}' is already taken`, 'name_taken');
      throw err;
    }
  }

  async createUser(
    name: string,
    opts: { isAdmin?: boolean; audit?: NewAuditEntry } = {},
  ): Promise<Namespace> {
    return this.tx(() => this.createNamespace(name, 'user', opts.isAdmin ?? false), opts.audit);
  }

  async createOrg(name: string, creatorId: number, opts: { audit?: NewAuditEntry } = {}): Promise<Namespace> {
    return this.tx(() => {
      const org = this.createNamespace(name, 'org', false);
      this.run(
        'INSERT INTO org_members (org_id, user_id, role) VALUES (?, ?, ?)',
        org.id,
        creatorId,
        'admin',
      );
      return org;
    }, opts.audit);
  }

  async getNamespace(name: string): Promise<Namespace | null> {
    const r = this.get('SELECT * FROM namespaces WHERE name = ?', name);
    return r ? toNamespace(r) : null;
  }

  async getNamespaceById(id: number): Promise<Namespace | null> {
    const r = this.get('SELECT * FROM namespaces WHERE id = ?', id);
    return r ? toNamespace(r) : null;
  }

  async setOrgRole(orgId: number, userId: number, role: Role | null, opts: { audit?: NewAuditEntry } = {}) {
    this.tx(() => {
      if (role === null) this.run('DELETE FROM org_members WHERE org_id = ? AND user_id = ?', orgId, userId);
      else
        this.run(
          'INSERT INTO org_members (org_id, user_id, role) VALUES (?, ?, ?) ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role',
          orgId,
          userId,
          role,
        );
    }, opts.audit);
  }

  async getOrgRole(orgId: number, userId: number): Promise<Role | null> {
    return (this.get('SELECT role FROM org_members WHERE org_id = ? AND user_id = ?', orgId, userId)?.role ??
      null) as Role | null;
  }

  async listMemberships(userId: number): Promise<Membership[]> {
    return this.all(
      'SELECT n.name AS org, m.role FROM org_members m JOIN namespaces n ON n.id = m.org_id WHERE m.user_id = ? ORDER BY n.name',
      userId,
    ) as Membership[];
  }

  async listOrgMembers(orgId: number): Promise<OrgMember[]> {
    return this.all(
      'SELECT n.name AS user, m.role FROM org_members m JOIN namespaces n ON n.id = m.user_id WHERE m.org_id = ? ORDER BY n.name',
      orgId,
    ) as OrgMember[];
  }

  async createTeam(orgId: number, name: string, opts: { audit?: NewAuditEntry } = {}): Promise<Team> {
    return this.tx(() => {
      try {
        const info = this.run('INSERT INTO teams (org_id, name) VALUES (?, ?)', orgId, name);
        return { id: Number(info.lastInsertRowid), orgId, name };
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`team '${name}' already exists`, 'team_exists');
        throw err;
      }
    }, opts.audit);
  }

  async getTeam(orgId: number, name: string): Promise<Team | null> {
    const r = this.get('SELECT * FROM teams WHERE org_id = ? AND name = ?', orgId, name);
    return r ? { id: r.id, orgId: r.org_id, name: r.name } : null;
  }

  async listTeams(orgId: number): Promise<TeamInfo[]> {
    return this.all('SELECT * FROM teams WHERE org_id = ? ORDER BY name', orgId).map((t) => ({
      id: t.id,
      orgId: t.org_id,
      name: t.name,
      members: this.all(
        'SELECT n.name FROM team_members m JOIN namespaces n ON n.id = m.user_id WHERE m.team_id = ? ORDER BY n.name',
        t.id,
      ).map((r) => r.name),
      repos: this.all(
        'SELECT r.name AS repo, g.role FROM team_repos g JOIN repos r ON r.id = g.repo_id WHERE g.team_id = ? ORDER BY r.name',
        t.id,
      ) as TeamRepoGrant[],
    }));
  }

  async setTeamMember(teamId: number, userId: number, member: boolean, opts: { audit?: NewAuditEntry } = {}) {
    this.tx(() => {
      if (member)
        this.run('INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?, ?)', teamId, userId);
      else this.run('DELETE FROM team_members WHERE team_id = ? AND user_id = ?', teamId, userId);
    }, opts.audit);
  }

  async setTeamRepoRole(
    teamId: number,
    repoId: number,
    role: Role | null,
    opts: { audit?: NewAuditEntry } = {},
  ) {
    this.tx(() => {
      if (role === null) this.run('DELETE FROM team_repos WHERE team_id = ? AND repo_id = ?', teamId, repoId);
      else
        this.run(
          'INSERT INTO team_repos (team_id, repo_id, role) VALUES (?, ?, ?) ON CONFLICT (team_id, repo_id) DO UPDATE SET role = excluded.role',
          teamId,
          repoId,
          role,
        );
    }, opts.audit);
  }

  async teamRolesFor(userId: number, repoId: number): Promise<Role[]> {
    return this.all(
      'SELECT g.role FROM team_repos g JOIN team_members m ON m.team_id = g.team_id WHERE m.user_id = ? AND g.repo_id = ?',
      userId,
      repoId,
    ).map((r) => r.role as Role);
  }

  async createToken(
    token: Omit<TokenRecord, 'createdAt' | 'revokedAt'>,
    opts: { audit?: NewAuditEntry } = {},
  ): Promise<TokenRecord> {
    return this.tx(() => {
      this.run(
        'INSERT INTO tokens (id, user_id, name, scope, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        token.id,
        token.userId,
        token.name,
        token.scope,
        token.hash,
        now(),
      );
      return toToken(this.get('SELECT * FROM tokens WHERE id = ?', token.id)!);
    }, opts.audit);
  }

  async getTokenByHash(hash: string): Promise<TokenRecord | null> {
    const r = this.get('SELECT * FROM tokens WHERE hash = ?', hash);
    return r ? toToken(r) : null;
  }

  async getToken(id: string): Promise<TokenRecord | null> {
    const r = this.get('SELECT * FROM tokens WHERE id = ?', id);
    return r ? toToken(r) : null;
  }

  async listTokens(userId: number): Promise<TokenRecord[]> {
    return this.all('SELECT * FROM tokens WHERE user_id = ? ORDER BY created_at, rowid', userId).map(toToken);
  }

  async revokeToken(id: string, opts: { audit?: NewAuditEntry } = {}): Promise<boolean> {
    return this.db.transaction(() => {
      const info = this.run(
        'UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
        now(),
        id,
      );
      if (info.changes === 0) return false;
      this.auditSync(opts.audit);
      return true;
    })();
  }

  async createRepo(
    input: { ownerId: number; name: string; private: boolean },
    opts: { audit?: NewAuditEntry } = {},
  ): Promise<Repo> {
    return this.tx(() => {
      try {
        const info = this.run(
          'INSERT INTO repos (owner_id, name, private, created_at) VALUES (?, ?, ?, ?)',
          input.ownerId,
          input.name,
          input.private ? 1 : 0,
          now(),
        );
        return toRepo(this.get(`${REPO_SELECT} WHERE r.id = ?`, info.lastInsertRowid)!);
      } catch (err) {
        if (isUniqueViolation(err))
          throw new ConflictError(`repo '${input.name}' already exists`, 'repo_exists');
        throw err;
      }
    }, opts.audit);
  }

  async getRepo(owner: string, name: string): Promise<Repo | null> {
    const r = this.get(`${REPO_SELECT} WHERE n.name = ? AND r.name = ?`, owner, name);
    return r ? toRepo(r) : null;
  }

  async getRepoById(id: number): Promise<Repo | null> {
    const r = this.get(`${REPO_SELECT} WHERE r.id = ?`, id);
    return r ? toRepo(r) : null;
  }

  async listRepos(filter: { ownerId?: number } = {}): Promise<Repo[]> {
    const rows =
      filter.ownerId === undefined
        ? this.all(`${REPO_SELECT} ORDER BY n.name, r.name`)
        : this.all(`${REPO_SELECT} WHERE r.owner_id = ? ORDER BY r.name`, filter.ownerId);
    return rows.map(toRepo);
  }

  async setRepoPrivate(repoId: number, isPrivate: boolean, opts: { audit?: NewAuditEntry } = {}) {
    this.tx(
      () => this.run('UPDATE repos SET private = ? WHERE id = ?', isPrivate ? 1 : 0, repoId),
      opts.audit,
    );
  }

  async deleteRepo(repoId: number, opts: { audit?: NewAuditEntry } = {}) {
    this.tx(() => {
      this.run('DELETE FROM commit_files WHERE repo_id = ?', repoId);
      this.run('DELETE FROM repos WHERE id = ?', repoId);
    }, opts.audit);
  }

  async getRef(repoId: number, kind: Ref['kind'], name: string): Promise<Ref | null> {
    const r = this.get('SELECT * FROM refs WHERE repo_id = ? AND kind = ? AND name = ?', repoId, kind, name);
    return r ? { kind: r.kind, name: r.name, commitId: r.commit_id } : null;
  }

  async listRefs(repoId: number): Promise<Ref[]> {
    return this.all('SELECT * FROM refs WHERE repo_id = ? ORDER BY kind, name', repoId).map((r) => ({
      kind: r.kind,
      name: r.name,
      commitId: r.commit_id,
    }));
  }

  async createRef(repoId: number, ref: Ref, opts: { audit?: NewAuditEntry } = {}): Promise<void> {
    this.tx(() => {
      if (!this.get('SELECT 1 FROM commits WHERE repo_id = ? AND id = ?', repoId, ref.commitId))
        throw new NotFoundError(`commit ${ref.commitId} not found`, 'revision_not_found');
      try {
        this.run(
          'INSERT INTO refs (repo_id, kind, name, commit_id) VALUES (?, ?, ?, ?)',
          repoId,
          ref.kind,
          ref.name,
          ref.commitId,
        );
      } catch (err) {
        if (isUniqueViolation(err))
          throw new ConflictError(`${ref.kind} '${ref.name}' already exists`, `${ref.kind}_exists`);
        throw err;
      }
    }, opts.audit);
  }

  async deleteRef(
    repoId: number,
    kind: Ref['kind'],
    name: string,
    opts: { audit?: NewAuditEntry } = {},
  ): Promise<boolean> {
    return this.db.transaction(() => {
      const info = this.run(
        'DELETE FROM refs WHERE repo_id = ? AND kind = ? AND name = ?',
        repoId,
        kind,
        name,
      );
      if (info.changes === 0) return false;
      this.auditSync(opts.audit);
      return true;
    })();
  }

  async commit(input: CommitInput): Promise<void> {
    this.db
      .transaction(() => {
        const head = this.get(
          "SELECT commit_id FROM refs WHERE repo_id = ? AND kind = 'branch' AND name = ?",
          input.repoId,
          input.branch,
        )?.commit_id as string | undefined;
        const current = head ?? null;
        if (current !== input.expectedHead)
          throw new ConflictError(
            `branch '${input.branch}' is at ${current ?? '(no commit)'}, not at the parent ${input.expectedHead ?? '(none)'} this push is based on; pull and retry`,
            'stale_parent',
            { head: current },
          );
        const c = input.commit;
        this.run(
          'INSERT INTO commits (repo_id, id, parent, message, author, created_at, card_data, model_config) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          input.repoId,
          c.id,
          c.parent,
          c.message,
          c.author,
          c.createdAt,
          c.cardData ? JSON.stringify(c.cardData) : null,
          c.modelConfig ? JSON.stringify(c.modelConfig) : null,
        );
        const ins = this.db.prepare(
          'INSERT INTO commit_files (repo_id, commit_id, path, sha256, size) VALUES (?, ?, ?, ?, ?)',
        );
        for (const f of input.files) ins.run(input.repoId, c.id, f.path, f.sha256, f.size);
        this.run(
          "INSERT INTO refs (repo_id, kind, name, commit_id) VALUES (?, 'branch', ?, ?) ON CONFLICT (repo_id, kind, name) DO UPDATE SET commit_id = excluded.commit_id",
          input.repoId,
          input.branch,
          c.id,
        );
        this.auditSync(input.audit);
      })
      .immediate(); // take the write lock before reading the head: safe across processes too
  }

  async getCommit(repoId: number, id: string): Promise<Commit | null> {
    const r = this.get('SELECT * FROM commits WHERE repo_id = ? AND id = ?', repoId, id);
    return r ? toCommit(r) : null;
  }

  async findCommits(repoId: number, prefix: string, limit = 2): Promise<string[]> {
    if (!/^[0-9a-f]*$/.test(prefix)) return [];
    return this.all(
      'SELECT id FROM commits WHERE repo_id = ? AND id >= ? AND id < ? ORDER BY id LIMIT ?',
      repoId,
      prefix,
      `${prefix}g`,
      limit,
    ).map((r) => r.id);
  }

  async getFiles(repoId: number, commitId: string): Promise<FileEntry[]> {
    return this.all(
      'SELECT path, sha256, size FROM commit_files WHERE repo_id = ? AND commit_id = ? ORDER BY path',
      repoId,
      commitId,
    ) as FileEntry[];
  }

  async getFile(repoId: number, commitId: string, path: string): Promise<FileEntry | null> {
    return (
      (this.get(
        'SELECT path, sha256, size FROM commit_files WHERE repo_id = ? AND commit_id = ? AND path = ?',
        repoId,
        commitId,
        path,
      ) as FileEntry | undefined) ?? null
    );
  }

  async listCommits(repoId: number, from: string, limit: number): Promise<Commit[]> {
    const out: Commit[] = [];
    const stmt = this.db.prepare('SELECT * FROM commits WHERE repo_id = ? AND id = ?');
    let id: string | null = from;
    while (id !== null && out.length < limit) {
      const r = stmt.get(repoId, id) as Row | undefined;
      if (!r) break;
      out.push(toCommit(r));
      id = r.parent ?? null;
    }
    return out;
  }

  async recordBlobUpload(repoId: number, sha256: string): Promise<void> {
    this.run('INSERT OR IGNORE INTO repo_blobs (repo_id, sha256) VALUES (?, ?)', repoId, sha256);
  }

  async isBlobKnown(repoId: number, sha256: string): Promise<boolean> {
    return (
      this.get(
        `SELECT EXISTS (SELECT 1 FROM repo_blobs WHERE repo_id = ? AND sha256 = ?)
            OR EXISTS (SELECT 1 FROM commit_files WHERE repo_id = ? AND sha256 = ?)
            OR EXISTS (SELECT 1 FROM commit_files f JOIN repos r ON r.id = f.repo_id WHERE f.sha256 = ? AND r.private = 0)
          AS known`,
        repoId,
        sha256,
        repoId,
        sha256,
        sha256,
      )!.known === 1
    );
  }

  async createUpload(s: UploadSession): Promise<void> {
    this.run(
      'INSERT INTO uploads (id, repo_id, user_id, path, sha256, size, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      s.id,
      s.repoId,
      s.userId,
      s.path,
      s.sha256,
      s.size,
      s.createdAt,
      s.expiresAt,
    );
  }

  async getUpload(id: string): Promise<UploadSession | null> {
    const r = this.get('SELECT * FROM uploads WHERE id = ?', id);
    return r ? toUpload(r) : null;
  }

  async deleteUpload(id: string): Promise<void> {
    this.run('DELETE FROM uploads WHERE id = ?', id);
  }

  async listExpiredUploads(nowIso: string): Promise<UploadSession[]> {
    return this.all('SELECT * FROM uploads WHERE expires_at < ?', nowIso).map(toUpload);
  }

  async leaseUpload(id: string, holder: string, until: string, nowIso: string): Promise<boolean> {
    return (
      this.run(
        'UPDATE uploads SET lease_holder = ?, lease_until = ? WHERE id = ? AND (lease_holder IS NULL OR lease_holder = ? OR lease_until < ?)',
        holder,
        until,
        id,
        holder,
        nowIso,
      ).changes === 1
    );
  }

  async releaseUpload(id: string, holder: string): Promise<void> {
    this.run(
      'UPDATE uploads SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease_holder = ?',
      id,
      holder,
    );
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.auditSync(entry)!;
  }

  async listAudit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.target !== undefined) {
      where.push('target = ?');
      args.push(filter.target);
    }
    if (filter.targetPrefix !== undefined) {
      where.push("target LIKE ? ESCAPE '\\'");
      args.push(`${filter.targetPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (filter.before !== undefined) {
      where.push('id < ?');
      args.push(filter.before);
    }
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.all(sql, ...args, limit).map(toAudit);
  }
}
