/** Dropout layers: `Dropout` (elements) and `Dropout2d` (whole channels). */
import { dropout, type Generator, type Tensor, ValueError } from '@kindling/core';
import { dropout2d } from '../functional/dropout.js';
import { Module } from '../module.js';
import { pyFloat } from './format.js';

function checkP(layer: string, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ValueError(`${layer}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
  return p;
}

/** Options of the dropout layers. */
export interface DropoutOptions {
  /** Generator to draw masks from (default: the global one). */
  generator?: Generator;
}

/**
 * Zeroes each element with probability `p` while training and scales the rest by `1 / (1 - p)`
 * (`nn.Dropout`); the identity in eval mode.
 */
export class Dropout extends Module {
  /** Drop probability. */
  readonly p: number;
  private readonly generator?: Generator;
  constructor(p = 0.5, options?: DropoutOptions) {
    super();
    this.p = checkP('Dropout', p);
    this.generator = options?.generator;
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

/**
 * Zeroes whole channels of `[N, C, H, W]` (or `[C, H, W]`) with probability `p` while training and
 * scales the rest by `1 / (1 - p)` (`nn.Dropout2d`); the identity in eval mode.
 */
export class Dropout2d extends Module {
  /** Drop probability per channel. */
  readonly p: number;
  private readonly generator?: Generator;
  constructor(p = 0.5, options?: DropoutOptions) {
    super();
    this.p = checkP('Dropout2d', p);
    this.generator = options?.generator;
  }
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, { training: this.training, generator: this.generator });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
