/** Segment trees over priorities: sums (proportional sampling) and minima (importance-weight bound). */
import { ValueError } from '@kindling/core';

abstract class SegmentTree {
  /** Number of leaves. */
  readonly capacity: number;
  protected readonly size: number; // leaves rounded up to a power of two
  protected readonly tree: Float64Array; // 1-based heap layout; leaves at [size, 2 size)

  constructor(capacity: number, fill: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0)
      throw new ValueError(
        `${this.constructor.name}: capacity must be a positive integer, got ${String(capacity)}`,
      );
    this.capacity = capacity;
    let size = 1;
    while (size < capacity) size *= 2;
    this.size = size;
    this.tree = new Float64Array(2 * size).fill(fill);
  }

  /** The value of an inner node from its two children's (associative, with the fill as identity). */
  protected abstract combine(a: number, b: number): number;

  protected checkIndex(op: string, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity)
      throw new ValueError(
        `${this.constructor.name}.${op}: index must be an integer in [0, ${this.capacity}), got ${index}`,
      );
  }

  /** Sets leaf `index` to `value` and updates its ancestors (O(log n)). */
  set(index: number, value: number): void {
    this.checkIndex('set', index);
    if (Number.isNaN(value)) throw new ValueError(`${this.constructor.name}.set: value is NaN`);
    let i = index + this.size;
    this.tree[i] = value;
    for (i >>= 1; i >= 1; i >>= 1) this.tree[i] = this.combine(this.tree[2 * i], this.tree[2 * i + 1]);
  }

  /** The value of leaf `index`. */
  get(index: number): number {
    this.checkIndex('get', index);
    return this.tree[index + this.size];
  }

  /** The combination (sum or minimum) of every leaf. */
  reduce(): number {
    return this.tree[1];
  }
}

/**
 * A sum tree: leaves hold non-negative priorities, each inner node the sum of its children, so the
 * total is read in O(1) and `find` draws a leaf with probability proportional to its priority in
 * O(log n) (the structure of prioritized experience replay, Schaul et al. 2016).
 */
export class SumTree extends SegmentTree {
  /** A tree of `capacity` leaves, all 0. */
  constructor(capacity: number) {
    super(capacity, 0);
  }

  /** An inner node holds the sum of its children. */
  protected combine(a: number, b: number): number {
    return a + b;
  }

  /** Sets leaf `index` to the priority `value` (≥ 0). */
  override set(index: number, value: number): void {
    if (!(value >= 0)) throw new ValueError(`SumTree.set: priorities must be >= 0, got ${value}`);
    super.set(index, value);
  }

  /** Sum of all leaves. */
  total(): number {
    return this.tree[1];
  }

  /**
   * The leaf where the running sum of priorities first exceeds `prefix` (in [0, total)): the
   * smallest `i` with `p_0 + ... + p_i > prefix`. Leaves of priority 0 are never returned while
   * some leaf is positive (a `prefix` at or past the total, from rounding, gives the last positive leaf).
   */
  find(prefix: number): number {
    const total = this.tree[1];
    if (!(total > 0)) throw new ValueError('SumTree.find: every priority is 0');
    if (!(prefix >= 0)) throw new ValueError(`SumTree.find: prefix must be >= 0, got ${prefix}`);
    let i = 1;
    let p = prefix;
    while (i < this.size) {
      const left = this.tree[2 * i];
      if (p < left || this.tree[2 * i + 1] <= 0) i = 2 * i;
      else {
        p -= left;
        i = 2 * i + 1;
      }
    }
    return i - this.size;
  }
}

/** A min tree: the smallest leaf in O(1) (prioritized replay uses it to bound the importance weights). */
export class MinTree extends SegmentTree {
  /** A tree of `capacity` leaves, all +Infinity. */
  constructor(capacity: number) {
    super(capacity, Infinity);
  }

  /** An inner node holds the smaller of its children. */
  protected combine(a: number, b: number): number {
    return Math.min(a, b);
  }

  /** The smallest leaf (+Infinity when none was set). */
  min(): number {
    return this.tree[1];
  }
}
