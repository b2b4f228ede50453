/**
 * Minimal HTTP plumbing over `node:http`: a router of `{param}` / `{rest*}` path templates that
 * doubles as the source of the OpenAPI description, bounded JSON body reading, and JSON error
 * responses (`{ error, message, ...details }`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, HubError, NotFoundError, PayloadTooLargeError } from '../errors.js';

/** HTTP methods the router knows. */
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A JSON schema fragment (documentation only). */
export type Schema = Record<string, unknown>;

/** One route: where, what it does (for the OpenAPI description) and the handler. */
export interface RouteDef<C> {
  /** HTTP method (`GET` routes also answer `HEAD` when `head` is set). */
  method: Method;
  /** Path template: literal segments, `{name}` (one segment) and a final `{name*}` (the rest). */
  path: string;
  /** One-line summary. */
  summary: string;
  /** Group in the API description. */
  tag: string;
  /** `none`: no token needed; `optional`: a token widens access; `required`: 401 without one. */
  auth: 'none' | 'optional' | 'required';
  /** Also serve HEAD with this handler (it checks `req.method`). */
  head?: boolean;
  /** JSON request body schema, or `binary` for raw bytes. */
  body?: Schema | 'binary';
  /** Media type of a schema'd body when it is not JSON (`application/x-www-form-urlencoded`). */
  bodyType?: string;
  /** Success status and JSON response schema (or `binary`, or `html` for a web page). */
  response?: { status: number; schema?: Schema | 'binary' | 'html'; description?: string };
  /** A web page: errors are answered as HTML, and the sign-in cookie authenticates GET/HEAD requests. */
  html?: boolean;
  /** Also accept the web sign-in cookie (GET/HEAD only; API writes never do). */
  cookieAuth?: boolean;
  /** Query parameters (name → description). */
  query?: Record<string, string>;
  /** Handles the request. */
  handler: (ctx: C, params: Record<string, string>) => Promise<void>;
}

interface Compiled<C> {
  def: RouteDef<C>;
  segments: string[];
  literalCount: number;
}

/** Routes requests to {@link RouteDef} handlers by method and path template. */
export class Router<C> {
  /** The routes, in registration order. */
  readonly routes: RouteDef<C>[] = [];
  private compiled: Compiled<C>[] = [];

  /** Adds routes. */
  add(...defs: RouteDef<C>[]): this {
    for (const def of defs) {
      this.routes.push(def);
      const segments = def.path.split('/').slice(1);
      this.compiled.push({ def, segments, literalCount: segments.filter((s) => !s.startsWith('{')).length });
    }
    // More literal segments first, so `/api/...` wins over `/{owner}/{name}/...`.
    this.compiled.sort((a, b) => b.literalCount - a.literalCount);
    return this;
  }

  /** Finds the route for a request; throws 404/405 HubErrors. */
  match(method: string, pathname: string): { def: RouteDef<C>; params: Record<string, string> } {
    const raw = pathname.split('/').slice(1);
    let segs: string[];
    try {
      segs = raw.map((s) => decodeURIComponent(s));
    } catch {
      throw new BadRequestError(`malformed percent-encoding in ${JSON.stringify(pathname)}`, 'bad_url');
    }
    const allowed = new Set<string>();
    for (const r of this.compiled) {
      // Web pages never shadow the API: `/api/...` is answered by API routes (or a JSON 404/405).
      if (r.def.html && segs[0] === 'api') continue;
      const params = matchSegments(r.segments, segs);
      if (!params) continue;
      const m = r.def.method;
      if (m === method || (method === 'HEAD' && m === 'GET' && r.def.head)) return { def: r.def, params };
      allowed.add(m);
      if (m === 'GET' && r.def.head) allowed.add('HEAD');
    }
    if (allowed.size > 0)
      throw new HubError(
        405,
        'method_not_allowed',
        `${method} is not allowed here; use ${[...allowed].join(', ')}`,
        {
          allow: [...allowed],
        },
      );
    throw new NotFoundError(`no API route for ${method} ${pathname}`, 'route_not_found');
  }
}

function matchSegments(template: string[], segs: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t.startsWith('{') && t.endsWith('*}')) {
      if (i >= segs.length) return null;
      params[t.slice(1, -2)] = segs.slice(i).join('/');
      return params;
    }
    if (i >= segs.length) return null;
    if (t.startsWith('{')) {
      if (segs[i] === '') return null;
      params[t.slice(1, -1)] = segs[i];
    } else if (t !== segs[i]) return null;
  }
  return template.length === segs.length ? params : null;
}

/** Reads a whole request body, refusing more than `limit` bytes with a 413. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit)
    return Promise.reject(
      new PayloadTooLargeError(`request body of ${declared} bytes exceeds the ${limit}-byte limit`),
    );
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new PayloadTooLargeError(`request body exceeds the ${limit}-byte limit`));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Reads and parses a JSON body (at most `limit` bytes); an empty body reads as `{}`. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const buf = await readBody(req, limit);
  if (buf.length === 0) return {};
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`request body is not valid JSON (${(err as Error).message})`, 'invalid_json');
  }
}

/** Sends a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends an error as JSON; closes the connection when the request body was not read to the end. */
export function sendError(req: IncomingMessage, res: ServerResponse, err: HubError) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (!req.complete) headers.connection = 'close';
  if (err.status === 405 && Array.isArray(err.details.allow)) headers.allow = err.details.allow.join(', ');
  if (err.status === 416 && typeof err.details.size === 'number')
    headers['content-range'] = `bytes */${err.details.size}`;
  if (err.status === 401) headers['www-authenticate'] = 'Bearer realm="kindling-hub"';
  sendJson(res, err.status, { error: err.code, message: err.message, ...err.details }, headers);
}
