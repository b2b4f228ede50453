import { kindlingBuild } from '../../tsup.shared.ts';

export default kindlingBuild();
