/** Loading any saved tokenizer by its `type`. */
import { ValueError } from '@kindling/core';
import { BpeTokenizer } from './bpe.js';
import type { BpeJson } from './bpe-spec.js';
import { type CharJson, CharTokenizer } from './char.js';
import type { Tokenizer } from './types.js';

/** Reads the JSON of any Kindling tokenizer (`save()` output, string or parsed), dispatching on `type`. */
export function loadTokenizer(json: string | object): Tokenizer {
  let j: unknown = json;
  if (typeof json === 'string') {
    try {
      j = JSON.parse(json);
    } catch (e) {
      throw new ValueError(`loadTokenizer: not valid JSON: ${(e as Error).message}`);
    }
  }
  const type = typeof j === 'object' && j !== null ? (j as { type?: unknown }).type : undefined;
  if (type === 'bpe') return BpeTokenizer.load(j as BpeJson);
  if (type === 'char') return CharTokenizer.load(j as CharJson);
  throw new ValueError(
    `loadTokenizer: unknown tokenizer type ${JSON.stringify(type)} (expected 'bpe' or 'char')`,
  );
}
