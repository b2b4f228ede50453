/** `encodeBatch`'s padding and truncation, shared by every tokenizer, and the tensor conversion. */
import { fromHost, type Tensor, type TensorOptions, ValueError } from '@kindling/core';
import type { BatchEncodeOptions, BatchEncoding } from './types.js';

/** What `batchToTensors` returns: a `BatchEncoding` as tensors. */
export interface BatchTensors {
  /** Token ids, int32 `[batch, length]`. */
  inputIds: Tensor;
  /** int32 `[batch, length]`: 1 for a real token, 0 for padding. */
  attentionMask: Tensor;
}

function checkLength(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ValueError(`${op}: ${name} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}

/**
 * Pads and truncates already-encoded rows as `options` asks (see `BatchEncodeOptions`). Rows are
 * not copied when nothing changes them.
 */
export function padBatch(
  op: string,
  rows: number[][],
  options: BatchEncodeOptions | undefined,
  defaultPadId: number | undefined,
  vocabSize: number,
): BatchEncoding {
  const padding = options?.padding ?? false;
  if (padding !== false && padding !== 'longest' && padding !== 'max_length') {
    throw new ValueError(`${op}: padding must be false, 'longest' or 'max_length', got ${String(padding)}`);
  }
  const maxLength =
    options?.maxLength === undefined ? undefined : checkLength(op, 'maxLength', options.maxLength);
  const truncation = options?.truncation ?? false;
  if (padding === 'max_length' && maxLength === undefined) {
    throw new ValueError(`${op}: padding: 'max_length' needs maxLength`);
  }
  if (truncation && maxLength === undefined) throw new ValueError(`${op}: truncation needs maxLength`);
  if (maxLength !== undefined) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (row.length <= maxLength) continue;
      if (!truncation) {
        throw new ValueError(
          `${op}: text ${i} has ${row.length} tokens, more than maxLength ${maxLength}; pass truncation: true to cut it`,
        );
      }
      rows[i] =
        options?.truncationSide === 'left' ? row.slice(row.length - maxLength) : row.slice(0, maxLength);
    }
  }
  const masks = rows.map((r) => new Array<number>(r.length).fill(1));
  if (padding === false) return { inputIds: rows, attentionMask: masks };
  let target = maxLength ?? 0;
  if (padding === 'longest') {
    target = 0;
    for (const r of rows) target = Math.max(target, r.length);
  }
  const padId = options?.padId ?? defaultPadId;
  const needsPad = rows.some((r) => r.length < target);
  if (needsPad) {
    if (padId === undefined) {
      throw new ValueError(`${op}: padding needs a padId (this tokenizer has no pad token): pass { padId }`);
    }
    if (!Number.isInteger(padId) || padId < 0 || padId >= vocabSize) {
      throw new ValueError(`${op}: padId must be an integer in [0, ${vocabSize}), got ${padId}`);
    }
  }
  const left = options?.paddingSide === 'left';
  for (let i = 0; i < rows.length; i++) {
    const extra = target - rows[i].length;
    if (extra <= 0) continue;
    const pad = new Array<number>(extra).fill(padId!);
    const zeros = new Array<number>(extra).fill(0);
    rows[i] = left ? pad.concat(rows[i]) : rows[i].concat(pad);
    masks[i] = left ? zeros.concat(masks[i]) : masks[i].concat(zeros);
  }
  return { inputIds: rows, attentionMask: masks };
}

/**
 * Turns a rectangular `BatchEncoding` (padded, or rows of equal length) into two int32 tensors of
 * shape `[batch, length]`. Throws `ValueError` for ragged rows.
 */
export function batchToTensors(batch: BatchEncoding, options?: Pick<TensorOptions, 'device'>): BatchTensors {
  const b = batch.inputIds.length;
  const len = b === 0 ? 0 : batch.inputIds[0].length;
  const ids = new Int32Array(b * len);
  const mask = new Int32Array(b * len);
  for (let i = 0; i < b; i++) {
    const row = batch.inputIds[i];
    const m = batch.attentionMask[i];
    if (row.length !== len || m === undefined || m.length !== len) {
      throw new ValueError(
        `batchToTensors: rows have different lengths (row 0 has ${len}, row ${i} has ${row.length}); encode with padding`,
      );
    }
    ids.set(row, i * len);
    mask.set(m, i * len);
  }
  return {
    inputIds: fromHost(ids, [b, len], 'int32', options),
    attentionMask: fromHost(mask, [b, len], 'int32', options),
  };
}
