#include "glue/evl/emul/observable.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <utility>

#include "glue/evl/driver.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/element.h"
#include "glue/evl/emul/thread_record.h"

namespace oskit::evl::emul {

// One subscription: the notifications waiting for one thread.
struct Observable::Observer {
  Observer(uint64_t id, unsigned int backlog, int f) : subscriber(id), flags(f), ring(backlog) {}
  bool full() const { return count == ring.size(); }

  const uint64_t subscriber;
  const int flags;
  bool seen_one = false;  // EVL_NOTIFY_ONCHANGE compares with the last notice
  struct evl_notice last = {};
  bool stale = false;  // the observable was closed under it
  std::vector<struct __evl_notification> ring;
  size_t head = 0;
  size_t count = 0;
};

// The subscriptions of the calling thread: ended when it exits, as the EVL
// core drops a task's subscriptions on exit. Each holds the observable's
// element.
struct Subscriptions {
  ~Subscriptions() {
    for (auto& s : list) {
      {
        MutexLock lock(&core_lock);
        s.second->drop(id);
      }
      s.first->put();
    }
  }
  void add(Element* e, Observable* o) {
    e->get();
    list.emplace_back(e, o);
  }
  void remove(Observable* o) {
    for (auto it = list.begin(); it != list.end(); ++it) {
      if (it->second == o) {
        Element* e = it->first;
        list.erase(it);
        e->put();
        return;
      }
    }
  }
  const uint64_t id = next_id();
  std::vector<std::pair<Element*, Observable*>> list;

 private:
  static uint64_t next_id() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
};

namespace {

thread_local Subscriptions* tls_subscriptions = nullptr;

Subscriptions& my_subscriptions() {
  static thread_local Subscriptions subscriptions;
  tls_subscriptions = &subscriptions;
  return subscriptions;
}

}  // namespace

Observable::Observable(Element* owner, bool master) : owner_(owner), master_(master) {}

Observable::~Observable() {
  MutexLock lock(&core_lock);
  observers_.clear();
}

Observable::Observer* Observable::find_caller() {
  if (tls_subscriptions == nullptr) return nullptr;
  const uint64_t id = tls_subscriptions->id;
  for (auto& o : observers_) {
    if (o->subscriber == id) return o.get();
  }
  return nullptr;
}

int Observable::subscribe(unsigned int backlog, int flags) {
  if (backlog == 0 || (flags & ~EVL_NOTIFY_MASK)) return -EINVAL;
  Subscriptions& mine = my_subscriptions();
  std::unique_ptr<Observer> o(new (std::nothrow) Observer(mine.id, backlog, flags));
  if (o == nullptr || o->ring.size() != backlog) return -ENOMEM;
  bool listed;
  {
    MutexLock lock(&core_lock);
    Observer* old = find_caller();
    if (old != nullptr && !old->stale) return -EEXIST;
    listed = old != nullptr;  // a subscription the observable's closing ended
    if (listed) drop(mine.id);
    observers_.push_back(std::move(o));
    writable_++;
  }
  if (!listed) mine.add(owner_, this);
  owner_->notify_pollers();
  return 0;
}

int Observable::unsubscribe() {
  {
    MutexLock lock(&core_lock);
    Observer* o = find_caller();
    if (o == nullptr) return -ENOENT;
    drop(o->subscriber);
  }
  my_subscriptions().remove(this);
  owner_->notify_pollers();
  return 0;
}

void Observable::drop(uint64_t subscriber) {
  for (auto it = observers_.begin(); it != observers_.end(); ++it) {
    Observer* o = it->get();
    if (o->subscriber != subscriber) continue;
    if (!o->stale) unlink(o);
    observers_.erase(it);
    return;
  }
}

void Observable::unlink(Observer* o) {
  if (!o->full()) writable_--;
  o->stale = true;
}

bool Observable::push(const struct evl_notice& notice, pid_t issuer, const struct timespec& date) {
  auto deliver = [&](Observer* o) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    if (o->flags & EVL_NOTIFY_ONCHANGE) {
      const bool same = o->seen_one && o->last.tag == notice.tag && o->last.event.lval == notice.event.lval;
      o->seen_one = true;
      o->last = notice;
      if (same) return true;
    }
    if (o->full()) return false;
    struct __evl_notification& nf = o->ring[(o->head + o->count) % o->ring.size()];
    nf.tag = notice.tag;
    nf.serial = serial_;
    nf.issuer = issuer;
    nf.event = notice.event;
    nf.date.tv_sec = date.tv_sec;
    nf.date.tv_nsec = date.tv_nsec;
    o->count++;
    if (o->full()) writable_--;
    return true;
  };
  bool taken = false;
  bool any = false;
  for (auto it = observers_.begin(); it != observers_.end(); ++it) {
    Observer* o = it->get();
    if (o->stale) continue;
    any = true;
    if (master_) {
      observers_.splice(observers_.end(), observers_, it);  // round-robin
      taken = deliver(o);
      break;
    }
    taken = deliver(o) || taken;
  }
  if (any) serial_++;
  return taken;
}

