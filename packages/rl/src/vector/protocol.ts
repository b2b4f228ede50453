import * as core from '@kindling/core';
import * as errors from '../errors.js';

/** A command sent to an `AsyncVectorEnv` worker. */
export type WorkerCommand =
  | {
      type: 'init';
      id: string;
      options: Record<string, unknown>;
      module: string | null;
      autoresetMode: string;
    }
  | { type: 'reset'; args: { seed?: number; options?: Record<string, unknown> } }
  | { type: 'step'; action: unknown }
  | { type: 'render' }
  | { type: 'getAttr'; name: string }
  | { type: 'setAttr'; name: string; value: unknown }
  | { type: 'call'; name: string; args: unknown[] }
  | { type: 'close' };

/** A worker's reply: a result, or the error it threw (class name and message). */
export type WorkerReply = { ok: true; value: unknown } | { ok: false; name: string; message: string };

/** Rebuilds an error thrown in a worker as the same Kindling error class when there is one. */
export function reviveError(name: string, message: string): Error {
  const classes: Record<string, unknown> = { ...core, ...errors };
  const C = classes[name];
  if (typeof C === 'function' && (C === core.KindlingError || C.prototype instanceof core.KindlingError))
    return new (C as new (m: string) => Error)(message);
  return new errors.WorkerError(`${name}: ${message}`);
}
