/**
 * Validation of everything that reaches the hub as a name: namespaces, repo names, branch and tag
 * names, file paths inside a repo and sha256 digests. The server and the client use the same
 * rules, so a malicious server cannot make the client write outside its cache either.
 */
import { BadRequestError } from './errors.js';

const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_-])?$/;
const REF_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9_-])?$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/** Longest file path accepted, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 1024;

/** Checks a user, organisation, team or repo name (letters, digits, `.`, `_`, `-`; at most 96 chars). */
export function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.includes('..'))
    throw new BadRequestError(
      `invalid ${kind} name ${JSON.stringify(name)}: expected 1-96 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      'invalid_name',
    );
  return name;
}

/** Checks a branch or tag name (same alphabet as names, at most 128 chars, no slashes). */
export function checkRefName(kind: 'branch' | 'tag', name: unknown): string {
  if (typeof name !== 'string' || !REF_RE.test(name) || name.includes('..'))
    throw new BadRequestError(
      `invalid ${kind} name ${JSON.stringify(name)}: expected 1-128 letters, digits, '.', '_' or '-'`,
      'invalid_ref',
    );
  return name;
}

/** True for a lowercase hex sha256 digest. */
export function isSha256(s: unknown): s is string {
  return typeof s === 'string' && SHA256_RE.test(s);
}

/** Checks a sha256 digest (64 lowercase hex digits). */
export function checkSha256(s: unknown, what = 'sha256'): string {
  if (!isSha256(s))
    throw new BadRequestError(
      `invalid ${what} ${JSON.stringify(s)}: expected 64 lowercase hex digits`,
      'invalid_sha256',
    );
  return s;
}

/** Checks a file size (a safe non-negative integer). */
export function checkSize(n: unknown, what = 'size'): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new BadRequestError(
      `invalid ${what} ${JSON.stringify(n)}: expected a non-negative integer`,
      'invalid_size',
    );
  return n;
}

/**
 * Returns why `path` is not an acceptable file path inside a repo, or null when it is. Paths are
 * relative, `/`-separated, with no empty, `.` or `..` segment, no backslash, no NUL or other
 * control character, no trailing slash and at most {@link MAX_PATH_BYTES} bytes.
 */
export function pathProblem(path: unknown): string | null {
  if (typeof path !== 'string') return 'must be a string';
  if (path.length === 0) return 'is empty';
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) return `is longer than ${MAX_PATH_BYTES} bytes`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'contains a NUL or control character';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'starts with a drive letter';
  if (path.endsWith('/')) return 'ends with a slash';
  for (const seg of path.split('/')) {
    if (seg === '') return 'contains an empty segment';
    if (seg === '.' || seg === '..') return `contains a '${seg}' segment`;
  }
  if (path.normalize('NFC') !== path) return 'is not in Unicode normal form C';
  return null;
}

/** Checks a file path inside a repo (see {@link pathProblem}); throws a 400 `invalid_path` error. */
export function checkPath(path: unknown): string {
  const problem = pathProblem(path);
  if (problem)
    throw new BadRequestError(`invalid file path ${JSON.stringify(path)}: ${problem}`, 'invalid_path');
  return path as string;
}

/** A repo id `owner/name`, split. */
export interface RepoIdParts {
  /** The owning namespace: a user or organisation name. */
  owner: string;
  /** The repo's name within that namespace. */
  name: string;
}

/** Splits and checks `owner/name`. */
export function parseRepoId(id: string): RepoIdParts {
  const parts = typeof id === 'string' ? id.split('/') : [];
  if (parts.length !== 2)
    throw new BadRequestError(`invalid repo id ${JSON.stringify(id)}: expected 'owner/name'`, 'invalid_name');
  return { owner: checkName('owner', parts[0]), name: checkName('repo', parts[1]) };
}
