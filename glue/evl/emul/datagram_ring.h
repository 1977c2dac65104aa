// A bounded queue of datagrams in one byte ring: the send and receive buffers
// of the emulation's out-of-band sockets (docs/design.md, "UDP"). Records lie
// back to back and never wrap around the end; the memory comes from glue/env
// when the ring is made, so queuing and dequeuing allocate nothing.
// Thread-safe: any number of producers and consumers.
#ifndef GLUE_EVL_EMUL_DATAGRAM_RING_H
#define GLUE_EVL_EMUL_DATAGRAM_RING_H

#include <netinet/in.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "glue/env/env.h"
#include "oskit/sync/mutex.h"

namespace oskit::evl::emul {

// The largest UDP payload over IPv4.
inline constexpr size_t kMaxDatagram = 65507;

class DatagramRing {
 public:
  // A queued datagram seen in place (front()).
  struct View {
    const void* data;
    size_t len;
    const sockaddr_in* addr;  // nullptr when none was given
    int flags;                // the sender's flags
  };
  // What pop() found.
  struct Taken {
    size_t len;     // the datagram's length
    size_t copied;  // the bytes copied out (less than len: truncated)
  };

  DatagramRing() = default;
  ~DatagramRing();
  DatagramRing(const DatagramRing&) = delete;
  DatagramRing& operator=(const DatagramRing&) = delete;

  // Takes capacity bytes from the current environment; false on exhaustion.
  bool init(size_t capacity) noexcept;

  // Appends the len bytes gathered from iov with addr (may be nullptr) and
  // flags; false when the record does not fit now.
  bool push(const struct iovec* iov, size_t iovcnt, size_t len, const sockaddr_in* addr, int flags) noexcept;
  // Copies the first datagram into iov and, unless peek, removes it; *from
  // (if given) gets its address. False when the ring is empty.
  bool pop(const struct iovec* iov, size_t iovcnt, sockaddr_in* from, bool peek, Taken* out) noexcept;
  // Fills out with up to max datagrams from the front, left in place until
  // drop(). Only one thread may consume a ring this way.
  size_t front(View* out, size_t max) noexcept;
  // Removes n datagrams from the front.
  void drop(size_t n) noexcept;

  bool empty() const noexcept;
  // The first datagram's length, -1 when empty.
  long front_len() const noexcept;
  // How many more datagrams of len bytes fit now.
  size_t room_for(size_t len) const noexcept;
  // Payload bytes queued.
  size_t bytes() const noexcept;

 private:
  struct Header;
  static size_t record_size(size_t len) noexcept;
  // Where a record of size bytes goes, advancing the tail; nullptr if no room.
  char* reserve_locked(size_t size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Header* head_record_locked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void pop_front_locked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  size_t room_locked(size_t size) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  char* base_ = nullptr;
  size_t capacity_ = 0;
  env::Environment* env_ = nullptr;
  mutable Mutex mu_;
  // Records occupy [head_, tail_) or, wrapped, [head_, wrap_) and [0, tail_).
  size_t head_ ABSL_GUARDED_BY(mu_) = 0;
  size_t tail_ ABSL_GUARDED_BY(mu_) = 0;
  size_t wrap_ ABSL_GUARDED_BY(mu_) = 0;
  bool wrapped_ ABSL_GUARDED_BY(mu_) = false;
  size_t count_ ABSL_GUARDED_BY(mu_) = 0;
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_DATAGRAM_RING_H
