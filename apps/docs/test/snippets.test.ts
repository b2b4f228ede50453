/**
 * Runs every TypeScript snippet of the guides (see scripts/snippets.mjs for the conventions), so the docs
 * cannot rot: each block is written to test/.snippets/ as its own module and imported, which
 * resolves `@kindling/*` to the packages' sources (vitest's `@kindling/source` condition). A block
 * followed by a `text output` block must print exactly that. `DOCS_ECHO=1` prints what each
 * snippet printed.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allSnippets, isRunnable, parseFences, writeSnippet } from '../scripts/snippets.mjs';

const docsRoot = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(docsRoot, 'test/.snippets/run');
const snippets = allSnippets(docsRoot);

// The WebGPU snippets run on Dawn (the `webgpu` package). Without a GPU, Dawn needs a Vulkan
// software driver: Debian's chromium package ships SwiftShader's (see guide/devices.md). As in
// core's WebGPU tests, a missing adapter fails those snippets; nothing is skipped.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD))
  process.env.VK_DRIVER_FILES = SWIFTSHADER_ICD;

describe('the snippet extractor', () => {
  it('reads fences, flags and output blocks', () => {
    const md = [
      '# t',
      '```ts',
      'console.log(1)',
      '```',
      '```text output',
      '1',
      '```',
      '```ts no-run',
      'nope()',
      '```',
      '  ```sh',
      '  pnpm add x',
      '  ```',
    ].join('\n');
    const found = parseFences(md, 'x.md');
    expect(found.map((s) => [s.lang, s.flags, s.line])).toEqual([
      ['ts', [], 2],
      ['text', ['output'], 5],
      ['ts', ['no-run'], 8],
      ['sh', [], 11],
    ]);
    expect(found[0].expectedOutput).toBe('1');
    expect(found[3].code).toBe('pnpm add x');
    expect(isRunnable(found[0])).toBe(true);
    expect(isRunnable(found[2])).toBe(false);
    expect(() => parseFences('```ts\nx', 'y.md')).toThrow(/unclosed/);
    expect(() => parseFences('```sh\nls\n```\n```text output\nx\n```', 'z.md')).toThrow(/must follow/);
  });

  it('finds runnable snippets in every guide', () => {
    const pages = new Set(snippets.filter(isRunnable).map((s) => s.page));
    for (const guide of [
      'guide/getting-started.md',
      'guide/tensors.md',
      'guide/autograd.md',
      'guide/models.md',
      'guide/training.md',
      'guide/checkpoints.md',
      'guide/devices.md',
      'guide/memory.md',
      'guide/from-pytorch.md',
      'guide/text.md',
      'guide/vision.md',
      'guide/rl.md',
      'guide/hub.md',
    ]) {
      expect(pages, guide).toContain(guide);
    }
  });
});

describe('docs snippets', () => {
  let work = '';
  let cwd = '';
  beforeAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    // Snippets run in a scratch folder that holds the files they read (test/fixtures: weights
    // written by PyTorch) and receives the files they write (checkpoints...).
    cwd = process.cwd();
    work = mkdtempSync(join(tmpdir(), 'kindling-docs-'));
    cpSync(join(docsRoot, 'test/fixtures'), work, { recursive: true });
    process.chdir(work);
  });
  afterAll(() => {
    process.chdir(cwd);
    rmSync(work, { recursive: true, force: true });
  });

  for (const s of snippets.filter(isRunnable)) {
    it(`${s.page}:${s.line}`, async () => {
      const file = writeSnippet(outDir, s);
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(format(...args));
      });
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        log.mockRestore();
        // DOCS_ECHO=1 shows what each snippet printed (handy when writing a page).
        if (process.env.DOCS_ECHO) process.stderr.write(`--- ${s.page}:${s.line}\n${printed.join('\n')}\n`);
      }
      if (s.expectedOutput !== undefined) {
        const clean = (text: string) =>
          text
            .split('\n')
            .map((l) => l.trimEnd())
            .join('\n')
            .trim();
        expect(clean(printed.join('\n')), `output of ${s.page}:${s.line}`).toBe(clean(s.expectedOutput));
      }
    });
  }
});
