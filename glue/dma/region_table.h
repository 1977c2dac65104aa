// The wired regions of a device-address space, in numbered slots that a
// device pins without a lock while it accesses them (docs/design.md,
// "Exporting bufio to DMA code"). Each slot carries a generation, bumped when
// the slot is freed, so an address handed out for an earlier region of the
// slot never reaches a later one; freed slots are reused least recently
// freed first.
//
// reserve, publish, unreserve, live, retire and recycle must be serialised by
// the caller (the space's lock); pin, unpin and drain may run on any thread at
// any time.
#ifndef GLUE_DMA_REGION_TABLE_H
#define GLUE_DMA_REGION_TABLE_H

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "oskit/com.h"
#include "oskit/sync/mutex.h"

namespace oskit::dma {

// One wired region as a device sees it.
struct Region {
  char* cpu = nullptr;
  oskit_size_t size = 0;
  oskit_addr_t addr = 0;  // the device address of cpu[0]
};

class RegionTable {
 public:
  static constexpr std::uint32_t kSlotBits = 20;
  static constexpr std::uint32_t kMaxSlots = 1u << kSlotBits;
  static constexpr std::uint32_t kGenerationBits = 12;

  // A table of at most max_slots slots (1..kMaxSlots); slot memory comes from
  // the embedding environment, a chunk at a time, as slots are first used.
  explicit RegionTable(std::uint32_t max_slots) noexcept;
  ~RegionTable();
  RegionTable(const RegionTable&) = delete;
  RegionTable& operator=(const RegionTable&) = delete;

  std::uint32_t max_slots() const noexcept { return max_slots_; }

  // Takes a free slot; *generation gets its generation (never 0). OSKIT_ENOSPC
  // when every slot is taken, OSKIT_ENOMEM when a chunk cannot be allocated.
  oskit_error_t reserve(std::uint32_t* slot, std::uint32_t* generation) noexcept;
  // Makes region the live content of a reserved slot.
  void publish(std::uint32_t slot, const Region& region) noexcept;
  // Gives back a reserved slot that was never published.
  void unreserve(std::uint32_t slot) noexcept;
  // The region live in slot with generation, or nullptr.
  const Region* live(std::uint32_t slot, std::uint32_t generation) const noexcept;
  // The generation slot has now (0 for a slot never used).
  std::uint32_t generation(std::uint32_t slot) const noexcept;
  // Stops new pins of the live region in slot. Returns true when no access
  // held it, and the slot is free again; false when accesses pinned before
  // still hold it (then drain, then recycle).
  bool retire(std::uint32_t slot) noexcept;
  // Waits until the accesses pinned before retire have ended.
  void drain(std::uint32_t slot) noexcept;
  // Frees a retired, drained slot; its generation moves on.
  void recycle(std::uint32_t slot) noexcept;

  // Pins the region live in slot with generation and returns it, or nullptr
  // when there is none (never used, free, retired or of another generation).
  const Region* pin(std::uint32_t slot, std::uint32_t generation) noexcept;
  // Ends a pin of slot with generation. Returns false when there is none.
  bool unpin(std::uint32_t slot, std::uint32_t generation) noexcept;
  // The region of a pin of slot with generation, or nullptr when there is none.
  const Region* pinned(std::uint32_t slot, std::uint32_t generation) const noexcept;

 private:
  static constexpr std::uint32_t kChunkBits = 10;
  static constexpr std::uint32_t kChunkSlots = 1u << kChunkBits;
  static constexpr std::uint32_t kChunks = kMaxSlots / kChunkSlots;
  static constexpr std::uint32_t kNone = ~0u;

  struct Slot {
    // bit 63 live, bit 62 draining, bits 32-43 generation, bits 0-31 pins.
    std::atomic<std::uint64_t> state{0};
    Region region;
    std::uint32_t next_free = kNone;
  };

  Slot* find(std::uint32_t slot) const noexcept;
  oskit_error_t add_slot(std::uint32_t* slot) noexcept;
  void push_free(std::uint32_t slot) noexcept;
  void wake_drainers() noexcept;
  void drop_pin(Slot* s) noexcept;

  const std::uint32_t max_slots_;
  std::atomic<Slot*> chunks_[kChunks] = {};
  std::uint32_t used_ = 0;  // slots made so far
  std::uint32_t free_head_ = kNone;
  std::uint32_t free_tail_ = kNone;
  Mutex drain_mu_;
  CondVar drained_;
};

}  // namespace oskit::dma

#endif  // GLUE_DMA_REGION_TABLE_H
