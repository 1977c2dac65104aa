// oob_read/oob_write/oob_ioctl (seed 000), the in-band calls routed from the
// interposed C library entry points, and the device registry.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <mutex>

#include <boost/intrusive/list.hpp>

#include "glue/evl/driver.h"
#include "glue/evl/emul/core.h"
#include "glue/evl/emul/device.h"
#include "glue/evl/emul/real.h"
#include "evl/syscall.h"

namespace oskit::evl::emul {
namespace {

bool readable(int flags) { return (flags & O_ACCMODE) == O_RDONLY || (flags & O_ACCMODE) == O_RDWR; }
bool writable(int flags) { return (flags & O_ACCMODE) == O_WRONLY || (flags & O_ACCMODE) == O_RDWR; }

template <typename T>
T fail(long negated) {
  errno = static_cast<int>(-negated);
  return static_cast<T>(-1);
}

template <typename T>
T result(long rc) {
  return rc < 0 ? fail<T>(rc) : static_cast<T>(rc);
}

using DeviceList = boost::intrusive::list<Device>;

std::mutex& registry_mu() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}

DeviceList& registry() {
  static DeviceList* list = new DeviceList;
  return *list;
}

Device* find_device(const std::string& name) {
  for (Device& d : registry()) {
    if (d.name() == name) return &d;
  }
  return nullptr;
}

}  // namespace
}  // namespace oskit::evl::emul

using oskit::evl::emul::enter_oob;
using oskit::evl::emul::fail;
using oskit::evl::emul::FileRef;
using oskit::evl::emul::inband_syscall;
using oskit::evl::emul::lookup;
using oskit::evl::emul::readable;
using oskit::evl::emul::result;
using oskit::evl::emul::writable;

extern "C" {

ssize_t oob_read(int efd, void* buf, size_t count) {
  enter_oob();
  FileRef f = lookup(efd);
  if (!f || !readable(f->flags.load(std::memory_order_relaxed))) return fail<ssize_t>(-EBADF);
  if (f->fops->oob_read == nullptr) return fail<ssize_t>(-EINVAL);
  if (oskit_evl_check_user(buf, count) != 0) return fail<ssize_t>(-EFAULT);
  return result<ssize_t>(f->fops->oob_read(&f->cfile, buf, count));
}

ssize_t oob_write(int efd, const void* buf, size_t count) {
  enter_oob();
  FileRef f = lookup(efd);
  if (!f || !writable(f->flags.load(std::memory_order_relaxed))) return fail<ssize_t>(-EBADF);
  if (f->fops->oob_write == nullptr) return fail<ssize_t>(-EINVAL);
  if (oskit_evl_check_user(buf, count) != 0) return fail<ssize_t>(-EFAULT);
  return result<ssize_t>(f->fops->oob_write(&f->cfile, buf, count));
}

int oob_ioctl(int efd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  unsigned long arg = va_arg(ap, unsigned long);
  va_end(ap);
  enter_oob();
  FileRef f = lookup(efd);
  if (!f) return fail<int>(-EBADF);
  if (f->fops->oob_ioctl == nullptr) return fail<int>(-ENOTTY);
  return result<int>(f->fops->oob_ioctl(&f->cfile, static_cast<unsigned int>(request), arg));
}

int oskit_evl_is_ours(int fd) { return oskit::evl::emul::is_ours(fd) ? 1 : 0; }

void oskit_evl_note_inband(const char* what) { inband_syscall(what); }

ssize_t oskit_evl_inband_read(int fd, void* buf, size_t count) {
  inband_syscall("read");
  FileRef f = lookup(fd);
  if (!f || !readable(f->flags.load(std::memory_order_relaxed))) return fail<ssize_t>(-EBADF);
  if (f->fops->read == nullptr) return fail<ssize_t>(-EINVAL);
  if (oskit_evl_check_user(buf, count) != 0) return fail<ssize_t>(-EFAULT);
  return result<ssize_t>(f->fops->read(&f->cfile, buf, count));
}

ssize_t oskit_evl_inband_write(int fd, const void* buf, size_t count) {
  inband_syscall("write");
  FileRef f = lookup(fd);
  if (!f || !writable(f->flags.load(std::memory_order_relaxed))) return fail<ssize_t>(-EBADF);
  if (f->fops->write == nullptr) return fail<ssize_t>(-EINVAL);
  if (oskit_evl_check_user(buf, count) != 0) return fail<ssize_t>(-EFAULT);
  return result<ssize_t>(f->fops->write(&f->cfile, buf, count));
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
  return result<int>(f->fops->ioctl(&f->cfile, static_cast<unsigned int>(request), arg));
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
  int rc = f->fops->mmap(&f->cfile, addr, length, prot, flags, offset, &mapped);
  if (rc < 0) {
    errno = -rc;
    return MAP_FAILED;
  }
  return mapped;
}

int oskit_evl_register_device(const char* name, const struct oskit_evl_file_operations* fops, void* drvdata,
                              struct oskit_evl_device** devp) {
  using oskit::evl::emul::Device;
  if (name == nullptr || fops == nullptr || devp == nullptr) return -EINVAL;
  std::string n(name);
  if (oskit::evl::emul::check_name(n) != 0) return -EINVAL;
  std::lock_guard<std::mutex> lock(oskit::evl::emul::registry_mu());
  if (oskit::evl::emul::find_device(n) != nullptr) return -EEXIST;
  Device* d = new (std::nothrow) Device(n, fops, drvdata);
  if (d == nullptr) return -ENOMEM;
  oskit::evl::emul::registry().push_back(*d);
  *devp = d->handle();
  return 0;
}

int oskit_evl_unregister_device(struct oskit_evl_device* dev) {
  using oskit::evl::emul::Device;
  if (dev == nullptr) return -EINVAL;
  Device* d = Device::from(dev);
  std::lock_guard<std::mutex> lock(oskit::evl::emul::registry_mu());
  if (d->open_files() != 0) return -EBUSY;
  oskit::evl::emul::registry().erase(oskit::evl::emul::registry().iterator_to(*d));
  delete d;
  return 0;
}

void* oskit_evl_device_data(const struct oskit_evl_device* dev) {
  return reinterpret_cast<const oskit::evl::emul::Device*>(dev)->data();
}

int oskit_evl_open(const char* name, int flags) {
  using oskit::evl::emul::Device;
  if (!oskit::evl::emul::initialised()) return -ENXIO;
  if (name == nullptr) return -EINVAL;
  if (flags & ~(O_ACCMODE | O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
  if ((flags & O_ACCMODE) == O_ACCMODE) return -EINVAL;
  Device* d;
  {
    std::lock_guard<std::mutex> lock(oskit::evl::emul::registry_mu());
    d = oskit::evl::emul::find_device(name);
    if (d == nullptr) return -ENODEV;
    d->opened();  // pins the device while it opens
  }
  int fd = oskit::evl::emul::open_file(d, d->fops(), nullptr, flags & ~O_CLOEXEC);
  d->closed();
  return fd;
}

}  // extern "C"
