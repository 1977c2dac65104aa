// Polling sets (evl_new_poll, evl_poll...): each watched descriptor's poll
// operation is asked for the events; waiters sleep until some file notifies.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include <vector>

#include <boost/intrusive/list.hpp>

#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/file.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/stage_tracking.h"
#include "oskit/sync/mutex.h"
#include "evl/poll.h"

namespace oskit::evl::emul {
namespace {

struct Watch : public boost::intrusive::list_base_hook<> {
  int fd;
  unsigned int events;
};

struct PollSet {
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

// Fills pollset with ready entries; forgets descriptors closed meanwhile.
int scan(PollSet* set, struct evl_poll_event* out, int nr) {
  std::vector<Watch> snapshot;
  {
    oskit::MutexLock lock(&set->mu);
    for (const Watch& w : set->watches) {
      Watch copy;
      copy.fd = w.fd;
      copy.events = w.events;
      snapshot.push_back(copy);
    }
  }
  int count = 0;
  for (const Watch& w : snapshot) {
    FileRef f = lookup(w.fd);
    if (!f) continue;
    unsigned int m = f->poll(w.events) & (w.events | POLLERR | POLLHUP | POLLNVAL);
    if (m == 0) continue;
    out[count].fd = static_cast<__u32>(w.fd);
    out[count].events = m;
    if (++count == nr) break;
  }
  return count;
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
