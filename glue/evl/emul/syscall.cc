// oob_read/oob_write/oob_ioctl (the EVL documentation's "Out-of-band I/O
// services" page), and the in-band calls the interposed C library entry points
// route to the emulation's descriptors.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "evl/syscall.h"
#include "glue/evl/driver.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/file.h"
#include "glue/evl/emul/real.h"
#include "glue/evl/emul/stage_tracking.h"

namespace oskit::evl::emul {
namespace {

bool readable(int flags) { return (flags & O_ACCMODE) == O_RDONLY || (flags & O_ACCMODE) == O_RDWR; }
bool writable(int flags) { return (flags & O_ACCMODE) == O_WRONLY || (flags & O_ACCMODE) == O_RDWR; }

template <typename T>
T fail(long negated) {
  errno = static_cast<int>(-negated);
  return static_cast<T>(-1);
}

// The core refuses out-of-band calls from threads not attached to it.
bool attached() { return self().stage != OSKIT_EVL_STAGE_UNATTACHED; }

template <typename T>
T result(long rc) {
  return rc < 0 ? fail<T>(rc) : static_cast<T>(rc);
}

using ReadOp = ssize_t (*)(struct oskit_evl_file*, void*, size_t);
using WriteOp = ssize_t (*)(struct oskit_evl_file*, const void*, size_t);

// A read through op (read or oob_read) of the file fd refers to: -EBADF
// unless it is open for reading, -EINVAL without op, -EFAULT for a buffer the
// caller cannot write, else op's result (errno set on failure).
ssize_t read_file(int fd, void* buf, size_t count, ReadOp oskit_evl_file_operations::*op) {
  FileRef f = lookup(fd);
  if (!f || !readable(f->flags.load(std::memory_order_relaxed))) return fail<ssize_t>(-EBADF);
  if (f->fops->*op == nullptr) return fail<ssize_t>(-EINVAL);
  if (oskit_evl_check_user_write(buf, count) != 0) return fail<ssize_t>(-EFAULT);
  return result<ssize_t>((f->fops->*op)(f->cfile(), buf, count));
}

// A write through op (write or oob_write), as read_file() reads.
ssize_t write_file(int fd, const void* buf, size_t count, WriteOp oskit_evl_file_operations::*op) {
  FileRef f = lookup(fd);
  if (!f || !writable(f->flags.load(std::memory_order_relaxed))) return fail<ssize_t>(-EBADF);
  if (f->fops->*op == nullptr) return fail<ssize_t>(-EINVAL);
  if (oskit_evl_check_user(buf, count) != 0) return fail<ssize_t>(-EFAULT);
  return result<ssize_t>((f->fops->*op)(f->cfile(), buf, count));
}

}  // namespace
}  // namespace oskit::evl::emul

using oskit::evl::emul::attached;
using oskit::evl::emul::enter_oob;
using oskit::evl::emul::fail;
using oskit::evl::emul::FileRef;
using oskit::evl::emul::inband_syscall;
using oskit::evl::emul::lookup;
using oskit::evl::emul::read_file;
using oskit::evl::emul::result;
using oskit::evl::emul::write_file;

extern "C" {

ssize_t oob_read(int efd, void* buf, size_t count) {
  if (!attached()) return fail<ssize_t>(-EPERM);
  enter_oob();
  return read_file(efd, buf, count, &oskit_evl_file_operations::oob_read);
}

ssize_t oob_write(int efd, const void* buf, size_t count) {
  if (!attached()) return fail<ssize_t>(-EPERM);
  enter_oob();
  return write_file(efd, buf, count, &oskit_evl_file_operations::oob_write);
}

int oob_ioctl(int efd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  unsigned long arg = va_arg(ap, unsigned long);
  va_end(ap);
  if (!attached()) return fail<int>(-EPERM);
  enter_oob();
  FileRef f = lookup(efd);
  if (!f) return fail<int>(-EBADF);
  if (f->fops->oob_ioctl == nullptr) return fail<int>(-ENOTTY);
  return result<int>(f->fops->oob_ioctl(f->cfile(), static_cast<unsigned int>(request), arg));
}

int oskit_evl_is_ours(int fd) { return oskit::evl::emul::is_ours(fd) ? 1 : 0; }

void oskit_evl_note_inband(const char* what) { inband_syscall(what); }

ssize_t oskit_evl_inband_read(int fd, void* buf, size_t count) {
  inband_syscall("read");
  return read_file(fd, buf, count, &oskit_evl_file_operations::read);
}

ssize_t oskit_evl_inband_write(int fd, const void* buf, size_t count) {
  inband_syscall("write");
  return write_file(fd, buf, count, &oskit_evl_file_operations::write);
}

int oskit_evl_inband_close(int fd) { return result<int>(oskit::evl::emul::close_file(fd)); }

int oskit_evl_inband_ioctl(int fd, unsigned long request, unsigned long arg) {
  inband_syscall("ioctl");
  FileRef f = lookup(fd);
  if (!f) return fail<int>(-EBADF);
  if (request == FIONBIO) {
    if (oskit_evl_check_user(reinterpret_cast<void*>(arg), sizeof(int)) != 0) return fail<int>(-EFAULT);
    int on = *reinterpret_cast<int*>(arg);
    int flags = f->flags.load(std::memory_order_relaxed);
    f->flags.store(on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK), std::memory_order_relaxed);
    return 0;
  }
  if (f->fops->ioctl == nullptr) return fail<int>(-ENOTTY);
  return result<int>(f->fops->ioctl(f->cfile(), static_cast<unsigned int>(request), arg));
}

void oskit_evl_inband_setfl(int fd, int flags) {
  FileRef f = lookup(fd);
  if (!f) return;
  int old = f->flags.load(std::memory_order_relaxed);
  f->flags.store((old & ~O_NONBLOCK) | (flags & O_NONBLOCK), std::memory_order_relaxed);
}

int oskit_evl_inband_getfl(int fd, int kernel_flags) {
  FileRef f = lookup(fd);
  if (!f) return kernel_flags;
  return (kernel_flags & ~O_NONBLOCK) | (f->flags.load(std::memory_order_relaxed) & O_NONBLOCK);
}

void* oskit_evl_inband_mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  inband_syscall("mmap");
  FileRef f = lookup(fd);
  if (!f) {
    errno = EBADF;
    return MAP_FAILED;
  }
  if (f->fops->mmap == nullptr) {
    errno = ENODEV;
    return MAP_FAILED;
  }
  void* mapped = MAP_FAILED;
  int rc = f->fops->mmap(f->cfile(), addr, length, prot, flags, offset, &mapped);
  if (rc < 0) {
    errno = -rc;
    return MAP_FAILED;
  }
  return mapped;
}

}  // extern "C"
