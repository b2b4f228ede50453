/**
 * Errors shared by the hub's server, stores and client. Each carries the HTTP status and a short
 * machine-readable code; the server turns them into `{ error, message, ...details }` JSON bodies
 * and the client turns such bodies back into the same classes.
 */

/** Base class of every error the hub raises on purpose. */
export class HubError extends Error {
  /** HTTP status the server answers with. */
  readonly status: number;
  /** Machine-readable code (`not_found`, `conflict`, `integrity_error`, ...). */
  readonly code: string;
  /** Extra JSON fields sent along (e.g. the current head on a conflict). */
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'HubError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** 400: the request is malformed (bad JSON, bad path, bad name...). */
export class BadRequestError extends HubError {
  constructor(message: string, code = 'bad_request', details: Record<string, unknown> = {}) {
    super(400, code, message, details);
    this.name = 'BadRequestError';
  }
}

/** 401: no valid credentials where they are required, or a wrong/revoked token. */
export class UnauthorizedError extends HubError {
  constructor(message: string, code = 'unauthorized') {
    super(401, code, message);
    this.name = 'UnauthorizedError';
  }
}

/** 403: the caller can see the resource but may not do this to it. */
export class ForbiddenError extends HubError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
    this.name = 'ForbiddenError';
  }
}

/** 404: no such resource, or a private one the caller may not see. */
export class NotFoundError extends HubError {
  constructor(message: string, code = 'not_found') {
    super(404, code, message);
    this.name = 'NotFoundError';
  }
}

/** 409: a concurrent change won (stale parent commit, existing tag, busy upload session...). */
export class ConflictError extends HubError {
  constructor(message: string, code = 'conflict', details: Record<string, unknown> = {}) {
    super(409, code, message, details);
    this.name = 'ConflictError';
  }
}

/** 413: a body or file larger than the server accepts. */
export class PayloadTooLargeError extends HubError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
    this.name = 'PayloadTooLargeError';
  }
}

/** 422: content that does not match its declared sha256/size, or an invalid file (safetensors header, card...). */
export class IntegrityError extends HubError {
  constructor(message: string, code = 'integrity_error', details: Record<string, unknown> = {}) {
    super(422, code, message, details);
    this.name = 'IntegrityError';
  }
}

/** Raised by the client in offline mode when something is not in the local cache. */
export class OfflineError extends HubError {
  constructor(message: string) {
    super(504, 'offline', message);
    this.name = 'OfflineError';
  }
}

/** Rebuilds the matching error class from a status and a server JSON body. */
export function errorFromResponse(status: number, body: unknown, fallback: string): HubError {
  const obj = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = typeof obj.error === 'string' ? obj.error : 'http_error';
  const message = typeof obj.message === 'string' ? obj.message : fallback;
  const { error: _e, message: _m, ...details } = obj;
  switch (status) {
    case 400:
      return new BadRequestError(message, code, details);
    case 401:
      return new UnauthorizedError(message, code);
    case 403:
      return new ForbiddenError(message, code);
    case 404:
      return new NotFoundError(message, code);
    case 409:
      return new ConflictError(message, code, details);
    case 413:
      return new PayloadTooLargeError(message);
    case 422:
      return new IntegrityError(message, code, details);
    default:
      return new HubError(status, code, message, details);
  }
}
