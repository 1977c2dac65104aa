// The loopback sample driver (glue/evl/loopback.h), written against the
// driver API as an out-of-tree driver would be.
#include "glue/evl/loopback.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "glue/env/env.h"
#include "glue/evl/driver.h"
#include "glue/evl/driver_devctl.h"
#include "oskit/sync/mutex.h"

namespace {

constexpr unsigned int kDefaultCapacity = 64 * 1024;
constexpr unsigned int kMaxCapacity = 16 * 1024 * 1024;

struct Loopback {
  oskit::Mutex mu;
  std::vector<char> ring ABSL_GUARDED_BY(mu);
  size_t head ABSL_GUARDED_BY(mu) = 0;
  size_t fill ABSL_GUARDED_BY(mu) = 0;
  oskit_loopback_stats stats ABSL_GUARDED_BY(mu) = {0, 0, 0, 0};
  std::vector<oskit_evl_file*, oskit::env::Allocator<oskit_evl_file*>> files ABSL_GUARDED_BY(mu);
  oskit_evl_waitq readers = {0, 0};
  oskit_evl_waitq writers = {0, 0};
  oskit_evl_device* dev = nullptr;
};

Loopback* lb(oskit_evl_file* f) { return static_cast<Loopback*>(oskit_evl_device_data(f->device)); }
bool nonblocking(oskit_evl_file* f) { return (oskit_evl_file_flags(f) & O_NONBLOCK) != 0; }

// Tells every opener's poller that the ring changed: outside the lock (a
// notification polls the device), copying the openers a batch at a time on
// the stack, so that a transfer allocates nothing.
void notify_all(Loopback* l) {
  constexpr size_t kBatch = 16;
  oskit_evl_file* batch[kBatch];
  for (size_t done = 0;;) {
    size_t n = 0;
    {
      oskit::MutexLock lock(&l->mu);
      while (n < kBatch && done + n < l->files.size()) {
        batch[n] = l->files[done + n];
        ++n;
      }
    }
    for (size_t i = 0; i < n; ++i) oskit_evl_file_notify(batch[i]);
    if (n < kBatch) break;
    done += n;
  }
  oskit_evl_waitq_wake_all(&l->readers);
  oskit_evl_waitq_wake_all(&l->writers);
}

int lb_open(oskit_evl_file* f) {
  Loopback* l = lb(f);
  oskit::MutexLock lock(&l->mu);
  try {
    l->files.push_back(f);
  } catch (const std::bad_alloc&) {
    return -ENOMEM;
  }
  return 0;
}

void lb_flush(oskit_evl_file* f) {
  Loopback* l = lb(f);
  {
    oskit::MutexLock lock(&l->mu);
    l->files.erase(std::remove(l->files.begin(), l->files.end(), f), l->files.end());
  }
  oskit_evl_waitq_wake_all(&l->readers);
  oskit_evl_waitq_wake_all(&l->writers);
}

ssize_t lb_write(oskit_evl_file* f, const void* buf, size_t count) {
  Loopback* l = lb(f);
  if (count == 0) return 0;
  for (;;) {
    unsigned int ticket = oskit_evl_waitq_ticket(&l->writers);
    {
      oskit::MutexLock lock(&l->mu);
      size_t cap = l->ring.size();
      if (count > cap) return -EFBIG;
      if (cap - l->fill >= count) {
        size_t tail = (l->head + l->fill) % cap;
        size_t first = std::min(count, cap - tail);
        memcpy(&l->ring[tail], buf, first);
        memcpy(&l->ring[0], static_cast<const char*>(buf) + first, count - first);
        l->fill += count;
        l->stats.bytes_written += count;
        l->stats.writes++;
        break;
      }
    }
    if (nonblocking(f)) return -EAGAIN;
    if (oskit_evl_file_closing(f)) return -EBADF;
    oskit_evl_waitq_wait(&l->writers, ticket);
  }
  notify_all(l);
  return static_cast<ssize_t>(count);
}

ssize_t lb_read(oskit_evl_file* f, void* buf, size_t count) {
  Loopback* l = lb(f);
  if (count == 0) return 0;
  size_t n;
  for (;;) {
    unsigned int ticket = oskit_evl_waitq_ticket(&l->readers);
    {
      oskit::MutexLock lock(&l->mu);
      if (l->fill > 0) {
        size_t cap = l->ring.size();
        n = std::min(count, l->fill);
        size_t first = std::min(n, cap - l->head);
        memcpy(buf, &l->ring[l->head], first);
        memcpy(static_cast<char*>(buf) + first, &l->ring[0], n - first);
        l->head = (l->head + n) % cap;
        l->fill -= n;
        l->stats.bytes_read += n;
        l->stats.reads++;
        break;
      }
    }
    if (nonblocking(f)) return -EAGAIN;
    if (oskit_evl_file_closing(f)) return -EBADF;
    oskit_evl_waitq_wait(&l->readers, ticket);
  }
  notify_all(l);
  return static_cast<ssize_t>(n);
}

long wait_fill(oskit_evl_file* f, __u32 threshold) {
  Loopback* l = lb(f);
  for (;;) {
    unsigned int ticket = oskit_evl_waitq_ticket(&l->readers);
    {
      oskit::MutexLock lock(&l->mu);
      if (threshold > l->ring.size()) return -EINVAL;
      if (l->fill >= threshold) return 0;
    }
    if (nonblocking(f)) return -EAGAIN;
    if (oskit_evl_file_closing(f)) return -EBADF;
    oskit_evl_waitq_wait(&l->readers, ticket);
  }
}

long set_capacity(oskit_evl_file* f, __u32 capacity) {
  Loopback* l = lb(f);
  if (capacity == 0 || capacity > kMaxCapacity) return -EINVAL;
  {
    oskit::MutexLock lock(&l->mu);
    if (l->fill != 0) return -EBUSY;
    l->ring.assign(capacity, 0);
    l->head = 0;
  }
  notify_all(l);
  return 0;
}

// The ioctls, served as devctl commands (glue/evl/driver_devctl.h): dispatch
// has checked the open mode and size, and msg->data is a bounce buffer of
// exactly the encoded size.

oskit_evl_file* file_of(void* dev) { return static_cast<oskit_evl_file*>(dev); }

oskit_error_t from_errno(long rc) { return rc < 0 ? oskit_error_from_errno(static_cast<int>(-rc)) : 0; }

template <typename T>
oskit_error_t reply(oskit_devctl_msg* msg, const T& value) {
  memcpy(msg->data, &value, sizeof value);
  msg->out_nbytes = sizeof value;
  return 0;
}

template <typename T>
T request(const oskit_devctl_msg* msg) {
  T value;
  memcpy(&value, msg->data, sizeof value);
  return value;
}

oskit_error_t get_config(void* dev, oskit_devctl_msg* msg) {
  Loopback* l = lb(file_of(dev));
  oskit_loopback_config c;
  {
    oskit::MutexLock lock(&l->mu);
    c.capacity = static_cast<__u32>(l->ring.size());
    c.fill = static_cast<__u32>(l->fill);
  }
  return reply(msg, c);
}

oskit_error_t get_stats(void* dev, oskit_devctl_msg* msg) {
  Loopback* l = lb(file_of(dev));
  oskit_loopback_stats st;
  {
    oskit::MutexLock lock(&l->mu);
    st = l->stats;
  }
  return reply(msg, st);
}

oskit_error_t resize(void* dev, oskit_devctl_msg* msg) {
  return from_errno(set_capacity(file_of(dev), request<__u32>(msg)));
}

oskit_error_t await_fill(void* dev, oskit_devctl_msg* msg) {
  return from_errno(wait_fill(file_of(dev), request<__u32>(msg)));
}

oskit_error_t exchange(void*, oskit_devctl_msg* msg) {
  oskit_loopback_xchg x = request<oskit_loopback_xchg>(msg);
  x.out = x.in + 1;
  return reply(msg, x);
}

oskit_error_t reset(void* dev, oskit_devctl_msg*) {
  Loopback* l = lb(file_of(dev));
  {
    oskit::MutexLock lock(&l->mu);
    l->fill = 0;
    l->head = 0;
  }
  notify_all(l);
  return 0;
}

const oskit_devctl_command kLoopbackCommands[] = {
    {oskit_devctl_from_ioc(OSKIT_LOOPBACK_GET_CONFIG), get_config},
    {oskit_devctl_from_ioc(OSKIT_LOOPBACK_GET_STATS), get_stats},
    {oskit_devctl_from_ioc(OSKIT_LOOPBACK_SET_CAPACITY), resize},
    {oskit_devctl_from_ioc(OSKIT_LOOPBACK_WAIT_FILL), await_fill},
    {oskit_devctl_from_ioc(OSKIT_LOOPBACK_XCHG), exchange},
    {oskit_devctl_from_ioc(OSKIT_LOOPBACK_RESET), reset},
};

long lb_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) {
  if (cmd == FIONREAD) {
    Loopback* l = lb(f);
    size_t fill;
    {
      oskit::MutexLock lock(&l->mu);
      fill = (oskit_evl_file_flags(f) & O_ACCMODE) == O_WRONLY ? 0 : l->fill;
    }
    return oskit_evl_reply_fionread(arg, fill);
  }
  return oskit_evl_devctl_ioctl(f, kLoopbackCommands, sizeof kLoopbackCommands / sizeof kLoopbackCommands[0], cmd, arg);
}

