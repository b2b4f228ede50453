import { describe, expect, it } from 'vitest';
import {
  combineRounds,
  describeEngine,
  formatNumber,
  formatRatio,
  goalText,
  inUnit,
  median,
  parseRunnerOutput,
  renderTable,
  speedRatio,
} from './table-format.mjs';

const names = { kindling: 'Kindling', pytorch: 'PyTorch', tfjs: 'tfjs-wasm' };

describe('parseRunnerOutput', () => {
  it('takes the last JSON line, ignoring what a library printed before it', () => {
    const out =
      'Hi, looks like you are running TensorFlow.js\n{"engine":{"a":1},"results":{"x":{"seconds":2}}}\n';
    expect(parseRunnerOutput(out)).toEqual({ engine: { a: 1 }, results: { x: { seconds: 2 } } });
  });

  it('fails without a JSON line or without results', () => {
    expect(() => parseRunnerOutput('Traceback ...\n')).toThrow(/no JSON/);
    expect(() => parseRunnerOutput('{"engine":{}}')).toThrow(/no results/);
  });
});

describe('median and combineRounds', () => {
  it('medians odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('medians the rounds that measured a workload and keeps errors and skips otherwise', () => {
    const rounds = [
      { a: { seconds: 3 }, b: { error: 'cannot train: no kernel' }, c: { skipped: 'n/a' } },
      { a: { seconds: 1 }, b: { error: 'cannot train: no kernel' }, c: { skipped: 'n/a' } },
      { a: { seconds: 2 }, b: { seconds: 5 } },
    ];
    expect(combineRounds(rounds, ['a', 'b', 'c', 'd'])).toEqual({
      a: { seconds: 2, rounds: 3 },
      b: { seconds: 5, rounds: 1 },
      c: { skipped: 'n/a' },
      d: { skipped: 'not run' },
    });
  });
});

describe('units and ratios', () => {
  it('converts seconds per call into each unit', () => {
    expect(inUnit({ unit: 'GFLOP/s' }, 0.5, 2e9)).toBe(4);
    expect(inUnit({ unit: 'steps/s' }, 0.004, 0)).toBe(250);
    expect(inUnit({ unit: 'ms' }, 0.0025, 0)).toBe(2.5);
    expect(inUnit({ unit: 'µs/op' }, 1.5e-6, 0)).toBeCloseTo(1.5, 12);
  });

  it('gives the speed ratio their time / ours whatever the unit, null when one side is missing', () => {
    expect(speedRatio({ seconds: 2 }, { seconds: 3 })).toBe(1.5);
    expect(speedRatio({ seconds: 2 }, { error: 'x' })).toBeNull();
    expect(speedRatio(undefined, { seconds: 1 })).toBeNull();
  });

  it('formats numbers and ratios', () => {
    expect(formatNumber(1234.5)).toBe('1235');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(1.2345)).toBe('1.23');
    expect(formatNumber(0.012345)).toBe('0.0123');
    expect(formatRatio(0.456)).toBe('0.46x');
    expect(formatRatio(12.34)).toBe('12.3x');
    expect(formatRatio(null)).toBe('-');
  });
});

describe('goals', () => {
  it('judges training against PyTorch (1.0x) and TF.js (10x)', () => {
    expect(goalText('training', { pytorch: 1.0, tfjs: 9.9 }, names)).toBe(
      '≥1.0x PyTorch: yes, ≥10x tfjs-wasm: no',
    );
    expect(goalText('training', { pytorch: 0.5, tfjs: null }, names)).toBe(
      '≥1.0x PyTorch: no, ≥10x tfjs-wasm: n/a',
    );
  });

  it('asks 0.8x of PyTorch on matmul and conv, and no more time than PyTorch per op', () => {
    expect(goalText('matmul', { pytorch: 0.8 }, names)).toBe('≥0.8x PyTorch: yes');
    expect(goalText('conv', { pytorch: 0.79 }, names)).toBe('≥0.8x PyTorch: no');
    // overhead: ratio = PyTorch's µs/op / ours, so 1.0x means "no more than PyTorch's"
    expect(goalText('overhead', { pytorch: 1.0 }, names)).toBe('≥1.0x PyTorch: yes');
    expect(goalText('unknown', {}, names)).toBe('-');
  });
});

describe('renderTable', () => {
  const workloads = [
    { id: 'm', label: 'matmul 2x2x2', group: 'matmul', unit: 'GFLOP/s' },
    { id: 't', label: 'LeNet', group: 'training', unit: 'steps/s' },
  ];
  const engines = [
    { key: 'kindling', title: 'Kindling' },
    { key: 'pytorch', title: 'PyTorch' },
    { key: 'tfjs', title: 'tfjs-wasm' },
  ];
  const cells = {
    kindling: { m: { seconds: 1e-9 }, t: { seconds: 0.01 } },
    pytorch: { m: { seconds: 2e-9 }, t: { seconds: 0.005 } },
    tfjs: { m: { seconds: 4e-9 }, t: { error: "cannot train: Kernel 'X' not registered" } },
  };

  it('prints values in units, ratios, goals, and errors as numbered notes', () => {
    const { table, notes } = renderTable(workloads, engines, cells, () => 16);
    expect(table.split('\n')).toEqual([
      '| workload | unit | Kindling | PyTorch | tfjs-wasm | vs PyTorch | vs tfjs-wasm | goal met? |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
      '| matmul 2x2x2 | GFLOP/s | 16.0 | 8.00 | 4.00 | 2.00x | 4.00x | ≥0.8x PyTorch: yes |',
      '| LeNet | steps/s | 100 | 200 | cannot train [1] | 0.50x | - | ≥1.0x PyTorch: no, ≥10x tfjs-wasm: n/a |',
    ]);
    expect(notes).toEqual(["tfjs-wasm, LeNet: cannot train: Kernel 'X' not registered"]);
  });
});

describe('describeEngine', () => {
  it('names the BLAS and OpenBLAS core PyTorch loaded', () => {
    const blas = {
      openblas_config: 'OpenBLAS 0.3.21 SkylakeX',
      openblas_core: 'SkylakeX',
      openblas_threads: 1,
    };
    expect(describeEngine('pytorch', { torch: '1.13.0', threads: 1, blas })).toBe(
      'torch 1.13.0, 1 thread(s); BLAS OpenBLAS 0.3.21 SkylakeX, core SkylakeX, 1 BLAS thread(s)',
    );
    const other = { libraries: ['/usr/lib/libmkl.so'], note: 'OpenBLAS is not loaded' };
    expect(describeEngine('pytorch', { torch: '1.13.0', threads: 1, blas: other })).toBe(
      'torch 1.13.0, 1 thread(s); BLAS /usr/lib/libmkl.so (OpenBLAS is not loaded)',
    );
  });

  it("prints Kindling's kernels and TF.js's backend and threads", () => {
    const k = { kernels: 'native', isa: 'avx512', threads: 1, node: 'v20.20.2' };
    expect(describeEngine('kindling', k)).toBe('kernels native, isa avx512, 1 thread(s); Node v20.20.2');
    const t = { version: '4.22.0', backend: 'wasm', threads: 1, simd: true };
    expect(describeEngine('tfjs', t)).toBe('@tensorflow/tfjs 4.22.0, backend wasm, 1 thread(s), SIMD on');
  });
});
