// Polling sets (libevl <evl/poll.h>; the EVL documentation's "Polling file
// descriptors" page): each watched file's poll operation is asked for the
// events; waiters sleep until some file notifies. A polling set may watch
// another (it is readable while the other has events), never itself through
// a cycle. A watched descriptor closed meanwhile is reported once with
// POLLNVAL, then forgotten.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include <boost/intrusive/list.hpp>

#include "evl/poll.h"
#include "glue/env/env.h"
#include "glue/evl/driver.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/element.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/file.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/emul/wait_queue.h"
#include "oskit/sync/mutex.h"

namespace oskit::evl::emul {
namespace {

constexpr int kMaxNesting = 4;  // polling sets inside polling sets

struct Watch : public boost::intrusive::list_base_hook<>, oskit::env::EnvAllocated<Watch> {
  int fd;
  const File* file;  // which file fd meant when added: a new one means the old was closed
  unsigned int events;
  union evl_value pollval;
};
using WatchList = boost::intrusive::list<Watch>;

struct PollSet : oskit::env::EnvAllocated<PollSet> {
  oskit::Mutex mu;
  WatchList watches ABSL_GUARDED_BY(mu);
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

PollSet* set_of(File* f);
int scan(PollSet* set, struct evl_poll_event* out, int nr, int depth);

// A polling set is readable while one of the files it watches has events.
unsigned int set_poll(oskit_evl_file* f, unsigned int) {
  struct evl_poll_event ev;
  return scan(static_cast<PollSet*>(f->private_data), &ev, 1, 1) > 0 ? POLLIN | POLLRDNORM : 0;
}
void set_flush(oskit_evl_file*) { poll_event().wake_all(); }
void set_release(oskit_evl_file* f) { delete static_cast<PollSet*>(f->private_data); }

const oskit_evl_file_operations kPollOps = {
    nullptr, set_flush, set_release, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, set_poll, nullptr,
};

PollSet* set_of(File* f) { return f->fops == &kPollOps ? static_cast<PollSet*>(f->cfile()->private_data) : nullptr; }

PollSet* set_at(int efd, FileRef* ref) {
  *ref = lookup(efd);
  return *ref ? set_of(ref->get()) : nullptr;
}

// The events of one watch, POLLNVAL when its file was closed.
unsigned int events_of(const Watch& w, int depth) {
  FileRef f = lookup(w.fd);
  if (!f || f.get() != w.file) return POLLNVAL;
  if (PollSet* inner = set_of(f.get())) {
    if (depth >= kMaxNesting) return 0;
    struct evl_poll_event ev;
    return scan(inner, &ev, 1, depth + 1) > 0 ? (POLLIN | POLLRDNORM) & w.events : 0;
  }
  return f->poll(w.events) & (w.events | POLLERR | POLLHUP);
}

// Fills out with ready entries (at most nr). A watch whose file was closed is
// reported, then dropped, at the outermost level only.
int scan(PollSet* set, struct evl_poll_event* out, int nr, int depth) {
  oskit::MutexLock lock(&set->mu);
  int count = 0;
  for (auto it = set->watches.begin(); it != set->watches.end() && count < nr;) {
    Watch& w = *it++;
    const unsigned int m = events_of(w, depth);
    if (m == 0) continue;
    out[count].fd = static_cast<__u32>(w.fd);
    out[count].events = m;
    out[count].pollval = w.pollval;
    count++;
    if (m == POLLNVAL && depth == 0) {
      set->watches.erase(set->watches.iterator_to(w));
      delete &w;
    }
  }
  return count;
}

// Whether target is set itself or a polling set watched by set, directly or
// through nested sets.
bool reaches(PollSet* set, const PollSet* target, int depth) {
  if (set == target) return true;
  if (depth > kMaxNesting) return true;  // too deep: refused as a loop
  oskit::MutexLock lock(&set->mu);
  for (const Watch& w : set->watches) {
    FileRef f = lookup(w.fd);
    if (!f || f.get() != w.file) continue;
    PollSet* inner = set_of(f.get());
    if (inner != nullptr && reaches(inner, target, depth + 1)) return true;
  }
  return false;
}

// The common start of every polling call: an EVL caller (the core refuses
// out-of-band calls from other threads), a polling set.
int enter(int efd, FileRef* ref, PollSet** set) {
  if (self().stage == OSKIT_EVL_STAGE_UNATTACHED) return -EPERM;
  enter_oob();
  *set = set_at(efd, ref);
  return *set != nullptr ? 0 : -EBADF;
}

// op(watches, w) under the set's lock on the watch w of fd in the polling set
// efd, watches being the set's list: op's result, enter()'s error, -ENOENT
// (fd not watched).
template <typename Op>
int with_watch(int efd, int fd, Op op) {
  FileRef ref;
  PollSet* set;
  const int rc = enter(efd, &ref, &set);
  if (rc < 0) return rc;
  oskit::MutexLock lock(&set->mu);
  Watch* w = set->find(fd);
  return w == nullptr ? -ENOENT : op(set->watches, w);
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;

extern "C" {

int evl_new_poll(void) {
  if (!core_running()) return -ENXIO;
  PollSet* set = new (std::nothrow) PollSet;
  if (set == nullptr) return -ENOMEM;
  int fd = open_file(nullptr, &kPollOps, set, O_RDWR);
  if (fd < 0) delete set;
  return fd;
}

int evl_add_pollfd(int efd, int newfd, unsigned int events, union evl_value pollval) {
  FileRef ref;
  PollSet* set;
  int rc = enter(efd, &ref, &set);
  if (rc < 0) return rc;
  FileRef target = lookup(newfd);
  if (!target) return -EBADF;
  PollSet* inner = set_of(target.get());
  if (inner != nullptr && reaches(inner, set, 0)) return -ELOOP;
  Watch* w = new (std::nothrow) Watch;
  if (w == nullptr) return -ENOMEM;
  w->fd = newfd;
  w->file = target.get();
  w->events = events;
  w->pollval = pollval;
  {
    oskit::MutexLock lock(&set->mu);
    Watch* old = set->find(newfd);
    if (old != nullptr && old->file == target.get()) {
      delete w;
      return -EEXIST;
    }
    if (old != nullptr) {  // a closed file's watch, not reported yet
      set->watches.erase(set->watches.iterator_to(*old));
      delete old;
    }
    set->watches.push_back(*w);
  }
  poll_event().wake_all();
  return 0;
}

int evl_del_pollfd(int efd, int delfd) {
  return with_watch(efd, delfd, [](WatchList& watches, Watch* w) {
    watches.erase(watches.iterator_to(*w));
    delete w;
    return 0;
  });
}

int evl_mod_pollfd(int efd, int modfd, unsigned int events, union evl_value pollval) {
  const int rc = with_watch(efd, modfd, [events, pollval](WatchList&, Watch* w) {
    w->events = events;
    w->pollval = pollval;
    return 0;
  });
  if (rc < 0) return rc;
  poll_event().wake_all();
  return 0;
}

int evl_timedpoll(int efd, struct evl_poll_event* pollset, int nrset, const struct timespec* timeout) {
  FileRef ref;
  PollSet* set;
  int rc = enter(efd, &ref, &set);
  if (rc < 0) return rc;
  if (nrset < 1) return -EINVAL;
  if (oskit_evl_check_user(pollset, sizeof(*pollset) * static_cast<size_t>(nrset)) != 0) return -EFAULT;
  Deadline d;
  rc = user_deadline(CLOCK_MONOTONIC, timeout, &d);
  if (rc < 0) return rc;
  const struct timespec deadline = d.infinite ? timespec{0, 0} : d.monotonic();
  for (;;) {
    const uint32_t ticket = poll_event().ticket();
    const int n = scan(set, pollset, nrset, 0);
    if (n > 0) return n;
    if (ref->closing.load(std::memory_order_acquire)) return -EBADF;
    if (!poll_event().wait(ticket, d.infinite ? nullptr : &deadline)) return -ETIMEDOUT;
  }
}

int evl_poll(int efd, struct evl_poll_event* pollset, int nrset) { return evl_timedpoll(efd, pollset, nrset, nullptr); }

}  // extern "C"
