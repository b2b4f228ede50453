/** `Flatten` and `Unflatten` layers. */
import type { Tensor } from '@kindling/core';
import { Module } from '../module.js';
import { pyTuple } from './format.js';

/** Flattens dims `startDim..endDim` into one (`nn.Flatten`; default from dim 1, keeping the batch). */
export class Flatten extends Module {
  constructor(
    /** First dim to flatten (default 1). */
    readonly startDim = 1,
    /** Last dim to flatten (default -1). */
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits one dim into several (`nn.Unflatten`); one size may be -1. */
export class Unflatten extends Module {
  constructor(
    /** The dim to split. */
    readonly dim: number,
    /** The sizes it becomes. */
    readonly unflattenedSize: readonly number[],
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}
