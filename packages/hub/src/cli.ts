#!/usr/bin/env node
/** The `kindling-hub` executable: runs {@link runCli} with the process's arguments and streams. */
import { runCli } from './cli/main.js';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  signal: stop.signal,
}).then((code) => {
  process.exitCode = code;
});
