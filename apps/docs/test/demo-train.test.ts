import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { loadSafetensors } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { checkpointBytes, parseDigits, splitDigits, trainDigits } from '../.vitepress/theme/demo/digits.ts';

/** The same bytes scripts/prepare.mjs writes to public/digits-8x8.bin, built from the repo's CSV. */
function digitsBytes(): Uint8Array {
  const csv = gunzipSync(readFileSync(new URL('../../../data/digits.csv.gz', import.meta.url))).toString(
    'utf8',
  );
  return Uint8Array.from(
    csv
      .trim()
      .split('\n')
      .flatMap((line) => line.split(',').map(Number)),
  );
}

describe('live demo training code (Node, CPU backend)', () => {
  const data = parseDigits(digitsBytes());

  it('parses all 1797 digits and holds out every fifth', () => {
    expect(data.n).toBe(1797);
    expect(Math.max(...data.pixels)).toBe(1);
    expect([...new Set(data.labels)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { train, test } = splitDigits(data);
    expect([train.n, test.n]).toEqual([1437, 360]);
    expect(test.labels[1]).toBe(data.labels[5]);
    expect(() => parseDigits(new Uint8Array(64))).toThrow(/multiple of 65/);
  });

  it('trains: the loss falls, the test accuracy is high, the checkpoint has PyTorch names', async () => {
    const epochs: number[] = [];
    const result = await trainDigits(data, {
      device: 'cpu',
      epochs: 3,
      onEpoch: (e) => epochs.push(e),
      yieldToUi: async () => {},
    });
    expect(result.device).toBe('cpu');
    expect(epochs).toEqual([1, 2, 3]);
    expect(result.losses.length).toBe(3 * Math.ceil(1437 / 64));
    expect(result.losses[0]).toBeGreaterThan(2); // ~ln(10) at the start
    expect(result.epochLosses[2]).toBeLessThan(result.epochLosses[0] / 3);
    expect(result.testAccuracy).toBeGreaterThan(0.85);

    const bytes = await checkpointBytes(result.model, { demo: 'digits' });
    const { tensors, metadata } = loadSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(tensors['0.weight'].shape).toEqual([64, 64]);
    expect(tensors['2.weight'].shape).toEqual([10, 64]);
    expect(metadata).toEqual({ demo: 'digits' });
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      trainDigits(data, { device: 'cpu', epochs: 1, signal: controller.signal, yieldToUi: async () => {} }),
    ).rejects.toThrow(/stopped/);
  });
});
