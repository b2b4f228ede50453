/**
 * Recurrent layers (`nn.RNN`, `nn.LSTM`, `nn.GRU`) and their single-step cells (`nn.RNNCell`,
 * `nn.LSTMCell`, `nn.GRUCell`), written as composites of core ops so autograd differentiates them
 * and every backend runs them. Parameter names, shapes and gate orders are PyTorch's, so state
 * dicts load both ways.
 */
import {
  cat,
  DTypeError,
  dropout,
  isFloating,
  linear,
  ShapeError,
  stack,
  type Tensor,
  ValueError,
  zeros,
} from '@kindling/core';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type FactoryOptions, newParameter } from './common.js';
import { fmtShape, pyBool, pyFloat } from './format.js';

/** The recurrence a layer runs (PyTorch's `mode` strings). */
export type RNNMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Options shared by `RNN`, `LSTM` and `GRU`. */
export interface RNNBaseOptions extends FactoryOptions {
  /** Number of stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Learn the biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** Inputs and outputs are `[batch, seq, feature]` instead of `[seq, batch, feature]` (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, when training (default 0). */
  dropout?: number;
  /** Run a second, reversed pass per layer and concatenate both (default false). */
  bidirectional?: boolean;
}

/** Options of `RNN`. */
export interface RNNOptions extends RNNBaseOptions {
  /** `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Options of `LSTM`. */
export interface LSTMOptions extends RNNBaseOptions {
  /** If positive, the hidden state is projected to this size by `weight_hr_l{k}` (default 0: none). */
  projSize?: number;
}

/** The parameters of one layer and direction. */
interface DirectionWeights {
  wIh: Parameter;
  wHh: Parameter;
  bIh: Parameter | null;
  bHh: Parameter | null;
  wHr: Parameter | null;
}

const GATES: Record<RNNMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

function checkSize(layer: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min)
    throw new ValueError(`${layer}: ${name} must be an integer >= ${min}, got ${String(v)}`);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function checkDType(layer: string, what: string, t: Tensor, weight: Tensor): void {
  if (!isFloating(t.dtype) || t.dtype !== weight.dtype)
    throw new DTypeError(
      `${layer}: expected ${what} of dtype ${weight.dtype} (the parameters' dtype), but got ${t.dtype}`,
    );
}

/** One step of the Elman recurrence: `act(xi + h W_hhᵀ + b_hh)`, `xi` the input projection. */
function rnnStep(xi: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null, relu: boolean): Tensor {
  const pre = xi.add(linear(h, wHh, bHh));
  return relu ? pre.relu() : pre.tanh();
}

/** One LSTM step (gates i, f, g, o); with `wHr` the new hidden state is projected. */
function lstmStep(
  xi: Tensor,
  h: Tensor,
  c: Tensor,
  wHh: Tensor,
  bHh: Tensor | null,
  wHr: Tensor | null,
): [Tensor, Tensor] {
  const gates = xi.add(linear(h, wHh, bHh));
  const n = gates.shape[gates.ndim - 1] / 4;
  const i = gates.narrow(-1, 0, n).sigmoid();
  const f = gates.narrow(-1, n, n).sigmoid();
  const g = gates.narrow(-1, 2 * n, n).tanh();
  const o = gates.narrow(-1, 3 * n, n).sigmoid();
  const cy = f.mul(c).add(i.mul(g));
  let hy = o.mul(cy.tanh());
  if (wHr) hy = linear(hy, wHr);
  return [hy, cy];
}

/** One GRU step (gates r, z, n): `n = tanh(x_n + r * (h W_hnᵀ + b_hn))`, `h' = n + z (h - n)`. */
function gruStep(xi: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null): Tensor {
  const gh = linear(h, wHh, bHh);
  const n = gh.shape[gh.ndim - 1] / 3;
  const r = xi
    .narrow(-1, 0, n)
    .add(gh.narrow(-1, 0, n))
    .sigmoid();
  const z = xi
    .narrow(-1, n, n)
    .add(gh.narrow(-1, n, n))
    .sigmoid();
  const nn = xi
    .narrow(-1, 2 * n, n)
    .add(r.mul(gh.narrow(-1, 2 * n, n)))
    .tanh();
  return nn.add(z.mul(h.sub(nn)));
}

/**
 * Shared machinery of `RNN`, `LSTM` and `GRU` (`nn.RNNBase`): parameters `weight_ih_l{k}`,
 * `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` (and `weight_hr_l{k}` for a projected LSTM), with
 * a `_reverse` suffix for the backward direction, all initialised U(±1/√hiddenSize).
 */
export abstract class RNNBase extends Module {
  /** Which recurrence this layer runs. */
  readonly mode: RNNMode;
  /** Features of each input step. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Number of stacked layers. */
  readonly numLayers: number;
  /** Whether the layer has biases. */
  readonly bias: boolean;
  /** Whether inputs and outputs are batch-first. */
  readonly batchFirst: boolean;
  /** Dropout probability between layers (training only). */
  readonly dropout: number;
  /** Whether each layer also runs backwards. */
  readonly bidirectional: boolean;
  /** Size of the projected hidden state (LSTM only; 0 for none). */
  readonly projSize: number;
  /** Parameter names per layer and direction, in PyTorch's order (`_all_weights`). */
  readonly allWeightNames: string[][] = [];
  /** Name used in error messages. */
  protected readonly layerName: string;

