// Cross-buffers (libevl <evl/xbuf.h>; the EVL documentation's "Cross-buffer"
// page): two byte rings between the stages. oob_write() fills the ring read(2)
// empties (i_bufsz bytes), write(2) the one oob_read() empties (o_bufsz). A
// write is whole or waits for room (O_NONBLOCK: -EAGAIN); a read waits for
// the whole count unless O_NONBLOCK (then it takes what is there), or a
// writer waits for room on that ring (then it takes what is there rather
// than deadlock).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>

#include <atomic>
#include <memory>
#include <new>

#include "evl/xbuf.h"
#include "glue/evl/emul/element.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/emul/thread_record.h"
#include "glue/evl/emul/wait_queue.h"

namespace oskit::evl::emul {
namespace {

constexpr size_t kMaxRing = size_t{1} << 30;

class Ring {
 public:
  explicit Ring(size_t size) : bytes_(size != 0 ? new (std::nothrow) char[size] : nullptr), size_(size) {}
  bool allocated() const { return size_ == 0 || bytes_ != nullptr; }

  size_t capacity() const { return size_; }
  size_t fill() const { return fill_.load(std::memory_order_acquire); }
  size_t room() const { return size_ - fill(); }

  // Under core_lock.
  void put(const char* src, size_t len) {
    const size_t at = (rd_ + fill()) % size_;
    const size_t first = len < size_ - at ? len : size_ - at;
    memcpy(&bytes_[at], src, first);
    memcpy(&bytes_[0], src + first, len - first);
    fill_.store(fill() + len, std::memory_order_release);
  }
  void take(char* dst, size_t len) {
    const size_t first = len < size_ - rd_ ? len : size_ - rd_;
    memcpy(dst, &bytes_[rd_], first);
    memcpy(dst + first, &bytes_[0], len - first);
    rd_ = (rd_ + len) % size_;
    fill_.store(fill() - len, std::memory_order_release);
  }

  WaitQueue readers;
  WaitQueue writers;

 private:
  std::unique_ptr<char[]> bytes_;
  const size_t size_;
  size_t rd_ = 0;
  std::atomic<size_t> fill_{0};
};

class Xbuf : public Element {
 public:
  Xbuf(size_t i_bufsz, size_t o_bufsz) : Element(EVL_XBUF_DEV), to_inband_(i_bufsz), to_oob_(o_bufsz) {}

  bool allocated() const { return to_inband_.allocated() && to_oob_.allocated(); }

  ssize_t oob_read(oskit_evl_file* f, void* buf, size_t count) override {
    return receive(to_oob_, f, buf, count, true);
  }
  ssize_t oob_write(oskit_evl_file* f, const void* buf, size_t count) override {
    return send(to_inband_, f, buf, count, true);
  }
  ssize_t read(oskit_evl_file* f, void* buf, size_t count) override {
    return receive(to_inband_, f, buf, count, false);
  }
  ssize_t write(oskit_evl_file* f, const void* buf, size_t count) override {
    return send(to_oob_, f, buf, count, false);
  }

  // As the caller's stage sees it: out-of-band (evl_poll), data from
  // in-band and room toward in-band; in-band (poll(2), the kernel
  // descriptor), the other way round.
  unsigned int poll(oskit_evl_file*, unsigned int) override {
    const bool oob = caller_is_oob();
    const Ring& in = oob ? to_oob_ : to_inband_;
    const Ring& out = oob ? to_inband_ : to_oob_;
    unsigned int ready = 0;
    if (in.fill() > 0) ready |= POLLIN | POLLRDNORM;
    if (out.capacity() > 0 && out.room() > 0) ready |= POLLOUT | POLLWRNORM;
    return ready;
  }

  // Out-of-band waiters get -EIDRM, as the EVL core's release does; in-band
  // ones going through the file being closed, -EBADF.
  void flush(oskit_evl_file* f) override {
    MutexLock lock(&core_lock);
    for (Ring* r : {&to_inband_, &to_oob_}) {
      for (WaitQueue* q : {&r->readers, &r->writers}) {
        q->for_each([f](Waiter& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
          if (w.value != 0) {
            w.wake(-EIDRM);
          } else if (w.file == f) {
            w.wake(-EBADF);
          }
        });
      }
    }
  }

 private:
  // Waits on q; w.value marks an out-of-band waiter.
  static int wait_on(WaitQueue& q, oskit_evl_file* f, bool oob) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    Waiter w(current_thread());
    w.value = oob ? 1 : 0;
    w.file = f;
    q.enqueue(w);
    return block(w, Deadline::none());
  }

  ssize_t receive(Ring& r, oskit_evl_file* f, void* buf, size_t count, bool oob) {
    if (count == 0) return 0;
    if (r.capacity() == 0) return -ENOBUFS;
    if (oskit_evl_check_user(buf, count) != 0) return -EFAULT;
    const bool nonblock = (oskit_evl_file_flags(f) & O_NONBLOCK) != 0;
    size_t len = count;
    {
      MutexLock lock(&core_lock);
      for (;;) {
        const size_t avail = r.fill();
        if (avail >= len) break;
        if (nonblock || (avail > 0 && !r.writers.empty())) {
          if (avail == 0) return -EAGAIN;
          len = avail;
          break;
        }
        if (len > r.capacity()) return -EINVAL;
        const int rc = wait_on(r.readers, f, oob);
        if (rc != 0) return rc;
      }
      r.take(static_cast<char*>(buf), len);
      r.writers.flush(0);
    }
    notify_pollers();
    return static_cast<ssize_t>(len);
  }

  ssize_t send(Ring& r, oskit_evl_file* f, const void* buf, size_t count, bool oob) {
    if (count == 0) return 0;
    if (r.capacity() == 0) return -ENOBUFS;
    if (count > r.capacity()) return -EINVAL;
    if (oskit_evl_check_user(buf, count) != 0) return -EFAULT;
    const bool nonblock = (oskit_evl_file_flags(f) & O_NONBLOCK) != 0;
    {
      MutexLock lock(&core_lock);
      while (r.room() < count) {
        if (nonblock) return -EAGAIN;
        const int rc = wait_on(r.writers, f, oob);
        if (rc != 0) return rc;
      }
      r.put(static_cast<const char*>(buf), count);
      r.readers.flush(0);
    }
    notify_pollers();
    return static_cast<ssize_t>(count);
  }

  Ring to_inband_;
  Ring to_oob_;
};

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;

extern "C" {

int evl_create_xbuf(size_t i_bufsz, size_t o_bufsz, int flags, const char* fmt, ...) {
  if ((i_bufsz == 0 && o_bufsz == 0) || i_bufsz > kMaxRing || o_bufsz > kMaxRing) return -EINVAL;
  if (flags & ~(EVL_CLONE_PUBLIC | EVL_CLONE_NONBLOCK)) return -EINVAL;
  auto* x = new (std::nothrow) Xbuf(i_bufsz, o_bufsz);
  if (x == nullptr || !x->allocated()) {
    delete x;
    return -ENOMEM;
  }
  va_list ap;
  va_start(ap, fmt);
  const int fd = create_element(x, flags, fmt, ap);
  va_end(ap);
  return fd;
}

}  // extern "C"
