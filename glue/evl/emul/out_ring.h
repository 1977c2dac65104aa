// The output ring of a proxy: producers (oob_write, write) queue records, one
// consumer (the relay worker) takes them in order.
//
// Producers never wait for one another, and on the fast path touch only the
// reservation line they share, the storage they fill and a flag: one
// compare-and-swap reserves payload bytes and storage together; the payload
// bound is checked against a copy of the consumer's position that producers
// refresh only when the ring looks full; a record is published by a one-byte
// flag of its own. The consumer reads flags, never the reservation line, and
// writes only the flags of what it consumed and its own position.
//
// Storage. A record of n bytes is a 4-byte header (n, and whether the copy
// failed) followed by the payload, padded to 8 bytes: roundup8(n + 4) bytes,
// at most n + 11 and at most 8n. The storage holds any set of records whose
// payload fits bufsz: min(8 bufsz, bufsz + 11 (bufsz / m)) bytes, m being the
// smallest record the granularity allows, rounded up to a power of two. Beside
// it, one flag byte per 8-byte word: set when the word holds the header of a
// published record, cleared when the consumer takes the record. The memory is
// committed as it is used (ring_memory.h).
//
// Positions. The reservation word packs the payload position (32 bits, bytes)
// and the storage position (31 bits, 8-byte words), both counters that wrap;
// the consumer's position word packs the same. When the consumer finds the
// ring empty past the hot window, it moves both positions to the start of the
// next lap (a "rebase"), so that a ring that keeps up reuses the same few
// cache lines instead of sweeping all of its storage: the reservation word's
// top bit marks a rebase in progress, which producers finish for it.
//
// Sleeping. The consumer sets `sleeping`, issues a heavy fence and looks once
// more before it sleeps; a producer issues a light fence after publishing and
// wakes the consumer only if `sleeping` is set, which it clears: at most one
// wakeup per sleep, and no system call while the consumer is awake
// (asymmetric_fence.h).
#ifndef GLUE_EVL_EMUL_OUT_RING_H
#define GLUE_EVL_EMUL_OUT_RING_H

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "glue/evl/emul/asymmetric_fence.h"
#include "glue/evl/emul/ring_memory.h"
#include "glue/evl/emul/shared_word.h"

namespace oskit::evl::emul {

// Storage bytes a ring needs so that bufsz payload bytes always fit in
// records of at least min_record bytes (a power of two, at least 64).
size_t out_ring_storage(size_t bufsz, size_t min_record);

template <typename Hooks = NoHooks>
class BasicOutRing {
 public:
  static constexpr int kMaxSegments = 256;
  static constexpr size_t kDefaultHotWindow = 256 << 10;

  // What the consumer took: the records' payload as iovecs.
  struct Batch {
    struct iovec iov[kMaxSegments];
    int iovcnt = 0;
    uint64_t bytes = 0;  // payload bytes, discarded records included
    uint64_t end = 0;    // the consumer's position after the batch
  };

  BasicOutRing() = default;
  BasicOutRing(const BasicOutRing&) = delete;
  BasicOutRing& operator=(const BasicOutRing&) = delete;
  ~BasicOutRing() { memory_.release(); }

  // Sizes the storage for bufsz payload bytes in records of at least
  // min_record bytes; hot_window: where an idle consumer rebases. 0 or -ENOMEM.
  int init(size_t bufsz, size_t min_record, size_t hot_window = kDefaultHotWindow) {
    bufsz_ = bufsz;
    size_ = out_ring_storage(bufsz, min_record);
    words_ = size_ / 8;
    hot_words_ = std::min(size_, hot_window) / 8;
    if (!memory_.allocate(size_ + words_)) return -ENOMEM;  // reads zero: no flag set
    data_ = memory_.base();
    flags_ = reinterpret_cast<Flag*>(data_ + size_);
    // What a ring that keeps up uses is committed now, so that producers do
    // not fault on it.
    const size_t hot = std::min(size_, 2 * hot_window);
    memory_.populate(0, hot);
    memory_.populate(size_, hot / 8);
    return 0;
  }
  size_t bufsz() const { return bufsz_; }
  size_t storage_size() const { return size_; }

