/**
 * The hub's web pages: a searchable list of the repos the visitor can see, and a page per repo
 * with its model card (rendered by the safe markdown renderer: no raw HTML, http(s) links only),
 * its files with sizes and sha256s, its commits, branches and tags, and how to load the model.
 *
 * Pages are plain server-rendered HTML with no script at all, served with a strict Content
 * Security Policy (`default-src 'none'`: no script, no inline style, nothing loaded from elsewhere)
 * and every interpolated value escaped. Visitors are anonymous unless they sign in with a token
 * (`/login`), which is kept in an HttpOnly, SameSite=Strict cookie that only GET/HEAD page and
 * download requests accept — the JSON API ignores it, so it cannot be used for cross-site writes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ForbiddenError, type HubError } from '../../errors.js';
import { parseModelCard } from '../../model/card.js';
import type { Commit, FileEntry, Ref, Repo } from '../../model/types.js';
import { VERSION } from '../../version.js';
import { escapeHtml as h, renderMarkdown } from '../../web/markdown.js';
import { type Caller, cookieToken, hashToken, loadRepo, repoAccess, SESSION_COOKIE } from '../auth.js';
import { type Ctx, repoId, resolveRevision } from '../context.js';
import { readBody, type RouteDef } from '../http.js';

/** Largest part of a README.md the repo page renders. */
const MAX_CARD_BYTES = 512 * 1024;

const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --line: #d1d9e0; --accent: #c2410c; --code: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --line: #3d444d; --accent: #fb923c; --code: #151b23; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header.top { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.5rem; border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; color: var(--accent); text-decoration: none; }
header.top form.search { flex: 1; }
header.top input[type=search] { width: 100%; max-width: 28rem; padding: .3rem .6rem; }
header.top .who { color: var(--muted); display: flex; gap: .5rem; align-items: center; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
a { color: var(--accent); }
h1 { font-size: 1.6rem; margin: .6rem 0; }
.badge { display: inline-block; font-size: .75rem; padding: 0 .5rem; border: 1px solid var(--line); border-radius: 1rem; color: var(--muted); vertical-align: middle; }
.badge.private { border-color: var(--accent); color: var(--accent); }
.muted { color: var(--muted); }
ul.repos { list-style: none; padding: 0; }
ul.repos li { padding: .6rem 0; border-bottom: 1px solid var(--line); }
ul.repos .tags { font-size: .8rem; }
.grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 2rem; }
@media (max-width: 60rem) { .grid { grid-template-columns: 1fr; } }
section { margin: 1.2rem 0; }
section > h2 { font-size: 1.1rem; border-bottom: 1px solid var(--line); padding-bottom: .3rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
.align-center { text-align: center; } .align-right { text-align: right; } .align-left { text-align: left; }
code, pre { font-family: ui-monospace, monospace; font-size: .85rem; background: var(--code); }
code { padding: 0 .2rem; border-radius: 3px; }
pre { padding: .8rem; overflow-x: auto; border-radius: 6px; }
pre code { padding: 0; }
#usage pre { white-space: pre-wrap; overflow-wrap: anywhere; }
code.sha { word-break: break-all; }
.card blockquote { margin: 0; padding-left: 1rem; border-left: 3px solid var(--line); color: var(--muted); }
nav.refs a { margin-right: .6rem; }
nav.refs a.current { font-weight: 700; }
.error { border: 1px solid var(--accent); padding: .6rem 1rem; border-radius: 6px; }
form.login input { padding: .3rem .6rem; width: 28rem; max-width: 100%; }
`;

function send(
  res: ServerResponse,
  status: number,
  html: string,
  extra: Record<string, string | string[]> = {},
) {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': body.length,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': 'private, no-store',
    ...extra,
  });
  res.end(body);
}

function page(title: string, caller: Caller | null, body: string, search = ''): string {
  const who = caller
    ? `<span>signed in as <strong>${h(caller.user.name)}</strong></span><form method="post" action="/logout"><button type="submit">Sign out</button></form>`
    : '<a href="/login">Sign in</a>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)} · Kindling Hub</title><link rel="stylesheet" href="/-/hub.css"></head>
<body><header class="top"><a class="brand" href="/">Kindling Hub</a>
<form class="search" method="get" action="/" role="search"><input type="search" name="search" placeholder="Search models" aria-label="Search models" value="${h(search)}"></form>
<div class="who">${who}</div></header>
<main>${body}</main></body></html>`;
}

/** Answers a web page request's error as an HTML page with the same status. */
export function sendHtmlError(_req: IncomingMessage, res: ServerResponse, err: HubError) {
  send(
    res,
    err.status,
    page(
      String(err.status),
      null,
      `<h1>${err.status === 404 ? 'Not found' : `Error ${err.status}`}</h1><p class="error">${h(err.message)}</p><p><a href="/">All models</a></p>`,
    ),
  );
}

