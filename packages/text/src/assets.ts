/**
 * Files shipped in the package's `data/` folder. This module sits directly in `src/` so that the
 * relative URL resolves the same from the sources and from the single-file build in `dist/`.
 */
import { NotSupportedError, ValueError } from '@kindling/core';

/** URL of a file in the package's `data/` folder. */
export function dataFileUrl(name: string): URL {
  return new URL(`../data/${name}`, import.meta.url);
}

/** Reads a shipped data file as UTF-8 text (the file system in Node, `fetch` elsewhere). */
export async function readDataFile(name: string): Promise<string> {
  const url = dataFileUrl(name);
  const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    try {
      return await readFile(url, 'utf8');
    } catch (e) {
      throw new ValueError(
        `@kindling/text: cannot read the shipped file ${url.href}: ${(e as Error).message}`,
      );
    }
  }
  if (typeof fetch !== 'function') {
    throw new NotSupportedError(`@kindling/text: no file system and no fetch to read ${url.href}`);
  }
  const res = await fetch(url);
  if (!res.ok) throw new ValueError(`@kindling/text: fetching ${url.href} failed with status ${res.status}`);
  return res.text();
}
