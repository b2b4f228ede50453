import { kindlingBuild } from '../../tsup.shared.ts';

// Two entries: the package, and the AsyncVectorEnv worker (dist/worker.js, found next to the
// package's own chunks through `new URL('./worker.js', import.meta.url)`).
export default kindlingBuild({ entry: { index: 'src/index.ts', worker: 'src/vector/worker.ts' } });
