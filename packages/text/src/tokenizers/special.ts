/** Splitting text around special tokens, with tiktoken's `allowedSpecial` / `disallowedSpecial` rules. */
import { ValueError } from '@kindling/core';
import type { EncodeOptions } from './types.js';

function escapeRegex(s: string): string {
  return s.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&');
}

const compiled = new Map<string, RegExp>();

/** A global regex matching any of `tokens`, longest first (so `<|a|>` wins over `<|a`); memoized. */
function alternation(tokens: readonly string[]): RegExp {
  const sorted = [...tokens].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  const key = sorted.join('\u0000');
  let re = compiled.get(key);
  if (!re) {
    if (compiled.size > 64) compiled.clear();
    re = new RegExp(sorted.map(escapeRegex).join('|'), 'g');
    compiled.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

/**
 * Calls `ordinary(start, end)` for every stretch of `text` that is ordinary text and `special(id)`
 * for every allowed special token, in order. Throws `ValueError` when the text contains a
 * disallowed special token (by default: every special token that is not allowed), like tiktoken.
 */
export function splitSpecial(
  op: string,
  text: string,
  specials: ReadonlyMap<string, number>,
  options: EncodeOptions | undefined,
  ordinary: (start: number, end: number) => void,
  special: (id: number) => void,
): void {
  if (typeof text !== 'string') {
    throw new ValueError(`${op}: expected a string, got ${text === null ? 'null' : typeof text}`);
  }
  if (specials.size === 0) {
    ordinary(0, text.length);
    return;
  }
  const names = [...specials.keys()];
  const check = (list: Iterable<string>, what: string) => {
    const out = new Set<string>();
    for (const t of list) {
      if (!specials.has(t)) {
        throw new ValueError(
          `${op}: ${what} lists '${t}', which is not a special token of this tokenizer (it has ${names.map((n) => `'${n}'`).join(', ')})`,
        );
      }
      out.add(t);
    }
    return out;
  };
  const allowed =
    options?.allowedSpecial === 'all'
      ? new Set(names)
      : check(options?.allowedSpecial ?? [], 'allowedSpecial');
  const disallowed =
    (options?.disallowedSpecial ?? 'all') === 'all'
      ? new Set(names.filter((n) => !allowed.has(n)))
      : check(options!.disallowedSpecial as Iterable<string>, 'disallowedSpecial');
  if (disallowed.size > 0) {
    const m = alternation([...disallowed]).exec(text);
    if (m) {
      throw new ValueError(
        `${op}: the text contains the special token '${m[0]}' at index ${m.index}, which is not allowed; ` +
          `pass { allowedSpecial: ['${m[0]}'] } (or 'all') to encode it as its id, or { disallowedSpecial: [] } to encode it as plain text`,
      );
    }
  }
  if (allowed.size === 0) {
    ordinary(0, text.length);
    return;
  }
  const re = alternation([...allowed]);
  let start = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > start) ordinary(start, m.index);
    special(specials.get(m[0])!);
    start = m.index + m[0].length;
  }
  if (start < text.length) ordinary(start, text.length);
}
