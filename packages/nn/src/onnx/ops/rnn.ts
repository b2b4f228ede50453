/**
 * ONNX recurrent operators RNN, GRU and LSTM (forward, reverse, bidirectional; both layouts;
 * biases, initial states, peepholes, clip, custom activations), unrolled over time with core ops
 * so gradients flow through them. `sequence_lens` shorter than the sequence mask the outputs as
 * ONNX specifies (zeros past each length, states frozen at the last valid step).
 */
import * as K from '@kindling/core';
import type { Tensor } from '@kindling/core';
import { attrInt, type OpContext, type OpDef } from './context.js';

type Act = (x: Tensor) => Tensor;

/** Builds activation `name` with the next alpha/beta from the attribute lists. */
function activation(c: OpContext, name: string, alphas: number[], betas: number[]): Act {
  const a = (d: number) => alphas.shift() ?? d;
  const b = (d: number) => betas.shift() ?? d;
  switch (name.toLowerCase()) {
    case 'sigmoid':
      return (x) => K.sigmoid(x);
    case 'tanh':
      return (x) => K.tanh(x);
    case 'relu':
      return (x) => K.relu(x);
    case 'affine': {
      const [al, be] = [a(1), b(0)];
      return (x) => K.add(K.mul(x, al), be);
    }
    case 'leakyrelu': {
      const al = a(0.01);
      return (x) => K.leakyRelu(x, { negativeSlope: al });
    }
    case 'thresholdedrelu': {
      const al = a(1);
      return (x) => K.where(K.gt(x, al), x, 0);
    }
    case 'scaledtanh': {
      const [al, be] = [a(1), b(1)];
      return (x) => K.mul(K.tanh(K.mul(x, be)), al);
    }
    case 'hardsigmoid': {
      const [al, be] = [a(0.2), b(0.5)];
      return (x) => K.clamp(K.add(K.mul(x, al), be), 0, 1);
    }
    case 'elu': {
      const al = a(1);
      return (x) => K.elu(x, { alpha: al });
    }
    case 'softsign':
      return (x) => K.div(x, K.add(K.abs(x), 1));
    case 'softplus':
      return (x) => K.log1p(K.exp(x));
    default:
      return c.fail(`unknown activation '${name}'`);
  }
}

const DEFAULT_ACTS: Record<string, string[]> = {
  RNN: ['Tanh'],
  GRU: ['Sigmoid', 'Tanh'],
  LSTM: ['Sigmoid', 'Tanh', 'Tanh'],
};

