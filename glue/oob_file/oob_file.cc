#include "glue/oob_file/oob_file.h"

#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

#include "absl/strings/str_format.h"

#include <evl/poll.h>
#include <evl/syscall.h>
#include <evl/thread.h>

#include "glue/env/osenv.h"
#include "glue/posix/fd_posixio.h"
#include "glue/posix/reactor.h"

namespace oskit::evl {
namespace {

// A file with no direction (a mapping-only proxy) is asked for both, and
// answers POLLERR (the EVL documentation's "File proxy" page).
unsigned int poll_events_for(oskit_u32_t directions) noexcept {
  unsigned int events = 0;
  if (directions & kOobRead) events |= POLLIN | POLLRDNORM;
  if (directions & kOobWrite) events |= POLLOUT | POLLWRNORM;
  return events != 0 ? events : POLLIN | POLLOUT;
}

oskit_u32_t conditions_allowed(oskit_u32_t directions) noexcept {
  oskit_u32_t mask = OSKIT_ASYNCIO_EXCEPTION;
  if (directions & kOobRead) mask |= OSKIT_ASYNCIO_READABLE;
  if (directions & kOobWrite) mask |= OSKIT_ASYNCIO_WRITABLE;
  return mask;
}

// One transfer, out-of-band from an EVL thread and in-band otherwise, resumed
// after EINTR. Returns the count or -1 with errno set.
template <class Buf, class Oob, class Inband>
ssize_t transfer(int fd, Buf buf, size_t len, Oob oob, Inband inband) noexcept {
  const bool evl = caller_is_evl_thread();
  ssize_t n;
  do {
    n = evl ? oob(fd, buf, len) : inband(fd, buf, len);
  } while (n < 0 && errno == EINTR);
  return n;
}

oskit_error_t check_transfer(const void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept {
  if (out_actual == nullptr) return OSKIT_E_POINTER;
  *out_actual = 0;
  if (buf == nullptr && len != 0) return OSKIT_E_POINTER;
  return 0;
}

oskit_error_t finish_transfer(ssize_t n, oskit_u32_t* out_actual) noexcept {
  if (n < 0) return posix::last_error();
  *out_actual = static_cast<oskit_u32_t>(n);
  return 0;
}

// Adding to a polling set is an out-of-band call, which the core refuses to
// threads not attached to it: such a caller borrows a short-lived EVL thread
// of the environment (nothing allocated on the way but the thread itself).
struct Watch {
  int set, fd;
  unsigned int events;
  int rc;
};

void watch_on_evl_thread(void* arg) {
  auto* w = static_cast<Watch*>(arg);
  static std::atomic<unsigned> serial{0};
  const int attached = evl_attach_self("oob-file-watch:%d.%u", getpid(), serial++);
  if (attached < 0) {
    w->rc = attached;
    return;
  }
  w->rc = evl_add_pollfd(w->set, w->fd, w->events, evl_nil);
  evl_detach_self();
}

int watch(int set, int fd, unsigned int events) noexcept {
  if (caller_is_evl_thread()) return evl_add_pollfd(set, fd, events, evl_nil);
  Watch w = {set, fd, events, -ENOMEM};
  oskit_osenv_thread_handle_t* helper = nullptr;
  if (oskit_env_thread_start("oob-file-watch", watch_on_evl_thread, &w, &helper) != 0) return -ENOMEM;
  oskit_env_thread_join(helper);
  return w.rc;
}

}  // namespace

bool caller_is_evl_thread() noexcept { return evl_get_self() >= 0; }

oskit_error_t OobFile::open_poll_set(int fd, oskit_u32_t directions, int* out_poll_fd) noexcept {
  *out_poll_fd = -1;
  int set = evl_new_poll();
  if (set < 0) return oskit_error_from_errno(-set);
  int rc = watch(set, fd, poll_events_for(directions));
  if (rc < 0) {
    ::close(set);
    return oskit_error_from_errno(-rc);
  }
  *out_poll_fd = set;
  return 0;
}

OobFile::OobFile(int fd, int poll_fd, oskit_iunknown* self, oskit_u32_t directions) noexcept
    : fd_(fd),
      poll_fd_(poll_fd),
      directions_(directions),
      async_(fd, self, conditions_allowed(directions), nullptr, this) {}

OobFile::~OobFile() {
  async_.close();
  ::close(poll_fd_);
  ::close(fd_);
}

// A transfer of nothing in a direction the file has succeeds at once; in one
// it lacks it still reaches the file, which reports why it cannot be done.
oskit_error_t OobFile::read(void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept {
  oskit_error_t rc = check_transfer(buf, len, out_actual);
  if (rc != 0 || (len == 0 && (directions_ & kOobRead))) return rc;
  rc = finish_transfer(transfer(fd_, buf, len, oob_read, ::read), out_actual);
  if (rc == 0) bytes_read_.fetch_add(*out_actual, std::memory_order_relaxed);
  return rc;
}

oskit_error_t OobFile::write(const void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept {
  oskit_error_t rc = check_transfer(buf, len, out_actual);
  if (rc != 0 || (len == 0 && (directions_ & kOobWrite))) return rc;
  rc = finish_transfer(transfer(fd_, buf, len, oob_write, ::write), out_actual);
  if (rc == 0) bytes_written_.fetch_add(*out_actual, std::memory_order_relaxed);
  return rc;
}

void OobFile::describe_detail(char* out, std::size_t size) const noexcept {
  static const char* const kDirectionNames[] = {"no transfers", "read-only", "write-only", "read-write"};
  absl::SNPrintF(out, size, "fd %d, %s", fd_, kDirectionNames[directions_ & (kOobRead | kOobWrite)]);
}

oskit_error_t OobFile::describe(const char* kind, const oskit_description_sink* sink) const noexcept {
  char detail[48];
  describe_detail(detail, sizeof detail);
  return describe_to(sink, [&](Description& d) {
    d.kind(kind, detail).counter("bytes_read", bytes_read_).counter("bytes_written", bytes_written_);
  });
}

oskit_error_t OobFile::stream_stat(oskit_stream_stat_t* out_stat, oskit_u32_t stat_flags) const noexcept {
  if (out_stat == nullptr) return OSKIT_E_POINTER;
  if (stat_flags & ~OSKIT_STATFLAG_NONAME) return OSKIT_EINVAL;
  out_stat->name = nullptr;
  out_stat->type = OSKIT_STGTY_STREAM;
  out_stat->size = 0;
  return 0;
}

// The file's own poll events now: out-of-band from an EVL thread, through
// poll(2) (the file's in-band poll operation) from any other.
oskit_error_t OobFile::conditions() noexcept {
  unsigned int events = 0;
  if (caller_is_evl_thread()) {
    // An absolute deadline long past: the set is scanned once, nothing waits.
    static constexpr struct timespec kPast = {0, 1};
    struct evl_poll_event ev;
    int n = evl_timedpoll(poll_fd_, &ev, 1, &kPast);
    if (n < 0 && n != -ETIMEDOUT) return oskit_error_from_errno(-n);
    if (n > 0) events = ev.events;
  } else {
    struct pollfd p = {fd_, static_cast<short>(poll_events_for(directions_)), 0};
    int n = ::poll(&p, 1, 0);
    if (n < 0) return posix::last_error();
    if (n > 0) events = static_cast<unsigned short>(p.revents);
  }
  return static_cast<oskit_error_t>(posix::Reactor::conditions_from(events) & conditions_allowed(directions_));
}

oskit_error_t OobFile::readable() noexcept {
  int waiting = 0;
  const int rc = caller_is_evl_thread() ? oob_ioctl(fd_, FIONREAD, &waiting) : ::ioctl(fd_, FIONREAD, &waiting);
  if (rc != 0) return oskit_error_from_errno(errno);
  return static_cast<oskit_error_t>(waiting);
}

oskit_error_t OobFile::stat(oskit_stat_t* out_stats) const noexcept { return posix::fd_stat(fd_, out_stats); }

oskit_error_t OobFile::setstat(oskit_u32_t mask, const oskit_stat_t* stats) noexcept {
  return posix::fd_setstat(fd_, mask, stats);
}

oskit_error_t OobFile::pathconf(oskit_s32_t option, oskit_s32_t* out_val) const noexcept {
  return posix::fd_pathconf(fd_, option, out_val);
}

}  // namespace oskit::evl
