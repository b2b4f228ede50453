// Prepares the generated parts of the docs site (nothing here is committed):
//   1. public/digits-8x8.bin: a compact copy of data/digits.csv.gz for the live demo
//      (1797 rows of 65 bytes: 64 pixel values 0-16, then the label);
//   2. api/: the API reference, generated from the packages' TSDoc by typedoc
//      (typedoc-plugin-markdown + typedoc-vitepress-theme), with the documentation check.
//
// Usage: node scripts/prepare.mjs [--no-api] [--report]
//   --no-api   only the demo asset (the quick build the end-to-end test uses)
//   --report   print every undocumented export of every package and exit 0 (no output written)
//
// The check: typedoc's `validation.notDocumented`, treated as errors for every package. The few
// known gaps are listed in api-doc-gaps.json; any other undocumented export (or broken {@link})
// fails the build. A listed name that is now documented is reported so the list can shrink.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const docs = resolve(here, '..');
const root = resolve(docs, '../..');
const args = new Set(process.argv.slice(2));

/** Every package, in the order the reference lists them; every export of each must be documented. */
export const PACKAGES = ['core', 'autograd', 'nn', 'text', 'vision', 'rl', 'hub'];

function writeDigits() {
  const csv = gunzipSync(readFileSync(resolve(root, 'data/digits.csv.gz')))
    .toString('utf8')
    .trim();
  const rows = csv.split('\n');
  const out = new Uint8Array(rows.length * 65);
  rows.forEach((line, i) => {
    const values = line.split(',').map(Number);
    if (values.length !== 65)
      throw new Error(`digits.csv.gz: row ${i} has ${values.length} values, expected 65`);
    out.set(values, i * 65);
  });
  mkdirSync(resolve(docs, 'public'), { recursive: true });
  writeFileSync(resolve(docs, 'public/digits-8x8.bin'), out);
}

/** Package of a reflection's full name (`@kindling/nn.Linear.weight` -> `nn`, `@kindling/hub/server.X` -> `hub`). */
const moduleOf = (name) => name.split('.')[0].replace('@kindling/', '').split('/')[0];

/**
 * Every public entry point: each `exports` key of each package (`.` and subpaths such as
 * `@kindling/hub/server`), as its source file and the module name the reference shows.
 */
function entryPoints() {
  const out = [];
  for (const p of PACKAGES) {
    const pkg = JSON.parse(readFileSync(resolve(root, `packages/${p}/package.json`), 'utf8'));
    for (const [key, target] of Object.entries(
      pkg.exports ?? { '.': { '@kindling/source': 'src/index.ts' } },
    )) {
      const source = typeof target === 'object' ? target['@kindling/source'] : undefined;
      if (!source)
        throw new Error(`packages/${p}/package.json: export '${key}' has no @kindling/source condition`);
      out.push({ file: resolve(root, `packages/${p}`, source), name: `@kindling/${p}${key.slice(1)}` });
    }
  }
  const program = JSON.parse(readFileSync(resolve(docs, 'tsconfig.typedoc.json'), 'utf8')).files.map((f) =>
    resolve(docs, f),
  );
  const missing = out.filter((e) => !program.includes(e.file));
  if (missing.length) {
    throw new Error(
      `add to apps/docs/tsconfig.typedoc.json "files": ${missing.map((e) => e.file).join(', ')}`,
    );
  }
  return out;
}

