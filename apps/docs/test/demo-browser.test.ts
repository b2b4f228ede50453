/**
 * End to end: the BUILT docs site, served on 127.0.0.1, opened in headless Debian Chromium
 * (playwright-core, never a downloaded browser). The live demo must train, the loss must fall,
 * the checkpoint download must be a safetensors file with PyTorch's names, and the page must log
 * no console errors. A screenshot is kept in test/artifacts/ (gitignored).
 *
 * The site: `.vitepress/dist` when it is newer than everything the demo is made of (CI builds it
 * with `pnpm build` before `pnpm test`); otherwise a quick build without the API reference into
 * test/.site (about 20-40 s).
 *
 * Needs `apt-get install -y --no-install-recommends chromium` (Debian's; its SwiftShader Vulkan
 * driver also gives the WebGPU case an adapter).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const docs = fileURLToPath(new URL('..', import.meta.url));
const repo = resolve(docs, '../..');
const artifacts = join(docs, 'test/artifacts');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Newest modification time of the files under `path` (a file or a folder). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'dist' || name === 'cache') continue;
    t = Math.max(t, newest(join(path, name)));
  }
  return t;
}

/** The built site to test: a fresh full build, else a fresh quick build, else a new quick build. */
function siteDir(): string {
  const sources = Math.max(
    newest(join(docs, '.vitepress/config.ts')),
    newest(join(docs, '.vitepress/theme')),
    newest(join(docs, 'demo.md')),
    newest(join(docs, 'index.md')),
    newest(join(docs, 'guide')),
    ...['core', 'autograd', 'nn'].map((p) => newest(join(repo, 'packages', p, 'src'))),
  );
  const full = join(docs, '.vitepress/dist');
  const quick = join(docs, 'test/.site');
  for (const dir of [full, quick]) {
    const demo = join(dir, 'demo.html');
    if (existsSync(demo) && statSync(demo).mtimeMs > sources) return dir;
  }
  const started = performance.now();
  execFileSync(process.execPath, ['scripts/prepare.mjs', '--no-api'], { cwd: docs, stdio: 'pipe' });
  execFileSync(
    process.execPath,
    [join(docs, 'node_modules/vitepress/bin/vitepress.js'), 'build', '.', '--outDir', quick],
    { cwd: docs, stdio: 'pipe', env: { ...process.env, KINDLING_DOCS_NO_API: '1' }, timeout: 240_000 },
  );
  console.info(
    `built the docs site (without the API reference) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return quick;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
};

/** A static server for a VitePress build (clean URLs: `/demo` serves `demo.html`), on a free port. */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const base = normalize(join(root, path));
    if (base !== root && !base.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    const candidates = [base, `${base}.html`, join(base, 'index.html')];
    const file = candidates.find((f) => existsSync(f) && statSync(f).isFile());
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/html' }).end(readFileSync(join(root, '404.html')));
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** Collects console errors, uncaught exceptions and failed requests of a page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return errors;
}

interface DemoRun {
  state: string;
  device: string;
  firstLoss: number;
  firstEpochLoss: number;
  lastEpochLoss: number;
  accuracy: number;
  note: string;
}

/** Opens the demo page, trains with the given settings and returns what the page reports. */
async function runDemo(page: Page, url: string, device: string, epochs: number): Promise<DemoRun> {
  await page.goto(`${url}/demo`);
  const demo = page.getByTestId('digits-demo');
  await demo.waitFor();
  await page.getByTestId('device').selectOption(device);
  await page.getByTestId('epochs').fill(String(epochs));
  await page.getByTestId('train').click();
  await page.waitForFunction(
    () => {
      const state = document.querySelector('[data-testid="digits-demo"]')?.getAttribute('data-state');
      return state === 'done' || state === 'error';
    },
    undefined,
    { timeout: 90_000 },
  );
  const attr = async (name: string) => (await demo.getAttribute(`data-${name}`)) ?? '';
  const note = (await page.getByTestId('note').count())
    ? ((await page.getByTestId('note').textContent()) ?? '')
    : '';
  return {
    state: await attr('state'),
    device: await attr('device'),
    firstLoss: Number(await attr('first-loss')),
    firstEpochLoss: Number(await attr('first-epoch-loss')),
    lastEpochLoss: Number(await attr('last-epoch-loss')),
    accuracy: Number(await attr('accuracy')),
    note,
  };
}

describe('the live demo in headless Chromium', () => {
  let server: Server;
  let url = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`);
    }
    mkdirSync(artifacts, { recursive: true });
    server = await serve(siteDir());
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);
  afterAll(() => new Promise<void>((ok) => (server ? server.close(() => ok()) : ok())));

  it('trains on the CPU backend: the loss falls, the checkpoint downloads, no console errors', async () => {
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1100, height: 1300 } });
      const errors = watchErrors(page);
      const run = await runDemo(page, url, 'cpu', 6);
      expect(run.state).toBe('done');
      expect(run.device).toBe('cpu');
      expect(run.firstLoss).toBeGreaterThan(1.5); // ~ln(10) for an untrained classifier
      expect(run.lastEpochLoss).toBeLessThan(run.firstEpochLoss / 3);
      expect(run.accuracy).toBeGreaterThan(0.85);
      await expect(page.getByTestId('status').textContent()).resolves.toMatch(/Done on cpu/);

      const download = page.waitForEvent('download');
      await page.getByTestId('download').click();
      const file = await (await download).path();
      const bytes = readFileSync(file);
      const headerLength = Number(bytes.readBigUInt64LE(0));
      const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
      expect(Object.keys(header).sort()).toEqual([
        '0.bias',
        '0.weight',
        '2.bias',
        '2.weight',
        '__metadata__',
      ]);
      expect(header['0.weight']).toMatchObject({ dtype: 'F32', shape: [64, 64] });
      expect(header.__metadata__.format).toBe('pt');

      await page.getByTestId('digits-demo').screenshot({ path: join(artifacts, 'demo-cpu.png') });
      await page.screenshot({ path: join(artifacts, 'demo-page.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('trains on WebGPU when the browser has it (SwiftShader here)', async () => {
    // --disable-gpu turns off hardware acceleration; WebGPU then runs on SwiftShader.
    const args = [...FLAGS, '--enable-unsafe-webgpu'];
    const browser = await chromium.launch({ executablePath: CHROMIUM, args });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1300 } });
      const errors = watchErrors(page);
      await page.goto(url); // WebGPU needs a secure context: http://127.0.0.1 is one, about:blank is not
      const hasGpu = await page.evaluate(async () => {
        const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return !!gpu && !!(await gpu.requestAdapter());
      });
      expect(hasGpu, 'headless Chromium with --enable-unsafe-webgpu should offer an adapter').toBe(true);
      const run = await runDemo(page, url, 'webgpu', 2);
      expect(run.note).toBe('');
      expect(run.state).toBe('done');
      expect(run.device).toBe('webgpu');
      expect(run.lastEpochLoss).toBeLessThan(run.firstLoss / 2);
      expect(run.accuracy).toBeGreaterThan(0.7);
      await page.getByTestId('digits-demo').screenshot({ path: join(artifacts, 'demo-webgpu.png') });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 150_000);

  it('serves the guides, with a working local search, without console errors', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = watchErrors(page);
      for (const path of ['/', '/guide/getting-started', '/guide/from-pytorch', '/guide/tensors']) {
        const response = await page.goto(`${url}${path}`);
        expect(response?.status(), path).toBe(200);
        await expect(page.locator('h1').first().textContent()).resolves.not.toBe('');
      }
      await page
        .getByRole('button', { name: /search/i })
        .first()
        .click();
      await page.getByPlaceholder(/search/i).fill('broadcasting');
      await expect
        .poll(() => page.locator('.VPLocalSearchBox .result').count(), { timeout: 10_000 })
        .toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
