// What the oob device, EVL proxy and UDP endpoint components share: an EVL
// file (a descriptor on which oob_read/oob_write/evl_poll work, such as a
// device opened through glue/evl, a proxy or an out-of-band socket) seen as a
// stream, an asyncio and a posixio object (docs/design.md, "glue/evl: the
// libevl API on plain Linux" and "Components").
//
// Stage policy: a call made by a thread attached to the EVL core goes
// out-of-band (oob_read, oob_write, oob_ioctl, evl_timedpoll) and makes no
// in-band system call and no allocation, so it never demotes the caller; any
// other thread uses the in-band calls (read(2), write(2), ioctl(2), poll(2)),
// since only EVL threads may issue oob_* calls and the core refuses them from
// any other thread with EPERM (the EVL documentation's "Out-of-band I/O
// services"). This is evl_send_proxy's rule (the "File proxy" page) with "an
// EVL thread" in place of "an EVL thread running out-of-band": an EVL thread
// that happens to run in-band is switched back out-of-band by the call instead
// of staying there. Creating an object and releasing its last reference
// (which closes the descriptor) are in-band, as open(2) and close(2) are on EVL.
#ifndef GLUE_OOB_FILE_OOB_FILE_H
#define GLUE_OOB_FILE_OOB_FILE_H

#include <atomic>
#include <cstddef>

#include "glue/posix/fd_asyncio.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/com/stream.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/posixio.h"

namespace oskit::evl {

// Whether the calling thread is attached to the EVL core.
bool caller_is_evl_thread() noexcept;

// Directions an EVL file transfers data in.
inline constexpr oskit_u32_t kOobRead = 0x1;
inline constexpr oskit_u32_t kOobWrite = 0x2;

// The descriptor and its readiness. Thread-safe: any number of threads may
// read, write, poll and register listeners at once.
class OobFile final : private posix::ConditionProbe {
 public:
  // Creates the EVL polling set that poll() uses from EVL threads, watching fd
  // for the directions given (a caller not attached to the core borrows a
  // short-lived EVL thread to add fd). Returns 0 and the set's descriptor, or
  // OSKIT_EBADF when fd is not an EVL file, OSKIT_ENXIO while the core is
  // stopped, or another error.
  static oskit_error_t open_poll_set(int fd, oskit_u32_t directions, int* out_poll_fd) noexcept;

  // fd and poll_fd: owned, closed by the destructor. self: the owner's
  // identity, told to listeners.
  OobFile(int fd, int poll_fd, oskit_iunknown* self, oskit_u32_t directions) noexcept;
  ~OobFile();
  OobFile(const OobFile&) = delete;
  OobFile& operator=(const OobFile&) = delete;

  int fd() const noexcept { return fd_; }

