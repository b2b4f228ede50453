/** Kindling implementations of every `core_linalg` fixture case, shared by the CPU and WebGPU golden tests. */
import * as K from '@kindling/core';
import type { Impl } from '../helpers/golden.js';

export type T = K.Tensor;
export const step = (t: T, start: number | null, s: number) => t.index([K.sliceOf(start, null, s)]);
export const cols2 = (t: T) => t.index([K.sliceOf(), K.sliceOf(null, null, 2)]);

/** Equations of the einsum cases; identical to EINSUM / EINSUM_ERRORS in tools/golden/core_linalg.py. */
export const EINSUM: Record<string, string> = {
  matmul: 'ij,jk->ik',
  matmul_implicit: 'ij,jk',
  transpose: 'ij->ji',
  implicit_transpose: 'ba',
  implicit_upper_first: 'iJ',
  identity_view: 'ij',
  trace: 'ii',
  diag: 'ii->i',
  diag_nan_offdiag: 'ii->i',
  trace_batched: '...ii->...',
  diag_batched: 'bii->bi',
  diag_ellipsis_middle: 'i...i',
  triple_repeat: 'iii->i',
  repeat_and_keep: 'iij->ji',
  sum_all: 'ij->',
  sum_rows: 'ij->i',
  sum_cols: 'ij->j',
  dot: 'i,i->',
  dot_implicit: 'i,i',
  outer: 'i,j->ij',
  outer_implicit: 'i,j',
  hadamard: 'ij,ij->ij',
  hadamard_sum: 'ij,ij->',
  bmm: 'bij,bjk->bik',
  bmm_out_transposed: 'bij,bjk->bki',
  attention_scores: 'bhqd,bhkd->bhqk',
  attention_values: 'bhqk,bhkd->bqhd',
  ellipsis_matmul: '...ij,...jk->...ik',
  ellipsis_implicit: '...ij,...jk',
  ellipsis_sum: '...ij->ij',
  ellipsis_transpose: '...ij->...ji',
  ellipsis_output_front: 'ij...->...ij',
  ellipsis_empty: 'ij->...ij',
  ellipsis_only: '...',
  ellipsis_bcast_sum: '...,...->',
  three_operands: 'ij,jk,kl->il',
  three_operands_implicit: 'ij,jk,kl',
  three_hadamard: 'i,i,i->i',
  bilinear: 'bn,anm,bm->ba',
  sum_before_contract: 'ijk,jl->il',
  independent_sums: 'ij,kl->',
  keep_unshared: 'ij,kl->ijkl',
  broadcast_size1_contract: 'ij,jk',
  broadcast_size1_keep: 'ij,ij->ij',
  broadcast_size1_dot: 'i,i',
  spaces: ' i j , j k -> i k ',
  scalar: '',
  scalar_arrow: '->',
  scalar_times_matrix: ',ij->ij',
  noncontig: 'ij,jk->ik',
  int: 'ij,jk->ik',
  int_trace: 'ii',
  f64: 'bij,bjk->bik',
  bool_transpose: 'ij->ji',
  bool_diag: 'ii->i',
  bool_sum: 'ij->',
  empty_contract: 'ij,jk->ik',
  empty_diag: 'ii->i',
  empty_keep: 'ij,jk->ik',
};
export const EINSUM_ERRORS: Record<string, string> = {
  bad_char: 'i1',
  bad_dash: 'i-j',
  double_arrow: 'ij->ij->',
  lone_dot: 'i..j',
  two_ellipses: '...i...',
  output_lone_dot: 'ij->i.',
  too_many_operands: 'ij',
  too_few_operands: 'ij,jk',
  empty_term: 'ij,,jk',
  too_many_subscripts: 'ijk',
  too_few_subscripts: 'i',
  ellipsis_too_many_subscripts: 'ijk...',
  output_not_in_input: 'ij,jk->iz',
  output_repeated: 'ij,jk->ii',
  size_mismatch: 'ij,jk',
  size_mismatch_dot: 'i,i',
  repeat_size_mismatch: 'ii',
  ellipsis_bcast_mismatch: '...i,...i',
  dtype_mismatch: 'ij,jk',
  bool_product: 'ij,jk',
};
/** Views applied to stored operands before einsum (same as NONCONTIG in the generator). */
export const EINSUM_VIEWS: Record<string, (ops: T[]) => T[]> = {
  noncontig: ([a, b]) => [a.t(), b.t()],
};
export const operandsOf = (inputs: Record<string, T>) =>
  Object.keys(inputs)
    .sort((x, y) => Number(x.slice(1)) - Number(y.slice(1)))
    .map((k) => inputs[k]);

