/**
 * The entry of an `AsyncVectorEnv` worker thread: builds one environment from its registry id and
 * options (after importing the optional user `module` that registers it) and serves commands.
 * Built to `dist/worker.js`; from sources, `dev/boot.mjs` loads it through a TypeScript hook.
 */
import { pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import type { Env } from '../core/env.js';
import { make } from '../registry.js';
import { type AutoresetMode, callWrapperAttr, getWrapperAttr, setWrapperAttr, stepSubEnv } from './common.js';
import type { WorkerCommand, WorkerReply } from './protocol.js';

let env: Env<any, any> | null = null;
let mode: AutoresetMode = 'next-step';
let pending = false;

/** Copies typed-array views so that a clone does not carry their whole buffer. */
function detach<T>(value: T): T {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return (value as unknown as Float64Array).slice() as T;
  return value;
}

function current(): Env<any, any> {
  if (env === null) throw new Error('worker: not initialised');
  return env;
}

async function handle(cmd: WorkerCommand): Promise<unknown> {
  switch (cmd.type) {
    case 'init': {
      if (cmd.module !== null)
        await import(/^[a-z][a-z0-9+.-]*:/i.test(cmd.module) ? cmd.module : pathToFileURL(cmd.module).href);
      env = make(cmd.id, cmd.options);
      mode = cmd.autoresetMode as AutoresetMode;
      return null;
    }
    case 'reset': {
      const r = current().reset(cmd.args);
      pending = false;
      return { observation: detach(r.observation), info: r.info };
    }
    case 'step': {
      const r = stepSubEnv(current(), cmd.action, pending, mode);
      pending = r.pending;
      return { ...r, observation: detach(r.observation) };
    }
    case 'render': {
      const t = current().render();
      return { data: t.dataSync(), shape: [...t.shape] };
    }
    case 'getAttr':
      return detach(getWrapperAttr(current(), cmd.name));
    case 'setAttr':
      setWrapperAttr(current(), cmd.name, cmd.value);
      return null;
    case 'call':
      return detach(callWrapperAttr(current(), cmd.name, cmd.args));
    case 'close':
      env?.close();
      env = null;
      return null;
  }
}

const port = parentPort;
if (port === null) throw new Error('@kindling/rl worker: must run in a worker thread');
let chain = Promise.resolve();
port.on('message', (cmd: WorkerCommand) => {
  chain = chain.then(async () => {
    let reply: WorkerReply;
    try {
      reply = { ok: true, value: await handle(cmd) };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reply = { ok: false, name: err.name || err.constructor.name, message: err.message };
    }
    try {
      port.postMessage(reply);
    } catch (e) {
      port.postMessage({
        ok: false,
        name: 'WorkerError',
        message: `reply could not be cloned: ${String(e)}`,
      });
    }
  });
});
