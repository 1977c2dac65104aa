// The emulation's core: descriptors backed by real kernel file descriptors,
// the file table, wait events, stage tracking and readiness relaying.
#ifndef GLUE_EVL_EMUL_CORE_H
#define GLUE_EVL_EMUL_CORE_H

#include <sys/types.h>
#include <time.h>

#include <stdarg.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "glue/evl/driver.h"

namespace oskit::evl::emul {

// A sequence word threads sleep on (futex). Wakers change the state they
// publish, then wake; waiters take a ticket, re-check, then wait. Waking makes
// a system call only when someone sleeps.
class Event {
 public:
  std::uint32_t ticket() const { return __atomic_load_n(&q_.seq, __ATOMIC_SEQ_CST); }
  // Sleeps until a wake after ticket; false when the absolute CLOCK_MONOTONIC
  // deadline (nullptr: none) passes first.
  bool wait(std::uint32_t ticket, const struct timespec* deadline = nullptr) const;
  void wake_all() const;
  bool has_waiters() const { return __atomic_load_n(&q_.waiters, __ATOMIC_RELAXED) != 0; }

 private:
  mutable oskit_evl_waitq q_{0, 0};
};

// Per-thread stage bookkeeping (glue/evl/stage.h).
struct ThreadState {
  int stage;  // enum oskit_evl_stage
  int self_fd;
  unsigned long violations;
  char name[64];
};
ThreadState& self();

// An attached caller entering an oob service switches out-of-band.
inline void enter_oob() {
  ThreadState& t = self();
  if (t.stage != 0) t.stage = 2;
}
// Called before every in-band system call the toolkit makes on a caller's
// behalf: a violation when the caller runs out-of-band; the caller then runs
// in-band (EVL demotes it).
void inband_syscall(const char* what);
// The in-band syscall the next helper will make runs on the caller's thread.
inline bool caller_is_oob() { return self().stage == 2; }

class Device;

// One open descriptor: the C view drivers see, the kernel descriptor pair
// whose readiness mirrors the driver's poll operation, a reference count.
class File {
 public:
  oskit_evl_file cfile;  // first: drivers' pointers convert back to File
  const oskit_evl_file_operations* fops = nullptr;
  Device* dev = nullptr;
  std::atomic<int> flags{0};
  std::atomic<int> refs{1};
  std::atomic<bool> closing{false};
  int ufd = -1;  // the caller's descriptor: one end of a SEQPACKET pair
  int dfd = -1;  // the other end, ours
  // Readiness relay linkage.
  std::atomic<bool> relay_queued{false};
  File* relay_next = nullptr;

  static File* from(oskit_evl_file* f) { return reinterpret_cast<File*>(f); }
  static const File* from(const oskit_evl_file* f) { return reinterpret_cast<const File*>(f); }
  void get() { refs.fetch_add(1, std::memory_order_relaxed); }
  void put() { refs.fetch_sub(1, std::memory_order_acq_rel); }
  unsigned int poll(unsigned int events) { return fops->poll ? fops->poll(&cfile, events) : 0; }
  // Makes the kernel descriptor report what poll(0) says (POLLIN, POLLOUT).
  void sync_readiness();
  void close_kernel_side();

 private:
  std::mutex ready_mu_;
  bool kernel_closed_ = false;
  bool has_in_ = false;
  bool has_out_ = true;
};

// A file reference taken from the table.
class FileRef {
 public:
  FileRef() = default;
  explicit FileRef(File* f) : f_(f) {}
  FileRef(FileRef&& o) noexcept : f_(o.f_) { o.f_ = nullptr; }
  FileRef& operator=(FileRef&& o) noexcept {
    if (this != &o) {
      if (f_) f_->put();
      f_ = o.f_;
      o.f_ = nullptr;
    }
    return *this;
  }
  FileRef(const FileRef&) = delete;
  ~FileRef() {
    if (f_) f_->put();
  }
  File* operator->() const { return f_; }
  File* get() const { return f_; }
  explicit operator bool() const { return f_ != nullptr; }

 private:
  File* f_ = nullptr;
};

// The descriptor -> File table; lock-free lookups.
FileRef lookup(int fd);
bool is_ours(int fd);

// Creates a File for dev/fops with a fresh kernel pair; returns the caller's
// descriptor or -errno. The open operation runs before publication.
int open_file(Device* dev, const oskit_evl_file_operations* fops, void* private_data, int flags);
// close(2) on one of our descriptors: flush, wait for users, release, free.
// Returns 0, or -EBADF if fd is not ours.
int close_file(int fd);

// Tells pollers and the kernel descriptor that file's poll state changed.
void notify(File* file);
// Wakes evl_poll() waiters.
const Event& poll_event();

// Library state.
bool initialised();
int ensure_init();
std::string root_dir();

// Validates an element name (after the optional leading '/'): 0 or -EINVAL.
int check_name(const std::string& name);

// Formats like vsnprintf into a std::string; false on a formatting error.
bool vformat(std::string* out, const char* fmt, va_list ap);

// Clamped sleep used by in-band retry loops.
void sleep_ns(long ns);

// Creates the stdout/stderr proxies (proxy.cc).
int setup_std_proxies();
int set_root(const char* dir);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_CORE_H
