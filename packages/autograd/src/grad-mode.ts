let enabled = true;

/** Whether operations are currently recorded for differentiation (`torch.is_grad_enabled`). */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Turns recording on or off globally (`torch.set_grad_enabled`). */
export function setGradEnabled(mode: boolean): void {
  enabled = mode;
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Runs `fn` without recording a graph (`with torch.no_grad()`): results do not require grad, and
 * in-place updates of leaves that require grad (optimizer steps) are allowed. `fn` must be
 * synchronous: the mode is global and is restored when `fn` returns.
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Runs `fn` with recording on, even inside `noGrad` (`with torch.enable_grad()`). Synchronous only. */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}

/** Runs `fn` with recording set to `mode`, then restores the previous mode. */
export function withGradMode<T>(mode: boolean, fn: () => T): T {
  return withMode(mode, fn);
}
