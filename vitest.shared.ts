import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineProject } from 'vitest/config';

/**
 * The vitest project config every package uses: tests run straight from sources, because the
 * `@kindling/source` export condition points each workspace package at its `src/index.ts`.
 */
export function kindlingProject(name: string, extra: { testTimeout?: number } = {}) {
  return defineProject({
    resolve: { conditions: ['@kindling/source', ...defaultClientConditions] },
    ssr: { resolve: { conditions: ['@kindling/source', ...defaultServerConditions] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      passWithNoTests: true,
      testTimeout: extra.testTimeout ?? 20_000,
    },
  });
}
