/**
 * Byte-level BPE training: count the pre-tokenized pieces of the corpus, start from the 256 byte
 * tokens (id = byte value) and repeatedly merge the most frequent adjacent pair, updating pair
 * counts incrementally (only words that contain the merged pair are touched) with a lazy max-heap.
 */
import { ValueError } from '@kindling/core';
import { utf8Into } from './bytes.js';
import { compilePattern, gpt2PieceEnd, regexPieces } from './pretokenize.js';

/** Result of training: merges in rank order and each token's bytes (id = index). */
export interface TrainedBpe {
  merges: Array<[number, number]>;
  tokens: Uint8Array[];
}

/** Max-heap of (count, key): higher count first, then the smaller key (smaller ids) first. */
class PairHeap {
  private counts = new Float64Array(1024);
  private keys = new Float64Array(1024);
  size = 0;

  private before(c1: number, k1: number, c2: number, k2: number): boolean {
    return c1 > c2 || (c1 === c2 && k1 < k2);
  }

  push(count: number, key: number): void {
    if (this.size === this.counts.length) {
      const c = new Float64Array(this.size * 2);
      c.set(this.counts);
      this.counts = c;
      const k = new Float64Array(this.size * 2);
      k.set(this.keys);
      this.keys = k;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(count, key, this.counts[p], this.keys[p])) break;
      this.counts[i] = this.counts[p];
      this.keys[i] = this.keys[p];
      i = p;
    }
    this.counts[i] = count;
    this.keys[i] = key;
  }

  /** Removes the top entry; read it first with `topCount` / `topKey`. */
  pop(): void {
    const count = this.counts[--this.size];
    const key = this.keys[this.size];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.size) break;
      if (
        c + 1 < this.size &&
        this.before(this.counts[c + 1], this.keys[c + 1], this.counts[c], this.keys[c])
      )
        c++;
      if (!this.before(this.counts[c], this.keys[c], count, key)) break;
      this.counts[i] = this.counts[c];
      this.keys[i] = this.keys[c];
      i = c;
    }
    this.counts[i] = count;
    this.keys[i] = key;
  }

  topCount(): number {
    return this.counts[0];
  }

  topKey(): number {
    return this.keys[0];
  }
}

/**
 * Learns up to `numMerges` merges from `texts`. Ties between equally frequent pairs go to the pair
 * with the smaller first id, then the smaller second id; pairs seen fewer than `minFrequency`
 * times are never merged (training stops early then).
 */
export function trainBpe(
  texts: Iterable<string>,
  numMerges: number,
  pattern: string,
  minFrequency: number,
): TrainedBpe {
  // 1. Count pieces.
  const pieceCounts = new Map<string, number>();
  const addPiece = (text: string, s: number, e: number) => {
    const p = text.slice(s, e);
    pieceCounts.set(p, (pieceCounts.get(p) ?? 0) + 1);
  };
  const re = compilePattern('BpeTokenizer.train', pattern);
  for (const text of texts) {
    if (typeof text !== 'string') {
      throw new ValueError(`BpeTokenizer.train: the corpus must be strings, got ${typeof text}`);
    }
    if (re) regexPieces(re, text, 0, text.length, (s, e) => addPiece(text, s, e));
    else
      for (let i = 0; i < text.length; ) {
        const j = gpt2PieceEnd(text, i, text.length);
        addPiece(text, i, j);
        i = j;
      }
  }
  // 2. Words as byte-id arrays, with their counts; single-byte words hold no pairs.
  const words: Int32Array[] = [];
  const freq: number[] = [];
  let scratch = new Uint8Array(64);
  for (const [p, c] of pieceCounts) {
    if (scratch.length < 3 * p.length) scratch = new Uint8Array(3 * p.length);
    const n = utf8Into(p, 0, p.length, scratch);
    if (n < 2) continue;
    words.push(Int32Array.from(scratch.subarray(0, n)));
    freq.push(c);
  }
  const K = 256 + numMerges; // every id is below K, so a * K + b is a unique pair key
  const pairCount = new Map<number, number>();
  const where = new Map<number, number[]>();
  const heap = new PairHeap();
  const bump = (key: number, by: number, w: number, changed: Set<number>) => {
    const c = (pairCount.get(key) ?? 0) + by;
    pairCount.set(key, c);
    changed.add(key);
    if (by > 0) {
      let list = where.get(key);
      if (!list) where.set(key, (list = []));
      if (list[list.length - 1] !== w) list.push(w);
    }
  };
  const changed = new Set<number>();
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    for (let i = 0; i + 1 < word.length; i++) bump(word[i] * K + word[i + 1], freq[w], w, changed);
  }
  for (const key of changed) heap.push(pairCount.get(key)!, key);
  changed.clear();

  const merges: Array<[number, number]> = [];
  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  // 3. Merge loop.
  while (merges.length < numMerges && heap.size > 0) {
    const count = heap.topCount();
    const key = heap.topKey();
    heap.pop();
    if (pairCount.get(key) !== count) continue; // stale
    if (count < minFrequency || count <= 0) break;
    const a = Math.floor(key / K);
    const b = key - a * K;
    const id = 256 + merges.length;
    merges.push([a, b]);
    const merged = new Uint8Array(tokens[a].length + tokens[b].length);
    merged.set(tokens[a]);
    merged.set(tokens[b], tokens[a].length);
    tokens.push(merged);
    const list = where.get(key) ?? [];
    where.delete(key);
    for (const w of list) {
      const word = words[w];
      let has = false;
      for (let i = 0; i + 1 < word.length; i++) {
        if (word[i] === a && word[i + 1] === b) {
          has = true;
          break;
        }
      }
      if (!has) continue;
      const f = freq[w];
      for (let i = 0; i + 1 < word.length; i++) bump(word[i] * K + word[i + 1], -f, w, changed);
      const out = new Int32Array(word.length);
      let n = 0;
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          out[n++] = id;
          i++;
        } else out[n++] = word[i];
      }
      const nw = out.slice(0, n);
      words[w] = nw;
      for (let i = 0; i + 1 < n; i++) bump(nw[i] * K + nw[i + 1], f, w, changed);
    }
    for (const k of changed) {
      const c = pairCount.get(k)!;
      if (c > 0) heap.push(c, k);
      else pairCount.delete(k);
    }
    changed.clear();
  }
  return { merges, tokens };
}
