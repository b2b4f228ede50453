/**
 * The client's HTTP transport over `node:http`/`node:https`: streaming request and response
 * bodies (constant memory), a timeout on inactivity, and the use of an early response (such as a
 * 413 sent before the body was fully read) even when the upload is cut off afterwards.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

/** A request body: bytes, or a factory of a fresh stream (so retries can resend it). */
export type Body = Buffer | Uint8Array | string | (() => Readable);

/** One HTTP request. */
export interface TransportRequest {
  /** Method. */
  method: string;
  /** Absolute URL. */
  url: string;
  /** Headers. */
  headers?: Record<string, string>;
  /** Body. */
  body?: Body;
  /** Abort after this long without any traffic (default 60 s). */
  idleTimeoutMs?: number;
}

/** A response whose body is still a stream. */
export interface TransportResponse {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: IncomingHttpHeaders;
  /** The body stream (read it, or call `resume()` to discard it). */
  body: IncomingMessage;
}

/** Sends a request; resolves once the response headers arrive. */
export function send(req: TransportRequest): Promise<TransportResponse> {
  const url = new URL(req.url);
  const doRequest = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let settled = false;
    const headers: Record<string, string> = { ...req.headers };
    const body = req.body;
    if (typeof body === 'string' || body instanceof Uint8Array)
      headers['content-length'] = String(
        typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
      );
    const r = doRequest(url, { method: req.method, headers, agent: false }, (res) => {
      settled = true;
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    r.setTimeout(req.idleTimeoutMs ?? 60_000, () =>
      r.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
    );
    r.on('error', (err) => {
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    if (body === undefined) r.end();
    else if (typeof body === 'string' || body instanceof Uint8Array) r.end(body);
    else {
      const stream = body();
      stream.on('error', (err) => r.destroy(err));
      stream.pipe(r);
    }
  });
}

/** Reads a whole response body (at most `limit` bytes). */
export async function readAll(res: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    size += (c as Buffer).length;
    if (size > limit) {
      res.destroy();
      throw new Error(`response body exceeds ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** True for network errors worth retrying (connection refused/reset, timeouts, broken pipes). */
export function isRetryableNetworkError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    code === 'EAI_AGAIN' ||
    code === 'UND_ERR_SOCKET' ||
    (err as Error)?.message === 'socket hang up' ||
    (err as Error)?.message === 'aborted'
  );
}
