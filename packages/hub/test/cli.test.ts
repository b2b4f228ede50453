/** The kindling-hub CLI, run in-process against a hub it serves itself. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';

describe('kindling-hub CLI', () => {
  let dir: string;
  let url: string;
  let adminToken: string;
  const stop = new AbortController();
  let served: Promise<number>;

  async function cli(args: string[], env: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      env: { KINDLING_HUB_CONFIG: join(dir, 'config.json'), KINDLING_HUB_CACHE: join(dir, 'cache'), ...env },
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-hub-cli-'));
    let out = '';
    served = runCli(['serve', '--data', join(dir, 'data'), '--port', '0', '--host', '127.0.0.1'], {
      stdout: (s) => {
        out += s;
      },
      stderr: () => {},
      env: {},
      signal: stop.signal,
    });
    for (let i = 0; i < 200 && !/token \(shown once\): (\S+)/.test(out); i++)
      await new Promise((r) => setTimeout(r, 10));
    url = /listening on (\S+)/.exec(out)![1];
    adminToken = /token \(shown once\): (\S+)/.exec(out)![1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
  afterAll(async () => {
    stop.abort();
    expect(await served).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, pushes a folder, tags, lists, logs and pulls', async () => {
    const created = await cli(['user', 'create', 'carol', '--endpoint', url, '--token', adminToken]);
    expect(created.code).toBe(0);
    const carolToken = created.stdout.split('\n')[0];

    const login = await cli(['login', '--endpoint', url, '--token', carolToken]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('as carol');
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect((await cli(['whoami'])).stdout).toMatch(/^carol/);

    expect((await cli(['repo', 'create', 'carol/demo', '--private'])).stdout).toContain(
      'created carol/demo (private)',
    );
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(
      join(src, 'config.json'),
      JSON.stringify({ library: 'kindling', architecture: 'Tiny', config: {} }),
    );
    writeFileSync(join(src, 'sub', 'data.txt'), 'hello');
    const push = await cli(['push', src, 'carol/demo', '-m', 'first']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/^pushed carol\/demo@main: [0-9a-f]{64}/);
    expect((await cli(['push', src, 'carol/demo'])).stdout).toContain('nothing to commit');

    expect((await cli(['tag', 'carol/demo', 'v1'])).stdout).toContain('as v1');
    const ls = await cli(['ls', 'carol/demo', '--revision', 'v1']);
    expect(ls.stdout).toContain('sub/data.txt');
    const log = JSON.parse((await cli(['log', 'carol/demo', '--json'])).stdout);
    expect(log.map((e: { title: string }) => e.title)).toEqual(['first']);

    const out = join(dir, 'out');
    const pull = await cli(['pull', 'carol/demo', '--revision', 'v1', '--dir', out]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(readFileSync(join(out, 'sub', 'data.txt'), 'utf8')).toBe('hello');

    const tok = JSON.parse(
      (await cli(['token', 'create', '--name', 'ci', '--scope', 'read', '--json'])).stdout,
    );
    expect(tok.scope).toBe('read');
    expect((await cli(['token', 'list'])).stdout).toContain(tok.id);
    expect((await cli(['token', 'revoke', tok.id])).code).toBe(0);
    const denied = await cli(['whoami', '--token', tok.token]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('401 token_revoked');
  });

  it('reports usage errors and server errors clearly', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['push', 'only-one-arg'])).stderr).toContain('usage: kindling-hub push');
    expect((await cli(['--nope'])).code).toBe(2);
    const missing = await cli(['ls', 'nobody/nothing', '--endpoint', url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404 repo_not_found');
    expect((await cli(['--help'])).stdout).toContain('Usage: kindling-hub');
  });
});
