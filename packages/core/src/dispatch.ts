import type { Tensor } from './tensor.js';
import { DeviceError, NotSupportedError } from './errors.js';
import { getBackend } from './backend.js';
import { transferKernels } from './transfer.js';
import { viewKernels } from './views.js';

/** Attributes of an op call (its non-tensor arguments). */
export type Attrs = Record<string, unknown>;

/** Runs a primitive op on tensors; always returns the outputs as an array. */
export type DispatchFn = (op: string, inputs: Tensor[], attrs: Attrs) => Tensor[];

/**
 * A layer in front of the backends, like PyTorch's dispatch keys (autograd installs one). It sees
 * every primitive call and calls `next` to run the rest of the stack.
 */
export interface DispatchLayer {
  /** Layer name, for replacing a layer and for error messages. */
  readonly name: string;
  /** Handles a call, calling `next` to reach the layers below and finally the backend. */
  handle(op: string, inputs: Tensor[], attrs: Attrs, next: DispatchFn): Tensor[];
}

const layers: DispatchLayer[] = [];
// The composed stack, rebuilt only when a layer is installed so a call allocates no closures.
let stack: DispatchFn = (op, inputs, attrs) => runKernel(op, inputs, attrs);

/** Installs (or replaces, by name) a dispatch layer in front of the backends. */
export function installLayer(layer: DispatchLayer): void {
  const i = layers.findIndex((l) => l.name === layer.name);
  if (i >= 0) layers[i] = layer;
  else layers.push(layer);
  stack = runKernel;
  for (const l of layers) {
    const next = stack;
    stack = (op, inputs, attrs) => l.handle(op, inputs, attrs, next);
  }
}

function runKernel(op: string, inputs: Tensor[], attrs: Attrs): Tensor[] {
  const view = viewKernels[op];
  if (view) return view(inputs, attrs);
  // Cross-device copies: their input is on another device than their output.
  const transfer = transferKernels[op];
  if (transfer) return transfer(inputs, attrs);
  const device = (attrs.device as string | undefined) ?? inputs[0]?.device ?? 'cpu';
  for (const t of inputs) {
    if (t.device !== device) {
      throw new DeviceError(
        `${op}: expected all tensors on the same device, but found ${device} and ${t.device} (move them with .to('${device}'))`,
      );
    }
    if (t.storage.disposed) throw new DeviceError(`${op}: tensor was used after dispose()`);
  }
  const backend = getBackend(device);
  const kernel = backend.kernels[op];
  if (!kernel) throw new NotSupportedError(`${op}: no kernel for device ${device}`);
  return kernel(inputs, attrs);
}

/** Calls a primitive op through every installed layer and then the backend kernel. */
export function dispatch(op: string, inputs: Tensor[], attrs: Attrs = {}): Tensor[] {
  return stack(op, inputs, attrs);
}

/** Calls a primitive op that has exactly one output. */
export function dispatch1(op: string, inputs: Tensor[], attrs: Attrs = {}): Tensor {
  return dispatch(op, inputs, attrs)[0];
}
