/**
 * Module-level export: layers whose primitives map poorly to ONNX (convolutions run as im2col +
 * matmul) are written as one ONNX node each. While such a layer's `forward` runs, primitive
 * recording pauses; the handler then emits the node from the layer's configuration. A handler only
 * applies when the layer's `forward` is the library's own (not overridden by a subclass) and its
 * configuration has an exact ONNX form; otherwise the layer is traced primitive by primitive.
 */
import type { Tensor } from '@kindling/core';
import { BatchNorm1d, BatchNorm2d } from '../layers/batchnorm.js';
import { Conv1d, Conv2d, ConvTranspose2d } from '../layers/conv.js';
import { Linear } from '../layers/linear.js';
import { LayerNorm } from '../layers/normalization.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../layers/pooling.js';
import type { Module } from '../module.js';
import { attr, filled, poolPads, type Tracer } from './tracer.js';

/** How one layer class is exported. */
interface Handler {
  /** The class whose own `forward` the handler replaces. */
  cls: abstract new (
    ...args: never[]
  ) => Module;
  /** Whether this call can be written as ONNX nodes (checked before `forward` runs). */
  applies(m: Module, args: unknown[]): boolean;
  /** Emits the nodes for the call and names its output. */
  emit(tr: Tracer, m: Module, args: Tensor[], out: Tensor): void;
}

function pair(v: number | readonly number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[v.length > 1 ? 1 : 0]];
}

function isTensorArg(args: unknown[], rank?: number): boolean {
  const x = args[0] as Tensor | undefined;
  return (
    !!x &&
    typeof x === 'object' &&
    'shape' in x &&
    (x.dtype === 'float32' || x.dtype === 'float64') &&
    (rank === undefined || x.ndim === rank)
  );
}

function convPads(m: Conv1d | Conv2d): number[] {
  const k = m.kernelSize;
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < k.length; i++) {
    if (m.padding === 'valid') {
      begin.push(0);
      end.push(0);
    } else if (m.padding === 'same') {
      const total = m.dilation[i] * (k[i] - 1);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    } else {
      begin.push(m.padding[i]);
      end.push(m.padding[i]);
    }
  }
  return [...begin, ...end];
}

