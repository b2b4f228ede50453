import { defineConfig, type Options } from 'tsup';

/** The one build recipe every package uses: ESM + `.d.ts` + source maps, from `src/index.ts`. */
export function kindlingBuild(extra: Partial<Options> = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    tsconfig: 'tsconfig.build.json',
    ...extra,
  });
}
