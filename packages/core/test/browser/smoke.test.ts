/**
 * Browser smoke test: the WebGPU backend in headless Debian Chromium.
 *
 * The page (`page/main.ts`) is bundled with vite's build API straight from sources (the
 * `@kindling/source` export condition), served from a port-0 static server on 127.0.0.1 (WebGPU
 * needs a secure context, and loopback is one; `about:blank` is not) and opened with
 * playwright-core in Debian's `chromium`. The page opens `initDevice('webgpu')` on Chromium's
 * SwiftShader adapter, runs elementwise ops, matmul, a reduction, softmax, conv2d and five MLP
 * training steps (autograd + nn, Adam) on both the CPU backend and webgpu, and returns the numbers;
 * they must agree within float32 tolerance, and the page must log no console errors.
 *
 * Chromium flags: `--enable-unsafe-webgpu --headless=new` is what makes an adapter appear here
 * (Chromium 156 picks SwiftShader by itself; `--use-webgpu-adapter=swiftshader` and
 * `--enable-features=Vulkan` are not needed and change nothing). Without Chromium or without an
 * adapter the test FAILS with the set-up instructions; it is never skipped.
 * The screenshot and the bundle land in `test/browser/artifacts/` (gitignored).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { build, defaultClientConditions } from 'vite';
import { expect, it } from 'vitest';
import type { SmokeFailure, SmokeResult } from './page/main.js';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
const site = join(artifacts, 'site');
const CHROMIUM = process.env.KINDLING_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--enable-unsafe-webgpu',
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** How to make the browser test runnable, printed when it cannot run. */
const SETUP = [
  'The browser smoke test needs Chromium with WebGPU. On Debian/Ubuntu:',
  '`apt-get install -y --no-install-recommends chromium libvulkan1` (Chromium ships SwiftShader,',
  'a software WebGPU adapter). It runs /usr/bin/chromium (override with KINDLING_CHROMIUM) through',
  `playwright-core with ${ARGS.join(' ')}. Never run \`playwright install\`.`,
].join('\n');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css',
};

/** A static file server for `root` on 127.0.0.1, port chosen by the OS. */
async function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = normalize(join(root, path === '/' ? 'index.html' : decodeURIComponent(path)));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Bundles the page from sources into `site/`. */
async function bundle(): Promise<void> {
  await build({
    configFile: false,
    root: join(here, 'page'),
    base: './',
    logLevel: 'warn',
    mode: 'production',
    resolve: { conditions: ['@kindling/source', ...defaultClientConditions] },
    build: { outDir: site, emptyOutDir: true, minify: false, sourcemap: true, target: 'es2022' },
  });
}

function close(a: number, b: number, rtol: number, atol: number): boolean {
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

it('WebGPU in headless Chromium: ops and MLP training match the CPU backend', async () => {
  if (!existsSync(CHROMIUM)) expect.fail(`no Chromium at ${CHROMIUM}.\n${SETUP}`);
  await bundle();
  const { server, url } = await serve(resolve(site));
  let browser: Browser | null = null;
  try {
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
    } catch (e) {
      expect.fail(`could not launch ${CHROMIUM} (${(e as Error).message}).\n${SETUP}`);
    }
    const page = await browser.newPage({ viewport: { width: 900, height: 420 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    await page.goto(url);
    await page.waitForFunction(() => typeof window.kindlingSmoke === 'function', null, { timeout: 15_000 });
    const r: SmokeResult | SmokeFailure = await page.evaluate(() => window.kindlingSmoke());
    await page.screenshot({ path: join(artifacts, 'webgpu-smoke.png') });
    if (!r.ok) expect.fail(`the page failed: ${r.error}\n${SETUP}`);

    expect(r.adapter, `no adapter reported.\n${SETUP}`).toBeDefined();
    console.log(`browser WebGPU adapter: ${JSON.stringify(r.adapter)}; page ran in ${r.ms.toFixed(0)} ms`);
    expect(r.cases.map((c) => c.name.split(' ')[0])).toEqual([
      'elementwise',
      'matmul',
      'sum',
      'softmax',
      'conv2d',
      'MLP',
    ]);
    for (const c of r.cases) {
      expect(c.device, c.name).toBe('webgpu');
      expect(c.gpu.length, c.name).toBe(c.shape.reduce((p, n) => p * n, 1));
      expect(c.cpu.length, c.name).toBe(c.gpu.length);
      expect(c.gpu.length, c.name).toBeGreaterThan(0);
      for (let i = 0; i < c.cpu.length; i++) {
        if (!Number.isFinite(c.cpu[i]) || !close(c.gpu[i], c.cpu[i], 1e-4, 1e-5))
          expect.fail(`${c.name}[${i}]: webgpu ${c.gpu[i]}, cpu ${c.cpu[i]}`);
      }
    }
    const losses = r.cases[5].gpu;
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(errors, 'console errors on the page').toEqual([]);
  } finally {
    await browser?.close();
    await new Promise((ok) => server.close(ok));
  }
}, 60_000);
