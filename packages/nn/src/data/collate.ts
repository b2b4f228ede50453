/** PyTorch's `default_collate`: turns a list of samples into a batch. */
import { stack, Tensor, tensor, ValueError } from '@kindling/core';

/** The batch type `defaultCollate` makes from samples of type `T`. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : never;

/**
 * Collates samples into a batch as PyTorch's `default_collate`: tensors are stacked along a new
 * first dim; numbers become a 1-D tensor (int32 when all are integers, else the default float
 * dtype) and booleans a bool tensor; strings stay a list; arrays (tuples) are collated position by
 * position and plain objects key by key, recursively. Samples must share their structure.
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  return collate(batch as readonly unknown[], 'batch') as Collated<T>;
}

function collate(batch: readonly unknown[], where: string): unknown {
  if (batch.length === 0) throw new ValueError('defaultCollate: cannot collate an empty batch');
  const elem = batch[0];
  if (elem instanceof Tensor) {
    if (!batch.every((b) => b instanceof Tensor)) throw mixed(where);
    return stack(batch as Tensor[], 0);
  }
  if (typeof elem === 'number') {
    if (!batch.every((b) => typeof b === 'number')) throw mixed(where);
    return tensor(batch as number[]);
  }
  if (typeof elem === 'boolean') {
    if (!batch.every((b) => typeof b === 'boolean')) throw mixed(where);
    return tensor(batch as boolean[]);
  }
  if (typeof elem === 'string') {
    if (!batch.every((b) => typeof b === 'string')) throw mixed(where);
    return [...batch];
  }
  if (Array.isArray(elem)) {
    if (!batch.every((b) => Array.isArray(b) && b.length === elem.length)) {
      throw new ValueError(`defaultCollate: each element in list of ${where} should be of equal size`);
    }
    return elem.map((_, i) =>
      collate(
        (batch as unknown[][]).map((b) => b[i]),
        `${where}[${i}]`,
      ),
    );
  }
  if (elem !== null && typeof elem === 'object' && Object.getPrototypeOf(elem) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(elem)) {
      out[key] = collate(
        batch.map((b) => {
          if (b === null || typeof b !== 'object' || !(key in b)) {
            throw new ValueError(`defaultCollate: a sample in ${where} lacks the key '${key}'`);
          }
          return (b as Record<string, unknown>)[key];
        }),
        `${where}.${key}`,
      );
    }
    return out;
  }
  throw new ValueError(
    `defaultCollate: ${where} must contain tensors, numbers, booleans, strings, arrays or plain objects; found ${elem === null ? 'null' : typeof elem}`,
  );
}

function mixed(where: string): ValueError {
  return new ValueError(`defaultCollate: the samples in ${where} mix different types`);
}
