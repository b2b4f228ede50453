/**
 * A small S3 client over `node:http(s)`: AWS Signature Version 4, path-style URLs, and only the
 * calls the blob store needs (objects, ranged reads, multipart uploads, listings, batch deletes).
 * Every request body is a Buffer whose sha256 is signed (`x-amz-content-sha256`), so it works with
 * S3-compatible stores that do not accept unsigned or chunk-signed payloads (OpenStack Swift's
 * s3api among them); large objects are sent as multipart uploads of bounded parts instead.
 */
import { createHash, createHmac } from 'node:crypto';
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

/** Connection settings of an S3-compatible store. */
export interface S3Config {
  /** Base URL, e.g. `http://127.0.0.1:8080` (path-style requests are sent to it). */
  endpoint: string;
  /** Region used in signatures (default `us-east-1`). */
  region?: string;
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Most parallel connections (default 32). */
  maxSockets?: number;
}

/** An error answer of the store (`code` is S3's error code, e.g. `NoSuchKey`). */
export class S3Error extends Error {
  /** HTTP status. */
  readonly status: number;
  /** S3 error code (`NoSuchKey`, `NoSuchUpload`, ...) or `HTTP<status>`. */
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'S3Error';
    this.status = status;
    this.code = code;
  }
}

/** A request to {@link S3Client.send}. */
export interface S3Request {
  /** HTTP method. */
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Bucket (omit for service-level calls). */
  bucket?: string;
  /** Object key (`/`-separated; encoded here). */
  key?: string;
  /** Query parameters (an empty string is a bare flag such as `?uploads`). */
  query?: Record<string, string>;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Body (its sha256 is signed). */
  body?: Buffer;
}

/** A successful (2xx) answer of {@link S3Client.send}, read whole. */
export interface S3Response {
  /** The HTTP status code. */
  status: number;
  /** The response headers (lower-case names, as Node gives them). */
  headers: IncomingMessage['headers'];
  /** The whole response body (XML for most S3 calls; empty for many writes). */
  body: Buffer;
}

/** An object's metadata, from {@link S3Client.head}. */
export interface S3ObjectHead {
  /** Size in bytes (`Content-Length`). */
  size: number;
  /** The ETag header, quotes included as S3 sends it. */
  etag: string;
}

/** One object of a listing, from {@link S3Client.list}. */
export interface S3ObjectSummary {
  /** The object key. */
  key: string;
  /** Size in bytes. */
  size: number;
}

/** A multipart upload in progress, from {@link S3Client.listMultipart}. */
export interface S3MultipartUpload {
  /** The key the upload will create. */
  key: string;
  /** The upload id S3 assigned (what completing or aborting it takes). */
  uploadId: string;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** RFC 3986 encoding as SigV4 wants it (`/` kept in keys when `keepSlash`). */
function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const ch of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(ch);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${ch.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** Decodes the five XML entities (and numeric ones) in a text node. */
export function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e];
  });
}

/** Escapes text for an XML body. */
function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Every `<tag>...</tag>` inner text in `xml` (non-nested tags only). */
export function xmlAll(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  for (const m of xml.matchAll(re)) out.push(m[1]);
  return out;
}

/** The first `<tag>` text, decoded, or null. */
export function xmlOne(xml: string, tag: string): string | null {
  const all = xmlAll(xml, tag);
  return all.length ? xmlText(all[0]) : null;
}

