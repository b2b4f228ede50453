/**
 * The fused optimizer updates of the WebGPU backend (`adamUpdate_`, `sgdUpdate_`; contract in
 * ops/optim.ts, formulas as in backends/cpu/optim.ts): one dispatch per call writes the parameter
 * and its state in place. Operands are contiguous float32 (the front end falls back to tensor ops
 * otherwise). Hyper-parameters travel as f32 words in the meta block, derived ones (bias
 * corrections, `1 - beta`) computed on the host in double precision, so one pipeline per operand
 * layout serves every setting.
 */
import type { Kernel } from '../../backend.js';
import { DTypeError } from '../../errors.js';
import type { AdamUpdateOptions, SGDUpdateOptions } from '../../ops/optim.js';
import type { Tensor } from '../../tensor.js';
import { bufferOf } from './memory.js';
import { decl, f32word, launch, main1d, metaDecl } from './shader.js';

/** Each distinct buffer bound once, and which binding each operand reads (`slot`). */
interface Bound {
  buffers: GPUBuffer[];
  writable: boolean[];
  slot: number[];
}

/**
 * Binds the operands' buffers, sharing a binding between operands of one storage: WebGPU rejects
 * a buffer bound twice in a dispatch when one binding is writable. Operand 1 (the gradient) is
 * the only one read without being written.
 */
function bindOperands(op: string, inputs: Tensor[]): Bound {
  const bound: Bound = { buffers: [], writable: [], slot: [] };
  inputs.forEach((t, k) => {
    if (t.dtype !== 'float32') {
      throw new DTypeError(`${op}: the webgpu kernel needs float32 operands, got ${t.dtype}`);
    }
    const buf = bufferOf(t);
    let b = bound.buffers.indexOf(buf);
    if (b < 0) {
      b = bound.buffers.push(buf) - 1;
      bound.writable.push(false);
    }
    if (k !== 1) bound.writable[b] = true;
    bound.slot.push(b);
  });
  return bound;
}

/**
 * Records `body` over the operands: the meta block is `[n, ...scalars, ...offsets]`; the body sees
 * the scalar words as `s0, s1, ...` (f32) and operand `k` as `x{k}` (its element `i`).
 */
function run(op: string, inputs: Tensor[], scalars: number[], flags: number[], body: string): void {
  const b = bindOperands(op, inputs);
  const offAt = 1 + scalars.length + flags.length;
  const key = `${op}|${b.slot.join(',')}|${b.writable.map(Number).join('')}`;
  const source = () => {
    const lets = [
      ...scalars.map((_, j) => `let s${j} = bitcast<f32>(prm[${1 + j}]);`),
      ...flags.map((_, j) => `let f${j} = prm[${1 + scalars.length + j}] != 0;`),
      ...inputs.map((_, k) => `let j${k} = prm[${offAt + k}] + i;`),
    ];
    const code = body.replace(/\bx(\d)\b/g, (_, k) => `b${b.slot[Number(k)]}[j${k}]`);
    return `${b.buffers.map((_, j) => decl(j, `b${j}`, 'f32', b.writable[j])).join('\n')}
${metaDecl(b.buffers.length)}
${main1d(`${lets.join('\n  ')}
  ${code}`)}`;
  };
  const meta = [0, ...scalars.map(f32word), ...flags, ...inputs.map((t) => t.offset)];
  launch(key, source, b.buffers, meta, inputs[0].numel);
  // Every operand but the gradient was written (the CPU kernel bumps the same ones).
  for (const [k, t] of inputs.entries()) if (k !== 1) t.storage.version++;
}

// Reads and writes in the CPU kernel's order, so aliased operands see the same values.
const ADAM_BODY = (amsgrad: boolean) => `let pi = x0 * s0;
  let gi = s2 * x1 + s1 * pi;
  let mi = s3 * x2 + s4 * gi;
  let vi = s5 * x3 + s6 * gi * gi;
  x2 = mi;
  x3 = vi;
  ${amsgrad ? 'let second = k_maximum(x4, vi);\n  x4 = second;' : 'let second = vi;'}
  x0 = pi - (s7 * mi) / (k_sqrt(second) / s8 + s9);`;

const adamUpdate: Kernel = (inputs, attrs) => {
  const o = attrs as unknown as AdamUpdateOptions;
  const { beta1, beta2 } = o;
  const scalars = [
    o.decoupled ? 1 - o.lr * o.weightDecay : 1,
    o.decoupled ? 0 : o.weightDecay,
    o.maximize ? -1 : 1,
    beta1,
    1 - beta1,
    beta2,
    1 - beta2,
    o.lr / (1 - beta1 ** o.step),
    Math.sqrt(1 - beta2 ** o.step),
    o.eps,
  ];
  run('adamUpdate_', inputs, scalars, [], ADAM_BODY(inputs.length > 4));
  return [];
};

const SGD_BODY = (momentum: boolean) => `var d = s0 * x1 + s1 * x0;
  ${
    momentum
      ? `let b = select(s3 * x2 + s4 * d, d, f0);
  x2 = b;
  d = select(b, d + s3 * b, f1);`
      : ''
  }
  x0 = x0 - s2 * d;`;

const sgdUpdate: Kernel = (inputs, attrs) => {
  const o = attrs as unknown as SGDUpdateOptions;
  const hasBuffer = inputs.length > 2;
  const scalars = [o.maximize ? -1 : 1, o.weightDecay, o.lr, o.momentum, 1 - o.dampening];
  const flags = hasBuffer ? [Number(o.initBuffer), Number(o.nesterov)] : [];
  run('sgdUpdate_', inputs, scalars, flags, SGD_BODY(hasBuffer));
  return [];
};

/** Fused optimizer kernels of the WebGPU backend. */
export const optimKernels: Record<string, Kernel> = { adamUpdate_: adamUpdate, sgdUpdate_: sgdUpdate };
