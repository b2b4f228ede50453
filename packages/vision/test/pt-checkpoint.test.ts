/**
 * A torchvision checkpoint read straight from its `.pt` file (core's loadPt): a tiny torchvision
 * mobilenet_v2 state dict written by PyTorch 1.13's torch.save (tools/golden/interop_pt.py) loads
 * strictly into @kindling/vision's MobileNetV2 and gives PyTorch's eval-mode output.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { noGrad } from '@kindling/autograd';
import { loadPt, ptStateDict, type Tensor, tensor } from '@kindling/core';
import { MobileNetV2 } from '@kindling/vision';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'test', 'fixtures', 'pt');
const expected = JSON.parse(readFileSync(join(dir, 'pt_expected.json'), 'utf8')).mobilenet_v2;

interface Spec {
  tensor: { shape: number[]; data: number[] };
}
const fromSpec = (s: Spec) => tensor(Float32Array.from(s.tensor.data)).reshape(s.tensor.shape);

describe('torchvision checkpoint (.pt) into @kindling/vision', () => {
  it('mobilenet_v2 loads from torch.save bytes and matches PyTorch', () => {
    const sd = ptStateDict(loadPt(new Uint8Array(readFileSync(join(dir, 'mobilenet_v2.pt')))));
    const model = new MobileNetV2(expected.config);
    model.loadStateDict(sd); // strict: every key and shape must match
    model.eval();
    const y = noGrad(() => model.call(fromSpec(expected.input))) as Tensor;
    const want: number[] = expected.output.tensor.data;
    expect([...y.shape]).toEqual(expected.output.tensor.shape);
    const got = y.dataSync();
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `out[${i}]`).toBeLessThan(1e-4);
  });
});
