/** The API description and the global audit log. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../src/errors.js';
import { raw, startHub, type TestHub } from './helpers.js';

describe('API description and audit', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(async () => hub.close());

  it('serves an OpenAPI description covering every route', async () => {
    const r = await raw(`${hub.url}/api/openapi.json`);
    expect(r.status).toBe(200);
    const doc = r.json;
    expect(doc.openapi).toBe('3.1.0');
    const ids = new Set<string>();
    for (const route of hub.server.router.routes) {
      const path = route.path.replace(/\{(\w+)\*\}/g, '{$1}');
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op.summary).toBe(route.summary);
      expect(ids.has(op.operationId)).toBe(false);
      ids.add(op.operationId);
      for (const m of route.path.matchAll(/\{(\w+)\*?\}/g))
        expect(
          op.parameters.some((p: { name: string; in: string }) => p.name === m[1] && p.in === 'path'),
        ).toBe(true);
      if (route.head) expect(doc.paths[path].head).toBeDefined();
    }
    expect(
      doc.paths['/{owner}/{name}/resolve/{revision}/{path}'].get.responses['200'].content,
    ).toHaveProperty('application/octet-stream');
  });

  it('documents every route in the README', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8').split('\n');
    for (const route of hub.server.router.routes) {
      const path = route.path.replace(/\{(\w+)\*\}/g, '{$1}');
      const rows = readme.filter((l) => l.startsWith('|') && l.includes(`\`${path}\``));
      expect(
        rows.some((l) => l.includes(`\`${route.method}\``)),
        `${route.method} ${path}`,
      ).toBe(true);
    }
  });

  it('records every write in the audit log, readable by site admins only', async () => {
    const { client: dave } = await hub.user('dave');
    const t = await dave.createToken('ci', 'write');
    await dave.revokeToken(t.id);
    await dave.createOrg('lab');
    await dave.createRepo('lab/net', { private: true });
    await dave.setPrivate('lab/net', false);
    await dave.uploadFiles('lab/net', [{ path: 'a.txt', content: 'a' }]);
    await dave.tag('lab/net', 'v0');
    await dave.createBranch('lab/net', 'dev');
    await dave.deleteRepo('lab/net');
    // Reads and failed writes leave no trace.
    await dave.listRepos();
    await expect(dave.createRepo('lab/../x')).rejects.toThrow();

    const entries = (await hub.admin.siteAudit({ limit: 1000 })).reverse();
    expect(entries.map((e) => `${e.actor ?? '-'} ${e.action} ${e.target}`)).toEqual([
      '- user.create user:admin',
      'admin user.create user:dave',
      `dave token.create token:${t.id}`,
      `dave token.revoke token:${t.id}`,
      'dave org.create org:lab',
      'dave repo.create lab/net',
      'dave repo.settings lab/net',
      'dave commit lab/net',
      'dave tag.create lab/net',
      'dave branch.create lab/net',
      'dave repo.delete lab/net',
    ]);
    expect(entries.every((e) => typeof e.time === 'string' && e.id > 0)).toBe(true);
    expect(entries[2].tokenId).toMatch(/^tok_/);
    await expect(dave.siteAudit()).rejects.toBeInstanceOf(ForbiddenError);
  });
});