  // Queues count bytes (1 <= count <= bufsz): 0, or -EAGAIN when bufsz would
  // be exceeded. *wake: the consumer sleeps and the caller must wake it.
  // copy(dst, src, n) copies payload and returns false if src was unreadable;
  // the record is then queued as discarded and -EFAULT returned.
  template <typename Copy>
  int put(const void* buf, size_t count, bool* wake, Copy copy) {
    *wake = false;
    const uint32_t words = static_cast<uint32_t>((count + 4 + 7) / 8);
    uint64_t t = tail_.load(std::memory_order_relaxed);
    for (;;) {
      if (t & kRebasing) {
        finish_rebase(t);
        t = tail_.load(std::memory_order_relaxed);
        continue;
      }
      if (!payload_fits(t, count)) return -EAGAIN;
      if (tail_.compare_exchange(t, advance(t, count, words), std::memory_order_relaxed, std::memory_order_relaxed)) {
        break;
      }
    }
    const uint32_t at = word_index(t);
    bool copied = copy_in(at, static_cast<const char*>(buf), count, copy);
    uint32_t header = static_cast<uint32_t>(count) | (copied ? 0 : kDiscarded);
    memcpy(data_ + uint64_t{at} * 8, &header, sizeof header);
    flag(at).store(1, std::memory_order_release);
    light_fence();
    if (sleeping_.load(std::memory_order_relaxed) != 0 && sleeping_.exchange(0, std::memory_order_relaxed) != 0) {
      *wake = true;
    }
    return copied ? 0 : -EFAULT;
  }
  int put(const void* buf, size_t count, bool* wake) {
    return put(buf, count, wake, [](void* d, const void* s, size_t n) {
      memcpy(d, s, n);
      return true;
    });
  }

  // Whether count more payload bytes fit now: for a writer about to wait,
  // ordered against release() by sequential consistency.
  bool has_room(size_t count) {
    uint64_t t = tail_.load(std::memory_order_seq_cst);
    uint64_t h = head_.load(std::memory_order_seq_cst);
    return static_cast<uint32_t>(payload(t) - payload(h)) + count <= bufsz_;
  }
  // Payload bytes queued and not yet released by the consumer.
  uint64_t queued() const {
    uint64_t t = tail_.load(std::memory_order_acquire);
    uint64_t h = head_.load(std::memory_order_acquire);
    return static_cast<uint32_t>(payload(t) - payload(h));
  }

  // ---- consumer side

  // Whether the record at the consumer's position is published.
  bool ready() {
    uint64_t h = head_.load(std::memory_order_acquire);
    return flag(word_index(h)).load(std::memory_order_acquire) != 0;
  }

  // Takes the published records from the consumer's position on, up to
  // about limit payload bytes. False if the first is not published.
  bool collect(Batch* b, uint64_t limit) {
    uint64_t h = head_.load(std::memory_order_acquire);
    b->iovcnt = 0;
    b->bytes = 0;
    b->end = h;
    while (b->iovcnt <= kMaxSegments - 2 && b->bytes < limit) {
      const uint32_t at = word_index(b->end);
      if (flag(at).load(std::memory_order_acquire) == 0) break;
      flag(at).store(0, std::memory_order_relaxed);
      uint32_t header;
      memcpy(&header, data_ + uint64_t{at} * 8, sizeof header);
      const uint32_t len = header & ~kDiscarded;
      if ((header & kDiscarded) == 0) add_segments(b, at, len);
      b->bytes += len;
      b->end = advance(b->end, len, (len + 4 + 7) / 8);
    }
    return b->end != h;
  }