const HANDLERS: Handler[] = [
  {
    cls: Linear,
    applies: (_m, args) => isTensorArg(args) && (args[0] as Tensor).ndim >= 1,
    emit(tr, m, [x], out) {
      const l = m as Linear;
      if (x.ndim === 2) {
        const ins = [tr.nameOf(x), tr.nameOf(l.weight), ...(l.bias ? [tr.nameOf(l.bias)] : [])];
        tr.bind(out, tr.op('Gemm', ins, [attr.i('transB', 1)]));
        return;
      }
      let y = tr.op('MatMul', [
        tr.nameOf(x),
        tr.op('Transpose', [tr.nameOf(l.weight)], [attr.ints('perm', [1, 0])]),
      ]);
      if (l.bias) y = tr.op('Add', [y, tr.nameOf(l.bias)]);
      tr.bind(out, y);
    },
  },
  ...[Conv1d, Conv2d].map(
    (cls): Handler => ({
      cls,
      applies: (m, args) => {
        const c = m as Conv1d | Conv2d;
        return c.paddingMode === 'zeros' && isTensorArg(args, c.kernelSize.length + 2);
      },
      emit(tr, m, [x], out) {
        const c = m as Conv1d | Conv2d;
        const ins = [tr.nameOf(x), tr.nameOf(c.weight), ...(c.bias ? [tr.nameOf(c.bias)] : [])];
        tr.bind(
          out,
          tr.op('Conv', ins, [
            attr.ints('kernel_shape', c.kernelSize),
            attr.ints('strides', c.stride),
            attr.ints('pads', convPads(c)),
            attr.ints('dilations', c.dilation),
            attr.i('group', c.groups),
          ]),
        );
      },
    }),
  ),
  {
    cls: ConvTranspose2d,
    applies: (_m, args) => args.length === 1 && isTensorArg(args, 4),
    emit(tr, m, [x], out) {
      const c = m as ConvTranspose2d;
      const p = c.padding as number[];
      const ins = [tr.nameOf(x), tr.nameOf(c.weight), ...(c.bias ? [tr.nameOf(c.bias)] : [])];
      tr.bind(
        out,
        tr.op('ConvTranspose', ins, [
          attr.ints('kernel_shape', c.kernelSize),
          attr.ints('strides', c.stride),
          attr.ints('pads', [...p, ...p]),
          attr.ints('output_padding', c.outputPadding),
          attr.ints('dilations', c.dilation),
          attr.i('group', c.groups),
        ]),
      );
    },
  },
  ...[BatchNorm1d, BatchNorm2d].map(
    (cls): Handler => ({
      cls,
      applies: (m, args) => {
        const b = m as BatchNorm1d;
        return (
          !b.training &&
          !!b.runningMean &&
          !!b.runningVar &&
          isTensorArg(args) &&
          (args[0] as Tensor).ndim >= 2
        );
      },
      emit(tr, m, [x], out) {
        const b = m as BatchNorm1d;
        const n = b.numFeatures;
        const scale = b.weight ? tr.nameOf(b.weight) : filled(tr, n, 1, x);
        const bias = b.bias ? tr.nameOf(b.bias) : filled(tr, n, 0, x);
        const ins = [
          tr.nameOf(x),
          scale,
          bias,
          tr.nameOf(b.runningMean as Tensor),
          tr.nameOf(b.runningVar as Tensor),
        ];
        tr.bind(out, tr.op('BatchNormalization', ins, [attr.f('epsilon', b.eps)]));
      },
    }),
  ),
  {
    cls: LayerNorm,
    applies: (_m, args) => isTensorArg(args),
    emit(tr, m, [x], out) {
      const l = m as LayerNorm;
      const n = l.normalizedShape.reduce((a, b) => a * b, 1);
      const weight = l.weight ? tr.nameOf(l.weight) : filled(tr, n, 1, x);
      const shaped =
        l.weight || l.normalizedShape.length === 1
          ? weight
          : tr.op('Reshape', [weight, tr.ints(l.normalizedShape)]);
      const ins = [tr.nameOf(x), shaped, ...(l.bias ? [tr.nameOf(l.bias)] : [])];
      tr.bind(
        out,
        tr.op('LayerNormalization', ins, [
          attr.i('axis', -l.normalizedShape.length),
          attr.f('epsilon', l.eps),
        ]),
      );
    },
  },
  {
    cls: MaxPool2d,
    applies: (m, args) => !(m as MaxPool2d).returnIndices && isTensorArg(args, 4),
    emit(tr, m, [x], out) {
      const p = m as MaxPool2d;
      const kernel = pair(p.kernelSize);
      const stride = pair(p.stride);
      const padding = pair(p.padding);
      const dilation = pair(p.dilation);
      const pads = poolPads(x, kernel, stride, padding, dilation, out.shape.slice(2));
      tr.bind(
        out,
        tr.op(
          'MaxPool',
          [tr.nameOf(x)],
          [
            attr.ints('kernel_shape', kernel),
            attr.ints('strides', stride),
            attr.ints('pads', pads),
            attr.ints('dilations', dilation),
          ],
        ),
      );
    },
  },
  {
    cls: AvgPool2d,
    applies: (m, args) =>
      !(m as AvgPool2d).ceilMode && (m as AvgPool2d).divisorOverride === null && isTensorArg(args, 4),
    emit(tr, m, [x], out) {
      const p = m as AvgPool2d;
      const padding = pair(p.padding);
      tr.bind(
        out,
        tr.op(
          'AveragePool',
          [tr.nameOf(x)],
          [
            attr.ints('kernel_shape', pair(p.kernelSize)),
            attr.ints('strides', pair(p.stride)),
            attr.ints('pads', [...padding, ...padding]),
            attr.i('count_include_pad', p.countIncludePad ? 1 : 0),
          ],
        ),
      );
    },
  },
  {
    cls: AdaptiveAvgPool2d,
    applies: (_m, args) => isTensorArg(args, 4),
    emit(tr, _m, [x], out) {
      const [h, w] = x.shape.slice(2);
      const [oh, ow] = out.shape.slice(2);
      if (oh === 1 && ow === 1) {
        tr.bind(out, tr.op('GlobalAveragePool', [tr.nameOf(x)]));
        return;
      }
      if (h % oh === 0 && w % ow === 0) {
        const k = [h / oh, w / ow];
        tr.bind(
          out,
          tr.op('AveragePool', [tr.nameOf(x)], [attr.ints('kernel_shape', k), attr.ints('strides', k)]),
        );
        return;
      }
      tr.problem('AdaptiveAvgPool2d with an output size that does not divide the input');
    },
  },
];

/**
 * Replaces the `forward` of every submodule that has a handler with a recording wrapper; returns
 * a function that restores them.
 */
export function patchModules(root: Module, tr: Tracer): () => void {
  const restore: (() => void)[] = [];
  for (const m of root.modules()) {
    const h = HANDLERS.find((x) => m instanceof x.cls && m.forward === x.cls.prototype.forward);
    if (!h || Object.hasOwn(m, 'forward')) continue;
    const original = m.forward;
    (m as { forward: (...args: unknown[]) => unknown }).forward = (...args: unknown[]) => {
      if (!h.applies(m, args) || !tr.names.has(args[0] as Tensor)) return original.apply(m, args);
      tr.suspend++;
      let out: Tensor;
      try {
        out = original.apply(m, args) as Tensor;
      } finally {
        tr.suspend--;
      }
      tr.suspend++;
      try {
        h.emit(tr, m, args as Tensor[], out);
      } finally {
        tr.suspend--;
      }
      return out;
    };
    restore.push(() => {
      delete (m as { forward?: unknown }).forward;
    });
  }
  return () => {
    for (const r of restore) r();
  };
}
