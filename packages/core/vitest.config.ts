import { kindlingProject } from '../../vitest.shared.ts';

export default kindlingProject('core');
