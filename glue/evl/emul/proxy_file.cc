#include "glue/evl/emul/proxy_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>

#include <new>
#include <string>

#include "evl/proxy.h"
#include "glue/evl/emul/element.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/naming.h"
#include "glue/evl/emul/proxy.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/stage_tracking.h"

namespace oskit::evl::emul {
namespace {

constexpr size_t kMaxBufsz = size_t{1} << 30;

Proxy* proxy_of(oskit_evl_file* f) { return static_cast<Proxy*>(f->private_data); }

ssize_t op_oob_write(oskit_evl_file* f, const void* buf, size_t n) { return proxy_of(f)->write(File::from(f), buf, n); }
ssize_t op_oob_read(oskit_evl_file* f, void* buf, size_t n) { return proxy_of(f)->read(File::from(f), buf, n); }

ssize_t op_write(oskit_evl_file* f, const void* buf, size_t n) {
  ssize_t rc = proxy_of(f)->write(File::from(f), buf, n);
  if (rc > 0) File::from(f)->sync_readiness();
  return rc;
}

ssize_t op_read(oskit_evl_file* f, void* buf, size_t n) { return proxy_of(f)->read(File::from(f), buf, n); }
unsigned int op_poll(oskit_evl_file* f, unsigned int events) { return proxy_of(f)->poll(events); }

// FIONREAD: the input bytes waiting (0 without an input side). Nothing else.
long op_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) {
  if (cmd != FIONREAD) return -ENOTTY;
  return oskit_evl_reply_fionread(arg, proxy_of(f)->input_waiting());
}
void op_flush(oskit_evl_file* f) { proxy_of(f)->flush(); }

void op_release(oskit_evl_file* f) {
  Proxy* p = proxy_of(f);
  p->stop_workers();
  delete p;
}

int op_mmap(oskit_evl_file* f, void* addr, size_t len, int prot, int flags, off_t off, void** mapped) {
  return proxy_of(f)->mmap(addr, len, prot, flags, off, mapped);
}

const oskit_evl_file_operations kProxyOps = {
    nullptr,       // open
    op_flush,      // flush
    op_release,    // release
    op_oob_read,   // oob_read
    op_oob_write,  // oob_write
    op_ioctl,      // oob_ioctl
    op_read,       // read
    op_write,      // write
    op_ioctl,      // ioctl
    op_poll,       // poll
    op_mmap,       // mmap
};

int check_args(size_t bufsz, size_t granularity, int* flags) {
  const int known = EVL_CLONE_PUBLIC | EVL_CLONE_NONBLOCK | EVL_CLONE_INPUT | EVL_CLONE_OUTPUT;
  if (*flags & ~known) return -EINVAL;
  if (bufsz > kMaxBufsz) return -EINVAL;
  if (granularity > 1 && bufsz % granularity != 0) return -EINVAL;
  bool dirs = (*flags & (EVL_CLONE_INPUT | EVL_CLONE_OUTPUT)) != 0;
  if (bufsz == 0 && dirs) return -EINVAL;
  if (bufsz != 0 && !dirs) *flags |= EVL_CLONE_OUTPUT;
  return 0;
}

int name_of(const char* fmt, va_list ap, int* flags, Name* name) {
  if (fmt == nullptr) return (*flags & EVL_CLONE_PUBLIC) ? -EINVAL : 0;
  if (int rc = vformat(name, fmt, ap); rc < 0) return rc;
  if (!name->empty() && (*name)[0] == '/') {
    *flags |= EVL_CLONE_PUBLIC;
    name->erase(0, 1);
  }
  if (check_name(*name) != 0) return -EINVAL;
  if (root_dir().size() + strlen("/proxy/") + name->size() >= PATH_MAX) return -ENAMETOOLONG;
  return 0;
}

Proxy* proxy_at(int fd, FileRef* ref) {
  *ref = lookup(fd);
  if (!*ref || (*ref)->fops != &kProxyOps) return nullptr;
  return proxy_of((*ref)->cfile());
}

}  // namespace

int create_proxy(int targetfd, size_t bufsz, size_t granularity, int flags, const char* fmt, va_list ap) {
  if (!core_running()) return -ENXIO;
  inband_syscall("evl_create_proxy");
  if (!start_readiness_relay()) return -ENOMEM;
  int rc = check_args(bufsz, granularity, &flags);
  if (rc < 0) return rc;
  Name name;
  rc = name_of(fmt, ap, &flags, &name);
  if (rc < 0) return rc;
  if (fcntl(targetfd, F_GETFD) < 0) return -EBADF;
  Proxy* p = new (std::nothrow) Proxy;
  if (p == nullptr) return -ENOMEM;
  rc = p->create(targetfd, bufsz, granularity, flags, name, (flags & EVL_CLONE_PUBLIC) != 0);
  if (rc < 0) {
    delete p;
    return rc;
  }
  int open_flags = O_RDWR | ((flags & EVL_CLONE_NONBLOCK) ? O_NONBLOCK : 0);
  int fd = open_file(nullptr, &kProxyOps, p, open_flags);
  if (fd < 0) {
    delete p;
    return fd;
  }
  FileRef f = lookup(fd);
  rc = p->start_workers(f.get());
  if (rc < 0) {
    f = FileRef();
    close_file(fd);
    return rc;
  }
  return fd;
}

int proxy_set_io(int fd, const oskit_evl_target_io* io) {
  FileRef ref;
  Proxy* p = proxy_at(fd, &ref);
  if (p == nullptr) return -EBADF;
  p->set_io(io);
  return 0;
}

int proxy_stats(int fd, oskit_evl_proxy_stats* s) {
  FileRef ref;
  Proxy* p = proxy_at(fd, &ref);
  if (p == nullptr || s == nullptr) return -EBADF;
  p->stats(s);
  return 0;
}

int proxy_hold_awake(int fd, bool on) {
  FileRef ref;
  Proxy* p = proxy_at(fd, &ref);
  if (p == nullptr) return -EBADF;
  p->hold_awake(on);
  return 0;
}

}  // namespace oskit::evl::emul
