import type { Tensor } from './tensor.js';

const SUMMARIZE_OVER = 1000;
const EDGE = 3;

function fmtNumber(v: number, dtype: string, allInt: boolean, sci: boolean): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (dtype === 'int32') return String(v);
  if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
  if (allInt) return `${v.toFixed(0)}.`;
  return v.toFixed(4);
}

/** PyTorch-style repr: `tensor([[1., 2.], [3., 4.]])`, summarised with `...` above 1000 elements. */
export function formatTensor(t: Tensor): string {
  if (t.storage.disposed) return 'tensor(<disposed>)';
  let data: ArrayLike<number>;
  try {
    data = t.dataSync();
  } catch {
    return `tensor(<${t.device}>, shape=[${t.shape.join(', ')}], dtype=${t.dtype})`;
  }
  const summarize = t.numel > SUMMARIZE_OVER;
  const finite = Array.from(data).filter((v) => Number.isFinite(v));
  const allInt = finite.every((v) => Number.isInteger(v));
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.reduce((m, v) => (v !== 0 ? Math.min(m, Math.abs(v)) : m), Number.POSITIVE_INFINITY);
  const sci =
    !allInt &&
    (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Number.POSITIVE_INFINITY) || maxAbs / minAbs > 1000);
  const fmt = (v: number) =>
    t.dtype === 'bool' ? (v ? 'True' : 'False') : fmtNumber(v, t.dtype, allInt, sci);
  const strs = Array.from(data, fmt);
  const width = strs.reduce((m, s) => Math.max(m, s.length), 0);
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const indent = 'tensor('.length;
  const build = (dim: number, start: number): string => {
    if (dim === t.ndim) return strs[start].padStart(width);
    const n = t.shape[dim];
    const idx: (number | null)[] =
      summarize && n > 2 * EDGE
        ? [0, 1, 2, null, n - 3, n - 2, n - 1]
        : Array.from({ length: n }, (_, i) => i);
    const parts = idx.map((i) =>
      i === null ? (dim === t.ndim - 1 ? ' ...' : '...') : build(dim + 1, start + i * strides[dim]),
    );
    if (dim === t.ndim - 1) return `[${parts.join(', ')}]`;
    const sep = `,${'\n'.repeat(t.ndim - dim - 1)}${' '.repeat(indent + dim + 1)}`;
    return `[${parts.join(sep)}]`;
  };
  const body = t.ndim === 0 ? fmt(data[0]) : build(0, 0);
  const extras: string[] = [];
  if (t.dtype !== 'float32' && t.dtype !== 'bool' && !(t.dtype === 'int32' && false))
    extras.push(`dtype=${t.dtype}`);
  if (t.device !== 'cpu') extras.push(`device='${t.device}'`);
  if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.map((e) => `, ${e}`).join('')})`;
}
