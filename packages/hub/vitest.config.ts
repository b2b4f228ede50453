import { mergeConfig } from 'vitest/config';
import { kindlingProject } from '../../vitest.shared.ts';

// The scale-out tests need PostgreSQL and an S3 store: test/setup/services.ts starts them once.
export default mergeConfig(kindlingProject('hub'), {
  test: { globalSetup: ['./test/setup/services.ts'], hookTimeout: 60_000 },
});
