// Polling sets (evl_new_poll, evl_poll...): each watched descriptor's poll
// operation is asked for the events; waiters sleep until some file notifies.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include <boost/intrusive/list.hpp>

#include "glue/env/env.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/file.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/stage_tracking.h"
#include "oskit/sync/mutex.h"
#include "evl/poll.h"

namespace oskit::evl::emul {
namespace {

struct Watch : public boost::intrusive::list_base_hook<>, oskit::env::EnvAllocated<Watch> {
  int fd;
  unsigned int events;
};

struct PollSet : oskit::env::EnvAllocated<PollSet> {
  oskit::Mutex mu;
  boost::intrusive::list<Watch> watches ABSL_GUARDED_BY(mu);
  ~PollSet() {
    oskit::MutexLock lock(&mu);
    watches.clear_and_dispose([](Watch* w) { delete w; });
  }
  Watch* find(int fd) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    for (Watch& w : watches) {
      if (w.fd == fd) return &w;
    }
    return nullptr;
  }
};

unsigned int set_poll(oskit_evl_file*, unsigned int) { return 0; }
void set_flush(oskit_evl_file*) { poll_event().wake_all(); }
void set_release(oskit_evl_file* f) { delete static_cast<PollSet*>(f->private_data); }

const oskit_evl_file_operations kPollOps = {
    nullptr, set_flush, set_release, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, set_poll, nullptr,
};

PollSet* set_at(int efd, FileRef* ref) {
  *ref = lookup(efd);
  if (!*ref || (*ref)->fops != &kPollOps) return nullptr;
  return static_cast<PollSet*>((*ref)->cfile()->private_data);
}

// What scan() asks of one watched descriptor.
struct Interest {
  int fd;
  unsigned int events;
};
constexpr int kScanBatch = 16;

// Copies up to kScanBatch watches from the skip-th on; how many it copied.
int copy_watches(PollSet* set, int skip, Interest* out) {
  oskit::MutexLock lock(&set->mu);
  int n = 0;
  for (const Watch& w : set->watches) {
    if (skip > 0) {
      --skip;
      continue;
    }
    out[n++] = Interest{w.fd, w.events};
    if (n == kScanBatch) break;
  }
  return n;
}

// Fills pollset with ready entries; forgets descriptors closed meanwhile.
// The watches are asked outside the set's lock, a batch at a time on the
// stack: scanning allocates nothing.
int scan(PollSet* set, struct evl_poll_event* out, int nr) {
  Interest batch[kScanBatch];
  int count = 0;
  for (int done = 0;;) {
    const int n = copy_watches(set, done, batch);
    for (int i = 0; i < n; ++i) {
      FileRef f = lookup(batch[i].fd);
      if (!f) continue;
      const unsigned int events = batch[i].events;
      unsigned int m = f->poll(events) & (events | POLLERR | POLLHUP | POLLNVAL);
      if (m == 0) continue;
      out[count].fd = static_cast<__u32>(batch[i].fd);
      out[count].events = m;
      if (++count == nr) return count;
    }
    if (n < kScanBatch) return count;
    done += n;
  }
}

}  // namespace
}  // namespace oskit::evl::emul

using oskit::evl::emul::FileRef;

extern "C" {

int evl_new_poll(void) {
  using namespace oskit::evl::emul;
  if (!initialised()) return -ENXIO;
  PollSet* set = new (std::nothrow) PollSet;
  if (set == nullptr) return -ENOMEM;
  int fd = open_file(nullptr, &kPollOps, set, O_RDWR);
  if (fd < 0) delete set;
  return fd;
}

int evl_add_pollfd(int efd, int newfd, unsigned int events) {
  using namespace oskit::evl::emul;
  FileRef ref, target;
  PollSet* set = set_at(efd, &ref);
  if (set == nullptr) return -EBADF;
  target = lookup(newfd);
  if (!target) return -EBADF;
  if (target->fops == &kPollOps) return -ELOOP;
  oskit::MutexLock lock(&set->mu);
  if (set->find(newfd) != nullptr) return -EEXIST;
  Watch* w = new (std::nothrow) Watch;
  if (w == nullptr) return -ENOMEM;
  w->fd = newfd;
  w->events = events;
  set->watches.push_back(*w);
  poll_event().wake_all();
  return 0;
}

int evl_del_pollfd(int efd, int delfd) {
  using namespace oskit::evl::emul;
  FileRef ref;
  PollSet* set = set_at(efd, &ref);
  if (set == nullptr) return -EBADF;
  oskit::MutexLock lock(&set->mu);
  Watch* w = set->find(delfd);
  if (w == nullptr) return -ENOENT;
  set->watches.erase(set->watches.iterator_to(*w));
  delete w;
  return 0;
}

int evl_mod_pollfd(int efd, int modfd, unsigned int events) {
  using namespace oskit::evl::emul;
  FileRef ref;
  PollSet* set = set_at(efd, &ref);
  if (set == nullptr) return -EBADF;
  oskit::MutexLock lock(&set->mu);
  Watch* w = set->find(modfd);
  if (w == nullptr) return -ENOENT;
  w->events = events;
  poll_event().wake_all();
  return 0;
}

int evl_timedpoll(int efd, struct evl_poll_event* pollset, int nrset, const struct timespec* timeout) {
  using namespace oskit::evl::emul;
  enter_oob();
  if (nrset < 1 || pollset == nullptr) return -EINVAL;
  FileRef ref;
  PollSet* set = set_at(efd, &ref);
  if (set == nullptr) return -EBADF;
  const struct timespec* deadline = timeout;
  if (deadline != nullptr && deadline->tv_sec == 0 && deadline->tv_nsec == 0) deadline = nullptr;
  for (;;) {
    uint32_t ticket = poll_event().ticket();
    int n = scan(set, pollset, nrset);
    if (n > 0) return n;
    if (ref->closing.load(std::memory_order_acquire)) return -EBADF;
    if (!poll_event().wait(ticket, deadline)) return -ETIMEDOUT;
  }
}

int evl_poll(int efd, struct evl_poll_event* pollset, int nrset) {
  return evl_timedpoll(efd, pollset, nrset, nullptr);
}

}  // extern "C"
