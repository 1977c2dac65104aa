#include "glue/evl/emul/wait_queue.h"

#include <errno.h>
#include <sched.h>

#include <atomic>

#include "glue/evl/emul/thread_record.h"

namespace oskit::evl::emul {

oskit::Mutex core_lock;

namespace {

// Waits of attached threads begun so far: a waker that woke a thread above
// its own priority waits for the next one (see yield_to_woken()).
std::atomic<unsigned> g_blocks{0};
// The calling thread woke a thread above its priority; g_blocks then.
thread_local bool t_owes_cpu = false;
thread_local unsigned t_blocks_at_wake = 0;
// How many times a waker yields at most before it goes on anyway.
constexpr int kMaxYields = 20000;

// On the real core, waking a thread of higher priority preempts the waker
// on its CPU until that thread blocks again.
void note_wake(const ThreadRecord* woken) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
  const ThreadRecord* self = current_thread();
  if (woken == nullptr || self == nullptr || t_owes_cpu) return;
  if (weighted_prio(woken->policy, woken->prio) <= weighted_prio(self->policy, self->prio)) return;
  t_owes_cpu = true;
  t_blocks_at_wake = g_blocks.load(std::memory_order_acquire);
}

}  // namespace

void yield_to_woken() {
  if (!t_owes_cpu) return;
  t_owes_cpu = false;
  for (int i = 0; i < kMaxYields && g_blocks.load(std::memory_order_acquire) == t_blocks_at_wake; i++) sched_yield();
}

Waiter::Waiter(ThreadRecord* t) : thread(t) {}

void Waiter::wake(int st) {
  note_wake(thread);
  if (queue != nullptr) queue->remove(*this);
  status = st;
  done_.store(true, std::memory_order_release);
  event_.wake_all();
}

void Waiter::sleep(const Deadline& d) const { sleep_until(event_, done_, d); }

WaitQueue::~WaitQueue() { waiters_.clear(); }

void WaitQueue::enqueue(Waiter& w) {
  w.prio = w.thread != nullptr ? weighted_prio(w.thread->policy, w.thread->prio) : -1000;
  auto it = waiters_.begin();
  while (it != waiters_.end() && it->prio >= w.prio) ++it;
  waiters_.insert(it, w);
  w.queue = this;
}

void WaitQueue::remove(Waiter& w) {
  waiters_.erase(waiters_.iterator_to(w));
  w.queue = nullptr;
}

void WaitQueue::reorder(Waiter& w) {
  remove(w);
  enqueue(w);
}

bool WaitQueue::wake_head(int status) {
  Waiter* w = head();
  if (w == nullptr) return false;
  w->wake(status);
  return true;
}

void WaitQueue::flush(int status) {
  while (wake_head(status)) {
  }
}

int block(Waiter& w, const Deadline& d) {
  ThreadRecord* t = w.thread;
  if (t != nullptr) {
    t->wait = &w;
    t->state |= w.queue != nullptr ? T_PEND : T_DELAY;
    g_blocks.fetch_add(1, std::memory_order_acq_rel);
  }
  core_lock.unlock();
  w.sleep(d);
  core_lock.lock();
  if (t != nullptr) {
    t->wait = nullptr;
    t->state &= ~(T_PEND | T_DELAY);
  }
  if (w.woken()) return w.status;
  if (w.queue != nullptr) w.queue->remove(w);
  return -ETIMEDOUT;
}

bool sleep_until(const Event& ev, const std::atomic<bool>& woken, const Deadline& d) {
  const struct timespec mono = d.infinite ? timespec{0, 0} : d.monotonic();
  for (;;) {
    const std::uint32_t ticket = ev.ticket();
    if (woken.load(std::memory_order_acquire)) return true;
    if (!ev.wait(ticket, d.infinite ? nullptr : &mono)) return woken.load(std::memory_order_acquire);
  }
}

}  // namespace oskit::evl::emul
