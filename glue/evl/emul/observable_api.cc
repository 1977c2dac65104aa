// libevl's <evl/observable.h>: observable elements (/dev/evl/observable/),
// notices sent and received in-band (write(2), read(2)) or out-of-band
// (oob_write(), oob_read()) as libevl picks them.
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <new>

#include "evl/observable.h"
#include "evl/syscall.h"
#include "glue/evl/emul/element.h"
#include "glue/evl/emul/observable.h"
#include "glue/evl/emul/thread_element.h"

namespace oskit::evl::emul {
namespace {

static_assert(sizeof(struct evl_notification) == sizeof(struct __evl_notification) &&
                  offsetof(struct evl_notification, date) == offsetof(struct __evl_notification, date),
              "notifications are read straight into the caller's records");

constexpr int kCreateFlags = EVL_CLONE_PUBLIC | EVL_CLONE_OBSERVABLE | EVL_CLONE_MASTER | EVL_CLONE_NONBLOCK;

class ObservableElement : public Element {
 public:
  explicit ObservableElement(bool master) : Element(EVL_OBSERVABLE_DEV), observable_(this, master) {}

  Observable* observable() override { return &observable_; }
  ssize_t oob_read(oskit_evl_file* f, void* buf, size_t count) override {
    return observable_read(&observable_, f, buf, count);
  }
  ssize_t oob_write(oskit_evl_file*, const void* buf, size_t count) override { return observable_.write(buf, count); }
  ssize_t read(oskit_evl_file* f, void* buf, size_t count) override { return oob_read(f, buf, count); }
  ssize_t write(oskit_evl_file* f, const void* buf, size_t count) override { return oob_write(f, buf, count); }
  long ioctl(oskit_evl_file*, unsigned int cmd, unsigned long arg) override {
    return observable_ioctl(&observable_, cmd, arg);
  }
  unsigned int poll(oskit_evl_file*, unsigned int events) override { return observable_.poll(events); }
  void flush(oskit_evl_file*) override { observable_.flush(); }

 private:
  Observable observable_;
};

// Threads not attached, and SCHED_WEAK ones, use the in-band calls.
bool wants_oob_io() {
  ThreadRecord* t = current_thread();
  if (t == nullptr) return false;
  MutexLock lock(&core_lock);
  return t->policy != SCHED_WEAK;
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;

extern "C" {

int evl_create_observable(int flags, const char* fmt, ...) {
  if (flags & ~kCreateFlags) return -EINVAL;
  auto* e = new (std::nothrow) ObservableElement((flags & EVL_CLONE_MASTER) != 0);
  if (e == nullptr) return -ENOMEM;
  va_list ap;
  va_start(ap, fmt);
  const int fd = create_element(e, flags & (EVL_CLONE_PUBLIC | EVL_CLONE_NONBLOCK), fmt, ap);
  va_end(ap);
  return fd;
}

int evl_update_observable(int ofd, const struct evl_notice* ntc, int nr) {
  const size_t len = static_cast<size_t>(nr) * sizeof(*ntc);
  const ssize_t rc = wants_oob_io() ? oob_write(ofd, ntc, len) : write(ofd, ntc, len);
  if (rc < 0) return errno == EAGAIN ? 0 : -errno;
  return static_cast<int>(rc / sizeof(*ntc));
}

int evl_read_observable(int ofd, struct evl_notification* nf, int nr) {
  const size_t len = static_cast<size_t>(nr) * sizeof(*nf);
  const ssize_t rc = wants_oob_io() ? oob_read(ofd, nf, len) : read(ofd, nf, len);
  if (rc < 0) return -errno;
  return static_cast<int>(rc / sizeof(*nf));
}

}  // extern "C"