function recurrent(kind: 'RNN' | 'GRU' | 'LSTM'): OpDef {
  const gates = { RNN: 1, GRU: 3, LSTM: 4 }[kind];
  return {
    run(c) {
      const layout = c.int('layout', 0);
      let x = c.input(0);
      if (layout === 1) x = K.transpose(x, 0, 1); // -> [seq, batch, input]
      const [seq, batch] = x.shape;
      const W = c.input(1);
      const R = c.input(2);
      const B = c.optional(3);
      const lens = c.hostInts(4);
      const h0 = c.optional(5);
      const c0 = kind === 'LSTM' ? c.optional(6) : null;
      const P = kind === 'LSTM' ? c.optional(7) : null;
      const dirs = W.shape[0];
      const hidden = c.int('hidden_size', R.shape[2]);
      const direction = c.str('direction', 'forward');
      const clip = c.has('clip') ? c.float('clip', 0) : null;
      const names = (c.has('activations') ? c.strs('activations') : null) ?? [];
      const alphas = [...(c.floats('activation_alpha') ?? [])];
      const betas = [...(c.floats('activation_beta') ?? [])];
      const per = DEFAULT_ACTS[kind].length;
      const acts: Act[][] = [];
      for (let d = 0; d < dirs; d++) {
        const list = names.length ? names.slice(d * per, d * per + per) : DEFAULT_ACTS[kind];
        acts.push(list.map((n) => activation(c, n, alphas, betas)));
      }
      const clipped = (t: Tensor) => (clip === null ? t : K.clamp(t, -clip, clip));
      const lengths = lens ?? new Array(batch).fill(seq);
      const ys: Tensor[] = [];
      const hs: Tensor[] = [];
      const cs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const reverse = direction === 'reverse' || (direction === 'bidirectional' && d === 1);
        const w = K.select(W, 0, d);
        const r = K.select(R, 0, d);
        const bias = B ? K.select(B, 0, d) : null;
        const wb = bias ? K.narrow(bias, 0, 0, gates * hidden) : null;
        const rb = bias ? K.narrow(bias, 0, gates * hidden, gates * hidden) : null;
        let h = h0 ? K.select(h0, 0, d) : K.zeros([batch, hidden], { dtype: x.dtype });
        let cell = c0 ? K.select(c0, 0, d) : K.zeros([batch, hidden], { dtype: x.dtype });
        const p = P ? K.select(P, 0, d) : null;
        const [f, g, hAct] = acts[d];
        const out: Tensor[] = new Array(seq);
        for (let step = 0; step < seq; step++) {
          // Each batch entry walks its own valid prefix; `reverse` reads it backwards.
          const idx = lengths.map((len) => (reverse ? Math.max(len - 1 - step, 0) : step));
          const valid = lengths.map((len) => (step < len ? 1 : 0));
          const xt = reverse
            ? K.reshape(
                K.gather(
                  x,
                  0,
                  K.expand(K.reshape(K.tensor(Int32Array.from(idx)), [1, batch, 1]), [1, batch, x.shape[2]]),
                ),
                [batch, x.shape[2]],
              )
            : K.select(x, 0, step);
          let xw = K.matmul(xt, K.t(w));
          if (wb) xw = K.add(xw, wb);
          const hr = (t: Tensor) => {
            const v = K.matmul(t, K.t(r));
            return rb ? K.add(v, rb) : v;
          };
          const part = (t: Tensor, i: number) => K.narrow(t, 1, i * hidden, hidden);
          let hNew: Tensor;
          let cNew = cell;
          if (kind === 'RNN') hNew = f(clipped(K.add(xw, hr(h))));
          else if (kind === 'GRU') {
            const hh = K.matmul(h, K.t(r));
            const z = f(
              clipped(
                K.add(part(xw, 0), rb ? K.add(part(hh, 0), part(rb.reshape([1, -1]), 0)) : part(hh, 0)),
              ),
            );
            const rt = f(
              clipped(
                K.add(part(xw, 1), rb ? K.add(part(hh, 1), part(rb.reshape([1, -1]), 1)) : part(hh, 1)),
              ),
            );
            const rh = K.narrow(r, 0, 2 * hidden, hidden);
            const rbh = rb ? K.narrow(rb, 0, 2 * hidden, hidden) : null;
            let cand: Tensor;
            if (c.int('linear_before_reset', 0)) {
              let lin = K.matmul(h, K.t(rh));
              if (rbh) lin = K.add(lin, rbh);
              cand = K.add(part(xw, 2), K.mul(rt, lin));
            } else {
              let lin = K.matmul(K.mul(rt, h), K.t(rh));
              if (rbh) lin = K.add(lin, rbh);
              cand = K.add(part(xw, 2), lin);
            }
            const ht = g(clipped(cand));
            hNew = K.add(K.mul(K.sub(1, z), ht), K.mul(z, h));
          } else {
            const pre = K.add(xw, hr(h));
            const peep = (i: number, s: Tensor) => (p ? K.mul(K.narrow(p, 0, i * hidden, hidden), s) : null);
            const withPeep = (t: Tensor, i: number, s: Tensor) => {
              const q = peep(i, s);
              return q ? K.add(t, q) : t;
            };
            const it = f(clipped(withPeep(part(pre, 0), 0, cell)));
            const ft = f(clipped(withPeep(part(pre, 2), 2, cell)));
            const ct = g(clipped(part(pre, 3)));
            cNew = K.add(K.mul(ft, cell), K.mul(it, ct));
            const ot = f(clipped(withPeep(part(pre, 1), 1, cNew)));
            hNew = K.mul(ot, hAct(cNew));
          }
          if (valid.every((v) => v === 1)) {
            h = hNew;
            cell = cNew;
            out[step] = hNew;
          } else {
            const m = K.reshape(K.tensor(Float64Array.from(valid)), [batch, 1]).to(x.dtype);
            h = K.add(K.mul(hNew, m), K.mul(h, K.sub(1, m)));
            cell = K.add(K.mul(cNew, m), K.mul(cell, K.sub(1, m)));
            out[step] = K.mul(hNew, m);
          }
        }
        // Reverse outputs were produced from the end of each sequence; put them back in time order.
        let y = K.stack(out, 0);
        if (reverse) {
          const back = Array.from({ length: seq }, (_, t) =>
            lengths.map((len) => (t < len ? len - 1 - t : t)),
          );
          const index = K.tensor(Int32Array.from(back.flat())).reshape([seq, batch, 1]);
          y = K.gather(y, 0, K.expand(index, [seq, batch, hidden]));
        }
        ys.push(y);
        hs.push(h);
        cs.push(cell);
      }
      let Y = K.stack(ys, 1); // [seq, dirs, batch, hidden]
      let Yh = K.stack(hs, 0);
      let Yc = K.stack(cs, 0);
      if (layout === 1) {
        Y = K.permute(Y, [2, 0, 1, 3]);
        Yh = K.transpose(Yh, 0, 1);
        Yc = K.transpose(Yc, 0, 1);
      }
      return kind === 'LSTM' ? [Y, Yh, Yc] : [Y, Yh];
    },
    host: [4],
    check: (node) =>
      kind === 'LSTM' && attrInt(node, 'input_forget', 0) ? 'LSTM with input_forget=1' : undefined,
  };
}

/** Recurrent operators by ONNX name. */
export const rnnOps: Record<string, OpDef> = {
  RNN: recurrent('RNN'),
  GRU: recurrent('GRU'),
  LSTM: recurrent('LSTM'),
};
