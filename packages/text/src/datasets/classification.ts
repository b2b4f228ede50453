/** Text classification data: one example per line, a label and a text, tokenized up front. */
import { fromHost, IndexError, type DeviceName, scalarTensor, type Tensor, ValueError } from '@kindling/core';
import type { EncodeOptions, Tokenizer } from '../tokenizers/types.js';
import type { Dataset } from './dataset.js';

/** Options of `TextClassificationDataset`. */
export interface TextClassificationOptions extends EncodeOptions {
  /**
   * The class names in id order. Default: the distinct labels sorted (numerically when every
   * label is an integer, otherwise by code unit).
   */
  classes?: readonly string[];
  /**
   * Fix every example's length: shorter ones are padded with `padId` (default: the tokenizer's)
   * at the end, longer ones cut to their first `maxLength` tokens. Without it, examples keep their
   * own lengths.
   */
  maxLength?: number;
  /** Pad id for `maxLength` (default: the tokenizer's `padId`). */
  padId?: number;
  /** Device of the returned tensors (default `cpu`). */
  device?: DeviceName;
}

/** Options of `TextClassificationDataset.fromLines`: how a line splits into label and text. */
export interface LineFormatOptions extends TextClassificationOptions {
  /** Separator between label and text (default a tab); only its first occurrence splits. */
  separator?: string;
  /** Whether the label comes first (default) or last on the line. */
  labelPosition?: 'first' | 'last';
}

/**
 * Item `i` is `[ids, label]`: an int32 tensor of token ids (shape `[len]`, or `[maxLength]` when
 * set) and a 0-d int32 tensor with the class id.
 */
export class TextClassificationDataset implements Dataset<[Tensor, Tensor]> {
  /** Number of examples. */
  readonly length: number;
  /** Class names, id = index. */
  readonly classes: readonly string[];
  /** Class id of each example. */
  readonly labels: Int32Array;
  /** Number of real (unpadded) tokens of each example. */
  readonly lengths: Int32Array;
  private readonly ids: Int32Array[];
  private readonly device: DeviceName | undefined;

  /** Tokenizes `texts` with `tokenizer`; `labels[i]` is the class name of `texts[i]`. */
  constructor(
    texts: readonly string[],
    labels: readonly string[],
    tokenizer: Tokenizer,
    options: TextClassificationOptions = {},
  ) {
    const op = 'TextClassificationDataset';
    if (texts.length !== labels.length) {
      throw new ValueError(`${op}: got ${texts.length} texts but ${labels.length} labels`);
    }
    let classes = options.classes;
    if (classes === undefined) {
      const distinct = [...new Set(labels)];
      const numeric = distinct.every((l) => /^-?\d+$/.test(l));
      classes = numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
    }
    const index = new Map<string, number>();
    classes.forEach((c, i) => {
      if (index.has(c)) throw new ValueError(`${op}: class '${c}' is listed twice`);
      index.set(c, i);
    });
    this.classes = [...classes];
    this.labels = new Int32Array(labels.length);
    labels.forEach((l, i) => {
      const c = index.get(l);
      if (c === undefined) {
        throw new ValueError(
          `${op}: example ${i} has the label '${l}', which is not one of the classes [${[...index.keys()].join(', ')}]`,
        );
      }
      this.labels[i] = c;
    });
    const maxLength = options.maxLength;
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1)) {
      throw new ValueError(`${op}: maxLength must be a positive integer, got ${maxLength}`);
    }
    const padId = options.padId ?? tokenizer.padId;
    this.lengths = new Int32Array(texts.length);
    this.ids = texts.map((t, i) => {
      const enc = tokenizer.encode(t, options);
      if (maxLength === undefined) {
        this.lengths[i] = enc.length;
        return Int32Array.from(enc);
      }
      const row = new Int32Array(maxLength);
      const n = Math.min(enc.length, maxLength);
      for (let k = 0; k < n; k++) row[k] = enc[k];
      if (n < maxLength) {
        if (padId === undefined) {
          throw new ValueError(
            `${op}: example ${i} needs padding to maxLength ${maxLength} but there is no padId (pass one)`,
          );
        }
        row.fill(padId, n);
      }
      this.lengths[i] = n;
      return row;
    });
    this.length = texts.length;
    this.device = options.device;
  }

  /**
   * Parses `text` line by line (`label<sep>text`, or `text<sep>label` with `labelPosition:
   * 'last'`); blank lines are skipped, a line without the separator is a `ValueError`.
   */
  static fromLines(
    text: string,
    tokenizer: Tokenizer,
    options: LineFormatOptions = {},
  ): TextClassificationDataset {
    const sep = options.separator ?? '\t';
    if (sep.length === 0)
      throw new ValueError('TextClassificationDataset.fromLines: separator must not be empty');
    const last = options.labelPosition === 'last';
    const texts: string[] = [];
    const labels: string[] = [];
    const lines = text.split(/\r?\n/);
    lines.forEach((line, n) => {
      if (line.trim() === '') return;
      const at = last ? line.lastIndexOf(sep) : line.indexOf(sep);
      if (at < 0) {
        throw new ValueError(
          `TextClassificationDataset.fromLines: line ${n + 1} has no separator ${JSON.stringify(sep)}: ${JSON.stringify(line.slice(0, 60))}`,
        );
      }
      const a = line.slice(0, at);
      const b = line.slice(at + sep.length);
      labels.push((last ? b : a).trim());
      texts.push(last ? a : b);
    });
    return new TextClassificationDataset(texts, labels, tokenizer, options);
  }

  /** `[ids, label]` of example `i`; `IndexError` out of range. */
  get(i: number): [Tensor, Tensor] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new IndexError(
        `TextClassificationDataset.get: index ${i} is out of range for a dataset of length ${this.length}`,
      );
    }
    const ids = this.ids[i];
    return [
      fromHost(ids.slice(), [ids.length], 'int32', { device: this.device }),
      scalarTensor(this.labels[i], 'int32', this.device ?? 'cpu'),
    ];
  }
}
