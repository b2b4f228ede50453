import { kindlingBuild } from '../../tsup.shared.ts';

export default kindlingBuild({ entry: ['src/index.ts', 'src/server.ts', 'src/cli.ts'] });
