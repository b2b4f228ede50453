import { KindlingError } from '@kindling/core';

/**
 * `step()` was called on an environment that needs a `reset()` first: it was never reset, or its
 * episode already ended (terminated, or truncated by `TimeLimit`). Gymnasium's `OrderEnforcing`
 * raises `ResetNeeded` for the first case and only warns for the second; Kindling refuses both.
 */
export class ResetNeededError extends KindlingError {}

/** A worker of an `AsyncVectorEnv` failed, exited, or the vector env was already closed. */
export class WorkerError extends KindlingError {}