  constructor(mode: RNNMode, inputSize: number, hiddenSize: number, options?: LSTMOptions) {
    super();
    const name = mode === 'RNN_TANH' || mode === 'RNN_RELU' ? 'RNN' : mode;
    this.layerName = name;
    checkSize(name, 'inputSize', inputSize, 0);
    checkSize(name, 'hiddenSize', hiddenSize, 1);
    const numLayers = options?.numLayers ?? 1;
    checkSize(name, 'numLayers', numLayers, 1);
    const p = options?.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ValueError(
        `${name}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${String(p)}`,
      );
    const projSize = options?.projSize ?? 0;
    if (projSize !== 0 && mode !== 'LSTM')
      throw new ValueError(`${name}: projSize is only supported for LSTM, not RNN or GRU`);
    if (!Number.isInteger(projSize) || projSize < 0)
      throw new ValueError(
        `${name}: projSize should be a positive integer or zero to disable projections, got ${projSize}`,
      );
    if (projSize >= hiddenSize)
      throw new ValueError(
        `${name}: projSize (${projSize}) has to be smaller than hiddenSize (${hiddenSize})`,
      );
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = options?.bias ?? true;
    this.batchFirst = options?.batchFirst ?? false;
    this.dropout = p;
    this.bidirectional = options?.bidirectional ?? false;
    this.projSize = projSize;

    const gateSize = GATES[mode] * hiddenSize;
    const realHidden = projSize > 0 ? projSize : hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    for (let layer = 0; layer < numLayers; layer++) {
      for (let dir = 0; dir < dirs; dir++) {
        const layerInput = layer === 0 ? inputSize : realHidden * dirs;
        const sfx = `l${layer}${dir === 1 ? '_reverse' : ''}`;
        const params: [string, number[]][] = [
          [`weight_ih_${sfx}`, [gateSize, layerInput]],
          [`weight_hh_${sfx}`, [gateSize, realHidden]],
        ];
        if (this.bias) params.push([`bias_ih_${sfx}`, [gateSize]], [`bias_hh_${sfx}`, [gateSize]]);
        if (projSize > 0) params.push([`weight_hr_${sfx}`, [projSize, hiddenSize]]);
        for (const [n, shape] of params) this.registerParameter(n, newParameter(shape, options));
        this.allWeightNames.push(params.map(([n]) => n));
      }
    }
    this.resetParameters();
  }

  /** Number of directions (2 when bidirectional). */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Size of the hidden state that is returned (`projSize` if set, else `hiddenSize`). */
  get outputHiddenSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /** The parameters per layer and direction, in PyTorch's order (`all_weights`). */
  get allWeights(): Parameter[][] {
    return this.allWeightNames.map((names) => names.map((n) => this.param(n) as Parameter));
  }

