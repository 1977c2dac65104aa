#include "glue/evl/emul/gate.h"

#include <errno.h>

#include "glue/evl/emul/event_monitor.h"

namespace oskit::evl::emul {
namespace {

constexpr int kMaxNesting = (1 << 30) - 1;  // the monitor state keeps 31 bits
constexpr int kMaxChain = 1024;             // owners followed for deadlock detection

}  // namespace

Gate::Gate(int protocol, unsigned int ceiling, bool recursive, struct evl_monitor_state* state)
    : protocol_(protocol), recursive_(recursive), state_(state), ceiling_(ceiling), active_ceiling_(ceiling) {
  state_->u.gate.owner = EVL_NO_HANDLE;
  state_->u.gate.ceiling = ceiling;
  state_->u.gate.recursive = recursive ? 1 : 0;
  state_->u.gate.nesting = 0;
}

Gate::~Gate() {
  if (owner_ != nullptr) {
    ThreadRecord* owner = owner_;
    owner->owned.erase(owner->owned.iterator_to(*this));
    owner_ = nullptr;
    update_priority(owner);
  }
  while (!events_.empty()) unbind(&events_.front());
}

int Gate::acquire(ThreadRecord* self, const Deadline& d) {
  for (;;) {
    if (owner_ == nullptr) {
      take(self);
      return 0;
    }
    if (owner_ == self) return nested_again();
    if (may_steal(self)) {
      ThreadRecord* robbed = owner_;
      robbed->owned.erase(robbed->owned.iterator_to(*this));
      owner_ = nullptr;
      update_priority(robbed);
      take(self);
      return 0;
    }
    if (would_deadlock(self)) return -EDEADLK;
    Waiter w(self);
    waiters_.enqueue(w);
    self->waiting_for = this;
    update_priority(owner_);
    const int rc = block(w, d);
    self->waiting_for = nullptr;
    if (owner_ == self) {
      handed_over_ = false;
      return 0;
    }
    if (owner_ != nullptr) update_priority(owner_);
    if (rc != 0) return rc;
    // Robbed before resuming: compete again.
  }
}

int Gate::try_acquire(ThreadRecord* self) {
  if (owner_ == self) return nested_again();
  if (owner_ != nullptr && !may_steal(self)) return -EBUSY;
  return acquire(self, Deadline::none());
}

int Gate::release(ThreadRecord* self) {
  if (owner_ != self) return -EPERM;
  if (nesting_ > 1) {
    nesting_--;
    publish();
    return 0;
  }
  fire_events();
  drop();
  update_priority(self);
  return 0;
}

int Gate::give_up(ThreadRecord* self, int* nesting) {
  if (owner_ != self) return -EPERM;
  *nesting = nesting_;
  drop();
  update_priority(self);
  return 0;
}

int Gate::take_back(ThreadRecord* self, int nesting) {
  const int rc = acquire(self, Deadline::none());
  if (rc == 0) {
    nesting_ = nesting;
    publish();
  }
  return rc;
}

void Gate::bind(EventMonitor* event) { events_.push_back(*event); }

void Gate::unbind(EventMonitor* event) {
  events_.erase(events_.iterator_to(*event));
  event->unbound();
}

bool Gate::lends(int* policy, int* prio) const {
  bool lending = false;
  if (protocol_ == EVL_GATE_PP && owner_ != nullptr) {
    *policy = SCHED_FIFO;
    *prio = static_cast<int>(active_ceiling_);
    lending = true;
  }
  Waiter* first = const_cast<WaitQueue&>(waiters_).head();
  if (first != nullptr && first->thread != nullptr &&
      (!lending || weighted_prio(first->thread->policy, first->thread->prio) > weighted_prio(*policy, *prio))) {
    *policy = first->thread->policy;
    *prio = first->thread->prio;
    lending = true;
  }
  return lending;
}

void Gate::waiter_moved(Waiter& w) { waiters_.reorder(w); }

void Gate::set_ceiling(unsigned int c) {
  ceiling_ = c;
  publish();
}

void Gate::abandon() {
  ThreadRecord* prev = owner_;
  drop();
  update_priority(prev);
}

void Gate::flush(int status) {
  waiters_.flush(status);
  if (owner_ != nullptr) update_priority(owner_);
}

void Gate::take(ThreadRecord* self) {
  owner_ = self;
  nesting_ = 1;
  handed_over_ = false;
  active_ceiling_ = ceiling_;
  self->owned.push_back(*this);
  publish();
  update_priority(self);
}

void Gate::drop() {
  ThreadRecord* prev = owner_;
  prev->owned.erase(prev->owned.iterator_to(*this));
  owner_ = nullptr;
  nesting_ = 0;
  Waiter* w = waiters_.head();
  if (w != nullptr) {
    ThreadRecord* next = w->thread;
    w->wake(0);
    next->waiting_for = nullptr;
    owner_ = next;
    nesting_ = 1;
    handed_over_ = true;
    active_ceiling_ = ceiling_;
    next->owned.push_back(*this);
    update_priority(next);
  }
  publish();
}

bool Gate::would_deadlock(const ThreadRecord* self) const {
  const ThreadRecord* t = owner_;
  for (int depth = 0; t != nullptr && depth < kMaxChain; depth++) {
    if (t == self) return true;
    const Gate* g = t->waiting_for;
    if (g == nullptr) return false;
    t = g->owner_;
  }
  return t != nullptr;
}

bool Gate::may_steal(const ThreadRecord* self) const {
  return handed_over_ && weighted_prio(self->policy, self->prio) > weighted_prio(owner_->policy, owner_->prio);
}

int Gate::nested_again() {
  if (!recursive_) return -EDEADLK;
  if (nesting_ >= kMaxNesting) return -EAGAIN;
  nesting_++;
  publish();
  return 0;
}

void Gate::fire_events() {
  for (auto it = events_.begin(); it != events_.end();) {
    EventMonitor& event = *it++;
    event.deliver_signals();
  }
}

void Gate::publish() {
  __atomic_store_n(&state_->u.gate.owner, owner_ != nullptr ? owner_->handle : EVL_NO_HANDLE, __ATOMIC_RELAXED);
  state_->u.gate.ceiling = ceiling_;
  state_->u.gate.recursive = recursive_ ? 1 : 0;
  state_->u.gate.nesting = static_cast<__u32>(nesting_);
}

}  // namespace oskit::evl::emul
