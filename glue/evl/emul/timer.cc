// EVL timers (libevl <evl/timer.h>; the EVL documentation's "Timer" page).
// One tick thread plays the core's timer interrupt: it sleeps until the
// earliest expiry, counts the expiries of every timer due, wakes their
// readers and tells their pollers. A CLOCK_REALTIME timer is placed on the
// monotonic timeline when armed.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include <atomic>
#include <memory>
#include <new>
#include <set>
#include <vector>

#include "evl/timer.h"
#include "glue/env/env.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/element.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/monitor.h"
#include "glue/evl/emul/thread_record.h"
#include "glue/evl/emul/wait_queue.h"

namespace oskit::evl::emul {
namespace {

constexpr int64_t kBillion = 1000000000;

int64_t to_ns(const struct timespec& ts) { return ts.tv_sec * kBillion + ts.tv_nsec; }

struct timespec to_timespec(int64_t ns) {
  if (ns < 0) ns = 0;
  return {static_cast<time_t>(ns / kBillion), static_cast<long>(ns % kBillion)};
}

int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  read_clock(clock, &ts);
  return to_ns(ts);
}

class Timer;

// The armed timers by monotonic expiry, and the thread firing them.
class TickQueue {
 public:
  void arm(Timer* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void disarm(Timer* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  // Starts the tick thread: 0 or -ENOMEM.
  int start();

 private:
  struct ByExpiry {
    bool operator()(const Timer* a, const Timer* b) const;
  };
  void run();
  // Fires the timers due at now; returns those to tell pollers about (held).
  std::vector<Timer*> fire_due(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  std::multiset<Timer*, ByExpiry> armed_ ABSL_GUARDED_BY(core_lock);
  Event wakeup_;
  std::atomic<bool> kicked_{false};
  oskit::Mutex start_mu_;
  std::unique_ptr<oskit::env::WorkerThread> thread_ ABSL_GUARDED_BY(start_mu_);
};

TickQueue& ticks() {
  static auto* q = new TickQueue;
  return *q;
}

class Timer : public Element {
 public:
  explicit Timer(clockid_t clock) : Element("timer"), clock_(clock) {}
  ~Timer() override {
    MutexLock lock(&core_lock);
    if (armed_) ticks().disarm(this);
  }

  ssize_t oob_read(oskit_evl_file* f, void* buf, size_t count) override { return take_ticks(f, buf, count); }
  ssize_t read(oskit_evl_file* f, void* buf, size_t count) override { return take_ticks(f, buf, count); }
  unsigned int poll(oskit_evl_file*, unsigned int) override {
    return pending_.load(std::memory_order_acquire) > 0 ? POLLIN | POLLRDNORM : 0;
  }
  void flush(oskit_evl_file*) override {
    MutexLock lock(&core_lock);
    readers_.flush(-EBADF);
  }

  int set(const struct itimerspec& value, struct itimerspec* old) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    if (old != nullptr) get(old);
    if (armed_) ticks().disarm(this);
    armed_ = false;
    interval_ns_ = to_ns(value.it_interval);
    if (value.it_value.tv_sec == 0 && value.it_value.tv_nsec == 0) return 0;
    expiry_ns_ = to_ns(Deadline::on(clock_, value.it_value).monotonic());
    armed_ = true;
    ticks().arm(this);
    return 0;
  }

  void get(struct itimerspec* value) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    value->it_interval = to_timespec(interval_ns_);
    value->it_value = armed_ ? to_timespec(expiry_ns_ - now_ns(CLOCK_MONOTONIC)) : timespec{0, 0};
    if (armed_ && value->it_value.tv_sec == 0 && value->it_value.tv_nsec == 0) value->it_value.tv_nsec = 1;
  }

  int64_t expiry_ns() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return expiry_ns_; }

  // Counts the expiries up to now and moves a periodic timer to its next
  // one; false once a one-shot timer has fired.
  bool expire(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    uint64_t n = 1;
    if (interval_ns_ > 0) {
      const int64_t late = now - expiry_ns_;
      n += static_cast<uint64_t>(late / interval_ns_);
      expiry_ns_ += static_cast<int64_t>(n) * interval_ns_;
    } else {
      armed_ = false;
    }
    pending_.fetch_add(n, std::memory_order_acq_rel);
    readers_.flush(0);
    return armed_;
  }

 private:
  ssize_t take_ticks(oskit_evl_file* f, void* buf, size_t count) {
    if (count < sizeof(uint64_t)) return -EINVAL;
    if (oskit_evl_check_user(buf, sizeof(uint64_t)) != 0) return -EFAULT;
    const bool nonblock = (oskit_evl_file_flags(f) & O_NONBLOCK) != 0;
    uint64_t n;
    {
      MutexLock lock(&core_lock);
      while ((n = pending_.exchange(0, std::memory_order_acq_rel)) == 0) {
        if (nonblock) return -EAGAIN;
        Waiter w(current_thread());
        w.file = f;
        readers_.enqueue(w);
        const int rc = block(w, Deadline::none());
        if (rc != 0) return rc;
      }
    }
    memcpy(buf, &n, sizeof n);
    notify_pollers();
    return sizeof n;
  }