  /** Re-draws every parameter from U(±1/√hiddenSize). */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const w of this.parameters()) uniform_(w, -stdv, stdv);
  }

  private param(name: string): Parameter | null {
    return ((this as Record<string, unknown>)[name] as Parameter | undefined) ?? null;
  }

  private weights(layer: number, dir: number): DirectionWeights {
    const sfx = `l${layer}${dir === 1 ? '_reverse' : ''}`;
    return {
      wIh: this.param(`weight_ih_${sfx}`) as Parameter,
      wHh: this.param(`weight_hh_${sfx}`) as Parameter,
      bIh: this.param(`bias_ih_${sfx}`),
      bHh: this.param(`bias_hh_${sfx}`),
      wHr: this.param(`weight_hr_${sfx}`),
    };
  }

  /**
   * Validates the input, adds the batch dim of an unbatched input and makes it sequence-first.
   * Returns the `[seq, batch, inputSize]` input, whether it was batched, and the batch size.
   */
  protected prepareInput(input: Tensor): {
    /** The input as `[seq, batch, inputSize]` (a view: transposed when `batchFirst`). */
    x: Tensor;
    /** Whether the caller passed a 3-D (batched) input; false for an unbatched `[seq, inputSize]`. */
    batched: boolean;
    /** Batch size (1 for an unbatched input). */
    batch: number;
  } {
    const name = this.layerName;
    const I = this.inputSize;
    const layout = this.batchFirst ? `[batch, seq, ${I}]` : `[seq, batch, ${I}]`;
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== I)
      throw new ShapeError(
        `${name}: expected input of shape ${layout} or unbatched [seq, ${I}] (inputSize=${I}), but got ${fmtShape(input.shape)}`,
      );
    checkDType(name, 'input', input, this.weights(0, 0).wIh);
    const batched = input.ndim === 3;
    let x = batched ? input : input.unsqueeze(this.batchFirst ? 0 : 1);
    if (this.batchFirst) x = x.transpose(0, 1);
    if (x.shape[0] === 0)
      throw new ShapeError(
        `${name}: expected a sequence length larger than 0, but got input of shape ${fmtShape(input.shape)}`,
      );
    return { x, batched, batch: x.shape[1] };
  }

  /**
   * Checks an initial state (`[numLayers * numDirections, batch, size]`, or without the batch dim
   * for an unbatched input) and returns it batched; zeros when absent.
   */
  protected prepareState(
    what: string,
    state: Tensor | null | undefined,
    input: Tensor,
    batched: boolean,
    batch: number,
    size: number,
  ): Tensor {
    const ld = this.numLayers * this.numDirections;
    const ref = this.weights(0, 0).wIh;
    if (state === null || state === undefined)
      return zeros([ld, batch, size], { dtype: ref.dtype, device: ref.device });
    const want = batched ? [ld, batch, size] : [ld, size];
    if (!sameShape(state.shape, want))
      throw new ShapeError(
        `${this.layerName}: expected ${what} of shape ${fmtShape(want)} (numLayers * numDirections, ${batched ? 'batch, ' : ''}size) for input of shape ${fmtShape(input.shape)}, but got ${fmtShape(state.shape)}`,
      );
    checkDType(this.layerName, what, state, ref);
    return batched ? state : state.unsqueeze(1);
  }

  /**
   * Runs every layer and direction over a `[seq, batch, inputSize]` input from the initial states
   * `h0` (and `c0` for LSTM), returning the last layer's output and the final states.
   */
  protected runLayers(
    x: Tensor,
    h0: Tensor,
    c0: Tensor | null,
  ): {
    /**
     * The last layer's hidden state at every step, `[seq, batch, numDirections * H]` (H is
     * `projSize` when set, else `hiddenSize`).
     */
    output: Tensor;
    /** Final hidden state of every layer and direction, `[numLayers * numDirections, batch, H]`. */
    hN: Tensor;
    /** Final LSTM cell state, `[numLayers * numDirections, batch, hiddenSize]`; null without `c0`. */
    cN: Tensor | null;
  } {
    const T = x.shape[0];
    const dirs = this.numDirections;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    let layerInput = x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const dirOutputs: Tensor[] = [];
      for (let dir = 0; dir < dirs; dir++) {
        const w = this.weights(layer, dir);
        const idx = layer * dirs + dir;
        // The input projection of every step at once: [seq, batch, gates].
        const xProj = linear(layerInput, w.wIh, w.bIh);
        let h = h0.select(0, idx);
        let c = c0 ? c0.select(0, idx) : null;
        const steps: Tensor[] = new Array(T);
        for (let s = 0; s < T; s++) {
          const t = dir === 1 ? T - 1 - s : s;
          const xi = xProj.select(0, t);
          if (this.mode === 'LSTM') [h, c] = lstmStep(xi, h, c as Tensor, w.wHh, w.bHh, w.wHr);
          else if (this.mode === 'GRU') h = gruStep(xi, h, w.wHh, w.bHh);
          else h = rnnStep(xi, h, w.wHh, w.bHh, this.mode === 'RNN_RELU');
          steps[t] = h;
        }
        hs.push(h);
        if (c) cs.push(c);
        dirOutputs.push(stack(steps, 0));
      }
      layerInput = dirs === 1 ? dirOutputs[0] : cat(dirOutputs, 2);
      if (layer < this.numLayers - 1 && this.dropout > 0 && this.training)
        layerInput = dropout(layerInput, this.dropout, { training: true });
    }
    return { output: layerInput, hN: stack(hs, 0), cN: c0 ? stack(cs, 0) : null };
  }

  /** Undoes `prepareInput`'s layout change on the output. */
  protected finishOutput(output: Tensor, batched: boolean): Tensor {
    const out = this.batchFirst ? output.transpose(0, 1) : output;
    return batched ? out : out.squeeze(this.batchFirst ? 0 : 1);
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

/**
 * A multi-layer Elman RNN (`nn.RNN`): `h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)` with
 * `act` tanh (default) or ReLU. `forward(input, h0?)` takes `[seq, batch, inputSize]` (or
 * batch-first, or unbatched `[seq, inputSize]`) and returns `[output, hN]`: `output` holds the last
 * layer's hidden states `[seq, batch, numDirections * hiddenSize]`, `hN` the final state of every
 * layer and direction `[numLayers * numDirections, batch, hiddenSize]`.
 */
export class RNN extends RNNBase {
  /** `'tanh'` or `'relu'`. */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions) {
    const nl = options?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new ValueError(`RNN: unknown nonlinearity '${String(nl)}'`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }

  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const { x, batched, batch } = this.prepareInput(input);
    const h0 = this.prepareState('hx', hx, input, batched, batch, this.hiddenSize);
    const { output, hN } = this.runLayers(x, h0, null);
    return [this.finishOutput(output, batched), batched ? hN : hN.squeeze(1)];
  }
}

