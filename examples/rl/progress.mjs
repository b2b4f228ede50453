// A small progress bar for the RL examples: redraws one line on a terminal, prints a line every
// few seconds otherwise (so logs stay readable).

/** Parses `--name value` / `--flag` command-line options into an object. */
export function parseArgs(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = true;
    else {
      out[key] = Number.isNaN(Number(next)) ? next : Number(next);
      i++;
    }
  }
  return out;
}

/** A progress bar over `total` environment steps. */
export class Progress {
  constructor(total, label) {
    this.total = total;
    this.label = label;
    this.start = performance.now();
    this.tty = Boolean(process.stderr.isTTY);
    this.lastPrint = 0;
  }

  /** Redraws with the current step and a status text (episode return etc.). */
  update(step, status, force = false) {
    const now = performance.now();
    const secs = (now - this.start) / 1000;
    const frac = Math.min(1, step / this.total);
    const width = 30;
    const filled = Math.round(frac * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${this.label} ${bar} ${String(step).padStart(String(this.total).length)}/${this.total} steps | ${status} | ${secs.toFixed(1)}s`;
    if (this.tty) {
      process.stderr.write(`\r${line}\x1b[K`);
    } else if (force || now - this.lastPrint > 5000) {
      process.stderr.write(`${line}\n`);
      this.lastPrint = now;
    }
  }

  /** Ends the bar's line. */
  done() {
    if (this.tty) process.stderr.write('\n');
  }
}

/** Mean of the last `n` values (NaN when there are fewer than one). */
export function meanOfLast(values, n) {
  const last = values.slice(-n);
  return last.length === 0 ? Number.NaN : last.reduce((a, b) => a + b, 0) / last.length;
}
