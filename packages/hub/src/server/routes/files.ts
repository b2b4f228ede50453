/**
 * File downloads at Hugging Face's URL scheme, `/{owner}/{name}/resolve/{revision}/{path}`:
 * streamed from the blob store (constant memory), `ETag` = the content's sha256, `If-None-Match`
 * (304), single-range `Range` requests (206/416) with `If-Range`, `X-Repo-Commit` naming the
 * resolved commit, and immutable caching when the revision is a commit id.
 */
import { pipeline } from 'node:stream/promises';
import { HubError, NotFoundError } from '../../errors.js';
import type { ByteRange } from '../../storage/blob.js';
import { checkPath } from '../../validate.js';
import { loadRepo } from '../auth.js';
import { type Ctx, resolveRevision } from '../context.js';
import type { RouteDef } from '../http.js';

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  yaml: 'text/yaml; charset=utf-8',
  yml: 'text/yaml; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
};

function contentType(path: string): string {
  const ext = path.includes('.') ? path.slice(path.lastIndexOf('.') + 1).toLowerCase() : '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/**
 * Parses a `Range` header against a size: a range, `unsatisfiable`, or null to ignore it
 * (absent, not `bytes=`, or several ranges: then the whole file is sent, as RFC 9110 allows).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((s) => s.trim().replace(/^W\//, ''))
    .some((s) => s === '*' || s === etag);
}

async function resolveFile(ctx: Ctx, p: Record<string, string>) {
  const store = ctx.hub.metadata;
  const { repo } = await loadRepo(store, ctx.caller, p.owner, p.name, 'read');
  const path = checkPath(p.path);
  const { commit, kind } = await resolveRevision(store, repo, p.revision);
  const file = await store.getFile(repo.id, commit.id, path);
  if (!file) throw new NotFoundError(`'${path}' not found at revision '${p.revision}'`, 'entry_not_found');
  const { req, res } = ctx;
  const etag = `"${file.sha256}"`;
  const headers: Record<string, string | number> = {
    etag,
    'x-repo-commit': commit.id,
    'x-linked-etag': etag,
    'x-linked-size': file.size,
    'accept-ranges': 'bytes',
    'content-type': contentType(path),
    'cache-control':
      kind === 'commit'
        ? `${repo.private ? 'private' : 'public'}, max-age=31536000, immutable`
        : `${repo.private ? 'private' : 'public'}, no-cache`,
  };
  if (etagMatches(req.headers['if-none-match'], etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const ifRange = req.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, file.size) : null;
  if (range === 'unsatisfiable') {
    throw new HubError(
      416,
      'range_not_satisfiable',
      `range ${req.headers.range} is outside the ${file.size}-byte file`,
      {
        size: file.size,
      },
    );
  }
  const length = range ? range.end - range.start + 1 : file.size;
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${file.size}`;
  headers['content-length'] = length;
  if (req.method === 'HEAD') {
    res.writeHead(range ? 206 : 200, headers);
    res.end();
    return;
  }
  const stream = await ctx.hub.blobs.read(file.sha256, range ?? undefined);
  res.writeHead(range ? 206 : 200, headers);
  try {
    await pipeline(stream, res);
  } catch {
    // The client went away mid-download: nothing to answer.
    stream.destroy();
  }
}

/** Download routes. */
export const fileRoutes: RouteDef<Ctx>[] = [
  {
    method: 'GET',
    head: true,
    path: '/{owner}/{name}/resolve/{revision}/{path*}',
    summary: 'Download a file at a branch, tag or commit (Range, ETag, If-None-Match; HEAD for metadata)',
    tag: 'files',
    auth: 'optional',
    cookieAuth: true,
    response: { status: 200, schema: 'binary', description: 'the bytes (206 for a range)' },
    handler: resolveFile,
  },
];
