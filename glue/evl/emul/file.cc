#include "glue/evl/emul/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <new>

#include "glue/evl/emul/device.h"
#include "glue/evl/emul/event.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/real.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/emul/user_access.h"

namespace oskit::evl::emul {
namespace {

constexpr size_t kFiller = 4000;  // beyond a quarter of the minimum SO_SNDBUF

// Wakes closers waiting for a file's other references to go.
const Event g_reference_dropped;

int make_pair(int sv[2]) {
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -errno;
  int small = 1;  // the kernel rounds up to its minimum
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  return 0;
}

}  // namespace

File::File(Device* d, const oskit_evl_file_operations* ops, void* private_data, int open_flags, int user_fd, int our_fd)
    : fops(ops), dev(d), ufd(user_fd), flags(open_flags), dfd_(our_fd) {
  handle_.c.fd = user_fd;
  handle_.c.device = reinterpret_cast<oskit_evl_device*>(d);
  handle_.c.private_data = private_data;
  handle_.owner = this;
}

void File::put() {
  refs_.fetch_sub(1, std::memory_order_seq_cst);
  g_reference_dropped.wake_waiters();
}

void File::await_sole_reference() const {
  g_reference_dropped.await([this] { return refs_.load(std::memory_order_seq_cst) <= 1; });
}

void File::sync_readiness() {
  static const char filler[kFiller] = {0};
  oskit::MutexLock lock(&ready_mu_);
  if (dfd_ < 0) return;
  unsigned int m = poll(0);
  // An error turns the descriptor readable, as a socket's pending error does:
  // a poller wakes and learns the rest from the file's own poll.
  bool in = (m & (POLLIN | POLLRDNORM | POLLERR)) != 0;
  bool out = (m & (POLLOUT | POLLWRNORM)) != 0;
  if (in != has_in_) {
    char c = 't';
    ssize_t rc = in ? real::send(dfd_, &c, 1, MSG_DONTWAIT) : real::recv(ufd, &c, 1, MSG_DONTWAIT);
    if (rc == 1) has_in_ = in;
  }
  if (out != has_out_) {
    static thread_local char sink[kFiller];
    ssize_t rc =
        out ? real::recv(dfd_, sink, sizeof sink, MSG_DONTWAIT) : real::send(ufd, filler, kFiller, MSG_DONTWAIT);
    if (rc == static_cast<ssize_t>(kFiller)) has_out_ = out;
  }
}

void File::close_kernel_side() {
  oskit::MutexLock lock(&ready_mu_);
  if (dfd_ >= 0) real::close(dfd_);
  dfd_ = -1;
}

int open_file(Device* dev, const oskit_evl_file_operations* fops, void* private_data, int flags) {
  inband_syscall("socketpair");
  if (!start_readiness_relay()) return -ENOMEM;
  install_user_access();
  int sv[2];
  int rc = make_pair(sv);
  if (rc < 0) return rc;
  if (flags & O_NONBLOCK) fcntl(sv[0], F_SETFL, O_NONBLOCK);
  File* f = new (std::nothrow) File(dev, fops, private_data, flags, sv[0], sv[1]);
  if (f == nullptr) {
    real::close(sv[0]);
    real::close(sv[1]);
    return -ENOMEM;
  }
  if (fops->open != nullptr) {
    rc = fops->open(f->cfile());
    if (rc != 0) {
      f->close_kernel_side();
      real::close(sv[0]);
      delete f;
      return rc < 0 ? rc : -rc;
    }
  }
  if (dev != nullptr) dev->opened();
  f->sync_readiness();
  if (!publish(sv[0], f)) {
    if (fops->release) fops->release(f->cfile());
    if (dev != nullptr) dev->closed();
    f->close_kernel_side();
    real::close(sv[0]);
    delete f;
    return -EMFILE;
  }
  return sv[0];
}

void File::drop_hold() {
  if (holds_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (fops->release != nullptr) fops->release(cfile());
  close_kernel_side();
  if (dev != nullptr) dev->closed();
  delete this;
}

int close_file(int fd) {
  File* f = unpublish(fd);
  if (f == nullptr) return -EBADF;
  inband_syscall("close");
  poll_event().wake_all();  // polling sets watching fd report POLLNVAL
  f->closing.store(true, std::memory_order_seq_cst);
  if (f->fops->flush != nullptr) f->fops->flush(f->cfile());
  await_no_hazard(f);
  f->await_sole_reference();
  // The kernel pair stops mirroring readiness once the caller's end closes.
  f->close_kernel_side();
  int rc = real::close(fd);
  int err = errno;
  forget(fd);
  f->drop_hold();
  return rc == 0 ? 0 : -err;
}

}  // namespace oskit::evl::emul

using oskit::evl::emul::File;

extern "C" {

int oskit_evl_file_flags(const struct oskit_evl_file* file) {
  return File::from(file)->flags.load(std::memory_order_relaxed);
}

int oskit_evl_file_set_nonblock(struct oskit_evl_file* file, int on) {
  auto& flags = File::from(file)->flags;
  int old = flags.load(std::memory_order_relaxed);
  while (!flags.compare_exchange_weak(old, on ? (old | O_NONBLOCK) : (old & ~O_NONBLOCK), std::memory_order_relaxed)) {
  }
  return 0;
}

int oskit_evl_file_closing(const struct oskit_evl_file* file) {
  return File::from(file)->closing.load(std::memory_order_acquire) ? 1 : 0;
}

void oskit_evl_file_notify(struct oskit_evl_file* file) { oskit::evl::emul::notify(File::from(file)); }

int oskit_evl_check_user(const void* ptr, size_t len) {
  return oskit::evl::emul::user_readable(ptr, len) ? 0 : -EFAULT;
}

int oskit_evl_check_user_write(void* ptr, size_t len) {
  return oskit::evl::emul::user_writable(ptr, len) ? 0 : -EFAULT;
}

long oskit_evl_reply_fionread(unsigned long arg, size_t count) {
  void* user = reinterpret_cast<void*>(arg);
  if (oskit_evl_check_user_write(user, sizeof(int)) != 0) return -EFAULT;
  const int n = count > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(count);
  memcpy(user, &n, sizeof n);
  return 0;
}

}  // extern "C"
