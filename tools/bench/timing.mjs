// Median time per call, the way tools/bench/torch_timing.py measures PyTorch: after a warm-up,
// calls are grouped into batches long enough to time reliably (calls per batch doubled until one
// batch lasts `minSeconds` of wall clock); the figure is the median over the batches of seconds
// per call, by wall clock and by process CPU time. The machine is shared: CPU time leaves out the
// time the process waits for a core, so it is the default clock (BENCH_CLOCK=wall for wall clock).

/** The clock the benchmarks report: `cpu` unless BENCH_CLOCK=wall. */
export function benchClock() {
  return process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';
}

/** Process CPU time (user + system, all threads) in seconds. */
function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Seconds now by `clock`: `wall` clock or process `cpu` time. */
export function clockSeconds(clock) {
  return clock === 'wall' ? performance.now() / 1e3 : cpuSeconds();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** `{ wall, cpu }`: median seconds per call of the synchronous `fn` over `batches` batches. */
export function timeCalls(fn, { batches = 7, minSeconds = 0.01, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if ((performance.now() - t0) / 1e3 >= minSeconds || reps >= 1 << 16) break;
    reps *= 2;
  }
  const walls = [];
  const cpus = [];
  for (let b = 0; b < batches; b++) {
    const w0 = performance.now();
    const c0 = cpuSeconds();
    for (let i = 0; i < reps; i++) fn();
    walls.push((performance.now() - w0) / 1e3 / reps);
    cpus.push((cpuSeconds() - c0) / reps);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

/**
 * Steps per second of `step` (30 warm-up steps, so V8 has compiled the step's code with its
 * optimising tier, as a training loop's steady state; then about `seconds` of timed steps) by
 * `clock`.
 */
export function stepsPerSecond(step, seconds, clock = benchClock()) {
  return 1 / timeCalls(step, { batches: 5, minSeconds: seconds / 5, warmup: 30 })[clock];
}