/**
 * A multi-layer long short-term memory RNN (`nn.LSTM`) with gates in PyTorch's order i, f, g, o:
 * `c' = f c + i g`, `h' = o tanh(c')` (projected by `weight_hr_l{k}` when `projSize > 0`).
 * `forward(input, [h0, c0]?)` returns `[output, [hN, cN]]`.
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options?: LSTMOptions) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const { x, batched, batch } = this.prepareInput(input);
    if (hx && (!Array.isArray(hx) || hx.length !== 2))
      throw new ValueError('LSTM: expected hx to be a pair [h0, c0] of tensors');
    const h0 = this.prepareState('h0', hx?.[0], input, batched, batch, this.outputHiddenSize);
    const c0 = this.prepareState('c0', hx?.[1], input, batched, batch, this.hiddenSize);
    const { output, hN, cN } = this.runLayers(x, h0, c0);
    const c = cN as Tensor;
    return [this.finishOutput(output, batched), batched ? [hN, c] : [hN.squeeze(1), c.squeeze(1)]];
  }
}

/**
 * A multi-layer gated recurrent unit RNN (`nn.GRU`) with gates in PyTorch's order r, z, n:
 * `n = tanh(W_in x + b_in + r (W_hn h + b_hn))`, `h' = (1 - z) n + z h`. `forward(input, h0?)`
 * returns `[output, hN]`.
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options?: RNNBaseOptions) {
    super('GRU', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const { x, batched, batch } = this.prepareInput(input);
    const h0 = this.prepareState('hx', hx, input, batched, batch, this.hiddenSize);
    const { output, hN } = this.runLayers(x, h0, null);
    return [this.finishOutput(output, batched), batched ? hN : hN.squeeze(1)];
  }
}

/** Options of the recurrent cells. */
export interface RNNCellOptions extends FactoryOptions {
  /** Learn `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
}

/**
 * Shared machinery of the cells (`nn.RNNCellBase`): `weight_ih` `[gates * hidden, input]`,
 * `weight_hh` `[gates * hidden, hidden]`, `bias_ih`, `bias_hh` `[gates * hidden]`, all
 * U(±1/√hiddenSize).
 */
export abstract class RNNCellBase extends Module {
  /** The input-to-hidden weight. */
  weight_ih: Parameter;
  /** The hidden-to-hidden weight. */
  weight_hh: Parameter;
  /** The input-to-hidden bias, or null. */
  bias_ih: Parameter | null;
  /** The hidden-to-hidden bias, or null. */
  bias_hh: Parameter | null;
  /** Name used in error messages. */
  protected readonly layerName: string;

  constructor(
    layerName: string,
    /** Features of the input. */
    readonly inputSize: number,
    /** Features of the hidden state. */
    readonly hiddenSize: number,
    numChunks: number,
    options?: RNNCellOptions,
  ) {
    super();
    this.layerName = layerName;
    checkSize(layerName, 'inputSize', inputSize, 0);
    checkSize(layerName, 'hiddenSize', hiddenSize, 1);
    this.weight_ih = newParameter([numChunks * hiddenSize, inputSize], options);
    this.weight_hh = newParameter([numChunks * hiddenSize, hiddenSize], options);
    const bias = options?.bias ?? true;
    this.bias_ih = bias ? newParameter([numChunks * hiddenSize], options) : null;
    this.bias_hh = bias ? newParameter([numChunks * hiddenSize], options) : null;
    this.resetParameters();
  }

