// Development entry of AsyncVectorEnv workers when @kindling/rl runs from its TypeScript sources
// (vitest, or `node --conditions=@kindling/source`): installs `hooks.mjs`, which compiles .ts on
// the fly and resolves workspace packages to their sources, then loads the real worker. The built
// package never uses this file: it starts `dist/worker.js` directly.
import { register } from 'node:module';

register(new URL('./hooks.mjs', import.meta.url));
await import('../worker.ts');
