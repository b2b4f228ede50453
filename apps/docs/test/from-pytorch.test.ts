/**
 * The "From PyTorch" page promises that every Kindling name in its tables exists. This test reads
 * the Kindling column of every table row and checks each function, class and member name it uses
 * against what the packages really export and what their objects really have.
 */
import { readFileSync } from 'node:fs';
import * as autograd from '@kindling/autograd';
import * as core from '@kindling/core';
import * as nn from '@kindling/nn';
import { describe, expect, it } from 'vitest';

const page = readFileSync(new URL('../guide/from-pytorch.md', import.meta.url), 'utf8');

/** The second cell of every table row (header and separator rows excluded). */
function kindlingCells(markdown: string): string[] {
  const cells: string[] = [];
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*-/.test(line) || /^\|\s*PyTorch\s*\|/.test(line)) continue;
    // Split on pipes outside backticks.
    const parts: string[] = [];
    let cur = '';
    let inCode = false;
    for (const ch of line.slice(1)) {
      if (ch === '`') inCode = !inCode;
      if (ch === '|' && !inCode) {
        parts.push(cur.trim());
        cur = '';
      } else cur += ch;
    }
    if (parts.length >= 2) cells.push(parts[1]);
  }
  return cells;
}

/** Every member name of an object: own properties and the whole prototype chain. */
function membersOf(obj: object): string[] {
  const names: string[] = [];
  for (let o: object | null = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    names.push(...Object.getOwnPropertyNames(o));
  }
  return names;
}

const exported = new Set<string>([...Object.keys(core), ...Object.keys(autograd), ...Object.keys(nn)]);

// Objects whose members the table may use.
const x = core.tensor([1.5, 2.5]).requiresGrad_();
const model = new nn.Linear(2, 1);
const optimizer = new nn.SGD(model.parameters(), { lr: 0.1 });
const members = new Set<string>([
  ...membersOf(x),
  ...membersOf(model),
  ...membersOf(optimizer),
  ...membersOf(new nn.StepLR(optimizer, 1)),
  ...membersOf(new nn.DataLoader([1, 2])),
  ...membersOf(new autograd.FunctionCtx()),
  ...membersOf(autograd.Function), // static apply
  ...Object.keys(nn.functional), // F.relu
  ...Object.keys(nn.init), // init.kaimingUniform_
]);
// Names the cells declare or use that belong to the example, not to Kindling.
const local = new Set(['String', 'Number', 'console', 'log', 'forward', 'fn', 'f', 'F', 'Net', 'Tensor']);

/** Problems in one code span: names used that do not exist. */
function check(code: string): string[] {
  const bad: string[] = [];
  const imports = /^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(@kindling\/\w+)'/.exec(code);
  if (imports) {
    for (const spec of imports[1].split(',')) {
      const name = spec.trim().split(/\s+as\s+/)[0];
      if (name && name !== '...' && !exported.has(name)) bad.push(`${name} (import from ${imports[2]})`);
    }
    return bad;
  }
  const declared = new Set([...code.matchAll(/\bclass\s+(\w+)/g)].map((m) => m[1]));
  const stripped = code.replace(/'[^']*'/g, "''");
  for (const m of stripped.matchAll(/\bnew\s+([A-Z]\w*)/g)) {
    if (!exported.has(m[1]) && !declared.has(m[1]) && !local.has(m[1])) bad.push(`new ${m[1]}`);
  }
  for (const m of stripped.matchAll(/(?<![.\w])([A-Za-z_]\w*)\s*\(/g)) {
    const name = m[1];
    if (['new', 'await', 'const', 'for', 'of', 'extends'].includes(name)) continue;
    if (!exported.has(name) && !declared.has(name) && !local.has(name)) bad.push(`${name}()`);
  }
  for (const m of stripped.matchAll(/\.([A-Za-z_]\w*)/g)) {
    if (!members.has(m[1]) && !exported.has(m[1]) && !local.has(m[1])) bad.push(`.${m[1]}`);
  }
  for (const m of stripped.matchAll(/\bextends\s+(\w+)/g)) {
    if (!exported.has(m[1])) bad.push(`extends ${m[1]}`);
  }
  return bad;
}

describe('From PyTorch page', () => {
  const cells = kindlingCells(page);

  it('has tables', () => {
    expect(cells.length).toBeGreaterThan(60);
  });

  it('the checker catches names that do not exist', () => {
    expect(check('x.sumOfAll()')).toEqual(['.sumOfAll']);
    expect(check('new Linears(2, 2)')).toEqual(['new Linears', 'Linears()']);
    expect(check('zerosish([2])')).toEqual(['zerosish()']);
    expect(check("import { Linear, Nope } from '@kindling/nn'")).toEqual(['Nope (import from @kindling/nn)']);
    expect(check('x.sum(1, { keepdim: true })')).toEqual([]);
  });

  it('uses only names that exist in Kindling', () => {
    const problems: string[] = [];
    for (const cell of cells) {
      for (const span of cell.matchAll(/`([^`]+)`/g)) {
        for (const p of check(span[1])) problems.push(`${p} in \`${span[1]}\``);
      }
    }
    expect(problems).toEqual([]);
  });
});