  /** Re-draws every parameter from U(±1/√hiddenSize). */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const w of this.parameters()) uniform_(w, -stdv, stdv);
  }

  /** Validates the input (`[batch, inputSize]` or `[inputSize]`) and returns it batched. */
  protected prepareInput(input: Tensor): {
    /** The input as `[batch, inputSize]` (an unbatched input gets a batch dim of 1). */
    x: Tensor;
    /** Whether the caller passed a 2-D (batched) input. */
    batched: boolean;
  } {
    const I = this.inputSize;
    if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== I)
      throw new ShapeError(
        `${this.layerName}: expected input of shape [batch, ${I}] or unbatched [${I}] (inputSize=${I}), but got ${fmtShape(input.shape)}`,
      );
    checkDType(this.layerName, 'input', input, this.weight_ih);
    const batched = input.ndim === 2;
    return { x: batched ? input : input.unsqueeze(0), batched };
  }

  /** Validates a state (`[batch, hiddenSize]`, or `[hiddenSize]` when unbatched); zeros when absent. */
  protected prepareState(
    what: string,
    state: Tensor | null | undefined,
    input: Tensor,
    x: Tensor,
    batched: boolean,
  ): Tensor {
    const H = this.hiddenSize;
    if (state === null || state === undefined)
      return zeros([x.shape[0], H], { dtype: this.weight_ih.dtype, device: this.weight_ih.device });
    const want = batched ? [x.shape[0], H] : [H];
    if (!sameShape(state.shape, want))
      throw new ShapeError(
        `${this.layerName}: expected ${what} of shape ${fmtShape(want)} for input of shape ${fmtShape(input.shape)}, but got ${fmtShape(state.shape)}`,
      );
    checkDType(this.layerName, what, state, this.weight_ih);
    return batched ? state : state.unsqueeze(0);
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias_ih === null) s += ', bias=False';
    return s;
  }
}

/** One step of an Elman RNN (`nn.RNNCell`): `h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`. */
export class RNNCell extends RNNCellBase {
  /** `'tanh'` or `'relu'`. */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(
    inputSize: number,
    hiddenSize: number,
    options?: RNNCellOptions & { nonlinearity?: 'tanh' | 'relu' },
  ) {
    super('RNNCell', inputSize, hiddenSize, 1, options);
    const nl = options?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new ValueError(`RNNCell: unknown nonlinearity '${String(nl)}'`);
    this.nonlinearity = nl;
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const { x, batched } = this.prepareInput(input);
    const h = this.prepareState('hx', hx, input, x, batched);
    const out = rnnStep(
      linear(x, this.weight_ih, this.bias_ih),
      h,
      this.weight_hh,
      this.bias_hh,
      this.nonlinearity === 'relu',
    );
    return batched ? out : out.squeeze(0);
  }

  override extraRepr(): string {
    const s = super.extraRepr();
    return this.nonlinearity !== 'tanh' ? `${s}, nonlinearity=${this.nonlinearity}` : s;
  }
}

/** One LSTM step (`nn.LSTMCell`), gates i, f, g, o; `forward(input, [h, c]?)` returns `[h', c']`. */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options?: RNNCellOptions) {
    super('LSTMCell', inputSize, hiddenSize, 4, options);
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    const { x, batched } = this.prepareInput(input);
    if (hx && (!Array.isArray(hx) || hx.length !== 2))
      throw new ValueError('LSTMCell: expected hx to be a pair [h, c] of tensors');
    const h = this.prepareState('h', hx?.[0], input, x, batched);
    const c = this.prepareState('c', hx?.[1], input, x, batched);
    const [hy, cy] = lstmStep(
      linear(x, this.weight_ih, this.bias_ih),
      h,
      c,
      this.weight_hh,
      this.bias_hh,
      null,
    );
    return batched ? [hy, cy] : [hy.squeeze(0), cy.squeeze(0)];
  }
}

/** One GRU step (`nn.GRUCell`), gates r, z, n. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options?: RNNCellOptions) {
    super('GRUCell', inputSize, hiddenSize, 3, options);
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const { x, batched } = this.prepareInput(input);
    const h = this.prepareState('hx', hx, input, x, batched);
    const out = gruStep(linear(x, this.weight_ih, this.bias_ih), h, this.weight_hh, this.bias_hh);
    return batched ? out : out.squeeze(0);
  }
}