  // Gives back the room of a collected batch.
  void release(const Batch& b) {
    head_.store(b.end, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // before the caller looks for blocked writers
  }

  // With nothing queued and the consumer past the hot window, moves both
  // positions to the start of the next lap. Consumer only.
  void rebase_if_idle() {
    uint64_t h = head_.load(std::memory_order_acquire);
    if ((storage(h) & (words_ - 1)) < hot_words_) return;
    uint64_t expected = h;
    if (tail_.load(std::memory_order_relaxed) == h &&
        tail_.compare_exchange(expected, h | kRebasing, std::memory_order_acq_rel, std::memory_order_relaxed)) {
      finish_rebase(h | kRebasing);
    }
  }

  // The consumer is about to sleep: false if a record was published
  // meanwhile (then it must not sleep).
  bool prepare_sleep() {
    sleeping_.store(1, std::memory_order_relaxed);
    heavy_fence();
    if (!ready()) return true;
    sleeping_.store(0, std::memory_order_relaxed);
    return false;
  }
  // The consumer woke (or did not sleep after all).
  void end_sleep() { sleeping_.store(0, std::memory_order_relaxed); }

 private:
  using Flag = SharedWord<uint8_t, Hooks>;
  static_assert(sizeof(Flag) == 1, "one flag byte per storage word");
  static constexpr uint64_t kRebasing = uint64_t{1} << 31;
  static constexpr uint32_t kStorageMask = (uint32_t{1} << 31) - 1;
  static constexpr uint32_t kDiscarded = uint32_t{1} << 31;

  // pos moved on by a record of n payload bytes taking words of storage.
  static uint64_t advance(uint64_t pos, size_t n, uint32_t words) {
    return (uint64_t{static_cast<uint32_t>(payload(pos) + n)} << 32) | ((storage(pos) + words) & kStorageMask);
  }
  static uint32_t payload(uint64_t pos) { return static_cast<uint32_t>(pos >> 32); }
  static uint32_t storage(uint64_t pos) { return static_cast<uint32_t>(pos) & kStorageMask; }
  uint32_t word_index(uint64_t pos) const { return storage(pos) & static_cast<uint32_t>(words_ - 1); }
  Flag& flag(uint32_t at) { return flags_[at]; }

  // Checks the payload bound against the cached consumer position, then
  // against a fresh one.
  bool payload_fits(uint64_t t, size_t count) {
    uint64_t h = head_cache_.load(std::memory_order_acquire);
    if (static_cast<uint32_t>(payload(t) - payload(h)) + count <= bufsz_) return true;
    const uint64_t fresh = head_.load(std::memory_order_acquire);
    if (fresh == h) return false;
    head_cache_.store(fresh, std::memory_order_release);
    return static_cast<uint32_t>(payload(t) - payload(fresh)) + count <= bufsz_;
  }

  // Ends the rebase the reservation word locked (anyone may).
  void finish_rebase(uint64_t locked) {
    const uint64_t t = locked & ~kRebasing;
    const uint32_t lap = (storage(t) + static_cast<uint32_t>(words_) - 1) & ~static_cast<uint32_t>(words_ - 1);
    const uint64_t next = (uint64_t{payload(t)} << 32) | (lap & kStorageMask);
    uint64_t expected = t;
    if (head_.load(std::memory_order_acquire) == t) {
      head_.compare_exchange(expected, next, std::memory_order_acq_rel, std::memory_order_relaxed);
    }
    expected = locked;
    if (tail_.load(std::memory_order_relaxed) == locked) {
      tail_.compare_exchange(expected, next, std::memory_order_acq_rel, std::memory_order_relaxed);
    }
  }

  template <typename Copy>
  bool copy_in(uint32_t at, const char* src, size_t n, Copy copy) {
    const size_t off = uint64_t{at} * 8 + 4;
    const size_t first = std::min(n, size_ - off);
    bool ok = copy(data_ + off, src, first);
    if (first < n) ok = ok && copy(data_, src + first, n - first);
    return ok;
  }

  void add_segments(Batch* b, uint32_t at, size_t n) {
    const size_t off = uint64_t{at} * 8 + 4;
    const size_t first = std::min(n, size_ - off);
    if (first > 0) b->iov[b->iovcnt++] = {data_ + off, first};
    if (first < n) b->iov[b->iovcnt++] = {data_, n - first};
  }

  // Written by producers (the consumer reads it only to rebase).
  alignas(64) SharedWord<uint64_t, Hooks> tail_{0};
  SharedWord<uint64_t, Hooks> head_cache_{0};
  // Read-mostly.
  alignas(64) char* data_ = nullptr;
  Flag* flags_ = nullptr;
  size_t size_ = 0;
  size_t words_ = 0;
  size_t hot_words_ = 0;
  size_t bufsz_ = 0;
  RingMemory memory_;
  // Written by the consumer when it sleeps, by the producer that wakes it.
  alignas(64) SharedWord<uint32_t, Hooks> sleeping_{0};
  // Written by the consumer.
  alignas(64) SharedWord<uint64_t, Hooks> head_{0};
};

extern template class BasicOutRing<NoHooks>;
using OutRing = BasicOutRing<NoHooks>;

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_OUT_RING_H