async function readAll(res: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A minimal SigV4 S3 client (path-style). */
export class S3Client {
  private readonly url: URL;
  private readonly region: string;
  private readonly agent: HttpAgent;
  private readonly config: S3Config;

  constructor(config: S3Config) {
    this.config = config;
    this.url = new URL(config.endpoint);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:')
      throw new Error(`S3 endpoint must be an http(s) URL, got ${config.endpoint}`);
    this.region = config.region ?? 'us-east-1';
    const opts = { keepAlive: true, maxSockets: config.maxSockets ?? 32 };
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent(opts) : new HttpAgent(opts);
  }

  /** Closes pooled connections. */
  destroy(): void {
    this.agent.destroy();
  }

  /** The canonical path of a request. */
  private path(bucket?: string, key?: string): string {
    const base = this.url.pathname.replace(/\/+$/, '');
    if (!bucket) return `${base}/`;
    return `${base}/${uriEncode(bucket)}${key !== undefined ? `/${uriEncode(key, true)}` : ''}`;
  }

  /** Signs and sends a request; resolves to the raw response (any status). */
  async raw(req: S3Request): Promise<IncomingMessage> {
    const body = req.body ?? Buffer.alloc(0);
    const payloadHash = body.length ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256;
    const now = new Date();
    const amzDate = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const path = this.path(req.bucket, req.key);
    const query = Object.entries(req.query ?? {})
      .map(([k, v]) => [uriEncode(k), uriEncode(v)])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const headers: Record<string, string> = {
      host: this.url.host,
      'x-amz-date': amzDate,
      'x-amz-content-sha256': payloadHash,
    };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    if (req.method === 'PUT' || req.method === 'POST') headers['content-length'] = String(body.length);
    const signed = Object.keys(headers)
      .filter((h) => h === 'host' || h.startsWith('x-amz-') || h === 'content-md5' || h === 'range')
      .sort();
    const canonicalHeaders = signed.map((h) => `${h}:${headers[h].trim()}\n`).join('');
    const canonicalRequest = [req.method, path, query, canonicalHeaders, signed.join(';'), payloadHash].join(
      '\n',
    );
    const scope = `${day}/${this.region}/s3/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const kDate = hmac(`AWS4${this.config.secretAccessKey}`, day);
    const kSigning = hmac(hmac(hmac(kDate, this.region), 's3'), 'aws4_request');
    const signature = createHmac('sha256', kSigning).update(toSign).digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${this.config.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const attempt = (retry: boolean) =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const r = send(
          {
            protocol: this.url.protocol,
            hostname: this.url.hostname,
            port: this.url.port,
            method: req.method,
            path: query ? `${path}?${query}` : path,
            headers,
            agent: this.agent,
          },
          resolve,
        );
        r.on('error', (err: NodeJS.ErrnoException) => {
          // A pooled connection the server had already closed: send once more on a fresh one
          // (safe: nothing reached the server, and the body is a Buffer).
          if (retry && r.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE'))
            attempt(false).then(resolve, reject);
          else reject(err);
        });
        r.end(body.length ? body : undefined);
      });
    return attempt(true);
  }

  /** Turns a non-2xx response into an {@link S3Error}. */
  async fail(res: IncomingMessage, what: string): Promise<never> {
    const text = (await readAll(res)).toString('utf8');
    const code = xmlOne(text, 'Code') ?? `HTTP${res.statusCode}`;
    const message = xmlOne(text, 'Message') ?? text.slice(0, 200);
    throw new S3Error(res.statusCode ?? 0, code, `S3 ${what}: ${res.statusCode} ${code} ${message}`.trim());
  }

  /** Sends a request and reads the whole (2xx) answer; other statuses throw {@link S3Error}. */
  async send(req: S3Request): Promise<S3Response> {
    const res = await this.raw(req);
    const what = `${req.method} ${req.bucket ?? ''}/${req.key ?? ''}`;
    if ((res.statusCode ?? 0) >= 300) return this.fail(res, what);
    const body = await readAll(res);
    // CompleteMultipartUpload may answer 200 with an error document.
    if (body.length < 4096 && /^\s*(<\?xml[^>]*>\s*)?<Error>/.test(body.toString('utf8'))) {
      const text = body.toString('utf8');
      throw new S3Error(
        500,
        xmlOne(text, 'Code') ?? 'InternalError',
        `S3 ${what}: ${xmlOne(text, 'Message') ?? ''}`,
      );
    }
    return { status: res.statusCode ?? 0, headers: res.headers, body };
  }

  /** Creates a bucket unless it exists. */
  async ensureBucket(bucket: string): Promise<void> {
    const head = await this.raw({ method: 'HEAD', bucket });
    head.resume();
    if (head.statusCode === 200) return;
    if (head.statusCode !== 404) return this.fail(head, `HEAD bucket ${bucket}`);
    try {
      await this.send({ method: 'PUT', bucket });
    } catch (err) {
      if (!(err instanceof S3Error) || err.code !== 'BucketAlreadyOwnedByYou') throw err;
    }
  }

  /** An object's size and ETag, or null when absent. */
  async head(bucket: string, key: string): Promise<S3ObjectHead | null> {
    const res = await this.raw({ method: 'HEAD', bucket, key });
    res.resume();
    if (res.statusCode === 404) return null;
    if ((res.statusCode ?? 0) >= 300) return this.fail(res, `HEAD ${bucket}/${key}`);
    return { size: Number(res.headers['content-length'] ?? 0), etag: String(res.headers.etag ?? '') };
  }

  /** Streams an object or an inclusive byte range of it; null when absent. */
  async get(bucket: string, key: string, range?: { start: number; end: number }): Promise<Readable | null> {
    const res = await this.raw({
      method: 'GET',
      bucket,
      key,
      headers: range ? { range: `bytes=${range.start}-${range.end}` } : {},
    });
    if (res.statusCode === 404) {
      res.resume();
      return null;
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) return this.fail(res, `GET ${bucket}/${key}`);
    return res;
  }

  /** Stores an object. */
  async put(bucket: string, key: string, body: Buffer): Promise<void> {
    await this.send({ method: 'PUT', bucket, key, body });
  }

  /** Deletes an object (no error when absent). */
  async delete(bucket: string, key: string): Promise<void> {
    const res = await this.raw({ method: 'DELETE', bucket, key });
    res.resume();
    if (res.statusCode !== 404 && (res.statusCode ?? 0) >= 300)
      return this.fail(res, `DELETE ${bucket}/${key}`);
  }

  /** Deletes up to 1000 objects in one request (Content-MD5 signed, as S3 and Swift require). */
  async deleteMany(bucket: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const body = Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>${batch
          .map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`)
          .join('')}</Delete>`,
      );
      const res = await this.send({
        method: 'POST',
        bucket,
        query: { delete: '' },
        body,
        headers: {
          'content-md5': createHash('md5').update(body).digest('base64'),
          'content-type': 'application/xml',
        },
      });
      const errors = xmlAll(res.body.toString('utf8'), 'Error');
      const real = errors.filter((e) => xmlOne(e, 'Code') !== 'NoSuchKey');
      if (real.length)
        throw new S3Error(500, xmlOne(real[0], 'Code') ?? 'InternalError', `S3 batch delete: ${real[0]}`);
    }
  }

  /** Every object under `prefix` (key and size), in key order. */
  async list(bucket: string, prefix: string): Promise<S3ObjectSummary[]> {
    const out: S3ObjectSummary[] = [];
    let token: string | null = null;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix, 'max-keys': '1000' };
      if (token) query['continuation-token'] = token;
      const xml = (await this.send({ method: 'GET', bucket, query })).body.toString('utf8');
      for (const c of xmlAll(xml, 'Contents'))
        out.push({ key: xmlOne(c, 'Key') ?? '', size: Number(xmlOne(c, 'Size') ?? 0) });
      token = xmlOne(xml, 'IsTruncated') === 'true' ? xmlOne(xml, 'NextContinuationToken') : null;
    } while (token);
    return out;
  }

  /** Starts a multipart upload; resolves to its upload id. */
  async createMultipart(bucket: string, key: string): Promise<string> {
    const res = await this.send({ method: 'POST', bucket, key, query: { uploads: '' } });
    const id = xmlOne(res.body.toString('utf8'), 'UploadId');
    if (!id) throw new S3Error(500, 'InternalError', 'S3 CreateMultipartUpload returned no UploadId');
    return id;
  }

  /** Uploads one part (1-based number); resolves to its ETag. */
  async uploadPart(bucket: string, key: string, uploadId: string, n: number, body: Buffer): Promise<string> {
    const res = await this.send({
      method: 'PUT',
      bucket,
      key,
      query: { partNumber: String(n), uploadId },
      body,
    });
    return String(res.headers.etag ?? '');
  }

  /** Completes a multipart upload: the object becomes visible at once, whole. */
  async completeMultipart(bucket: string, key: string, uploadId: string, etags: string[]): Promise<void> {
    const body = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>${etags
        .map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlEscape(e)}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`,
    );
    await this.send({ method: 'POST', bucket, key, query: { uploadId }, body });
  }

  /** Abandons a multipart upload (its parts are discarded; no error when it is gone). */
  async abortMultipart(bucket: string, key: string, uploadId: string): Promise<void> {
    const res = await this.raw({ method: 'DELETE', bucket, key, query: { uploadId } });
    res.resume();
    if (res.statusCode !== 404 && (res.statusCode ?? 0) >= 300)
      return this.fail(res, `abort multipart ${bucket}/${key}`);
  }

  /** Multipart uploads in progress under `prefix`. */
  async listMultipart(bucket: string, prefix: string): Promise<S3MultipartUpload[]> {
    const xml = (await this.send({ method: 'GET', bucket, query: { uploads: '', prefix } })).body.toString(
      'utf8',
    );
    return xmlAll(xml, 'Upload').map((u) => ({
      key: xmlOne(u, 'Key') ?? '',
      uploadId: xmlOne(u, 'UploadId') ?? '',
    }));
  }
}
