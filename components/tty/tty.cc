#include "components/tty/tty.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_format.h"
#include "components/tty/termios_map.h"
#include "glue/posix/fd_asyncio.h"
#include "glue/posix/fd_posixio.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/posixio.h"

namespace oskit {
namespace {

using posix::last_error;

class Tty : public Implements<Tty, oskit_ttystream, oskit_stream, oskit_posixio, oskit_asyncio, oskit_describe> {
 public:
  // stream
  OSKIT_COMDECL read(void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept override;
  OSKIT_COMDECL seek(oskit_s64_t ofs, oskit_seek_t whence, oskit_u64_t* out_newpos) noexcept override;
  OSKIT_COMDECL setsize(oskit_u64_t new_size) noexcept override;
  OSKIT_COMDECL copyto(oskit_stream* dst, oskit_u64_t size, oskit_u64_t* out_read,
                       oskit_u64_t* out_written) noexcept override;
  OSKIT_COMDECL commit(oskit_u32_t commit_flags) noexcept override;
  OSKIT_COMDECL revert() noexcept override;
  OSKIT_COMDECL lockregion(oskit_u64_t offset, oskit_u64_t size, oskit_u32_t lock_type) noexcept override;
  OSKIT_COMDECL unlockregion(oskit_u64_t offset, oskit_u64_t size, oskit_u32_t lock_type) noexcept override;
  OSKIT_COMDECL stat(oskit_stream_stat_t* out_stat, oskit_u32_t stat_flags) noexcept override;
  OSKIT_COMDECL clone(oskit_stream** out_stream) noexcept override;

  // ttystream (7.7): tcgetattr, tcsetattr, tcsendbreak, tcdrain, tcflush,
  // tcflow, tcgetpgrp, tcsetpgrp, ttyname, tcgetsid. Selectors and actions
  // outside OSKit's constants give OSKIT_EINVAL.
  OSKIT_COMDECL getattr(oskit_termios_t* out_attr) noexcept override;
  OSKIT_COMDECL setattr(int actions, const oskit_termios_t* attr) noexcept override;
  OSKIT_COMDECL sendbreak(oskit_u32_t duration) noexcept override;
  OSKIT_COMDECL drain() noexcept override;
  OSKIT_COMDECL flush(int queue_selector) noexcept override;
  OSKIT_COMDECL flow(int action) noexcept override;
  OSKIT_COMDECL getpgrp(oskit_pid_t* out_pid) noexcept override;
  OSKIT_COMDECL setpgrp(oskit_pid_t pid) noexcept override;
  OSKIT_COMDECL ttyname(char** out_name) noexcept override;
  OSKIT_COMDECL getsid(oskit_pid_t* out_pid) noexcept override;

  // posixio (7.6). pathconf(OSKIT_PC_VDISABLE) gives OSKIT_VDISABLE, the value
  // that disables a character in OSKit's termios.
  OSKIT_COMDECL stat(oskit_stat_t* out_stats) noexcept override;
  OSKIT_COMDECL setstat(oskit_u32_t mask, const oskit_stat_t* stats) noexcept override;
  OSKIT_COMDECL pathconf(oskit_s32_t option, oskit_s32_t* out_val) noexcept override;

  // asyncio (7.2): readable() is the input a read would return now.
  OSKIT_COMDECL poll() noexcept override { return async_.poll(); }
  OSKIT_COMDECL add_listener(oskit_listener* l, oskit_s32_t mask) noexcept override {
    return async_.add_listener(l, mask);
  }
  OSKIT_COMDECL remove_listener(oskit_listener* l) noexcept override { return async_.remove_listener(l); }
  OSKIT_COMDECL readable() noexcept override { return async_.readable(); }

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    char detail[32];
    absl::SNPrintF(detail, sizeof detail, "fd %d", fd_);
    return describe_to(sink, [&](Description& d) {
      d.kind("tty", detail).counter("bytes_read", bytes_read_).counter("bytes_written", bytes_written_);
    });
  }

 protected:
  explicit Tty(int fd) noexcept : fd_(fd), async_(fd, identity()) {}
  ~Tty() override;

