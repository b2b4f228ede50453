/**
 * The web pages in a real browser: Debian's headless Chromium driven by playwright-core (never
 * `playwright install`; needs `apt-get install -y --no-install-recommends chromium`). On both
 * storage configurations: the list shows the pushed repo and can be searched, the repo page renders
 * the model card (headings, lists, code, tables, safe links) and lists files with sizes and
 * sha256s, commits, tags and the `fromHub` snippet; a private repo is invisible to anonymous
 * visitors (and visible once signed in); script in a model card is neutralised.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, renderMarkdown } from '../src/web/markdown.js';
import { raw, safetensorsBytes, sha256, startHub, type TestHub } from './helpers.js';
import { STORAGES } from './scale-out.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI)
  throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`);
if (!haveChromium) console.warn(`[hub] web page browser tests skipped: ${CHROMIUM} is not installed`);

const XSS_CARD = `---
license: apache-2.0
tags: [digits]
datasets: [sklearn-digits]
metrics:
  - name: accuracy
    value: 0.97
---
# Digits MLP

A small **MLP** for the *8x8 digits*, see [the paper](https://example.org/paper "Paper").

## Results

| split | accuracy |
|:------|--------:|
| test  | 0.97 |
| train | 0.99 |

- trained with \`Adam\`
- 3 epochs
  - nested detail

1. first
2. second

\`\`\`ts
const model = await fromHub('acme/digits', { client });
\`\`\`

<script>window.__xss = 'script'</script>
<img src="x" onerror="window.__xss = 'img'">
[evil link](javascript:window.__xss='link') and [data](data:text/html,<script>alert(1)</script>)
![tracker](https://tracker.invalid/pixel.png)
\`\`\`html
</code></pre><script>window.__xss = 'fence'</script>
\`\`\`
<a href="javascript:alert(1)">raw anchor</a> "quotes" & 'apostrophes'
`;

describe('safe markdown renderer', () => {
  it('renders the supported markdown and escapes everything else', () => {
    const html = renderMarkdown(XSS_CARD.slice(XSS_CARD.indexOf('# Digits')));
    expect(html).toContain('<h1>Digits MLP</h1>');
    expect(html).toContain('<h2>Results</h2>');
    expect(html).toContain('<strong>MLP</strong>');
    expect(html).toContain('<em>8x8 digits</em>');
    expect(html).toContain(
      '<a href="https://example.org/paper" rel="nofollow noopener noreferrer" target="_blank">the paper</a>',
    );
    expect(html).toContain('<th class="align-left">split</th><th class="align-right">accuracy</th>');
    expect(html).toContain('<td class="align-right">0.97</td>');
    expect(html).toContain('<li>trained with <code>Adam</code></li>');
    expect(html).toContain('<li>3 epochs\n<ul><li>nested detail</li></ul></li>');
    expect(html).toContain('<ol><li>first</li><li>second</li></ol>');
    expect(html).toContain(
      '<pre><code class="language-ts">const model = await fromHub(&#39;acme/digits&#39;, { client });</code></pre>',
    );
    // No tag or attribute from the card survives; unsafe link targets become text.
    const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.filter((t) => /^<(script|img|iframe|a href="(?!https?:))|\son\w+=/i.test(t))).toEqual([]);
    expect(html).toContain('&#60;script&#62;window.__xss = &#39;script&#39;&#60;/script&#62;');
    expect(html).toContain('evil link and data');
    expect(html).toContain('<a href="https://tracker.invalid/pixel.png"');
    expect(escapeHtml(`<>&"'`)).toBe('&#60;&#62;&#38;&#34;&#39;');
    // Pathological input stays fast (no super-linear backtracking).
    const t0 = Date.now();
    renderMarkdown(
      `${'['.repeat(50_000)}${'*a '.repeat(50_000)}${'# '.repeat(20_000)}\n${'`'.repeat(30_000)}`,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe.skipIf(!haveChromium)('web pages in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => browser?.close());

  describe.each(STORAGES)('%s storage', (storage) => {
    let hub: TestHub;
    let aliceToken: string;
    let commit: string;
    const weights = safetensorsBytes(32);

    beforeAll(async () => {
      hub = await startHub({}, undefined, storage);
      const alice = await hub.user('alice');
      aliceToken = alice.token;
      await alice.client.createRepo('alice/digits-mlp');
      commit = (
        await alice.client.uploadFiles(
          'alice/digits-mlp',
          [
            { path: 'README.md', content: XSS_CARD },
            {
              path: 'config.json',
              content: JSON.stringify({
                library: 'kindling',
                architecture: 'digits-mlp',
                config: { hidden: 32 },
              }),
            },
            { path: 'model.safetensors', content: weights },
          ],
          { message: 'First model' },
        )
      ).commit;
      await alice.client.tag('alice/digits-mlp', 'v1.0');
      await alice.client.createRepo('alice/secret-model', { private: true });
      await alice.client.uploadFiles('alice/secret-model', [
        { path: 'README.md', content: '# Top secret card\n' },
      ]);
    });
    afterAll(async () => hub?.close());

    async function open(
      path: string,
      cookie?: string,
    ): Promise<{ page: Page; status: number; xss: unknown }> {
      const context = await browser.newContext();
      if (cookie) await context.addCookies([{ name: 'kindling_hub_token', value: cookie, url: hub.url }]);
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const res = await page.goto(`${hub.url}${path}`);
      const xss = await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss);
      expect(dialogs).toEqual([]);
      return { page, status: res?.status() ?? 0, xss };
    }

    it('lists and searches the repos an anonymous visitor can see', async () => {
      const { page, status } = await open('/');
      expect(status).toBe(200);
      const repos = await page
        .locator('ul.repos li')
        .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-repo')));
      expect(repos).toEqual(['alice/digits-mlp']);
      await page.fill('input[name=search]', 'digits');
      await page.press('input[name=search]', 'Enter');
      await page.waitForURL(/search=digits/);
      expect(await page.locator('ul.repos li').count()).toBe(1);
      await page.fill('input[name=search]', 'nothing-like-this');
      await page.press('input[name=search]', 'Enter');
      await page.waitForURL(/search=nothing/);
      expect(await page.locator('#no-results').isVisible()).toBe(true);
      await page.context().close();
    });

    it('renders the repo page: card, files with sizes and hashes, commits, tags and how to load it', async () => {
      const { page, status, xss } = await open('/');
      expect(status).toBe(200);
      await page.click('a:has-text("alice/digits-mlp")');
      await page.waitForURL(/\/alice\/digits-mlp$/);
      expect(xss).toBeUndefined();
      const card = page.locator('#card');
      expect(await card.locator('h1').textContent()).toBe('Digits MLP');
      expect(await card.locator('.markdown h2').textContent()).toBe('Results');
      expect(await card.locator('table:not(.card-meta) tbody tr').count()).toBe(2);
      expect(await card.locator('.markdown ul > li').first().textContent()).toBe('trained with Adam');
      expect(await card.locator('pre code.language-ts').textContent()).toContain("fromHub('acme/digits'");
      expect(await card.locator('a[href="https://example.org/paper"]').textContent()).toBe('the paper');
      expect(await card.locator('.card-meta').textContent()).toContain('apache-2.0');
      expect(await card.locator('.card-meta').textContent()).toMatch(/accuracy = 0\.97/);

      // The XSS attempts are shown as text and nothing ran.
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      expect(await card.locator('script, img, iframe, [onerror]').count()).toBe(0);
      expect(await page.locator('a[href^="javascript:"], a[href^="data:"]').count()).toBe(0);
      expect(await card.textContent()).toContain("<script>window.__xss = 'script'</script>");

      const row = page.locator('#files tr[data-path="model.safetensors"]');
      expect(await row.locator('code.sha').textContent()).toBe(sha256(weights));
      expect(await row.locator('td.num').getAttribute('title')).toBe(`${weights.length} bytes`);
      expect(await page.locator('#files tbody tr').count()).toBe(3);
      expect(await page.locator(`#commits li[data-commit="${commit}"]`).textContent()).toContain(
        'First model',
      );
      expect(await page.locator('#tags li[data-tag="v1.0"]').count()).toBe(1);
      const snippet = await page.locator('#usage pre').first().textContent();
      expect(snippet).toContain("fromHub('alice/digits-mlp', { client, revision: 'main' })");
      expect(snippet).toContain("architecture 'digits-mlp'");

      // A file link downloads the exact bytes; the tag link shows that revision.
      const href = await row.locator('a').getAttribute('href');
      const file = await raw(`${hub.url}${href}`);
      expect(file.body.equals(weights)).toBe(true);
      await page.click('nav.refs a[data-ref="tag:v1.0"]');
      await page.waitForURL(/revision=v1\.0/);
      expect(await page.locator('#usage pre').first().textContent()).toContain("revision: 'v1.0'");
      await page.context().close();
    });

    it('hides a private repo from anonymous visitors and shows it after signing in', async () => {
      const anon = await open('/alice/secret-model');
      expect(anon.status).toBe(404);
      expect(await anon.page.content()).not.toContain('Top secret card');
      await anon.page.context().close();
      const direct = await raw(`${hub.url}/alice/secret-model`);
      expect(direct.status).toBe(404);
      expect(direct.headers['content-security-policy']).toContain("default-src 'none'");
      // A page for a repo that does not exist looks the same.
      expect(
        (await raw(`${hub.url}/alice/no-such-model`)).body
          .toString()
          .replace(/no-such-model/g, 'secret-model'),
      ).toBe(direct.body.toString());

      const { page } = await open('/login');
      await page.fill('input[name=token]', 'kh_wrong');
      await page.click('button[type=submit]');
      expect(await page.locator('#login-error').isVisible()).toBe(true);
      await page.fill('input[name=token]', aliceToken);
      await page.click('button[type=submit]');
      await page.waitForURL(`${hub.url}/`);
      const repos = await page
        .locator('ul.repos li')
        .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-repo')));
      expect(repos).toEqual(['alice/digits-mlp', 'alice/secret-model']);
      await page.click('a:has-text("alice/secret-model")');
      expect(await page.locator('#card h1').textContent()).toBe('Top secret card');
      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === 'kindling_hub_token')).toMatchObject({
        httpOnly: true,
        sameSite: 'Strict',
      });
      // The cookie never authenticates the JSON API.
      const api = await page.context().request.get(`${hub.url}/api/models/alice/secret-model`);
      expect(api.status()).toBe(404);
      // ...while a download link on the page works with it (GET only, SameSite=Strict).
      const dl = await page.context().request.get(`${hub.url}/alice/secret-model/resolve/main/README.md`);
      expect(await dl.text()).toBe('# Top secret card\n');
      // The page's CSP forbids scripts from reaching out (no connect-src).
      expect(
        await page.evaluate(async () =>
          fetch('/api/health').then(
            () => 'ok',
            () => 'blocked',
          ),
        ),
      ).toBe('blocked');
      await page.click('button:has-text("Sign out")');
      await page.waitForURL(`${hub.url}/`);
      expect(await page.locator('ul.repos li').count()).toBe(1);
      await page.context().close();
    });
  });
});
