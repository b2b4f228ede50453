// A small persistent thread pool for the native kernels (process-wide, sized by setNumThreads).
#pragma once

#include <functional>

namespace kd {

/** Threads the kernels may use (1 = run everything on the calling thread). */
int num_threads();
/** Sets the thread count (clamped to [1, 256]); returns the value now in effect. */
int set_num_threads(int n);
/** Hardware threads of this machine (at least 1). */
int hardware_threads();

/**
 * Runs `fn(task)` for every task in [0, ntasks), spread over the pool's threads (the caller
 * takes part), and returns when all have finished. Runs inline when one thread is set or when
 * called from inside a pool task.
 */
void parallel_for(int ntasks, const std::function<void(int task)>& fn);

}  // namespace kd