/** `1.5 MB`-style size. */
export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

function tagsOf(commit: Commit | null): string[] {
  const card = (commit?.cardData ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  const cfg = (commit?.modelConfig ?? {}) as Record<string, unknown>;
  if (typeof cfg.library === 'string') out.push(cfg.library);
  if (Array.isArray(card.tags)) for (const t of card.tags) out.push(String(t));
  if (typeof card.license === 'string') out.push(`license:${card.license}`);
  return out;
}

async function listPage(ctx: Ctx) {
  const store = ctx.hub.metadata;
  const search = (ctx.url.searchParams.get('search') ?? '').slice(0, 200);
  const needle = search.toLowerCase();
  const items: string[] = [];
  for (const repo of await store.listRepos()) {
    if (items.length >= 500) break;
    if (needle && !repoId(repo).toLowerCase().includes(needle)) continue;
    if ((await repoAccess(store, ctx.caller, repo)) === null) continue;
    const main = await store.getRef(repo.id, 'branch', 'main');
    const commit = main ? await store.getCommit(repo.id, main.commitId) : null;
    const tags = tagsOf(commit)
      .map((t) => `<span class="badge">${h(t)}</span>`)
      .join(' ');
    items.push(
      `<li data-repo="${h(repoId(repo))}"><a href="/${h(repo.owner)}/${h(repo.name)}"><strong>${h(repoId(repo))}</strong></a> ${
        repo.private ? '<span class="badge private">private</span>' : ''
      }<div class="muted">${commit ? `updated ${h(commit.createdAt.slice(0, 10))} · ${h(commit.message.split('\n')[0])}` : 'empty'}</div><div class="tags">${tags}</div></li>`,
    );
  }
  const heading = search ? `Models matching “${h(search)}”` : 'Models';
  const body = `<h1>${heading}</h1>${
    items.length
      ? `<ul class="repos">${items.join('')}</ul>`
      : `<p class="muted" id="no-results">${search ? 'No model matches this search.' : 'No models yet.'}</p>`
  }`;
  send(ctx.res, 200, page('Models', ctx.caller, body, search));
}

async function readCard(ctx: Ctx, file: FileEntry): Promise<string> {
  const end = Math.min(file.size, MAX_CARD_BYTES) - 1;
  if (end < 0) return '';
  const chunks: Buffer[] = [];
  for await (const c of await ctx.hub.blobs.read(file.sha256, { start: 0, end })) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function cardMeta(data: Record<string, unknown>): string {
  const rows: string[] = [];
  const list = (v: unknown) =>
    Array.isArray(v) ? v.map((x) => String(x)) : v === undefined ? [] : [String(v)];
  for (const [key, label] of [
    ['license', 'License'],
    ['library_name', 'Library'],
    ['base_model', 'Base model'],
    ['datasets', 'Datasets'],
    ['tags', 'Tags'],
  ] as const) {
    const vals = list(data[key]);
    if (vals.length) rows.push(`<tr><th>${label}</th><td>${vals.map((v) => h(v)).join(', ')}</td></tr>`);
  }
  if (Array.isArray(data.metrics))
    for (const m of data.metrics) {
      if (typeof m === 'string') rows.push(`<tr><th>Metric</th><td>${h(m)}</td></tr>`);
      else if (m && typeof m === 'object') {
        const r = m as Record<string, unknown>;
        rows.push(
          `<tr><th>Metric</th><td>${h(String(r.name ?? r.type ?? 'metric'))}${r.value !== undefined ? ` = <strong>${h(String(r.value))}</strong>` : ''}</td></tr>`,
        );
      }
    }
  return rows.length ? `<table class="card-meta">${rows.join('')}</table>` : '';
}

function usage(ctx: Ctx, repo: Repo, revision: string, commit: Commit): string {
  const host = /^[A-Za-z0-9.:[\]-]{1,300}$/.test(ctx.req.headers.host ?? '')
    ? ctx.req.headers.host
    : '127.0.0.1';
  const endpoint = `http://${host}`;
  const cfg = commit.modelConfig as { library?: unknown; architecture?: unknown } | null;
  const arch =
    cfg && typeof cfg.architecture === 'string'
      ? `\n// config.json: architecture '${cfg.architecture}'${typeof cfg.library === 'string' ? ` (library '${cfg.library}')` : ''};\n// the package that provides it registers it with registerArchitecture().`
      : '';
  const ts = `import { HubClient, fromHub } from '@kindling/hub';

const client = new HubClient({ endpoint: '${endpoint}', token: process.env.KINDLING_HUB_TOKEN });${arch}
const model = await fromHub('${repoId(repo)}', { client, revision: '${revision}' });`;
  const cli = `kindling-hub pull ${repoId(repo)} --revision ${revision} --endpoint ${endpoint}`;
  return `<section id="usage"><h2>Use this model</h2><pre><code class="language-ts">${h(ts)}</code></pre><p class="muted">Or download the files:</p><pre><code class="language-sh">${h(cli)}</code></pre></section>`;
}

async function repoPage(ctx: Ctx, p: Record<string, string>) {
  const store = ctx.hub.metadata;
  const { repo } = await loadRepo(store, ctx.caller, p.owner, p.name, 'read');
  const requested = ctx.url.searchParams.get('revision');
  const refs = await store.listRefs(repo.id);
  let commit: Commit | null = null;
  const revision = requested ?? 'main';
  if (requested !== null) commit = (await resolveRevision(store, repo, requested)).commit;
  else {
    const main = refs.find((r) => r.kind === 'branch' && r.name === 'main');
    commit = main ? await store.getCommit(repo.id, main.commitId) : null;
  }
  const id = repoId(repo);
  const base = `/${h(repo.owner)}/${h(repo.name)}`;
  const badge = repo.private
    ? '<span class="badge private">private</span>'
    : '<span class="badge">public</span>';
  if (!commit) {
    const body = `<h1>${h(id)} ${badge}</h1><p class="muted" id="empty">This repo has no commits yet.</p>`;
    return send(ctx.res, 200, page(id, ctx.caller, body));
  }
  const files = await store.getFiles(repo.id, commit.id);
  const commits = await store.listCommits(repo.id, commit.id, 20);

  const refLink = (r: Ref) =>
    `<a href="${base}?revision=${encodeURIComponent(r.name)}"${r.name === revision ? ' class="current"' : ''} data-ref="${h(r.kind)}:${h(r.name)}">${r.kind === 'tag' ? 'tag ' : ''}${h(r.name)}</a>`;
  const nav = `<nav class="refs">${refs
    .filter((r) => r.kind === 'branch')
    .map(refLink)
    .join('')}${refs
    .filter((r) => r.kind === 'tag')
    .map(refLink)
    .join('')}</nav>`;

  let card = '<p class="muted">No model card (README.md).</p>';
  const readme = files.find((f) => f.path === 'README.md');
  if (readme) {
    const text = await readCard(ctx, readme);
    let body = text;
    let data: Record<string, unknown> = commit.cardData ?? {};
    try {
      const parsed = parseModelCard(text);
      body = parsed.body;
      data = parsed.data;
    } catch {
      // Shown as plain markdown (commits check front matter, so this is only for truncated cards).
    }
    card = `${cardMeta(data)}<div class="markdown">${renderMarkdown(body)}</div>`;
  }

  const rev = encodeURIComponent(commit.id);
  const fileRows = files
    .map(
      (f) =>
        `<tr data-path="${h(f.path)}"><td><a href="${base}/resolve/${rev}/${f.path.split('/').map(encodeURIComponent).map(h).join('/')}">${h(f.path)}</a></td><td class="num" title="${f.size} bytes">${h(humanSize(f.size))}</td><td><code class="sha">${h(f.sha256)}</code></td></tr>`,
    )
    .join('');
  const commitRows = commits
    .map(
      (c) =>
        `<li data-commit="${h(c.id)}"><a href="${base}?revision=${h(c.id)}"><code>${h(c.id.slice(0, 10))}</code></a> ${h(c.message.split('\n')[0])} <span class="muted">· ${h(c.author)} · ${h(c.createdAt.slice(0, 19).replace('T', ' '))}</span></li>`,
    )
    .join('');
  const tags = refs.filter((r) => r.kind === 'tag');
  const tagRows = tags
    .map(
      (t) =>
        `<li data-tag="${h(t.name)}"><a href="${base}?revision=${encodeURIComponent(t.name)}">${h(t.name)}</a> → <code>${h(t.commitId.slice(0, 10))}</code></li>`,
    )
    .join('');

  const body = `<h1>${h(id)} ${badge}</h1>
<p class="muted">Revision <strong>${h(revision)}</strong> · commit <code>${h(commit.id.slice(0, 12))}</code> · ${h(commit.createdAt.slice(0, 10))} ${tagsOf(
    commit,
  )
    .map((t) => `<span class="badge">${h(t)}</span>`)
    .join(' ')}</p>
${nav}
<div class="grid"><div>
<section id="card" class="card"><h2>Model card</h2>${card}</section>
</div><div>
${usage(ctx, repo, revision, commit)}
<section id="tags"><h2>Tags</h2>${tags.length ? `<ul>${tagRows}</ul>` : '<p class="muted">No tags.</p>'}</section>
<section id="commits"><h2>Commits</h2><ul>${commitRows}</ul></section>
</div></div>
<section id="files"><h2>Files</h2><table><thead><tr><th>Path</th><th>Size</th><th>sha256</th></tr></thead><tbody>${fileRows}</tbody></table></section>`;
  send(ctx.res, 200, page(id, ctx.caller, body));
}

function loginForm(message = ''): string {
  return `<h1>Sign in</h1>${message ? `<p class="error" id="login-error">${h(message)}</p>` : ''}
<p class="muted">Paste an access token (<code>kindling-hub token create --name browser --scope read</code>). It is kept in a cookie that only this site's pages and downloads read.</p>
<form class="login" method="post" action="/login"><p><input type="password" name="token" autocomplete="off" placeholder="kh_..." aria-label="Token" required></p><p><button type="submit">Sign in</button></p></form>`;
}

/** Refuses a form post that another site made the browser send. */
function checkOrigin(req: IncomingMessage) {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new ForbiddenError('cross-site form post refused', 'bad_origin');
  }
  if (host !== req.headers.host) throw new ForbiddenError('cross-site form post refused', 'bad_origin');
}

function cookie(value: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`;
}

/** The web pages. */
export const webRoutes: RouteDef<Ctx>[] = [
  {
    method: 'GET',
    path: '/',
    summary: 'Web page: the models the visitor can see, searchable (`?search=`)',
    tag: 'web',
    auth: 'optional',
    html: true,
    cookieAuth: true,
    query: { search: 'substring of owner/name' },
    response: { status: 200, schema: 'html' },
    handler: listPage,
  },
  {
    method: 'GET',
    path: '/{owner}/{name}',
    summary: 'Web page of a repo: model card, files, commits, tags and how to load it (`?revision=`)',
    tag: 'web',
    auth: 'optional',
    html: true,
    cookieAuth: true,
    query: { revision: 'branch, tag or commit (default main)' },
    response: { status: 200, schema: 'html' },
    handler: repoPage,
  },
  {
    method: 'GET',
    path: '/login',
    summary: 'Web page: sign in with a token',
    tag: 'web',
    auth: 'none',
    html: true,
    response: { status: 200, schema: 'html' },
    handler: async (ctx) => send(ctx.res, 200, page('Sign in', null, loginForm())),
  },
  {
    method: 'POST',
    path: '/login',
    summary: 'Web sign-in: checks the token and keeps it in an HttpOnly, SameSite=Strict cookie',
    tag: 'web',
    auth: 'none',
    html: true,
    body: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
    bodyType: 'application/x-www-form-urlencoded',
    response: { status: 303, description: 'redirect to the model list' },
    handler: async (ctx) => {
      checkOrigin(ctx.req);
      const form = new URLSearchParams((await readBody(ctx.req, 4096)).toString('utf8'));
      const secret = (form.get('token') ?? '').trim();
      const token = /^[A-Za-z0-9_-]{1,200}$/.test(secret)
        ? await ctx.hub.metadata.getTokenByHash(hashToken(secret))
        : null;
      if (!token || token.revokedAt !== null)
        return send(
          ctx.res,
          401,
          page('Sign in', null, loginForm('That token is not valid (wrong or revoked).')),
        );
      ctx.res.writeHead(303, {
        location: '/',
        'set-cookie': cookie(secret, 30 * 24 * 3600),
        'content-length': 0,
      });
      ctx.res.end();
    },
  },
  {
    method: 'POST',
    path: '/logout',
    summary: 'Web sign-out: forgets the cookie',
    tag: 'web',
    auth: 'none',
    html: true,
    response: { status: 303, description: 'redirect to the model list' },
    handler: async (ctx) => {
      checkOrigin(ctx.req);
      ctx.req.resume();
      const had = cookieToken(ctx.req) !== null;
      ctx.res.writeHead(303, {
        location: '/',
        ...(had ? { 'set-cookie': cookie('', 0) } : {}),
        'content-length': 0,
      });
      ctx.res.end();
    },
  },
  {
    method: 'GET',
    path: '/-/hub.css',
    summary: "The web pages' stylesheet",
    tag: 'web',
    auth: 'none',
    response: { status: 200, description: 'text/css' },
    handler: async (ctx) => {
      ctx.res.writeHead(200, {
        'content-type': 'text/css; charset=utf-8',
        'content-length': Buffer.byteLength(CSS),
        'cache-control': `public, max-age=3600`,
        etag: `"${VERSION}"`,
        'x-content-type-options': 'nosniff',
      });
      ctx.res.end(CSS);
    },
  },
];