async function writeApi(report) {
  const { Application, LogLevel } = await import('typedoc');
  const known = JSON.parse(readFileSync(resolve(docs, 'api-doc-gaps.json'), 'utf8'));
  const baseline = new Set(Object.values(known.gaps).flat());
  const entries = entryPoints();
  const app = await Application.bootstrapWithPlugins({
    entryPoints: entries.map((e) => e.file),
    entryPointStrategy: 'resolve',
    tsconfig: resolve(docs, 'tsconfig.typedoc.json'),
    plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
    out: resolve(docs, 'api'),
    docsRoot: docs,
    name: 'API reference',
    readme: 'none',
    // Type errors are `pnpm typecheck`'s job; here they would only slow the build down.
    skipErrorChecking: true,
    disableSources: true,
    excludePrivate: true,
    excludeInternal: true,
    sort: ['kind', 'alphabetical'],
    sortEntryPoints: false,
    hidePageHeader: true,
    outputFileStrategy: process.env.API_STRATEGY ?? 'members',
    membersWithOwnFile: (process.env.API_OWN ?? 'Class').split(','),
    useCodeBlocks: true,
    sidebar: { autoConfiguration: true, format: 'vitepress', pretty: false, collapsed: true },
    validation: { notExported: false, invalidLink: true, notDocumented: true },
    treatValidationWarningsAsErrors: true,
    packagesRequiringDocumentation: PACKAGES.map((p) => `@kindling/${p}`),
    logLevel: LogLevel.Warn,
  });
  const project = await app.convert();
  if (!project) throw new Error('typedoc: conversion failed');
  // Name each module after its import path (typedoc would say "core/src", "hub/src/server").
  for (const mod of project.children ?? []) {
    const file = project.getSymbolIdFromReflection(mod)?.fileName;
    const entry = entries.find((e) => e.file === file);
    if (!entry) throw new Error(`typedoc: module '${mod.name}' (${file}) is not a package entry point`);
    mod.name = entry.name;
  }
  // List them in the order of the layers (core first), not alphabetically.
  const rank = (mod) => entries.findIndex((e) => e.name === mod.name);
  project.children?.sort((a, b) => rank(a) - rank(b));

  // typedoc reports each undocumented reflection as a validation warning; collect them, and keep
  // the other validation warnings (broken {@link}s) as they are.
  const undocumented = [];
  let otherValidation = 0;
  const warn = app.logger.validationWarning.bind(app.logger);
  app.logger.validationWarning = (message, ...rest) => {
    const m = /^(\S+) \((\w+)\), defined in @kindling\/(\w+)/.exec(String(message));
    if (m) undocumented.push({ name: m[1], kind: m[2], module: moduleOf(m[1]), definedIn: m[3] });
    else {
      otherValidation++;
      warn(message, ...rest);
    }
  };
  app.validate(project);
  // Members a class inherits are reported once, on the class that declares them (a new nn layer
  // must not fail the build for a gap in Module).
  const byName = new Map();
  for (const r of Object.values(project.reflections)) {
    const name = r.getFriendlyFullName();
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name).push(r);
  }
  const inherited = (r) => {
    for (let p = r; p; p = p.parent) if (p.inheritedFrom) return true;
    return false;
  };
  const own = undocumented.filter((u) => !(byName.get(u.name) ?? []).every(inherited));
  undocumented.length = 0;
  undocumented.push(...own);
  if (report) {
    for (const p of PACKAGES) {
      const mine = undocumented.filter((u) => u.module === p);
      console.log(`\n@kindling/${p}: ${mine.length} undocumented`);
      for (const u of mine) console.log(`  ${u.name} (${u.kind}, defined in @kindling/${u.definedIn})`);
    }
    return;
  }
  const fresh = undocumented.filter((u) => !baseline.has(u.name));
  const fixed = [...baseline].filter((name) => !undocumented.some((u) => u.name === name));
  if (fixed.length > 0)
    console.log(`typedoc: now documented, delete from apps/docs/api-doc-gaps.json:\n  ${fixed.join('\n  ')}`);
  for (const u of fresh)
    console.error(`[error] ${u.name} (${u.kind}), defined in @kindling/${u.definedIn}, has no documentation`);
  // What typedoc's CLI does with treatValidationWarningsAsErrors (the API leaves it to the caller).
  if (fresh.length > 0 || otherValidation > 0 || app.logger.hasErrors()) {
    throw new Error(
      `typedoc: ${fresh.length} exported symbols without documentation, ${otherValidation} other ` +
        'validation errors (above). Write the TSDoc comment; only a reviewed known gap belongs in ' +
        'apps/docs/api-doc-gaps.json.',
    );
  }
  // Pages list what a class declares; inherited members are one click away (the base class).
  // The groups ("Properties", "Methods"...) were computed during conversion: prune them too.
  for (const r of Object.values(project.reflections))
    if (r.inheritedFrom && !r.isProject()) project.removeReflection(r);
  const alive = (c) => project.getReflectionById(c.id) === c;
  const prune = (groups) =>
    groups
      ?.map((g) => {
        g.children = g.children.filter(alive);
        if (g.categories) g.categories = prune(g.categories);
        return g;
      })
      .filter((g) => g.children.length > 0 || g.categories?.length > 0);
  for (const r of [project, ...Object.values(project.reflections)]) {
    if (r.groups) r.groups = prune(r.groups);
    if (r.categories) r.categories = prune(r.categories);
  }
  rmSync(resolve(docs, 'api'), { recursive: true, force: true });
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new Error('typedoc: generating the API reference failed (above)');
}

const started = performance.now();
writeDigits();
if (!args.has('--no-api')) await writeApi(args.has('--report'));
console.log(`docs prepared in ${((performance.now() - started) / 1000).toFixed(1)} s`);
