// Observables (the EVL documentation's "Observable" page): notices sent to an
// observable are queued for each thread subscribed to it (attached or not),
// or for one of them in turn with EVL_CLONE_MASTER; each subscriber reads its
// own queue. A thread attached with EVL_CLONE_OBSERVABLE is an observable
// too, which also receives the core's health-monitoring notices.
#ifndef GLUE_EVL_EMUL_OBSERVABLE_H
#define GLUE_EVL_EMUL_OBSERVABLE_H

#include <sys/types.h>

#include <cstdint>
#include <list>
#include <memory>
#include <vector>

#include "evl/observable.h"
#include "glue/evl/emul/core_lock.h"
#include "glue/evl/emul/wait_queue.h"

namespace oskit::evl::emul {

class Element;

class Observable {
 public:
  // owner: the element whose files reach this observable.
  Observable(Element* owner, bool master);
  Observable(const Observable&) = delete;
  Observable& operator=(const Observable&) = delete;
  ~Observable();

  // Subscribes the calling thread with room for backlog notifications:
  // 0, -EINVAL, -EEXIST (already subscribed), -ENOMEM.
  int subscribe(unsigned int backlog, int flags);
  // 0, -ENOENT (the caller is not subscribed).
  int unsubscribe();

  // Queues the notices at buf (whole struct evl_notice records): the bytes of
  // those some subscriber took, -EINVAL (partial record, tag below
  // EVL_NOTICE_USER), -EFAULT.
  ssize_t write(const void* buf, size_t count);
  // Queues a notice of the core (a health-monitoring diagnostic).
  void send(uint32_t tag, union evl_value event);
  // Takes the caller's notifications (whole struct __evl_notification
  // records), waiting for the first unless nonblock: the bytes read, -ENXIO
  // (not subscribed), -EAGAIN, -EBADF (the observable was closed), -EINVAL,
  // -EINTR.
  ssize_t read(void* buf, size_t count, bool nonblock);
  // POLLIN when the caller has a notification waiting (events: the in-band
  // view when 0: any subscriber has one), POLLOUT while some subscriber has
  // room; POLLERR for a thread which never subscribed to anything.
  unsigned int poll(unsigned int events);
  // A file of the observable is being closed: every subscription ends,
  // readers get -EBADF.
  void flush();

 private:
  struct Observer;
  Observer* find_caller() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  bool push(const struct evl_notice& notice, pid_t issuer, const struct timespec& date)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void unlink(Observer* o) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void drop(uint64_t subscriber) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);
  void changed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock);

  friend struct Subscriptions;

  Element* const owner_;
  const bool master_;
  std::list<std::unique_ptr<Observer>> observers_ ABSL_GUARDED_BY(core_lock);
  uint32_t serial_ ABSL_GUARDED_BY(core_lock) = 0;
  int writable_ ABSL_GUARDED_BY(core_lock) = 0;  // observers with room
  WaitQueue readers_;
};

// The observable behind descriptor fd (an observable, or an observable
// thread), with its element held by ref. -EBADF (not an EVL file) or -EPERM
// (no observable behind it).
int observable_of(int fd, class FileRef* ref, Observable** out);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_OBSERVABLE_H
