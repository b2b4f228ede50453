// Node module-customisation hooks for running the TypeScript sources in a worker thread:
// `resolve` adds the `@kindling/source` export condition (workspace packages point at src/index.ts)
// and maps a missing `./x.js` import of a .ts file to `./x.ts`; `load` strips the types of .ts
// files with the workspace's Vite (`transformWithOxc`, fast) or, failing that, TypeScript's
// `transpileModule`. Development only: the built package starts dist/worker.js instead.
import { fileURLToPath } from 'node:url';

let transform;

export async function initialize() {
  try {
    const vite = await import('vite');
    if (typeof vite.transformWithOxc === 'function') {
      transform = async (code, file) =>
        (await vite.transformWithOxc(code, file, { lang: 'ts', sourcemap: false })).code;
      return;
    }
  } catch {
    // no Vite: fall back to TypeScript below
  }
  const ts = (await import('typescript')).default;
  transform = async (code, file) =>
    ts.transpileModule(code, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        useDefineForClassFields: true,
      },
    }).outputText;
}

export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('@kindling/source')
    ? context.conditions
    : ['@kindling/source', ...context.conditions];
  const ctx = { ...context, conditions };
  try {
    return await next(specifier, ctx);
  } catch (err) {
    if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts'))
      return next(`${specifier.slice(0, -3)}.ts`, ctx);
    throw err;
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const { source } = await next(url, { ...context, format: 'module' });
  const code = await transform(String(source), fileURLToPath(url));
  return { format: 'module', source: code, shortCircuit: true };
}