unsigned int lb_poll(oskit_evl_file* f, unsigned int) {
  Loopback* l = lb(f);
  int acc = oskit_evl_file_flags(f) & O_ACCMODE;
  oskit::MutexLock lock(&l->mu);
  unsigned int m = 0;
  if (acc != O_WRONLY && l->fill > 0) m |= POLLIN | POLLRDNORM;
  if (acc != O_RDONLY && l->fill < l->ring.size()) m |= POLLOUT | POLLWRNORM;
  return m;
}

const oskit_evl_file_operations kLoopbackOps = {
    lb_open,   // open
    lb_flush,  // flush
    nullptr,   // release
    lb_read,   // oob_read
    lb_write,  // oob_write
    lb_ioctl,  // oob_ioctl
    lb_read,   // read
    lb_write,  // write
    lb_ioctl,  // ioctl
    lb_poll,   // poll
    nullptr,   // mmap
};

struct Devices {
  oskit::Mutex mu;
  std::map<std::string, Loopback*> by_name ABSL_GUARDED_BY(mu);
};

Devices& devices() {
  static auto* d = new Devices;
  return *d;
}

}  // namespace

extern "C" {

int oskit_loopback_register(const char* name, unsigned int capacity) {
  if (name == nullptr) return -EINVAL;
  if (capacity > kMaxCapacity) return -EINVAL;
  std::unique_ptr<Loopback> l(new (std::nothrow) Loopback);
  if (l == nullptr) return -ENOMEM;
  {
    oskit::MutexLock lock(&l->mu);
    l->ring.assign(capacity ? capacity : kDefaultCapacity, 0);
  }
  Devices& d = devices();
  oskit::MutexLock lock(&d.mu);
  int rc = oskit_evl_register_device(name, &kLoopbackOps, l.get(), &l->dev);
  if (rc < 0) return rc;
  d.by_name[name] = l.release();
  return 0;
}

int oskit_loopback_unregister(const char* name) {
  if (name == nullptr) return -EINVAL;
  Devices& d = devices();
  oskit::MutexLock lock(&d.mu);
  auto it = d.by_name.find(name);
  if (it == d.by_name.end()) return -ENODEV;
  int rc = oskit_evl_unregister_device(it->second->dev);
  if (rc < 0) return rc;
  delete it->second;
  d.by_name.erase(it);
  return 0;
}

}  // extern "C"
