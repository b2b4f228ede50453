/**
 * The client's local cache, content-addressed like the server: `blobs/<sha256>` holds each
 * verified file once (shared by every repo and revision), `models--<owner>--<name>/` holds
 * `refs/<revision>` (the commit a branch or tag last resolved to), `manifests/<commit>.json`
 * (that commit's file list) and `snapshots/<commit>/<path>` (hard links to the blobs, or copies
 * where links are impossible). Offline mode reads only from here.
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { BadRequestError } from '../errors.js';
import type { FileEntry } from '../model/types.js';
import { isSha256, parseRepoId, pathProblem } from '../validate.js';

const REF_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Joins a repo path under `base`, refusing anything that would land outside it. */
export function safeJoin(base: string, rel: string): string {
  const problem = pathProblem(rel);
  if (problem)
    throw new BadRequestError(`refusing file path ${JSON.stringify(rel)}: ${problem}`, 'invalid_path');
  const root = resolve(base);
  const out = resolve(root, ...rel.split('/'));
  if (!out.startsWith(root + sep))
    throw new BadRequestError(`refusing file path ${JSON.stringify(rel)}`, 'invalid_path');
  return out;
}

function writeAtomic(file: string, text: string) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** A local, content-addressed download cache. */
export class LocalCache {
  /** Root folder. */
  readonly root: string;

  /** Uses (creating lazily) the cache in `root`. */
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Folder of one repo's refs, manifests and snapshots. */
  repoDir(repo: string): string {
    const { owner, name } = parseRepoId(repo);
    return join(this.root, `models--${owner}--${name}`);
  }

  /** Where a verified blob lives. */
  blobPath(sha256: string): string {
    if (!isSha256(sha256))
      throw new BadRequestError(`invalid sha256 ${JSON.stringify(sha256)}`, 'invalid_sha256');
    return join(this.root, 'blobs', sha256);
  }

  /** Where a partial download of a blob is kept (resumed with a Range request). */
  incompletePath(sha256: string): string {
    return `${this.blobPath(sha256)}.incomplete`;
  }

  /** True when the blob is cached. */
  hasBlob(sha256: string): boolean {
    return existsSync(this.blobPath(sha256));
  }

  /** Records what commit a branch or tag resolved to (revisions that are not plain names are skipped). */
  writeRef(repo: string, revision: string, commit: string) {
    if (REF_RE.test(revision) && !revision.includes('..'))
      writeAtomic(join(this.repoDir(repo), 'refs', revision), commit);
  }

  /** The commit a revision last resolved to; a full commit id whose manifest is cached resolves to itself. */
  readRef(repo: string, revision: string): string | null {
    if (isSha256(revision) && existsSync(this.manifestPath(repo, revision))) return revision;
    if (!REF_RE.test(revision) || revision.includes('..')) return null;
    try {
      const id = readFileSync(join(this.repoDir(repo), 'refs', revision), 'utf8').trim();
      return isSha256(id) ? id : null;
    } catch {
      return null;
    }
  }

  private manifestPath(repo: string, commit: string): string {
    if (!isSha256(commit))
      throw new BadRequestError(`invalid commit id ${JSON.stringify(commit)}`, 'invalid_sha256');
    return join(this.repoDir(repo), 'manifests', `${commit}.json`);
  }

  /** Stores a commit's file list. */
  writeManifest(repo: string, commit: string, files: FileEntry[]) {
    writeAtomic(this.manifestPath(repo, commit), JSON.stringify(files));
  }

  /** A cached commit's file list, or null. */
  readManifest(repo: string, commit: string): FileEntry[] | null {
    try {
      return JSON.parse(readFileSync(this.manifestPath(repo, commit), 'utf8')) as FileEntry[];
    } catch {
      return null;
    }
  }

  /** A commit's snapshot folder. */
  snapshotDir(repo: string, commit: string): string {
    if (!isSha256(commit))
      throw new BadRequestError(`invalid commit id ${JSON.stringify(commit)}`, 'invalid_sha256');
    return join(this.repoDir(repo), 'snapshots', commit);
  }

  /** Places a cached blob at its path in a commit's snapshot (hard link, else copy); returns the path. */
  linkIntoSnapshot(repo: string, commit: string, file: FileEntry): string {
    const dest = safeJoin(this.snapshotDir(repo, commit), file.path);
    if (existsSync(dest)) return dest;
    mkdirSync(dirname(dest), { recursive: true });
    const src = this.blobPath(file.sha256);
    const tmp = `${dest}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    try {
      linkSync(src, tmp);
    } catch {
      copyFileSync(src, tmp);
    }
    renameSync(tmp, dest);
    return dest;
  }
}
