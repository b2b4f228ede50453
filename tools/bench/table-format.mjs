// The pure parts of the `pnpm bench` table (tools/bench/table.mjs): runner output parsing, medians
// over rounds, units, speed ratios, the issue's goals and the markdown rendering. Runners report
// seconds per call (per op for overhead); every ratio here is a speed ratio, other / Kindling
// time, so above 1 means Kindling is faster whatever the unit.

/** Issue 11's goals per workload group: Kindling's speed ratio against an engine, at least `min`. */
export const GOALS = {
  training: [
    { vs: 'pytorch', min: 1.0 },
    { vs: 'tfjs', min: 10 },
  ],
  matmul: [{ vs: 'pytorch', min: 0.8 }],
  conv: [{ vs: 'pytorch', min: 0.8 }],
  overhead: [{ vs: 'pytorch', min: 1.0 }],
};

/** The JSON object a runner printed on its last non-empty stdout line. */
export function parseRunnerOutput(stdout) {
  const lines = stdout.split('\n').filter((l) => l.trim().startsWith('{'));
  if (lines.length === 0) throw new Error('no JSON line in the output');
  const out = JSON.parse(lines[lines.length - 1]);
  if (!out || typeof out.results !== 'object') throw new Error('the JSON has no results');
  return out;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * One cell per workload from an engine's rounds (each `{ id: { seconds } | { error } |
 * { skipped } }`): `{ seconds, rounds }` with the median over the rounds that measured it, else
 * the first error or skip reason.
 */
export function combineRounds(rounds, ids) {
  const cells = {};
  for (const id of ids) {
    const got = rounds.map((r) => r?.[id]).filter(Boolean);
    const times = got.map((c) => c.seconds).filter((s) => Number.isFinite(s) && s > 0);
    if (times.length > 0) cells[id] = { seconds: median(times), rounds: times.length };
    else cells[id] = got.find((c) => c.error) ?? got.find((c) => c.skipped) ?? { skipped: 'not run' };
  }
  return cells;
}

/** A time per call in the workload's unit (GFLOP/s and steps/s are rates: higher is better). */
export function inUnit(w, seconds, flops) {
  switch (w.unit) {
    case 'GFLOP/s':
      return flops / seconds / 1e9;
    case 'steps/s':
      return 1 / seconds;
    case 'ms':
      return seconds * 1e3;
    case 'µs/op':
      return seconds * 1e6;
    default:
      throw new Error(`unknown unit ${w.unit}`);
  }
}

/** Three significant figures, at least, without exponents. */
export function formatNumber(v) {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Kindling's speed ratio against another engine: their time / ours (null without both). */
export function speedRatio(ours, other) {
  if (!ours?.seconds || !other?.seconds) return null;
  return other.seconds / ours.seconds;
}

export const formatRatio = (r) => (r === null ? '-' : `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`);

/** "≥1.0x PyTorch: yes, ≥10x tfjs: n/a" for a group's goals given the ratios by engine. */
export function goalText(group, ratios, names) {
  const goals = GOALS[group] ?? [];
  if (goals.length === 0) return '-';
  return goals
    .map((g) => {
      const r = ratios[g.vs];
      const verdict = r === null || r === undefined ? 'n/a' : r >= g.min ? 'yes' : 'no';
      return `≥${g.min >= 10 ? g.min : g.min.toFixed(1)}x ${names[g.vs]}: ${verdict}`;
    })
    .join(', ');
}

/** What a runner's `engine` object says it ran on, in one line. */
export function describeEngine(key, i) {
  if (key === 'pytorch') {
    const b = i.blas;
    const blas = b.openblas_config
      ? `${b.openblas_config}, core ${b.openblas_core}, ${b.openblas_threads} BLAS thread(s)`
      : `${b.libraries.join(', ')}${b.note ? ` (${b.note})` : ''}`;
    return `torch ${i.torch}, ${i.threads} thread(s); BLAS ${blas}`;
  }
  if (key === 'tfjs') {
    const simd = i.simd === undefined ? '' : `, SIMD ${i.simd ? 'on' : 'off'}`;
    return `@tensorflow/tfjs ${i.version}, backend ${i.backend}, ${i.threads} thread(s)${simd}`;
  }
  const isa = i.isa ? `, isa ${i.isa}` : '';
  return `kernels ${i.kernels}${isa}, ${i.threads} thread(s)${i.reason ? ` (${i.reason})` : ''}; Node ${i.node}`;
}

/**
 * The markdown table: one row per workload, a value column per engine (`engines`: [{ key, title }],
 * `cells[key][id]`), Kindling's ratios against `pytorch` and `tfjs`, and the goals. Errors become
 * numbered notes under the table; skips print as n/a.
 */
export function renderTable(workloads, engines, cells, flopsOf) {
  const names = Object.fromEntries(engines.map((e) => [e.key, e.title]));
  const ratioEngines = ['pytorch', 'tfjs'].filter((k) => names[k]);
  const header = [
    'workload',
    'unit',
    ...engines.map((e) => e.title),
    ...ratioEngines.map((k) => `vs ${names[k]}`),
    'goal met?',
  ];
  const align = ['---', '---', ...engines.map(() => '---:'), ...ratioEngines.map(() => '---:'), '---'];
  const lines = [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`];
  const notes = [];
  for (const w of workloads) {
    const value = (key) => {
      const c = cells[key]?.[w.id];
      if (!c) return '-';
      if (c.seconds) return formatNumber(inUnit(w, c.seconds, w.unit === 'GFLOP/s' ? flopsOf(w) : 0));
      if (c.error) {
        notes.push(`${names[key]}, ${w.label}: ${c.error}`);
        const label = c.error.startsWith('cannot train') ? 'cannot train' : 'error';
        return `${label} [${notes.length}]`;
      }
      return 'n/a';
    };
    const ratios = Object.fromEntries(
      ratioEngines.map((k) => [k, speedRatio(cells.kindling?.[w.id], cells[k]?.[w.id])]),
    );
    const row = [
      w.label,
      w.unit,
      ...engines.map((e) => value(e.key)),
      ...ratioEngines.map((k) => formatRatio(ratios[k])),
      goalText(w.group, ratios, names),
    ];
    lines.push(`| ${row.join(' | ')} |`);
  }
  return { table: lines.join('\n'), notes };
}
