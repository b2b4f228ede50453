"""Median time per call, the way tools/bench/timing.mjs measures Kindling and TF.js.

After a warm-up, calls are grouped into batches long enough to time reliably (the calls per batch
doubled until one batch lasts min_seconds of wall clock); the figure is the median over the
batches of seconds per call, by wall clock and by process CPU time (on a shared machine the CPU
time leaves out the time the process waits for a core).
"""
import statistics
import time


def time_calls(fn, batches=7, min_seconds=0.01, warmup=1):
    """{"wall": s, "cpu": s}: median seconds per call of fn() over `batches` batches."""
    for _ in range(warmup):
        fn()
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        if time.perf_counter() - t0 >= min_seconds or reps >= 1 << 16:
            break
        reps *= 2
    walls, cpus = [], []
    for _ in range(batches):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(reps):
            fn()
        walls.append((time.perf_counter() - w0) / reps)
        cpus.append((time.process_time() - c0) / reps)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}