ssize_t Observable::write(const void* buf, size_t count) {
  if (count == 0) return 0;
  if (count % sizeof(struct evl_notice) != 0) return -EINVAL;
  if (oskit_evl_check_user(buf, count) != 0) return -EFAULT;
  const struct timespec now = monotonic_now();
  const auto* notices = static_cast<const struct evl_notice*>(buf);
  ssize_t taken = 0;
  int rc = 0;
  {
    MutexLock lock(&core_lock);
    for (size_t n = 0; n < count / sizeof(struct evl_notice); n++) {
      if (notices[n].tag < EVL_NOTICE_USER) {
        rc = -EINVAL;
        break;
      }
      if (push(notices[n], getpid(), now)) taken += sizeof(struct evl_notice);
    }
    if (taken > 0) readers_.flush(0);
  }
  if (taken > 0) owner_->notify_pollers();
  return rc != 0 ? rc : taken;
}

void Observable::send(uint32_t tag, union evl_value event) {
  const struct evl_notice notice = {tag, event};
  bool taken;
  {
    MutexLock lock(&core_lock);
    taken = push(notice, 0, monotonic_now());
    if (taken) readers_.flush(0);
  }
  if (taken) owner_->notify_pollers();
}

ssize_t Observable::read(void* buf, size_t count, bool nonblock) {
  if (oskit_evl_check_user(buf, count) != 0) return -EFAULT;
  auto* out = static_cast<struct __evl_notification*>(buf);
  const size_t wanted = count / sizeof(struct __evl_notification);
  size_t got = 0;
  bool freed_room = false;
  int rc = 0;
  {
    MutexLock lock(&core_lock);
    Observer* o = find_caller();
    if (o == nullptr) return -ENXIO;
    if (count == 0) return 0;
    if (count % sizeof(struct __evl_notification) != 0) return -EINVAL;
    while (got < wanted) {
      if (o->stale) {
        rc = -EBADF;
        break;
      }
      if (o->count == 0) {
        if (got > 0) break;
        if (nonblock) {
          rc = -EAGAIN;
          break;
        }
        Waiter w(current_thread());
        readers_.enqueue(w);
        rc = block(w, Deadline::none());
        if (rc != 0) break;
        continue;
      }
      if (o->full()) {
        writable_++;
        freed_room = true;
      }
      out[got++] = o->ring[o->head];
      o->head = (o->head + 1) % o->ring.size();
      o->count--;
    }
  }
  if (freed_room || got > 0) owner_->notify_pollers();
  return got > 0 ? static_cast<ssize_t>(got * sizeof(struct __evl_notification)) : rc;
}

unsigned int Observable::poll(unsigned int events) {
  MutexLock lock(&core_lock);
  unsigned int ready = writable_ > 0 ? POLLOUT | POLLWRNORM : 0;
  if (events == 0) {
    for (auto& o : observers_) {
      if (!o->stale && o->count > 0) return ready | POLLIN | POLLRDNORM;
    }
    return ready;
  }
  // A caller that never subscribed anywhere still learns about room to send;
  // waiting for input it cannot get is an error.
  const Observer* o = find_caller();
  if (o == nullptr && tls_subscriptions == nullptr && (events & (POLLIN | POLLRDNORM)) != 0) ready |= POLLERR;
  if (o != nullptr && !o->stale && o->count > 0) ready |= POLLIN | POLLRDNORM;
  return ready;
}

void Observable::flush() {
  {
    MutexLock lock(&core_lock);
    for (auto& o : observers_) {
      if (!o->stale) unlink(o.get());
    }
    readers_.flush(-EBADF);
  }
  owner_->notify_pollers();
}

int observable_of(int fd, FileRef* ref, Observable** out) {
  Element* e = Element::of(fd, ref);
  if (e == nullptr) return -EBADF;
  *out = e->observable();
  return *out != nullptr ? 0 : -EPERM;
}

}  // namespace oskit::evl::emul