 private:
  const int fd_;
  posix::FdAsyncio async_;
  std::atomic<oskit_u64_t> bytes_read_{0};
  std::atomic<oskit_u64_t> bytes_written_{0};
};

Tty::~Tty() {
  async_.close();
  ::close(fd_);
}

OSKIT_COMDECL Tty::read(void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept {
  if (out_actual == nullptr || buf == nullptr) return OSKIT_E_POINTER;
  *out_actual = 0;
  if (len == 0) return 0;
  ssize_t n;
  do {
    n = ::read(fd_, buf, len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return last_error();
  bytes_read_.fetch_add(static_cast<oskit_u64_t>(n), std::memory_order_relaxed);
  *out_actual = static_cast<oskit_u32_t>(n);
  return 0;
}

OSKIT_COMDECL Tty::write(const void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept {
  if (out_actual == nullptr || buf == nullptr) return OSKIT_E_POINTER;
  *out_actual = 0;
  if (len == 0) return 0;
  ssize_t n;
  do {
    n = ::write(fd_, buf, len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return last_error();
  bytes_written_.fetch_add(static_cast<oskit_u64_t>(n), std::memory_order_relaxed);
  *out_actual = static_cast<oskit_u32_t>(n);
  return 0;
}

OSKIT_COMDECL Tty::seek(oskit_s64_t, oskit_seek_t, oskit_u64_t*) noexcept { return OSKIT_ESPIPE; }
OSKIT_COMDECL Tty::setsize(oskit_u64_t) noexcept { return OSKIT_E_NOTIMPL; }
OSKIT_COMDECL Tty::copyto(oskit_stream*, oskit_u64_t, oskit_u64_t*, oskit_u64_t*) noexcept { return OSKIT_E_NOTIMPL; }
OSKIT_COMDECL Tty::commit(oskit_u32_t) noexcept { return OSKIT_E_NOTIMPL; }
OSKIT_COMDECL Tty::revert() noexcept { return OSKIT_E_NOTIMPL; }
OSKIT_COMDECL Tty::lockregion(oskit_u64_t, oskit_u64_t, oskit_u32_t) noexcept { return OSKIT_E_NOTIMPL; }
OSKIT_COMDECL Tty::unlockregion(oskit_u64_t, oskit_u64_t, oskit_u32_t) noexcept { return OSKIT_E_NOTIMPL; }
OSKIT_COMDECL Tty::stat(oskit_stream_stat_t*, oskit_u32_t) noexcept { return OSKIT_E_NOTIMPL; }
OSKIT_COMDECL Tty::clone(oskit_stream** out_stream) noexcept {
  if (out_stream != nullptr) *out_stream = nullptr;
  return OSKIT_E_NOTIMPL;
}

OSKIT_COMDECL Tty::getattr(oskit_termios_t* out_attr) noexcept {
  if (out_attr == nullptr) return OSKIT_E_POINTER;
  struct termios t;
  if (tcgetattr(fd_, &t) != 0) return last_error();
  return tty::to_oskit(t, out_attr);
}

OSKIT_COMDECL Tty::setattr(int actions, const oskit_termios_t* attr) noexcept {
  if (attr == nullptr) return OSKIT_E_POINTER;
  int how;
  switch (actions) {
    case OSKIT_TCSANOW:
      how = TCSANOW;
      break;
    case OSKIT_TCSADRAIN:
      how = TCSADRAIN;
      break;
    case OSKIT_TCSAFLUSH:
      how = TCSAFLUSH;
      break;
    default:
      return OSKIT_EINVAL;
  }
  struct termios t;
  if (tcgetattr(fd_, &t) != 0) return last_error();
  oskit_error_t rc = tty::from_oskit(*attr, &t);
  if (rc != 0) return rc;
  int r;
  do {
    r = tcsetattr(fd_, how, &t);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : last_error();
}

OSKIT_COMDECL Tty::sendbreak(oskit_u32_t duration) noexcept {
  if (duration > INT_MAX) return OSKIT_EINVAL;
  return tcsendbreak(fd_, static_cast<int>(duration)) == 0 ? 0 : last_error();
}

OSKIT_COMDECL Tty::drain() noexcept {
  int r;
  do {
    r = tcdrain(fd_);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : last_error();
}

OSKIT_COMDECL Tty::flush(int queue_selector) noexcept {
  int q;
  switch (queue_selector) {
    case OSKIT_TCIFLUSH:
      q = TCIFLUSH;
      break;
    case OSKIT_TCOFLUSH:
      q = TCOFLUSH;
      break;
    case OSKIT_TCIOFLUSH:
      q = TCIOFLUSH;
      break;
    default:
      return OSKIT_EINVAL;
  }
  return tcflush(fd_, q) == 0 ? 0 : last_error();
}

OSKIT_COMDECL Tty::flow(int action) noexcept {
  int a;
  switch (action) {
    case OSKIT_TCOOFF:
      a = TCOOFF;
      break;
    case OSKIT_TCOON:
      a = TCOON;
      break;
    case OSKIT_TCIOFF:
      a = TCIOFF;
      break;
    case OSKIT_TCION:
      a = TCION;
      break;
    default:
      return OSKIT_EINVAL;
  }
  return tcflow(fd_, a) == 0 ? 0 : last_error();
}

OSKIT_COMDECL Tty::getpgrp(oskit_pid_t* out_pid) noexcept {
  if (out_pid == nullptr) return OSKIT_E_POINTER;
  pid_t p = tcgetpgrp(fd_);
  if (p < 0) return last_error();
  *out_pid = p;
  return 0;
}

OSKIT_COMDECL Tty::setpgrp(oskit_pid_t pid) noexcept {
  return tcsetpgrp(fd_, static_cast<pid_t>(pid)) == 0 ? 0 : last_error();
}

OSKIT_COMDECL Tty::ttyname(char** out_name) noexcept {
  if (out_name == nullptr) return OSKIT_E_POINTER;
  *out_name = nullptr;
  char name[PATH_MAX];
  int err = ttyname_r(fd_, name, sizeof name);
  if (err != 0) return oskit_error_from_errno(err);
  char* copy = strdup(name);
  if (copy == nullptr) return OSKIT_ENOMEM;
  *out_name = copy;
  return 0;
}

OSKIT_COMDECL Tty::getsid(oskit_pid_t* out_pid) noexcept {
  if (out_pid == nullptr) return OSKIT_E_POINTER;
  pid_t p = tcgetsid(fd_);
  if (p < 0) return last_error();
  *out_pid = p;
  return 0;
}

OSKIT_COMDECL Tty::stat(oskit_stat_t* out_stats) noexcept { return posix::fd_stat(fd_, out_stats); }

OSKIT_COMDECL Tty::setstat(oskit_u32_t mask, const oskit_stat_t* stats) noexcept {
  return posix::fd_setstat(fd_, mask, stats);
}

OSKIT_COMDECL Tty::pathconf(oskit_s32_t option, oskit_s32_t* out_val) noexcept {
  oskit_error_t rc = posix::fd_pathconf(fd_, option, out_val);
  if (rc == 0 && option == OSKIT_PC_VDISABLE) *out_val = OSKIT_VDISABLE;
  return rc;
}

}  // namespace
}  // namespace oskit

extern "C" oskit_error_t oskit_tty_adopt(int fd, oskit_ttystream_t** out_tty) {
  if (out_tty == nullptr) return OSKIT_E_POINTER;
  *out_tty = nullptr;
  if (fcntl(fd, F_GETFD) < 0) return oskit::last_error();
  if (!isatty(fd)) return OSKIT_ENOTTY;
  oskit::ComPtr<oskit_ttystream> t = oskit::make<oskit::Tty>(fd);
  if (!t) return OSKIT_ENOMEM;
  *out_tty = t.detach();
  return 0;
}

extern "C" oskit_error_t oskit_tty_open(const char* path, oskit_u32_t flags, oskit_ttystream_t** out_tty) {
  if (out_tty == nullptr) return OSKIT_E_POINTER;
  *out_tty = nullptr;
  if (path == nullptr) return OSKIT_E_POINTER;
  if (flags & ~static_cast<oskit_u32_t>(OSKIT_TTY_NONBLOCK)) return OSKIT_EINVAL;
  int oflags = O_RDWR | O_NOCTTY | O_CLOEXEC;
  if (flags & OSKIT_TTY_NONBLOCK) oflags |= O_NONBLOCK;
  int fd;
  do {
    fd = ::open(path, oflags);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return oskit::last_error();
  oskit_error_t rc = oskit_tty_adopt(fd, out_tty);
  if (rc != 0) ::close(fd);
  return rc;
}
