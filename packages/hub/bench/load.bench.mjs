// Load benchmark of the hub server (a benchmark, not a test): N concurrent clients pull and push
// against one `kindling-hub serve` process on 127.0.0.1 for a bounded time, then it reports
// requests/s and latency percentiles per operation and fails (exit 1) on any error.
//
//   pnpm --filter @kindling/hub bench [-- --clients 50 --seconds 30 --push-ratio 0.2 --json]
//
// Runs the BUILT package (`pnpm bench` builds first). Storage: the embedded one in a temp folder,
// or the scale-out one when KINDLING_HUB_DATABASE_URL, KINDLING_HUB_S3_ENDPOINT,
// KINDLING_HUB_S3_BUCKET, KINDLING_HUB_S3_ACCESS_KEY_ID and KINDLING_HUB_S3_SECRET_ACCESS_KEY are
// set (e.g. the servers of tools/hub/start-postgres.sh and tools/hub/start-s3-swift.sh).
//
// Operations: `pull` = GET /{repo}/resolve/v1.0/model.safetensors (256 KiB, keep-alive, bytes
// checked against the size), `info` = GET /api/models/{repo}, `push` = a whole HubClient commit of
// one new file to the client's own repo (preupload + blob PUT + commit; each client pushes to its
// own repo, so no 409 is expected). Traffic never leaves the loopback interface; clients, time
// and request counts are bounded.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HubClient } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    'push-ratio': { type: 'string', default: '0.2' },
    'max-requests': { type: 'string', default: '2000000' },
    json: { type: 'boolean', default: false },
  },
});
const clients = Math.min(Math.max(1, Number(args.clients)), 500);
const seconds = Math.min(Math.max(1, Number(args.seconds)), 300);
const pushRatio = Math.min(Math.max(0, Number(args['push-ratio'])), 1);
const maxRequests = Math.min(Number(args['max-requests']), 10_000_000);

/** A safetensors file of `n` float32 values. */
function safetensors(n) {
  let header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] } }));
  header = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeUInt32LE(header.length, 0);
  return Buffer.concat([len, header, randomBytes(4 * n)]);
}

async function startServer(dir, adminToken) {
  const cli = join(here, '..', 'dist', 'cli.js');
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--data', join(dir, 'data'), '--port', '0', '--host', '127.0.0.1'],
    {
      env: { ...process.env, KINDLING_HUB_ADMIN_TOKEN: adminToken },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return { child, url };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const dir = mkdtempSync(join(tmpdir(), 'kindling-hub-bench-'));
const adminToken = `kh_${randomBytes(32).toString('base64url')}`;
const { child, url } = await startServer(dir, adminToken);
if (!/^http:\/\/127\.0\.0\.1:/.test(url)) throw new Error(`refusing a non-loopback endpoint ${url}`);
try {
  const admin = new HubClient({ endpoint: url, token: adminToken, cacheDir: join(dir, 'cache-admin') });
  const { token } = await admin.createUser('bench');
  const owner = new HubClient({ endpoint: url, token, cacheDir: join(dir, 'cache-owner') });
  const weights = safetensors(64 * 1024);
  await owner.createRepo('bench/model');
  await owner.uploadFiles('bench/model', [
    {
      path: 'config.json',
      content: JSON.stringify({ library: 'kindling', architecture: 'mlp', config: {} }),
    },
    { path: 'README.md', content: '---\nlicense: mit\n---\n# Bench model\n' },
    { path: 'model.safetensors', content: weights },
  ]);
  await owner.tag('bench/model', 'v1.0');
  for (let i = 0; i < clients; i++) await owner.createRepo(`bench/push-${i}`);

  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const auth = { authorization: `Bearer ${token}` };
  const get = (path, expectBytes) =>
    new Promise((resolve) => {
      const req = request(`${url}${path}`, { agent, headers: auth }, (res) => {
        let n = 0;
        res.on('data', (c) => {
          n += c.length;
        });
        res.on('end', () =>
          resolve(res.statusCode === 200 && (expectBytes === undefined || n === expectBytes)),
        );
        res.on('error', () => resolve(false));
      });
      req.on('error', () => resolve(false));
      req.end();
    });

  const stats = { pull: [], info: [], push: [] };
  const errors = { pull: 0, info: 0, push: 0 };
  const firstErrors = [];
  let total = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const pusher = new HubClient({ endpoint: url, token, cacheDir: join(dir, `cache-${c}`), retries: 0 });
      let k = 0;
      while (performance.now() < deadline && total < maxRequests) {
        total++;
        const r = Math.random();
        const op = r < pushRatio ? 'push' : r < pushRatio + (1 - pushRatio) / 4 ? 'info' : 'pull';
        const t0 = performance.now();
        let ok;
        try {
          if (op === 'pull') ok = await get('/bench/model/resolve/v1.0/model.safetensors', weights.length);
          else if (op === 'info') ok = await get('/api/models/bench/model');
          else {
            const res = await pusher.uploadFiles(`bench/push-${c}`, [
              { path: `data/${k++}.txt`, content: `client ${c} push ${k} ${randomBytes(8).toString('hex')}` },
            ]);
            ok = res.created === true;
          }
        } catch (err) {
          ok = false;
          if (firstErrors.length < 5) firstErrors.push(`${op}: ${err.message}`);
        }
        stats[op].push(performance.now() - t0);
        if (!ok) errors[op]++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();

  const rows = Object.entries(stats).map(([op, lat]) => {
    const sorted = Float64Array.from(lat).sort();
    return {
      op,
      requests: lat.length,
      perSecond: Number((lat.length / elapsed).toFixed(1)),
      p50ms: Number(percentile(sorted, 50).toFixed(2)),
      p99ms: Number(percentile(sorted, 99).toFixed(2)),
      maxMs: Number((sorted[sorted.length - 1] ?? 0).toFixed(2)),
      errors: errors[op],
    };
  });
  const all = Float64Array.from(Object.values(stats).flat()).sort();
  const summary = {
    clients,
    seconds: Number(elapsed.toFixed(1)),
    storage: process.env.KINDLING_HUB_DATABASE_URL ? 'scale-out' : 'embedded',
    requests: all.length,
    perSecond: Number((all.length / elapsed).toFixed(1)),
    p99ms: Number(percentile(all, 99).toFixed(2)),
    errors: Object.values(errors).reduce((a, b) => a + b, 0),
    ops: rows,
  };
  if (args.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(
      `kindling-hub load: ${clients} clients, ${summary.seconds} s, ${summary.storage} storage, ${summary.requests} operations, ${summary.perSecond}/s, p99 ${summary.p99ms} ms, ${summary.errors} errors`,
    );
    console.log('op      requests      /s    p50 ms    p99 ms    max ms  errors');
    for (const r of rows)
      console.log(
        `${r.op.padEnd(6)} ${String(r.requests).padStart(9)} ${String(r.perSecond).padStart(7)} ${String(r.p50ms).padStart(9)} ${String(r.p99ms).padStart(9)} ${String(r.maxMs).padStart(9)} ${String(r.errors).padStart(7)}`,
      );
  }
  for (const e of firstErrors) console.error(`error: ${e}`);
  process.exitCode = summary.errors > 0 ? 1 : 0;
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