export const mm: Impl = ({ a, b }) => K.matmul(a, b);
export const impls: Record<string, Impl> = {
  matmul_noncontig_t: ({ a, b }) => K.matmul(a.t(), b.t()),
  matmul_noncontig_step: ({ a, b }) => K.matmul(cols2(a), b),
  matmul_noncontig_batch_mT: ({ a, b }) => K.matmul(a.mT, b.mT),
  matmul_mv_noncontig: ({ a, b }) => K.matmul(a.t(), step(b, null, 2)),
  matmul_int_wraps: ({ a, b }) => a.matmul(b),
  matmul_bcast_transposed_exact: ({ a, b }) => K.matmul(a, b.t()),
  mm: ({ a, b }) => K.mm(a, b),
  mm_noncontig: ({ a, b }) => a.t().mm(b.t()),
  mm_int: ({ a, b }) => K.mm(a, b),
  mm_3d: ({ a, b }) => K.mm(a, b),
  mm_1d: ({ a, b }) => K.mm(a, b),
  mm_mismatch: ({ a, b }) => K.mm(a, b),
  bmm_noncontig: ({ a, b }) => K.bmm(a.mT, b),
  dot_noncontig: ({ a, b }) => K.dot(step(a, null, 2), b),
  outer_noncontig: ({ a, b }) => K.outer(step(a, 1, 2), b),
  linear_no_bias: ({ x, w }) => K.linear(x, w),
  linear_1d_weight: ({ x, w }) => K.linear(x, w),
  linear_weight_dtype: ({ x, w }) => K.linear(x, w),
  addmm_scaled: ({ i, a, b }) => K.addmm(i, a, b, { beta: 0.5, alpha: -2 }),
  addmm_beta0_ignores_nan: ({ i, a, b }) => K.addmm(i, a, b, { beta: 0 }),
  addmm_int: ({ i, a, b }) => K.addmm(i, a, b, { beta: 2, alpha: 3 }),
  baddbmm_scaled_bcast: ({ i, a, b }) => K.baddbmm(i, a, b, { beta: -1, alpha: 0.25 }),
  baddbmm_beta0: ({ i, a, b }) => K.baddbmm(i, a, b, { beta: 0 }),
};
export const defaults: [string, Impl][] = [
  ['matmul_', mm],
  ['bmm', ({ a, b }) => a.bmm(b)],
  ['dot', ({ a, b }) => a.dot(b)],
  ['outer', ({ a, b }) => a.outer(b)],
  ['linear', ({ x, w, b }) => K.linear(x, w, b)],
  ['addmm', ({ i, a, b }) => K.addmm(i, a, b)],
  ['baddbmm', ({ i, a, b }) => K.baddbmm(i, a, b)],
];
export const NAMES = [
  ...[
    '1d_1d',
    '2d_1d',
    '1d_2d',
    '2d_2d',
    '3d_2d',
    '3d_1d',
    '1d_3d',
    '2d_3d',
    '3d_3d',
    'bcast_batch',
    'partial_bcast',
    '4d_4d',
    '4d_bcast_1',
    'f64',
    'int',
    'int_mv',
    'nan_inf',
    'empty_rows',
    'k0',
    'empty_batch',
    '1d_empty',
    'odd_sizes_exact',
    'mv_odd_exact',
    'vm_odd_exact',
    'f64_odd_sizes',
    'batched_odd_exact',
    '0d',
    'mismatch_2d',
    'mismatch_1d',
    'mismatch_1d_2d',
    'mismatch_2d_1d',
    'mismatch_3d',
    'mismatch_fold',
    'bad_batch_bcast',
    'dtype_mismatch',
    'int_float',
    'bool',
  ].map((n) => `matmul_${n}`),
  ...['bmm', 'bmm_f64', 'bmm_empty', 'bmm_batch_mismatch', 'bmm_inner_mismatch', 'bmm_2d', 'bmm_dtype'],
  ...['dot', 'dot_int', 'dot_empty', 'dot_2d', 'dot_size', 'dot_dtype'],
  ...['outer', 'outer_promotes', 'outer_bool', 'outer_2d'],
  ...['linear', 'linear_3d', 'linear_1d_input', 'linear_f64', 'linear_empty', 'linear_mismatch'],
  ...['linear_bias_dtype', 'linear_bias_shape'],
  ...['addmm', 'addmm_bcast_input', 'addmm_input_shape', 'addmm_input_grows', 'addmm_mismatch'],
  ...['addmm_3d', 'addmm_dtype', 'baddbmm', 'baddbmm_input_shape', 'baddbmm_mismatch'],
];
for (const name of NAMES) {
  const impl = defaults.find(([prefix]) => name.startsWith(prefix))?.[1];
  if (!impl) throw new Error(`no default implementation for ${name}`);
  impls[name] = impl;
}
for (const [name, eq] of Object.entries(EINSUM)) {
  const view = EINSUM_VIEWS[name] ?? ((ops: T[]) => ops);
  impls[`einsum_${name}`] = (inputs) => K.einsum(eq, ...view(operandsOf(inputs)));
}
for (const [name, eq] of Object.entries(EINSUM_ERRORS)) {
  impls[`einsum_err_${name}`] = (inputs) => K.einsum(eq, ...operandsOf(inputs));
}
