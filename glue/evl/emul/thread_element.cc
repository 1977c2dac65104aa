#include "glue/evl/emul/thread_element.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include "glue/evl/emul/monitor.h"
#include "uapi/evl/signal.h"

namespace oskit::evl::emul {

ThreadElement::ThreadElement(bool observable, bool master)
    : Element(EVL_THREAD_DEV),
      observable_(observable ? new Observable(this, master) : nullptr),
      record(next_handle(), observable_.get()) {}

ssize_t ThreadElement::oob_read(oskit_evl_file* f, void* buf, size_t count) {
  return observable_ ? observable_read(observable_.get(), f, buf, count) : -EPERM;
}

ssize_t ThreadElement::oob_write(oskit_evl_file*, const void* buf, size_t count) {
  return observable_ ? observable_->write(buf, count) : -EPERM;
}

ssize_t ThreadElement::read(oskit_evl_file* f, void* buf, size_t count) { return oob_read(f, buf, count); }

ssize_t ThreadElement::write(oskit_evl_file* f, const void* buf, size_t count) { return oob_write(f, buf, count); }

long ThreadElement::ioctl(oskit_evl_file*, unsigned int cmd, unsigned long arg) {
  return observable_ ? observable_ioctl(observable_.get(), cmd, arg) : -ENOTTY;
}

unsigned int ThreadElement::poll(oskit_evl_file*, unsigned int events) {
  return observable_ ? observable_->poll(events) : POLLERR;
}

ThreadRecord* thread_of(int fd, FileRef* ref) {
  auto* t = static_cast<ThreadElement*>(Element::of(fd, ref, EVL_THREAD_DEV));
  return t != nullptr ? &t->record : nullptr;
}

ssize_t observable_read(Observable* o, oskit_evl_file* f, void* buf, size_t count) {
  return o->read(buf, count, (oskit_evl_file_flags(f) & O_NONBLOCK) != 0);
}

long observable_ioctl(Observable* o, unsigned int cmd, unsigned long arg) {
  switch (cmd) {
    case EVL_OBSIOC_SUBSCRIBE: {
      const auto* sub = reinterpret_cast<const struct evl_subscription*>(arg);
      if (oskit_evl_check_user(sub, sizeof *sub) != 0) return -EFAULT;
      return o->subscribe(sub->backlog_count, static_cast<int>(sub->flags));
    }
    case EVL_OBSIOC_UNSUBSCRIBE:
      return o->unsubscribe();
    default:
      return -ENOTTY;
  }
}

void switched_inband(int cause) {
  ThreadRecord* t = current_thread();
  if (t == nullptr) return;
  t->switches_inband.fetch_add(1, std::memory_order_relaxed);
  __u32 mode;
  {
    MutexLock lock(&core_lock);
    mode = t->mode;
  }
  if (!(mode & T_WOSS)) return;
  if (mode & T_HMSIG) {
    union sigval value;
    value.sival_int = static_cast<int>(sigdebug_marker | static_cast<unsigned int>(cause));
    pthread_sigqueue(pthread_self(), SIGDEBUG, value);
  }
  if ((mode & T_HMOBS) && t->observable != nullptr) t->observable->send(static_cast<uint32_t>(cause), evl_nil);
}

}  // namespace oskit::evl::emul
