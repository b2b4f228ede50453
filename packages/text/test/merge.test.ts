import { describe, expect, it } from 'vitest';
import { bpeMerge, NO_MERGE, PairTable } from '../src/tokenizers/merge.js';
import { rng } from './helpers.js';

/** tiktoken's byte_pair_merge, written plainly: merge the lowest-ranked pair, the leftmost on ties. */
function reference(seq: number[], rules: Map<string, [number, number]>): number[] {
  const s = [...seq];
  for (;;) {
    let best = -1;
    let bestRank = NO_MERGE;
    for (let i = 0; i + 1 < s.length; i++) {
      const r = rules.get(`${s[i]},${s[i + 1]}`);
      if (r && r[0] < bestRank) {
        bestRank = r[0];
        best = i;
      }
    }
    if (best < 0) return s;
    s.splice(best, 2, rules.get(`${s[best]},${s[best + 1]}`)![1]);
  }
}

describe('bpeMerge', () => {
  it('flat scan and heap give the reference result, ties included, on random tables and sequences', () => {
    const rand = rng(42);
    for (let trial = 0; trial < 40; trial++) {
      // 4 base symbols; 30 rules over ids < 4 + rule index, with repeated ranks to force ties.
      const rules = new Map<string, [number, number]>();
      const table = new PairTable(64);
      for (let k = 0; k < 30; k++) {
        const a = Math.floor(rand() * (4 + k));
        const b = Math.floor(rand() * (4 + k));
        if (rules.has(`${a},${b}`)) continue;
        const rank = Math.floor(rand() * 10);
        rules.set(`${a},${b}`, [rank, 4 + k]);
        table.set(a, b, rank, 4 + k);
      }
      for (let s = 0; s < 20; s++) {
        const n = 1 + Math.floor(rand() * 120);
        const seq = Array.from({ length: n }, () => Math.floor(rand() * 4));
        const expected = reference(seq, rules);
        for (const threshold of [Number.POSITIVE_INFINITY, 0]) {
          const ids = Int32Array.from(seq);
          const m = bpeMerge(ids, n, table, threshold);
          expect(Array.from(ids.subarray(0, m))).toEqual(expected);
        }
      }
    }
  });

  it('merges the leftmost of equal-rank pairs first: aaa -> (aa)(a)', () => {
    const table = new PairTable(4);
    table.set(0, 0, 0, 1);
    for (const threshold of [Number.POSITIVE_INFINITY, 0]) {
      const ids = Int32Array.of(0, 0, 0);
      expect(Array.from(ids.subarray(0, bpeMerge(ids, 3, table, threshold)))).toEqual([1, 0]);
    }
  });
});
