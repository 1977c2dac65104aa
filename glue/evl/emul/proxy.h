// File proxies (the EVL documentation's "File proxy" page): a ring per enabled
// direction, relayed to and from the target file by in-band worker threads
// started through glue/env.
#ifndef GLUE_EVL_EMUL_PROXY_H
#define GLUE_EVL_EMUL_PROXY_H

#include <sys/types.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "glue/env/env.h"
#include "glue/evl/emul/device_entry.h"
#include "glue/evl/emul/env_object.h"
#include "glue/evl/emul/event.h"
#include "glue/evl/emul/file.h"
#include "glue/evl/emul/in_ring.h"
#include "glue/evl/emul/naming.h"
#include "glue/evl/emul/out_ring.h"
#include "glue/evl/emul/seams.h"

namespace oskit::evl::emul {

// In the installed environment's memory, with its rings and staging buffers.
class Proxy : public oskit::env::EnvAllocated<Proxy> {
 public:
  Proxy() = default;
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;
  ~Proxy();

  // Duplicates targetfd, allocates the rings flags ask for, reserves the name
  // and, for a public proxy, its entry under the root. 0 or -errno.
  int create(int targetfd, size_t bufsz, size_t granularity, int flags, const Name& name, bool is_public);
  // Starts the relay workers of file, the proxy's open file. 0 or -ENOMEM.
  int start_workers(File* file);
  // Stops the workers: output still queued is relayed first.
  void stop_workers();

  bool readable() const { return in_ != nullptr; }
  bool writable() const { return out_ != nullptr; }
  unsigned int poll(unsigned int events) const;
  // Input bytes a reader can have without waiting for new input: those in
  // the ring and those the target holds (0 without an input side).
  uint64_t input_waiting() const;
  ssize_t write(File* f, const void* buf, size_t count);
  ssize_t read(File* f, void* buf, size_t count);
  int mmap(void* addr, size_t length, int prot, int flags, off_t offset, void** mapped);
  // close(2) began: blocked writers and readers return -EBADF.
  void flush();
  void stats(oskit_evl_proxy_stats* s) const;
  // Keeps the output worker polling instead of sleeping (a test seam).
  void hold_awake(bool on) { hold_awake_.store(on, std::memory_order_relaxed); }
  void set_io(const oskit_evl_target_io* io) { io_.store(io ? io : &own_io_, std::memory_order_release); }

 private:
  // The proxy's state word. Flags: kClosing (close(2) began: blocked callers
  // return -EBADF), kStopping (the workers finish: output drains, input
  // stops), kInputEof (the target reached end of file: readers get 0 once the
  // ring is empty), kInputFailureSeen (a reader was told of the permanent
  // input failure: poll no longer says readable). Error fields, an errno
  // each: the output's transient error (a writer reports it once, which
  // clears it), the output's permanent error (every later write fails with
  // it), the input's transient error (a reader reports it once), the input's
  // permanent error (every read fails with it once the ring is empty).
  // Flags only go on; the workers set the error fields, callers clear the
  // ones reported once.
  static constexpr uint64_t kClosing = 1;
  static constexpr uint64_t kStopping = 2;
  static constexpr uint64_t kInputEof = 4;
  static constexpr uint64_t kInputFailureSeen = 8;
  static constexpr int kOutError = 8;  // bit offsets of the error fields
  static constexpr int kOutFailed = 16;
  static constexpr int kInError = 24;
  static constexpr int kInFailed = 32;
  static int field(uint64_t state, int at) { return static_cast<int>((state >> at) & 0xff); }
  bool has(uint64_t flag) const { return (state_.load(std::memory_order_acquire) & flag) != 0; }
  void raise(uint64_t flag) { state_.fetch_or(flag, std::memory_order_seq_cst); }
  void set_field(int at, int e);
  // Clears the field and returns what it held (0: nothing).
  int take_field(int at);

  // The default target I/O (own_io_): the system calls, or the target's
  // driver when the target is one of the emulation's files.
  static ssize_t io_writev(void* ctx, int fd, const struct iovec* iov, int n);
  static ssize_t io_read(void* ctx, int fd, void* buf, size_t n);
  void open_output_descriptor(int targetfd);
  void output_loop();
  bool poll_for_output();
  void sleep_until_output();
  void wake_output_worker();
  void input_loop();
  // Until a reader wants input; false when the workers stop.
  bool await_demand();
  void want_input();
  void wake_input_worker();
  // Drains the input worker's wake-ups; true if it is to stop.
  bool woken_to_stop();
  // What ended an input worker's wait.
  enum class InputWake { kTarget, kWoken, kStop };
  InputWake await_target(bool watch);
  bool target_file_readable() const;
  void relay(OutRing::Batch* b);
  void drop(const OutRing::Batch& b, int e);
  int gather(const OutRing::Batch& b, struct iovec* iov);
  int write_units(struct iovec* iov, int cnt);
  int write_target(struct iovec* iov, int cnt);
  int await_target_room(int64_t* stalled_since);
  void report(int e, const char* what);
  int read_unit(char* dst, size_t unit, size_t* got);

  // Read on every write: kept apart from what the workers change.
  EnvPtr<OutRing> out_;
  size_t gran_ = 0;
  std::atomic<uint64_t> state_{0};
  File* file_ = nullptr;
  EnvPtr<InRing> in_;
  int target_ = -1;      // a duplicate of the target descriptor
  int out_target_ = -1;  // what output is written to: target_, or a non-blocking opening of it
  bool target_is_socket_ = false;
  File* target_file_ = nullptr;  // the target, when it is one of ours (held)
  int give_up_ = 0;              // the output worker's: the errno that makes it drop what is left
  int stop_fd_ = -1;             // stop_workers() -> the output worker waiting on a full target
  int in_wake_fd_ = -1;          // readers (input wanted) and stop_workers() -> input worker
  Name name_;
  bool name_reserved_ = false;
  DeviceEntry entry_;
  std::unique_ptr<oskit::env::WorkerThread> out_worker_;
  std::unique_ptr<oskit::env::WorkerThread> in_worker_;
  OutRing::Batch out_batch_;        // the output worker's
  bool poll_on_cpu_clock_ = false;  // the output worker's: its poll budget is CPU time (the host's environment)
  char* out_staging_ = nullptr;     // the output worker's, for small records (kOutStaging bytes)
  char* in_staging_ = nullptr;      // the input worker's, in_staging_size_ bytes
  size_t in_staging_size_ = 0;
  const oskit_evl_target_io own_io_{io_writev, io_read, this};
  std::atomic<const oskit_evl_target_io*> io_{&own_io_};
  std::atomic<bool> hold_awake_{false};
  std::atomic<bool> in_wanted_{false};        // a reader found the input ring empty
  std::atomic<bool> target_readable_{false};  // as the input worker last saw it

  Event out_data_;   // a producer -> the sleeping output worker
  Event out_space_;  // output worker -> blocked writers
  Event in_data_;    // input worker -> blocked readers
  Event in_space_;   // readers -> input worker

  // Statistics, written by the workers.
  alignas(64) std::atomic<uint64_t> relayed_out_{0};
  std::atomic<uint64_t> relayed_in_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> sleeps_{0};
  std::atomic<int> last_error_{0};
  alignas(64) std::atomic<uint64_t> wakeups_{0};  // by producers
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_PROXY_H
