/**
 * A byte trie mapping byte strings to token ids without building string keys: children live in
 * one open-addressing table keyed by (node, byte).
 */
import { PairTable } from './merge.js';

/** Byte string -> id. */
export class ByteTrie {
  private readonly children: PairTable;
  private ids: Int32Array;
  private nodes = 1;

  /** An empty trie sized for about `nodes` nodes (it grows as needed). */
  constructor(nodes = 16) {
    this.children = new PairTable(nodes);
    this.ids = new Int32Array(Math.max(16, nodes + 1)).fill(-1);
  }

  /** Stores `id` for `bytes` and returns the id stored there before (-1 if none). */
  set(bytes: Uint8Array, id: number): number {
    let node = 0;
    for (let i = 0; i < bytes.length; i++) {
      let child = this.children.mergedId(node, bytes[i]);
      if (child < 0) {
        child = this.nodes++;
        if (child >= this.ids.length) {
          const ids = new Int32Array(this.ids.length * 2).fill(-1);
          ids.set(this.ids);
          this.ids = ids;
        }
        this.children.set(node, bytes[i], 0, child);
      }
      node = child;
    }
    const prev = this.ids[node];
    this.ids[node] = id;
    return prev;
  }

  /** Id of `bytes[start, end)`, or -1. */
  get(bytes: Uint8Array, start = 0, end = bytes.length): number {
    let node = 0;
    for (let i = start; i < end; i++) {
      node = this.children.mergedId(node, bytes[i]);
      if (node < 0) return -1;
    }
    return this.ids[node];
  }

  /**
   * Calls `fn(k, id)` for every proper prefix `bytes[0, k)` (0 < k < length) that is a key, in
   * increasing k.
   */
  prefixes(bytes: Uint8Array, fn: (k: number, id: number) => void): void {
    let node = 0;
    for (let k = 1; k < bytes.length; k++) {
      node = this.children.mergedId(node, bytes[k - 1]);
      if (node < 0) return;
      const id = this.ids[node];
      if (id >= 0) fn(k, id);
    }
  }
}
