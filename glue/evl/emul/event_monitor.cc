#include "glue/evl/emul/event_monitor.h"

#include <errno.h>

namespace oskit::evl::emul {
namespace {

constexpr int kTargetMark = 1;  // Waiter::value of a waiter evl_signal_thread() named

}  // namespace

EventMonitor::EventMonitor(int protocol, struct evl_monitor_state* state, int initval)
    : protocol_(protocol), state_(state) {
  state_->flags = 0;
  state_->u.event.pollrefs = 0;
  set_value(protocol == EVL_EVENT_GATED ? 0 : initval);
}

EventMonitor::~EventMonitor() {
  if (gate_ != nullptr) gate_->unbind(this);
}

int EventMonitor::sem_get(ThreadRecord* self, const Deadline& d) {
  const int v = value() - 1;
  set_value(v);
  if (v >= 0) return 0;
  Waiter w(self);
  waiters_.enqueue(w);
  const int rc = block(w, d);
  if (rc != 0) set_value(value() + 1);
  return rc;
}

int EventMonitor::sem_tryget() {
  const int v = value();
  if (v <= 0) return -EAGAIN;
  set_value(v - 1);
  return 0;
}

void EventMonitor::sem_put() {
  const int v = value() + 1;
  set_value(v);
  if (v <= 0) waiters_.wake_head(0);
}

int EventMonitor::flags_wait(ThreadRecord* self, const Deadline& d, int* bits) {
  while (flags_trywait(bits) != 0) {
    Waiter w(self);
    waiters_.enqueue(w);
    const int rc = block(w, d);
    if (rc != 0) return rc;
  }
  return 0;
}

int EventMonitor::flags_trywait(int* bits) {
  const int v = value();
  if (v == 0) return -EAGAIN;
  set_value(0);
  *bits = v;
  return 0;
}

void EventMonitor::flags_post(int bits) { set_value(value() | bits); }

void EventMonitor::flags_wake() {
  if (value() != 0) waiters_.wake_head(0);
}

int EventMonitor::wait(ThreadRecord* self, Gate* gate, const Deadline& d) {
  if (!gate->owned_by(self)) return -EPERM;
  if (gate_ != nullptr && gate_ != gate) return -EBADFD;
  if (gate_ == nullptr) {
    gate_ = gate;
    gate->bind(this);
  }
  Waiter w(self);
  waiters_.enqueue(w);
  int nesting = 1;
  gate->give_up(self, &nesting);
  const int rc = block(w, d);
  if (waiters_.empty() && gate_ != nullptr) gate_->unbind(this);
  if (rc == -EIDRM) return rc;
  const int taken = gate->take_back(self, nesting);
  return rc != 0 ? rc : taken;
}

void EventMonitor::signal(bool broadcast) {
  if (gate_ == nullptr) return;  // nobody waits
  pending_ |= broadcast ? kBroadcast : kSignal;
}

int EventMonitor::signal_thread(ThreadRecord* target) {
  if (gate_ == nullptr) return 0;
  Waiter* w = target->wait;
  if (w == nullptr || w->queue != &waiters_) return -ESRCH;
  w->value = kTargetMark;
  pending_ |= kTargeted;
  return 0;
}

void EventMonitor::deliver_signals() {
  const unsigned pending = pending_;
  pending_ = 0;
  if (pending & kBroadcast) {
    waiters_.flush(0);
  } else if (pending & kTargeted) {
    waiters_.for_each([](Waiter& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
      if (w.value == kTargetMark) w.wake(0);
    });
  } else if (pending & kSignal) {
    waiters_.wake_head(0);
  }
}

void EventMonitor::flush(int status) { waiters_.flush(status); }

unsigned int EventMonitor::poll_events() const {
  const int v = value();
  switch (protocol_) {
    case EVL_EVENT_COUNT:
      return v > 0 ? POLLIN | POLLRDNORM : 0;
    case EVL_EVENT_MASK:
      return v != 0 ? POLLIN | POLLRDNORM : POLLOUT | POLLWRNORM;
    default:
      return 0;
  }
}

}  // namespace oskit::evl::emul
