/**
 * The MetadataStore conformance suite: every implementation (SQLite, PostgreSQL) must
 * pass it. Call it from a test file with a factory that returns a fresh, empty store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/errors.js';
import type { Commit, NewAuditEntry } from '../../src/model/types.js';
import type { MetadataStore } from '../../src/storage/metadata.js';

const sha = (c: string) => c.repeat(64).slice(0, 64);
const audit = (action: string, target: string): NewAuditEntry => ({
  actor: 'tester',
  tokenId: null,
  action,
  target,
  details: { n: 1 },
});

function commitOf(repoId: number, id: string, parent: string | null, message = 'm'): Commit {
  return {
    id,
    repoId,
    parent,
    message,
    author: 'alice',
    createdAt: new Date().toISOString(),
    cardData: { license: 'mit' },
    modelConfig: null,
  };
}

/** Registers the suite for one implementation. */
export function metadataStoreSuite(name: string, open: () => Promise<MetadataStore>) {
  describe(`MetadataStore conformance: ${name}`, () => {
    let s: MetadataStore;
    beforeEach(async () => {
      s = await open();
    });

    it('keeps one namespace for users and organisations, case-insensitively', async () => {
      expect(await s.countUsers()).toBe(0);
      const alice = await s.createUser('alice', { isAdmin: true });
      expect(alice).toMatchObject({ name: 'alice', kind: 'user', isAdmin: true });
      const org = await s.createOrg('acme', alice.id, { audit: audit('org.create', 'org:acme') });
      expect(org.kind).toBe('org');
      await expect(s.createUser('ACME')).rejects.toBeInstanceOf(ConflictError);
      await expect(s.createOrg('Alice', alice.id)).rejects.toBeInstanceOf(ConflictError);
      expect((await s.getNamespace('AcMe'))?.id).toBe(org.id);
      expect(await s.getOrgRole(org.id, alice.id)).toBe('admin');
      expect(await s.listMemberships(alice.id)).toEqual([{ org: 'acme', role: 'admin' }]);
      expect(await s.countUsers()).toBe(1);
    });

    it('tracks organisation roles, teams and team grants', async () => {
      const a = await s.createUser('a');
      const b = await s.createUser('b');
      const org = await s.createOrg('o', a.id);
      await s.setOrgRole(org.id, b.id, 'read');
      await s.setOrgRole(org.id, b.id, 'write');
      expect(await s.listOrgMembers(org.id)).toEqual([
        { user: 'a', role: 'admin' },
        { user: 'b', role: 'write' },
      ]);
      await s.setOrgRole(org.id, b.id, null);
      expect(await s.getOrgRole(org.id, b.id)).toBeNull();
      const repo = await s.createRepo({ ownerId: org.id, name: 'r', private: true });
      const team = await s.createTeam(org.id, 't');
      await expect(s.createTeam(org.id, 'T')).rejects.toBeInstanceOf(ConflictError);
      await s.setTeamMember(team.id, b.id, true);
      await s.setTeamMember(team.id, b.id, true);
      await s.setTeamRepoRole(team.id, repo.id, 'read');
      await s.setTeamRepoRole(team.id, repo.id, 'write');
      expect(await s.teamRolesFor(b.id, repo.id)).toEqual(['write']);
      expect(await s.listTeams(org.id)).toEqual([
        { id: team.id, orgId: org.id, name: 't', members: ['b'], repos: [{ repo: 'r', role: 'write' }] },
      ]);
      await s.setTeamMember(team.id, b.id, false);
      expect(await s.teamRolesFor(b.id, repo.id)).toEqual([]);
    });

    it('stores tokens by hash and revokes them once', async () => {
      const u = await s.createUser('u');
      const t = await s.createToken({ id: 'tok_1', userId: u.id, name: 'ci', scope: 'read', hash: sha('a') });
      expect(t.revokedAt).toBeNull();
      expect((await s.getTokenByHash(sha('a')))?.id).toBe('tok_1');
      expect(await s.getTokenByHash(sha('b'))).toBeNull();
      expect(await s.revokeToken('tok_1', { audit: audit('token.revoke', 'token:tok_1') })).toBe(true);
      expect(await s.revokeToken('tok_1', { audit: audit('token.revoke', 'token:tok_1') })).toBe(false);
      expect((await s.getToken('tok_1'))?.revokedAt).not.toBeNull();
      expect((await s.listTokens(u.id)).map((x) => x.id)).toEqual(['tok_1']);
      expect((await s.listAudit({ target: 'token:tok_1' })).length).toBe(1);
    });

    it('commits with a compare-and-swap on the branch head, atomically with the audit entry', async () => {
      const u = await s.createUser('u');
      const repo = await s.createRepo({ ownerId: u.id, name: 'r', private: false });
      await expect(s.createRepo({ ownerId: u.id, name: 'R', private: false })).rejects.toBeInstanceOf(
        ConflictError,
      );
      const files = [
        { path: 'a.txt', sha256: sha('1'), size: 1 },
        { path: 'b/c.bin', sha256: sha('2'), size: 2 },
      ];
      const c1 = commitOf(repo.id, sha('c'), null, 'one');
      await s.commit({
        repoId: repo.id,
        branch: 'main',
        expectedHead: null,
        commit: c1,
        files,
        audit: audit('commit', 'u/r'),
      });
      expect((await s.getRef(repo.id, 'branch', 'main'))?.commitId).toBe(c1.id);
      // A stale parent is refused with the current head, and nothing changes.
      const stale = commitOf(repo.id, sha('d'), null, 'stale');
      const err = await s
        .commit({
          repoId: repo.id,
          branch: 'main',
          expectedHead: null,
          commit: stale,
          files,
          audit: audit('commit', 'u/r'),
        })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err.details.head).toBe(c1.id);
      expect(await s.getCommit(repo.id, stale.id)).toBeNull();
      expect((await s.listAudit({ target: 'u/r' })).length).toBe(1);
      const c2 = commitOf(repo.id, sha('e'), c1.id, 'two');
      await s.commit({
        repoId: repo.id,
        branch: 'main',
        expectedHead: c1.id,
        commit: c2,
        files: files.slice(0, 1),
      });
      expect((await s.listCommits(repo.id, c2.id, 10)).map((c) => c.message)).toEqual(['two', 'one']);
      expect((await s.listCommits(repo.id, c2.id, 1)).length).toBe(1);
      expect(await s.getFiles(repo.id, c1.id)).toEqual(files);
      expect(await s.getFile(repo.id, c1.id, 'b/c.bin')).toEqual(files[1]);
      expect(await s.getFile(repo.id, c2.id, 'b/c.bin')).toBeNull();
      expect((await s.getCommit(repo.id, c1.id))?.cardData).toEqual({ license: 'mit' });
      expect(await s.findCommits(repo.id, 'ccccccc')).toEqual([c1.id]);
      expect(await s.findCommits(repo.id, 'zzz')).toEqual([]);
    });

    it('creates immutable refs, only at existing commits', async () => {
      const u = await s.createUser('u');
      const repo = await s.createRepo({ ownerId: u.id, name: 'r', private: false });
      const c1 = commitOf(repo.id, sha('c'), null);
      await s.commit({ repoId: repo.id, branch: 'main', expectedHead: null, commit: c1, files: [] });
      await s.createRef(repo.id, { kind: 'tag', name: 'v1', commitId: c1.id });
      await expect(s.createRef(repo.id, { kind: 'tag', name: 'v1', commitId: c1.id })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(
        s.createRef(repo.id, { kind: 'tag', name: 'v2', commitId: sha('f') }),
      ).rejects.toBeInstanceOf(NotFoundError);
      expect((await s.listRefs(repo.id)).map((r) => `${r.kind}:${r.name}`)).toEqual([
        'branch:main',
        'tag:v1',
      ]);
      expect(await s.deleteRef(repo.id, 'tag', 'v1')).toBe(true);
      expect(await s.deleteRef(repo.id, 'tag', 'v1')).toBe(false);
    });

    it('knows which blobs a repo may reference', async () => {
      const u = await s.createUser('u');
      const pub = await s.createRepo({ ownerId: u.id, name: 'pub', private: false });
      const priv = await s.createRepo({ ownerId: u.id, name: 'priv', private: true });
      const other = await s.createRepo({ ownerId: u.id, name: 'other', private: true });
      await s.commit({
        repoId: pub.id,
        branch: 'main',
        expectedHead: null,
        commit: commitOf(pub.id, sha('1'), null),
        files: [{ path: 'p', sha256: sha('a'), size: 1 }],
      });
      await s.commit({
        repoId: priv.id,
        branch: 'main',
        expectedHead: null,
        commit: commitOf(priv.id, sha('2'), null),
        files: [{ path: 'q', sha256: sha('b'), size: 1 }],
      });
      expect(await s.isBlobKnown(other.id, sha('a'))).toBe(true);
      expect(await s.isBlobKnown(other.id, sha('b'))).toBe(false);
      expect(await s.isBlobKnown(priv.id, sha('b'))).toBe(true);
      await s.recordBlobUpload(other.id, sha('b'));
      expect(await s.isBlobKnown(other.id, sha('b'))).toBe(true);
    });

    it('keeps upload sessions and lists expired ones', async () => {
      const u = await s.createUser('u');
      const repo = await s.createRepo({ ownerId: u.id, name: 'r', private: false });
      const base = {
        repoId: repo.id,
        userId: u.id,
        path: 'x',
        sha256: sha('a'),
        size: 10,
        createdAt: '2020-01-01T00:00:00.000Z',
      };
      await s.createUpload({ ...base, id: 'up_old', expiresAt: '2020-01-02T00:00:00.000Z' });
      await s.createUpload({ ...base, id: 'up_new', expiresAt: '2999-01-01T00:00:00.000Z' });
      expect((await s.listExpiredUploads(new Date().toISOString())).map((x) => x.id)).toEqual(['up_old']);
      expect(await s.getUpload('up_new')).toMatchObject({ path: 'x', size: 10 });
      await s.deleteUpload('up_new');
      expect(await s.getUpload('up_new')).toBeNull();
    });

    it('leases an upload session to one writer at a time, until the lease expires', async () => {
      const u = await s.createUser('u');
      const repo = await s.createRepo({ ownerId: u.id, name: 'r', private: false });
      await s.createUpload({
        id: 'up_lease',
        repoId: repo.id,
        userId: u.id,
        path: 'x',
        sha256: sha('a'),
        size: 1,
        createdAt: '2020-01-01T00:00:00.000Z',
        expiresAt: '2999-01-01T00:00:00.000Z',
      });
      const t0 = '2030-01-01T00:00:00.000Z';
      const t1 = '2030-01-01T00:01:00.000Z';
      const t2 = '2030-01-01T00:02:00.000Z';
      expect(await s.leaseUpload('up_lease', 'a', t1, t0)).toBe(true);
      expect(await s.leaseUpload('up_lease', 'b', t1, t0)).toBe(false);
      expect(await s.leaseUpload('up_lease', 'a', t2, t0)).toBe(true); // renewal
      await s.releaseUpload('up_lease', 'b'); // not b's: no effect
      expect(await s.leaseUpload('up_lease', 'b', t1, t1)).toBe(false);
      await s.releaseUpload('up_lease', 'a');
      expect(await s.leaseUpload('up_lease', 'b', t1, t0)).toBe(true);
      // An expired lease (its holder died) can be taken over.
      expect(await s.leaseUpload('up_lease', 'c', t2, '2030-01-01T00:01:30.000Z')).toBe(true);
      expect(await s.leaseUpload('up_missing', 'a', t1, t0)).toBe(false);
    });

    it('deletes a repo with its history and pages the audit log newest first', async () => {
      const u = await s.createUser('u');
      const repo = await s.createRepo(
        { ownerId: u.id, name: 'r', private: false },
        { audit: audit('repo.create', 'u/r') },
      );
      await s.commit({
        repoId: repo.id,
        branch: 'main',
        expectedHead: null,
        commit: commitOf(repo.id, sha('1'), null),
        files: [],
      });
      await s.setRepoPrivate(repo.id, true, { audit: audit('repo.settings', 'u/r') });
      expect((await s.getRepoById(repo.id))?.private).toBe(true);
      await s.deleteRepo(repo.id, { audit: audit('repo.delete', 'u/r') });
      expect(await s.getRepo('u', 'r')).toBeNull();
      expect(await s.getCommit(repo.id, sha('1'))).toBeNull();
      const all = await s.listAudit({ targetPrefix: 'u/' });
      expect(all.map((e) => e.action)).toEqual(['repo.delete', 'repo.settings', 'repo.create']);
      expect(all[0].details).toEqual({ n: 1 });
      const page = await s.listAudit({ targetPrefix: 'u/', before: all[0].id, limit: 1 });
      expect(page.map((e) => e.action)).toEqual(['repo.settings']);
    });
  });
}
