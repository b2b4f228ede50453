import { NotSupportedError } from './errors.js';
import type { Tensor } from './tensor.js';

/** What `@kindling/autograd` plugs into core so `Tensor` methods can reach it. */
export interface AutogradHooks {
  /** Runs backpropagation from `tensor` (see `@kindling/autograd`'s `backward`). */
  backward(tensor: Tensor, gradient?: Tensor, options?: Record<string, unknown>): void;
  /** Marks a tensor as a leaf that requires grad (or not). */
  setRequiresGrad(tensor: Tensor, requiresGrad: boolean): void;
  /** Makes a non-leaf keep its `.grad`. */
  retainGrad(tensor: Tensor): void;
  /** Registers a hook on the gradient of `tensor`; returns a remover. */
  registerHook(tensor: Tensor, hook: (grad: Tensor) => Tensor | undefined): () => void;
}

let hooks: AutogradHooks | null = null;

/** Called by `@kindling/autograd` when it is imported. */
export function setAutogradHooks(h: AutogradHooks): void {
  hooks = h;
}

/** The installed autograd hooks, or a clear error saying which package to import. */
export function autogradHooks(what: string): AutogradHooks {
  if (!hooks) {
    throw new NotSupportedError(
      `${what} needs gradients: add \`import '@kindling/autograd';\` (package @kindling/autograd)`,
    );
  }
  return hooks;
}
