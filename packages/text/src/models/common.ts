/** Checks shared by the language models (internal). */
import { DTypeError, IndexError, ShapeError, type Tensor, ValueError } from '@kindling/core';

/** `[2, 3]` style shape text for error messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws a ValueError unless `v` is an integer >= `min`. */
export function checkInt(model: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ValueError(`${model}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** Throws a ValueError unless `p` is a probability in [0, 1]. */
export function checkProb(model: string, name: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ValueError(`${model}: ${name} must be a probability in [0, 1], got ${String(p)}`);
  return p;
}

/**
 * Validates token ids fed to a model: an int32 tensor of shape `[batch, seq]` (or `[seq]`) with a
 * non-empty sequence. On the CPU every id is checked against `[0, vocabSize)` and the first bad one
 * is named with its position; on other devices the embedding lookup's own range check applies.
 */
export function checkTokenIds(model: string, ids: Tensor, vocabSize: number): void {
  if (ids.dtype !== 'int32')
    throw new DTypeError(`${model}: expected int32 token ids, but got a ${ids.dtype} tensor`);
  if (ids.ndim !== 1 && ids.ndim !== 2)
    throw new ShapeError(
      `${model}: expected token ids of shape [batch, seq] or [seq], but got ${fmtShape(ids.shape)}`,
    );
  if (ids.shape[ids.ndim - 1] === 0)
    throw new ShapeError(
      `${model}: expected at least one token per sequence, but got ${fmtShape(ids.shape)}`,
    );
  if (ids.device !== 'cpu') return;
  const data = ids.contiguous().dataSync();
  for (let i = 0; i < data.length; i++) {
    const id = data[i];
    if (id < 0 || id >= vocabSize) {
      const seq = ids.shape[ids.ndim - 1];
      const where = ids.ndim === 2 ? `[${Math.floor(i / seq)}, ${i % seq}]` : `[${i}]`;
      throw new IndexError(
        `${model}: token id ${id} at position ${where} is out of range for a vocabulary of ${vocabSize} tokens (valid ids are 0..${vocabSize - 1})`,
      );
    }
  }
}