  // stream read/write: one transfer (oob_* from an EVL thread, else in-band),
  // resumed after EINTR. *out_actual gets the count; 0 and success for len 0
  // in a direction the file has (in one it lacks, the file's error).
  // OSKIT_E_POINTER for a null out_actual, or a null buf with len > 0; the
  // file's errors otherwise (OSKIT_EBADF on a direction not opened, OSKIT_EAGAIN
  // when non-blocking and not ready, a proxy's OSKIT_EFBIG, OSKIT_EINVAL,
  // OSKIT_ENXIO...), with *out_actual 0.
  oskit_error_t read(void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept;
  oskit_error_t write(const void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept;

  // stream stat: type OSKIT_STGTY_STREAM, size 0 (no size applies), name
  // NULL. OSKIT_E_POINTER for a null out_stat; OSKIT_EINVAL for stat_flags
  // other than 0 and OSKIT_STATFLAG_NONAME.
  oskit_error_t stream_stat(oskit_stream_stat_t* out_stat, oskit_u32_t stat_flags) const noexcept;

  // Reports the file as kind, with its descriptor, directions and the bytes
  // it moved (oskit_describe).
  oskit_error_t describe(const char* kind, const oskit_description_sink* sink) const noexcept;
  // The detail describe reports: the descriptor and directions.
  void describe_detail(char* out, std::size_t size) const noexcept;

  // asyncio (OSKit manual 7.2). poll: the file's own poll events now
  // (evl_timedpoll from an EVL thread, poll(2) from another): POLLIN as
  // READABLE, POLLOUT as WRITABLE, POLLERR/POLLHUP as EXCEPTION; a direction
  // not opened is never reported.
  oskit_error_t poll() noexcept { return conditions(); }
  // Registers l (listeners are called on glue/posix's reactor thread, for
  // errors too); returns the conditions true once registered.
  oskit_error_t add_listener(oskit_listener* l, oskit_s32_t mask) noexcept { return async_.add_listener(l, mask); }
  oskit_error_t remove_listener(oskit_listener* l) noexcept { return async_.remove_listener(l); }
  // The input bytes waiting (FIONREAD; oob_ioctl from an EVL thread).
  oskit_error_t readable() noexcept;

  // posixio (7.6) on the descriptor (glue/posix's fd_* helpers).
  oskit_error_t stat(oskit_stat_t* out_stats) const noexcept;
  oskit_error_t setstat(oskit_u32_t mask, const oskit_stat_t* stats) noexcept;
  oskit_error_t pathconf(oskit_s32_t option, oskit_s32_t* out_val) const noexcept;

 private:
  const int fd_;
  const int poll_fd_;
  const oskit_u32_t directions_;
  posix::FdAsyncio async_;
  std::atomic<oskit_u64_t> bytes_read_{0};
  std::atomic<oskit_u64_t> bytes_written_{0};

  oskit_error_t conditions() noexcept override;
};

// A COM object over an OobFile exporting Interfaces..., asyncio, posixio and
// describe; the last three are the file's (described as Derived::kKind).
// Derived implements Interfaces.
template <class Derived, class... Interfaces>
class OobFileEvents : public Implements<Derived, Interfaces..., oskit_asyncio, oskit_posixio, oskit_describe> {
 public:
  // asyncio
  OSKIT_COMDECL poll() noexcept override { return file_.poll(); }
  OSKIT_COMDECL add_listener(oskit_listener* l, oskit_s32_t mask) noexcept override {
    return file_.add_listener(l, mask);
  }
  OSKIT_COMDECL remove_listener(oskit_listener* l) noexcept override { return file_.remove_listener(l); }
  OSKIT_COMDECL readable() noexcept override { return file_.readable(); }

  // posixio
  OSKIT_COMDECL stat(oskit_stat_t* out_stats) noexcept override { return file_.stat(out_stats); }
  OSKIT_COMDECL setstat(oskit_u32_t mask, const oskit_stat_t* stats) noexcept override {
    return file_.setstat(mask, stats);
  }
  OSKIT_COMDECL pathconf(oskit_s32_t option, oskit_s32_t* out_val) noexcept override {
    return file_.pathconf(option, out_val);
  }

  // describe
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    return file_.describe(Derived::kKind, sink);
  }

 protected:
  // fd, poll_fd: owned (OobFile). Listeners are told about the object's identity.
  OobFileEvents(int fd, int poll_fd, oskit_u32_t directions) noexcept
      : file_(fd, poll_fd, this->identity(), directions) {}
  ~OobFileEvents() override = default;

  OobFile file_;
};

// A COM object over an OobFile exporting stream, Extra..., asyncio, posixio
// and describe. Stream methods besides read, write and stat: seek is OSKIT_ESPIPE; setsize,
// copyto, commit, revert, lockregion, unlockregion and clone are
// OSKIT_E_NOTIMPL.
template <class Derived, class... Extra>
class OobFileObject : public OobFileEvents<Derived, oskit_stream, Extra...> {
  using Events = OobFileEvents<Derived, oskit_stream, Extra...>;

 public:
  using Events::stat;

  // stream
  OSKIT_COMDECL read(void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept override {
    return this->file_.read(buf, len, out_actual);
  }
  OSKIT_COMDECL write(const void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept override {
    return this->file_.write(buf, len, out_actual);
  }
  OSKIT_COMDECL seek(oskit_s64_t, oskit_seek_t, oskit_u64_t*) noexcept override { return OSKIT_ESPIPE; }
  OSKIT_COMDECL setsize(oskit_u64_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL copyto(oskit_stream*, oskit_u64_t, oskit_u64_t*, oskit_u64_t*) noexcept override {
    return OSKIT_E_NOTIMPL;
  }
  OSKIT_COMDECL commit(oskit_u32_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL revert() noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL lockregion(oskit_u64_t, oskit_u64_t, oskit_u32_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL unlockregion(oskit_u64_t, oskit_u64_t, oskit_u32_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL stat(oskit_stream_stat_t* out_stat, oskit_u32_t stat_flags) noexcept override {
    return this->file_.stream_stat(out_stat, stat_flags);
  }
  OSKIT_COMDECL clone(oskit_stream** out_stream) noexcept override {
    if (out_stream != nullptr) *out_stream = nullptr;
    return OSKIT_E_NOTIMPL;
  }

 protected:
  OobFileObject(int fd, int poll_fd, oskit_u32_t directions) noexcept : Events(fd, poll_fd, directions) {}
  ~OobFileObject() override = default;
};

}  // namespace oskit::evl

#endif  // GLUE_OOB_FILE_OOB_FILE_H
