// Tokenizer benchmark: GPT-2 (r50k_base) encode/decode throughput on the whole of Moby Dick
// (1.2 MB of UTF-8), against js-tiktoken (the reference, same ids), plus BPE training speed.
// MB/s counts UTF-8 bytes of text; each figure is the median of several runs. "cold" runs use a
// freshly loaded tokenizer (empty piece cache), "warm" runs reuse it. Run after building:
//   pnpm --filter @kindling/text build && node bench/tokenizer.bench.mjs
import { readFileSync } from 'node:fs';
import { BpeTokenizer, gpt2TokenizerFromTiktoken } from '@kindling/text';
import { Tiktoken } from 'js-tiktoken/lite';
import r50k from 'js-tiktoken/ranks/r50k_base';

const here = (p) => new URL(`../${p}`, import.meta.url);
const book = readFileSync(here('data/moby-dick.txt'), 'utf8');
const rankFile = readFileSync(here('data/r50k_base.tiktoken'), 'utf8');
const mb = new TextEncoder().encode(book).length / 1e6;

/** Median seconds of `fn()` over `reps` runs (after `warm` untimed runs); `setup` is not timed. */
function time(fn, reps, { warm = 1, setup = () => undefined } = {}) {
  for (let i = 0; i < warm; i++) fn(setup());
  const samples = [];
  for (let i = 0; i < reps; i++) {
    const arg = setup();
    const t0 = process.hrtime.bigint();
    fn(arg);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const fmt = (x) => x.toFixed(x < 10 ? 2 : 1).padStart(7);
const row = (name, ours, ref, unit) =>
  console.log(
    `${name.padEnd(34)} ${fmt(ours)} ${unit}   js-tiktoken ${fmt(ref)} ${unit}   ratio ${(unit === 'ms' ? ref / ours : ours / ref).toFixed(2)}x`,
  );

console.log(`corpus: Moby Dick, ${mb.toFixed(2)} MB UTF-8, ${book.length} UTF-16 units`);

const loadOurs = time(() => gpt2TokenizerFromTiktoken(rankFile), 5) * 1e3;
const loadRef = time(() => new Tiktoken(r50k), 5) * 1e3;
row('load GPT-2 vocabulary', loadOurs, loadRef, 'ms');

const ours = gpt2TokenizerFromTiktoken(rankFile);
const ref = new Tiktoken(r50k);
const a = ours.encode(book);
const b = ref.encode(book);
if (a.length !== b.length || a.some((x, i) => x !== b[i])) throw new Error('ids differ from js-tiktoken');
console.log(`tokens: ${a.length} (identical to js-tiktoken)`);

const cold = time((t) => t.encode(book), 5, { warm: 1, setup: () => gpt2TokenizerFromTiktoken(rankFile) });
const warm = time(() => ours.encode(book), 7);
const refEnc = time(() => ref.encode(book), 5);
row('encode book, cold cache (MB/s)', mb / cold, mb / refEnc, 'MB/s');
row('encode book, warm cache (MB/s)', mb / warm, mb / refEnc, 'MB/s');

const dec = time(() => ours.decode(a), 7);
const refDec = time(() => ref.decode(a), 7);
row('decode book (MB/s)', mb / dec, mb / refDec, 'MB/s');

const slice = book.slice(0, 300_000);
const train = time(() => BpeTokenizer.train(slice, { vocabSize: 1256 }), 3, { warm: 0 });
console.log(`train byte-level BPE, 1000 merges on 300 kB: ${(train * 1e3).toFixed(0)} ms`);
