// The tty component: an oskit_ttystream over a terminal descriptor (a pty or a
// serial line), also answering asyncio (readable when input is pending) and
// posixio (DESIGN.md section 6; seed 004 section 7.7).
// Stream methods: read and write go to the terminal; seek gives OSKIT_ESPIPE;
// setsize, copyto, commit, revert, lockregion, unlockregion, stat and clone
// give OSKIT_E_NOTIMPL. Terminal settings are converted exactly between
// OSKit's termios values and the host's (components/tty/termios_map.h).
#ifndef COMPONENTS_TTY_TTY_H
#define COMPONENTS_TTY_TTY_H

#include <oskit/io/ttystream.h>

/* Flags for oskit_tty_open. */
#define OSKIT_TTY_NONBLOCK 0x1 /* reads and writes that would wait give OSKIT_EAGAIN */

OSKIT_BEGIN_DECLS

/*
 * Opens the terminal at path (read and write, never becoming the controlling
 * terminal). Returns 0 and an owned reference in *out_tty; or OSKIT_E_POINTER,
 * OSKIT_EINVAL (unknown flags), OSKIT_ENOTTY (not a terminal) or open(2)'s
 * error mapped, with *out_tty set to NULL.
 */
oskit_error_t oskit_tty_open(const char *path, oskit_u32_t flags, oskit_ttystream_t **out_tty);

/*
 * As oskit_tty_open over an open terminal descriptor. On success the object
 * owns fd and closes it at its last release; on failure the caller still owns
 * it. OSKIT_EBADF for a descriptor that is not open.
 */
oskit_error_t oskit_tty_adopt(int fd, oskit_ttystream_t **out_tty);

OSKIT_END_DECLS

#ifdef __cplusplus

#include "glue/posix/fd_asyncio.h"
#include "oskit/com/implements.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/posixio.h"

namespace oskit {

// Every method is one or two system calls on the descriptor; no lock is
// needed and any thread may call any method.
class Tty : public Implements<Tty, oskit_ttystream, oskit_stream, oskit_posixio, oskit_asyncio> {
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

 protected:
  explicit Tty(int fd) noexcept : fd_(fd), async_(fd, identity()) {}
  ~Tty() override;

 private:
  const int fd_;
  posix::FdAsyncio async_;
};

}  // namespace oskit

#endif  // __cplusplus

#endif  // COMPONENTS_TTY_TTY_H