  const clockid_t clock_;
  bool armed_ ABSL_GUARDED_BY(core_lock) = false;
  int64_t expiry_ns_ ABSL_GUARDED_BY(core_lock) = 0;  // CLOCK_MONOTONIC
  int64_t interval_ns_ ABSL_GUARDED_BY(core_lock) = 0;
  std::atomic<uint64_t> pending_{0};
  WaitQueue readers_;
};

bool TickQueue::ByExpiry::operator()(const Timer* a, const Timer* b) const {
  core_lock.assert_held();
  return a->expiry_ns() < b->expiry_ns();
}

void TickQueue::arm(Timer* t) {
  const bool earliest = armed_.empty() || t->expiry_ns() < (*armed_.begin())->expiry_ns();
  armed_.insert(t);
  if (earliest) {
    kicked_.store(true, std::memory_order_release);
    wakeup_.wake_all();
  }
}

void TickQueue::disarm(Timer* t) {
  for (auto it = armed_.begin(); it != armed_.end(); ++it) {
    if (*it == t) {
      armed_.erase(it);
      return;
    }
  }
}

int TickQueue::start() {
  MutexLock lock(&start_mu_);
  if (thread_ != nullptr) return 0;
  auto t = oskit::env::current().start_thread("evl-tick", [this] { run(); });
  if (!t.ok()) return -ENOMEM;
  thread_ = std::move(t).value();
  return 0;
}

std::vector<Timer*> TickQueue::fire_due(int64_t now) {
  std::vector<Timer*> fired;
  while (!armed_.empty() && (*armed_.begin())->expiry_ns() <= now) {
    Timer* t = *armed_.begin();
    armed_.erase(armed_.begin());
    if (t->expire(now)) armed_.insert(t);
    if (t->try_get()) fired.push_back(t);
  }
  return fired;
}

void TickQueue::run() {
  // The core's timer interrupt outranks every thread, where the host allows.
  struct sched_param param = {};
  param.sched_priority = sched_get_priority_max(SCHED_FIFO);
  pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
  for (;;) {
    Deadline next = Deadline::none();
    std::vector<Timer*> fired;
    {
      MutexLock lock(&core_lock);
      fired = fire_due(now_ns(CLOCK_MONOTONIC));
      if (!armed_.empty()) next = Deadline::on(CLOCK_MONOTONIC, to_timespec((*armed_.begin())->expiry_ns()));
      kicked_.store(false, std::memory_order_release);
    }
    for (Timer* t : fired) {
      t->notify_pollers_from_interrupt();
      t->put();
    }
    sleep_until(wakeup_, kicked_, next);
  }
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

namespace {

Timer* timer_of(int efd, FileRef* ref) { return static_cast<Timer*>(Element::of(efd, ref, "timer")); }

bool valid_itimerspec(const struct itimerspec& v) {
  return valid_timespec(v.it_value) && valid_timespec(v.it_interval);
}

}  // namespace

extern "C" {

int evl_new_timer(int clockfd) {
  if (!initialised()) return -ENXIO;  // libevl opens the clocks in evl_init()
  clockid_t clock;
  if (clock_of(clockfd, &clock) < 0) return -EINVAL;
  const int rc = ticks().start();
  if (rc < 0) return rc;
  auto* t = new (std::nothrow) Timer(clock);
  if (t == nullptr) return -ENOMEM;
  return create_anonymous(t, 0);
}

int evl_set_timer(int efd, struct itimerspec* value, struct itimerspec* ovalue) {
  if (oskit_evl_check_user(value, sizeof *value) != 0) return -EFAULT;
  if (ovalue != nullptr && oskit_evl_check_user(ovalue, sizeof *ovalue) != 0) return -EFAULT;
  if (!valid_itimerspec(*value)) return -EINVAL;
  FileRef ref;
  Timer* t = timer_of(efd, &ref);
  if (t == nullptr) return -EBADF;
  MutexLock lock(&core_lock);
  return t->set(*value, ovalue);
}

int evl_get_timer(int efd, struct itimerspec* value) {
  if (oskit_evl_check_user(value, sizeof *value) != 0) return -EFAULT;
  FileRef ref;
  Timer* t = timer_of(efd, &ref);
  if (t == nullptr) return -EBADF;
  MutexLock lock(&core_lock);
  t->get(value);
  return 0;
}

}  // extern "C"
