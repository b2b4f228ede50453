/**
 * The byte-pair merge engine: an open-addressing table from a pair of token ids to the id it merges
 * into and that merge's rank, and the merge loop itself. The loop merges the lowest-ranked adjacent
 * pair first, the leftmost one on ties (tiktoken's rule); short pieces use a flat array scan,
 * long ones a binary heap over a linked list (O(n log n)).
 */

const EMPTY = -1;
/** Rank of "no merge". */
export const NO_MERGE = 0x7fffffff;

/** Pair (a, b) of non-negative ids -> (rank, merged id); grows as needed (load factor <= 1/2). */
export class PairTable {
  private keys: Int32Array;
  private ranks: Int32Array;
  private merged: Int32Array;
  private mask: number;
  /** Number of pairs stored. */
  size = 0;

  /** A table sized for about `capacity` pairs. */
  constructor(capacity = 8) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keys = new Int32Array(2 * n).fill(EMPTY);
    this.ranks = new Int32Array(n);
    this.merged = new Int32Array(n);
    this.mask = n - 1;
  }

  private grow(): void {
    const { keys, ranks, merged } = this;
    const n = ranks.length * 2;
    this.keys = new Int32Array(2 * n).fill(EMPTY);
    this.ranks = new Int32Array(n);
    this.merged = new Int32Array(n);
    this.mask = n - 1;
    for (let s = 0; s < ranks.length; s++) {
      if (keys[2 * s] === EMPTY) continue;
      const t = this.slot(keys[2 * s], keys[2 * s + 1]);
      this.keys[2 * t] = keys[2 * s];
      this.keys[2 * t + 1] = keys[2 * s + 1];
      this.ranks[t] = ranks[s];
      this.merged[t] = merged[s];
    }
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    let s = h & this.mask;
    const keys = this.keys;
    for (;;) {
      const ka = keys[2 * s];
      if (ka === EMPTY || (ka === a && keys[2 * s + 1] === b)) return s;
      s = (s + 1) & this.mask;
    }
  }

  /** Records that `a` followed by `b` merges into `merged` with priority `rank` (lower first). */
  set(a: number, b: number, rank: number, merged: number): void {
    let s = this.slot(a, b);
    if (this.keys[2 * s] === EMPTY) {
      if ((this.size + 1) * 2 > this.ranks.length) {
        this.grow();
        s = this.slot(a, b);
      }
      this.size++;
    }
    this.keys[2 * s] = a;
    this.keys[2 * s + 1] = b;
    this.ranks[s] = rank;
    this.merged[s] = merged;
  }

  /** Rank of merging `a` and `b`, or `NO_MERGE`. */
  rank(a: number, b: number): number {
    const s = this.slot(a, b);
    return this.keys[2 * s] === EMPTY ? NO_MERGE : this.ranks[s];
  }

  /** Id that `a` followed by `b` merges into, or -1. */
  mergedId(a: number, b: number): number {
    const s = this.slot(a, b);
    return this.keys[2 * s] === EMPTY ? -1 : this.merged[s];
  }
}

/** Pieces at most this many bytes long use the flat scan; longer ones the heap. */
export const HEAP_THRESHOLD = 48;

let flatRanks = new Int32Array(HEAP_THRESHOLD);

/**
 * Merges `ids[0..n)` in place (flat O(n^2) scan, for short pieces) and returns the new length.
 */
function mergeFlat(ids: Int32Array, n: number, table: PairTable): number {
  if (flatRanks.length < n) flatRanks = new Int32Array(n);
  const r = flatRanks;
  for (let i = 0; i < n - 1; i++) r[i] = table.rank(ids[i], ids[i + 1]);
  while (n > 1) {
    let min = NO_MERGE;
    let at = -1;
    for (let i = 0; i < n - 1; i++) {
      if (r[i] < min) {
        min = r[i];
        at = i;
      }
    }
    if (at < 0) break;
    ids[at] = table.mergedId(ids[at], ids[at + 1]);
    for (let i = at + 1; i < n - 1; i++) {
      ids[i] = ids[i + 1];
      r[i] = r[i + 1];
    }
    n--;
    if (at < n - 1) r[at] = table.rank(ids[at], ids[at + 1]);
    if (at > 0) r[at - 1] = table.rank(ids[at - 1], ids[at]);
  }
  return n;
}

/**
 * Merges `ids[0..n)` in place with a min-heap of (rank, position) over a doubly linked list
 * (stale heap entries are skipped when popped) and returns the new length.
 */
function mergeHeap(ids: Int32Array, n: number, table: PairTable): number {
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  next[n - 1] = -1;
  // Heap of (rank, pos), ordered by rank then pos: the leftmost of equal ranks first.
  let hr = new Int32Array(n);
  let hp = new Int32Array(n);
  let size = 0;
  const push = (rank: number, pos: number) => {
    if (size === hr.length) {
      const nr = new Int32Array(size * 2);
      nr.set(hr);
      hr = nr;
      const np = new Int32Array(size * 2);
      np.set(hp);
      hp = np;
    }
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (hr[p] < rank || (hr[p] === rank && hp[p] < pos)) break;
      hr[i] = hr[p];
      hp[i] = hp[p];
      i = p;
    }
    hr[i] = rank;
    hp[i] = pos;
  };
  /** Removes the root: the last entry takes its place and sinks. */
  const pop = (): void => {
    const rank = hr[--size];
    const pos = hp[size];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && (hr[c + 1] < hr[c] || (hr[c + 1] === hr[c] && hp[c + 1] < hp[c]))) c++;
      if (hr[c] > rank || (hr[c] === rank && hp[c] > pos)) break;
      hr[i] = hr[c];
      hp[i] = hp[c];
      i = c;
    }
    hr[i] = rank;
    hp[i] = pos;
  };
  for (let i = 0; i < n - 1; i++) {
    const r = table.rank(ids[i], ids[i + 1]);
    if (r !== NO_MERGE) push(r, i);
  }
  const alive = new Uint8Array(n).fill(1);
  let count = n;
  while (size > 0) {
    const rank = hr[0];
    const pos = hp[0];
    pop();
    if (!alive[pos]) continue;
    const right = next[pos];
    if (right < 0 || table.rank(ids[pos], ids[right]) !== rank) continue; // stale entry
    ids[pos] = table.mergedId(ids[pos], ids[right]);
    alive[right] = 0;
    const after = next[right];
    next[pos] = after;
    if (after >= 0) prev[after] = pos;
    count--;
    if (after >= 0) {
      const r = table.rank(ids[pos], ids[after]);
      if (r !== NO_MERGE) push(r, pos);
    }
    const before = prev[pos];
    if (before >= 0) {
      const r = table.rank(ids[before], ids[pos]);
      if (r !== NO_MERGE) push(r, before);
    }
  }
  let w = 0;
  for (let i = 0; i >= 0; i = next[i]) ids[w++] = ids[i];
  return count;
}

/** Merges `ids[0..n)` in place and returns the number of tokens left. */
export function bpeMerge(
  ids: Int32Array,
  n: number,
  table: PairTable,
  heapThreshold = HEAP_THRESHOLD,
): number {
  if (n < 2) return n;
  return n > heapThreshold ? mergeHeap(ids, n, table) : mergeFlat(ids, n, table);
}
