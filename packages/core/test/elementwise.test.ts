import { describe } from 'vitest';
import { goldenTests } from './helpers/golden.js';
import { impls } from './impls/elementwise.js';

describe('elementwise ops match PyTorch 1.13', () => {
  goldenTests('core_elementwise', impls, (name) =>
    name.startsWith('tan_') || name.includes('geluTanh') ? { rtol: 1e-4, atol: 1e-5 } : {},
  );
});
