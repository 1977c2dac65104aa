// The output ring of a proxy: many producers (oob_write, write) queue
// records; one consumer (the relay worker) takes them in order.
//
// Producers reserve wait-free and never wait for one another. Each write is a
// record: an 8-byte header (length << 1 | ready) followed by the payload,
// padded to 8 bytes. Payload accounting (fill) enforces bufsz; storage
// positions (tail, head) are counted in bytes and wrap around the storage.
#ifndef GLUE_EVL_EMUL_OUT_RING_H
#define GLUE_EVL_EMUL_OUT_RING_H

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "glue/evl/emul/ring_memory.h"
#include "glue/evl/emul/shared_word.h"

namespace oskit::evl::emul {

template <typename Hooks = NoHooks>
class BasicOutRing {
 public:
  static constexpr int kMaxSegments = 64;

  // The consumer's view: ready records from head, as iovecs.
  struct Batch {
    struct iovec iov[kMaxSegments];
    int iovcnt = 0;
    uint64_t end = 0;    // storage position after the batch
    uint64_t bytes = 0;  // payload bytes
  };

  BasicOutRing() = default;
  BasicOutRing(const BasicOutRing&) = delete;
  BasicOutRing& operator=(const BasicOutRing&) = delete;
  ~BasicOutRing() { free_ring_memory(mem_, size_); }

  // Allocates the storage; 0 or -ENOMEM.
  int init(size_t bufsz) {
    bufsz_ = bufsz;
    size_ = (3 * bufsz + 4096 + 7) & ~size_t{7};
    mem_ = static_cast<char*>(alloc_ring_memory(size_));
    if (mem_ == nullptr) return -ENOMEM;
    memset(mem_, 0, size_);
    return 0;
  }
  size_t bufsz() const { return bufsz_; }
  // Payload bytes queued or being queued.
  uint64_t fill() const { return fill_.load(std::memory_order_seq_cst); }

  // Queues count bytes (count <= bufsz); 0 or -EAGAIN when there is no room.
  // *was_empty: the ring was empty (the consumer may sleep). On -EAGAIN,
  // *gave_back: room another writer may have seen taken was given back.
  int put(const void* buf, size_t count, bool* was_empty, bool* gave_back) {
    *was_empty = false;
    *gave_back = false;
    uint64_t f = fill_.load(std::memory_order_relaxed);
    do {
      if (f + count > bufsz_) return -EAGAIN;
    } while (!fill_.compare_exchange(f, f + count, std::memory_order_seq_cst, std::memory_order_relaxed));
    const uint64_t rec = 8 + ((count + 7) & ~uint64_t{7});
    uint64_t t = tail_.load(std::memory_order_relaxed);
    do {
      if (t + rec - head_.load(std::memory_order_acquire) > size_) {
        fill_.fetch_sub(count, std::memory_order_seq_cst);
        *gave_back = true;
        return -EAGAIN;
      }
    } while (!tail_.compare_exchange(t, t + rec, std::memory_order_acq_rel, std::memory_order_relaxed));
    copy_in(t + 8, static_cast<const char*>(buf), count);
    store_header(t, (uint64_t{count} << 1) | 1);
    *was_empty = (f == 0);
    return 0;
  }

  // Collects the ready records from head, up to about limit payload bytes.
  // False when the first record is not ready (or nothing is queued).
  bool collect(Batch* b, uint64_t limit) {
    uint64_t h = head_.load(std::memory_order_relaxed);
    b->iovcnt = 0;
    b->bytes = 0;
    b->end = h;
    while (b->iovcnt <= kMaxSegments - 2 && b->bytes < limit) {
      uint64_t v = load_header(b->end);
      if ((v & 1) == 0) break;
      uint64_t len = v >> 1;
      add_segments(b, b->end + 8, len);
      b->bytes += len;
      b->end += 8 + ((len + 7) & ~uint64_t{7});
    }
    return b->end != h;
  }

  // Frees what a batch held. The room is zeroed: any 8-byte word of it may
  // hold a header in a later lap, and the consumer must find "not ready"
  // there until the producer publishes.
  void release(const Batch& b) {
    uint64_t h = head_.load(std::memory_order_relaxed);
    size_t off = h % size_;
    size_t n = b.end - h;
    size_t first = std::min(n, size_ - off);
    memset(mem_ + off, 0, first);
    if (first < n) memset(mem_, 0, n - first);
    head_.store(b.end, std::memory_order_release);
    fill_.fetch_sub(b.bytes, std::memory_order_seq_cst);
  }

 private:
  uint64_t* header(uint64_t pos) { return reinterpret_cast<uint64_t*>(mem_ + pos % size_); }
  uint64_t load_header(uint64_t pos) {
    Hooks::before(header(pos), Access::kRead);
    return __atomic_load_n(header(pos), __ATOMIC_ACQUIRE);
  }
  void store_header(uint64_t pos, uint64_t v) {
    Hooks::before(header(pos), Access::kWrite);
    __atomic_store_n(header(pos), v, __ATOMIC_RELEASE);
  }
  void copy_in(uint64_t pos, const char* src, size_t n) {
    size_t off = pos % size_;
    size_t first = std::min(n, size_ - off);
    memcpy(mem_ + off, src, first);
    if (first < n) memcpy(mem_, src + first, n - first);
  }
  void add_segments(Batch* b, uint64_t pos, uint64_t n) {
    size_t off = pos % size_;
    size_t first = std::min<uint64_t>(n, size_ - off);
    if (first > 0) b->iov[b->iovcnt++] = {mem_ + off, first};
    if (first < n) b->iov[b->iovcnt++] = {mem_, n - first};
  }

  char* mem_ = nullptr;
  size_t size_ = 0;
  size_t bufsz_ = 0;
  alignas(64) SharedWord<uint64_t, Hooks> tail_;
  alignas(64) SharedWord<uint64_t, Hooks> head_;
  alignas(64) SharedWord<uint64_t, Hooks> fill_;
};

extern template class BasicOutRing<NoHooks>;
using OutRing = BasicOutRing<NoHooks>;

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_OUT_RING_H
