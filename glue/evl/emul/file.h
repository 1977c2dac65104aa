// One open descriptor of the emulation: the C view drivers hold, the kernel
// descriptor pair whose readiness mirrors the driver's poll operation, and a
// reference count.
#ifndef GLUE_EVL_EMUL_FILE_H
#define GLUE_EVL_EMUL_FILE_H

#include <atomic>
#include <type_traits>

#include "glue/env/env.h"
#include "glue/evl/driver.h"
#include "oskit/sync/mutex.h"

namespace oskit::evl::emul {

class Device;
class File;

// What a driver's oskit_evl_file pointer points into: standard layout, so the
// pointer converts to the handle, which leads back to its File.
struct FileHandle {
  oskit_evl_file c;
  File* owner;
};
static_assert(std::is_standard_layout<FileHandle>::value, "File::from converts through the first member");

class File : public oskit::env::EnvAllocated<File> {
 public:
  File(Device* dev, const oskit_evl_file_operations* fops, void* private_data, int flags, int ufd, int dfd);
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  static File* from(oskit_evl_file* f) { return reinterpret_cast<FileHandle*>(f)->owner; }
  static const File* from(const oskit_evl_file* f) { return reinterpret_cast<const FileHandle*>(f)->owner; }
  oskit_evl_file* cfile() { return &handle_.c; }

  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Drops a reference; touches nothing of the file afterwards (a closer
  // waiting for it may free the file at once).
  void put();
  // Waits until the caller holds the only reference.
  void await_sole_reference() const;
  unsigned int poll(unsigned int events) { return fops->poll ? fops->poll(cfile(), events) : 0; }
  // Makes the kernel descriptor report what poll(0) says (POLLIN, POLLOUT).
  void sync_readiness();
  // Closes our end of the pair; later refreshes do nothing.
  void close_kernel_side();
  // A long-lived reference (a proxy relaying to or from this file): close(2)
  // of the descriptor does not wait for it, and the file's release runs when
  // the descriptor is closed and the last hold is dropped, as a kernel file
  // outlives a descriptor while a dup remains.
  void hold() { holds_.fetch_add(1, std::memory_order_relaxed); }
  void drop_hold();

 private:
  FileHandle handle_;

 public:
  // Read on every call: kept apart from what changes.
  const oskit_evl_file_operations* const fops;
  Device* const dev;
  const int ufd;  // the caller's descriptor: one end of a SEQPACKET pair
  std::atomic<int> flags;
  std::atomic<bool> closing{false};

  // Linkage of the readiness relay (readiness_relay.cc).
  alignas(64) std::atomic<bool> relay_queued{false};
  File* relay_next = nullptr;

 private:
  std::atomic<int> refs_{1};
  std::atomic<int> holds_{1};  // the descriptor's own, and one per hold()
  alignas(64) oskit::Mutex ready_mu_;
  int dfd_ ABSL_GUARDED_BY(ready_mu_);  // the other end, ours
  bool has_in_ ABSL_GUARDED_BY(ready_mu_) = false;
  bool has_out_ ABSL_GUARDED_BY(ready_mu_) = true;
};

// Creates a File for dev/fops with a fresh kernel pair; returns the caller's
// descriptor or -errno. The open operation runs before publication.
int open_file(Device* dev, const oskit_evl_file_operations* fops, void* private_data, int flags);

// close(2) on one of our descriptors: flush, wait for users, then release and
// free, or leave that to the last hold. Returns 0, or -EBADF if fd is not ours.
int close_file(int fd);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_FILE_H
