/** GPT-2's tokenizer (tiktoken's `r50k_base`) from the rank file shipped in `data/`. */
import { readDataFile } from '../assets.js';
import { BpeTokenizer } from './bpe.js';
import { GPT2_PATTERN } from './pretokenize.js';

/** GPT-2's end-of-text token and its id. */
export const GPT2_EOT = '<|endoftext|>';
/** Id of `<|endoftext|>` in GPT-2's vocabulary. */
export const GPT2_EOT_ID = 50256;

/** Builds GPT-2's tokenizer from the text of a `r50k_base.tiktoken` file. */
export function gpt2TokenizerFromTiktoken(text: string): BpeTokenizer {
  return BpeTokenizer.fromTiktoken(text, {
    specialTokens: { [GPT2_EOT]: GPT2_EOT_ID },
    pattern: GPT2_PATTERN,
  });
}

let cached: Promise<BpeTokenizer> | undefined;

/**
 * GPT-2's tokenizer (50257 ids, `<|endoftext|>` = 50256), identical to tiktoken's `r50k_base` and
 * `gpt2` encodings. Reads `data/r50k_base.tiktoken` from this package once and shares the result.
 */
export function loadGpt2Tokenizer(): Promise<BpeTokenizer> {
  cached ??= readDataFile('r50k_base.tiktoken')
    .then(gpt2TokenizerFromTiktoken)
    .catch((e: unknown) => {
      cached = undefined; // let a later call try again
      throw e;
    });
  return cached;
}
