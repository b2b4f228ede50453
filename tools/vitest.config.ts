import { defineProject } from 'vitest/config';

/** Tests of the repository's own scripts (the benchmark table's pure parts). */
export default defineProject({
  test: {
    name: 'tools',
    include: ['bench/**/*.test.mjs'],
  },
});
