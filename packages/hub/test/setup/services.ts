/**
 * vitest globalSetup of the hub tests: starts the real servers of the scale-out configuration on
 * 127.0.0.1 — a throwaway PostgreSQL cluster (`tools/hub/start-postgres.sh`) and OpenStack Swift's
 * S3 API (`tools/hub/start-s3-swift.sh`) — and hands their addresses to the tests
 * (`inject('hubServices')`).
 *
 * - `KINDLING_HUB_TEST_PG_URL` + `KINDLING_HUB_TEST_S3_ENDPOINT` (optionally `_S3_ACCESS_KEY`,
 *   `_S3_SECRET_KEY`): use servers that are already running instead.
 * - In CI (`CI` set) the servers must start: any failure fails the whole run, loudly.
 * - Elsewhere, when the binaries are not installed (or `KINDLING_HUB_TEST_SERVICES=off`), the
 *   scale-out tests are skipped with a message saying why; when they are installed they must start.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/** What the tests get: connection settings, or why there are none. */
export type HubServices =
  | {
      available: true;
      pgUrl: string;
      s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string; bucket: string };
    }
  | { available: false; reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    hubServices: HubServices;
  }
}

const repoRoot = resolve(__dirname, '../../../..');
const PG_SCRIPT = join(repoRoot, 'tools/hub/start-postgres.sh');
const S3_SCRIPT = resolve(repoRoot, 'tools/hub/start-s3-swift.sh');
const SWIFT_ROOT = join(tmpdir(), 'kindling-hub-swift');

function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) {
  return new Promise<string>((ok, fail) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else ok(stdout);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

function missingBinaries(): string[] {
  const missing: string[] = [];
  const pgBin = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))
    : false;
  if (!pgBin) missing.push('PostgreSQL server (apt-get install postgresql)');
  for (const b of ['/usr/bin/swift-proxy-server', '/usr/bin/swift-object-server', '/usr/bin/memcached'])
    if (!existsSync(b))
      missing.push(
        `${b} (apt-get install swift swift-proxy swift-account swift-container swift-object memcached)`,
      );
  if (!existsSync(S3_SCRIPT)) missing.push(S3_SCRIPT);
  return missing;
}

/** Stops the Swift processes a previous start left behind in our folder (by their pid files). */
function stopSwift() {
  const runDir = join(SWIFT_ROOT, 'run');
  if (!existsSync(runDir)) return;
  for (const f of readdirSync(runDir)) {
    if (!f.endsWith('.pid')) continue;
    const pid = Number(readFileSync(join(runDir, f), 'utf8').trim());
    if (pid > 0)
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    rmSync(join(runDir, f), { force: true });
  }
}

async function waitPortsFree(ports: number[], ms: number) {
  const deadline = Date.now() + ms;
  for (const port of ports) {
    for (;;) {
      const free = await new Promise<boolean>((ok) => {
        const s = createServer();
        s.once('error', () => ok(false));
        s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
      });
      if (free) break;
      if (Date.now() > deadline) throw new Error(`port ${port} is still in use (another Swift running?)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export default async function setup(project: TestProject) {
  const ci = !!process.env.CI;
  const env = process.env;
  if (env.KINDLING_HUB_TEST_PG_URL && env.KINDLING_HUB_TEST_S3_ENDPOINT) {
    project.provide('hubServices', {
      available: true,
      pgUrl: env.KINDLING_HUB_TEST_PG_URL,
      s3: {
        endpoint: env.KINDLING_HUB_TEST_S3_ENDPOINT,
        accessKeyId: env.KINDLING_HUB_TEST_S3_ACCESS_KEY ?? 'hub:admin',
        secretAccessKey: env.KINDLING_HUB_TEST_S3_SECRET_KEY ?? 'hubsecret',
        region: 'us-east-1',
        bucket: 'kindling-hub-test',
      },
    });
    return;
  }
  if (env.KINDLING_HUB_TEST_SERVICES === 'off' && !ci) {
    project.provide('hubServices', { available: false, reason: 'KINDLING_HUB_TEST_SERVICES=off' });
    return;
  }
  const missing = missingBinaries();
  if (missing.length > 0) {
    const reason = `not installed: ${missing.join('; ')}`;
    if (ci) throw new Error(`hub scale-out tests need PostgreSQL and Swift in CI, but they are ${reason}`);
    console.warn(`[hub] skipping the scale-out (PostgreSQL + S3) tests: ${reason}`);
    project.provide('hubServices', { available: false, reason });
    return;
  }

  const started = Date.now();
  const pgDir = join(tmpdir(), `kindling-hub-pg-${process.pid}`);
  const s3Port = await freePort();
  stopSwift();
  // Swift's storage servers use fixed ports; a previous run's must be gone.
  await waitPortsFree([6200, 6201, 6202], 10_000);
  rmSync(join(SWIFT_ROOT, 'node'), { recursive: true, force: true });
  const stop = async () => {
    stopSwift();
    await run('bash', [PG_SCRIPT, '--stop', pgDir]).catch(() => {});
  };
  try {
    const [pgOut] = await Promise.all([
      run('bash', [PG_SCRIPT, pgDir]),
      run('bash', [S3_SCRIPT], { SWIFT_ROOT, S3_PORT: String(s3Port) }, 180_000),
    ]);
    const pgUrl = pgOut.trim().split('\n').pop()!;
    console.log(
      `[hub] PostgreSQL at ${pgUrl}, S3 (Swift) at http://127.0.0.1:${s3Port}, started in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    project.provide('hubServices', {
      available: true,
      pgUrl,
      s3: {
        endpoint: `http://127.0.0.1:${s3Port}`,
        accessKeyId: 'hub:admin',
        secretAccessKey: 'hubsecret',
        region: 'us-east-1',
        bucket: 'kindling-hub-test',
      },
    });
  } catch (err) {
    await stop();
    for (const f of ['proxy.log', 'object.log']) {
      const p = join(SWIFT_ROOT, 'log', f);
      if (existsSync(p)) console.error(`--- ${p}\n${readFileSync(p, 'utf8').slice(-3000)}`);
    }
    throw new Error(`hub scale-out test servers failed to start: ${(err as Error).message}`);
  }
  return stop;
}
