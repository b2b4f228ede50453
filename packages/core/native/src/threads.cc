// Persistent worker pool: workers wait on a condition variable for a new generation of tasks,
// claim task indices from an atomic counter, and the caller waits until all are done.
//
// The pool object is allocated once and never destroyed, and its threads are detached: a Node
// process may exit at any time (even while workers sleep), and destroying joinable threads or a
// mutex still in use at exit would abort.
#include "threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace kd {

namespace {

thread_local bool t_in_pool_task = false;

class Pool {
 public:
  void run(int ntasks, int nthreads, const std::function<void(int)>& fn) {
    std::unique_lock<std::mutex> lock(m_);
    while (spawned_ < nthreads - 1) {
      std::thread(&Pool::worker, this).detach();
      spawned_++;
    }
    fn_ = &fn;
    ntasks_ = ntasks;
    next_.store(0);
    remaining_ = ntasks;
    wanted_ = nthreads - 1;
    generation_++;
    lock.unlock();
    cv_.notify_all();
    finish(work(fn, ntasks));
    lock.lock();
    done_cv_.wait(lock, [this] { return remaining_ == 0 && busy_ == 0; });
    // Workers that wake up late for this generation must not join it: it is over.
    wanted_ = 0;
    fn_ = nullptr;
  }

 private:
  /** Claims and runs tasks until none is left; returns how many it ran. */
  int work(const std::function<void(int)>& fn, int ntasks) {
    t_in_pool_task = true;
    int done = 0;
    for (;;) {
      const int t = next_.fetch_add(1);
      if (t >= ntasks) break;
      fn(t);
      done++;
    }
    t_in_pool_task = false;
    return done;
  }

  void finish(int done) {
    std::lock_guard<std::mutex> lock(m_);
    remaining_ -= done;
  }

  void worker() {
    unsigned long long seen = 0;
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      cv_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (wanted_ == 0) continue;
      wanted_--;
      busy_++;
      const std::function<void(int)>* fn = fn_;
      const int ntasks = ntasks_;
      lock.unlock();
      const int done = work(*fn, ntasks);
      lock.lock();
      remaining_ -= done;
      busy_--;
      if (remaining_ == 0 && busy_ == 0) done_cv_.notify_all();
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  const std::function<void(int)>* fn_ = nullptr;
  int ntasks_ = 0;
  std::atomic<int> next_{0};
  int remaining_ = 0;
  int wanted_ = 0;
  int busy_ = 0;
  unsigned long long generation_ = 0;
  int spawned_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed (see the file comment)
  return *p;
}

std::atomic<int> g_threads{1};
std::mutex g_run_mutex;  // one parallel region at a time (worker_threads may share the addon)

}  // namespace

int num_threads() { return g_threads.load(std::memory_order_relaxed); }

int set_num_threads(int n) {
  n = std::max(1, std::min(n, 256));
  g_threads.store(n, std::memory_order_relaxed);
  return n;
}

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void parallel_for(int ntasks, const std::function<void(int)>& fn) {
  const int nthreads = std::min(num_threads(), ntasks);
  if (nthreads <= 1 || t_in_pool_task) {
    for (int t = 0; t < ntasks; t++) fn(t);
    return;
  }
  std::unique_lock<std::mutex> lock(g_run_mutex, std::try_to_lock);
  if (!lock.owns_lock()) {  // another JS thread is using the pool: run inline rather than wait
    for (int t = 0; t < ntasks; t++) fn(t);
    return;
  }
  pool().run(ntasks, nthreads, fn);
}

}  // namespace kd
