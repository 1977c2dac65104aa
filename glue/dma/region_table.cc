#include "glue/dma/region_table.h"

#include <new>

#include "glue/env/env.h"

namespace oskit::dma {
namespace {

constexpr std::uint64_t kLive = std::uint64_t{1} << 63;
constexpr std::uint64_t kDraining = std::uint64_t{1} << 62;
constexpr int kGenerationShift = 32;
constexpr std::uint64_t kGenerationMask = ((std::uint64_t{1} << RegionTable::kGenerationBits) - 1) << kGenerationShift;
constexpr std::uint64_t kPinMask = 0xffffffffu;

std::uint32_t generation_of(std::uint64_t state) {
  return static_cast<std::uint32_t>((state & kGenerationMask) >> kGenerationShift);
}

std::uint64_t with_generation(std::uint64_t state, std::uint32_t generation) {
  return (state & ~kGenerationMask) | (static_cast<std::uint64_t>(generation) << kGenerationShift);
}

// The generation after g, skipping 0 so that no address is made of zeros.
std::uint32_t next_generation(std::uint32_t g) {
  const std::uint32_t next = (g + 1) & ((1u << RegionTable::kGenerationBits) - 1);
  return next == 0 ? 1 : next;
}

}  // namespace

RegionTable::RegionTable(std::uint32_t max_slots) noexcept
    : max_slots_(max_slots == 0 || max_slots > kMaxSlots ? kMaxSlots : max_slots) {}

RegionTable::~RegionTable() {
  for (auto& chunk : chunks_) {
    Slot* slots = chunk.load(std::memory_order_relaxed);
    if (slots == nullptr) continue;
    for (std::uint32_t i = 0; i < kChunkSlots; i++) slots[i].~Slot();
    env::current().deallocate(slots, kChunkSlots * sizeof(Slot), alignof(Slot));
  }
}

RegionTable::Slot* RegionTable::find(std::uint32_t slot) const noexcept {
  if (slot >= max_slots_) return nullptr;
  Slot* chunk = chunks_[slot >> kChunkBits].load(std::memory_order_acquire);
  return chunk == nullptr ? nullptr : &chunk[slot & (kChunkSlots - 1)];
}

oskit_error_t RegionTable::add_slot(std::uint32_t* slot) noexcept {
  if (used_ >= max_slots_) return OSKIT_ENOSPC;
  const std::uint32_t chunk = used_ >> kChunkBits;
  if (chunks_[chunk].load(std::memory_order_relaxed) == nullptr) {
    void* mem = env::current().allocate(kChunkSlots * sizeof(Slot), alignof(Slot));
    if (mem == nullptr) return OSKIT_ENOMEM;
    Slot* slots = static_cast<Slot*>(mem);
    for (std::uint32_t i = 0; i < kChunkSlots; i++) new (&slots[i]) Slot;
    chunks_[chunk].store(slots, std::memory_order_release);
  }
  *slot = used_++;
  find(*slot)->state.store(with_generation(0, 1), std::memory_order_relaxed);
  return 0;
}

oskit_error_t RegionTable::reserve(std::uint32_t* slot, std::uint32_t* generation) noexcept {
  if (free_head_ != kNone) {
    *slot = free_head_;
    Slot* s = find(free_head_);
    free_head_ = s->next_free;
    if (free_head_ == kNone) free_tail_ = kNone;
  } else {
    oskit_error_t rc = add_slot(slot);
    if (rc != 0) return rc;
  }
  *generation = generation_of(find(*slot)->state.load(std::memory_order_relaxed));
  return 0;
}

void RegionTable::publish(std::uint32_t slot, const Region& region) noexcept {
  Slot* s = find(slot);
  s->region = region;
  // Stale pins from earlier generations may come and go meanwhile: keep their count.
  s->state.fetch_or(kLive, std::memory_order_release);
}

void RegionTable::unreserve(std::uint32_t slot) noexcept { push_free(slot); }

const Region* RegionTable::live(std::uint32_t slot, std::uint32_t generation) const noexcept {
  const Slot* s = find(slot);
  if (s == nullptr) return nullptr;
  const std::uint64_t state = s->state.load(std::memory_order_relaxed);
  return (state & kLive) != 0 && generation_of(state) == generation ? &s->region : nullptr;
}

std::uint32_t RegionTable::generation(std::uint32_t slot) const noexcept {
  const Slot* s = find(slot);
  return s == nullptr ? 0 : generation_of(s->state.load(std::memory_order_relaxed));
}

bool RegionTable::retire(std::uint32_t slot) noexcept {
  Slot* s = find(slot);
  std::uint64_t state = s->state.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    const bool unpinned = (state & kPinMask) == 0;
    next = unpinned ? with_generation(0, next_generation(generation_of(state))) : (state & ~kLive) | kDraining;
  } while (!s->state.compare_exchange_weak(state, next, std::memory_order_acq_rel));
  if ((state & kPinMask) != 0) return false;
  push_free(slot);
  return true;
}

void RegionTable::drain(std::uint32_t slot) noexcept {
  Slot* s = find(slot);
  if ((s->state.load(std::memory_order_acquire) & kPinMask) == 0) return;
  MutexLock lock(&drain_mu_);
  while ((s->state.load(std::memory_order_acquire) & kPinMask) != 0) drained_.wait(&drain_mu_);
}

void RegionTable::recycle(std::uint32_t slot) noexcept {
  Slot* s = find(slot);
  std::uint64_t state = s->state.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    next = with_generation(state & ~kDraining, next_generation(generation_of(state)));
  } while (!s->state.compare_exchange_weak(state, next, std::memory_order_acq_rel));
  push_free(slot);
}

void RegionTable::push_free(std::uint32_t slot) noexcept {
  find(slot)->next_free = kNone;
  if (free_tail_ == kNone) {
    free_head_ = slot;
  } else {
    find(free_tail_)->next_free = slot;
  }
  free_tail_ = slot;
}

const Region* RegionTable::pin(std::uint32_t slot, std::uint32_t generation) noexcept {
  Slot* s = find(slot);
  if (s == nullptr) return nullptr;
  const std::uint64_t before = s->state.fetch_add(1, std::memory_order_acquire);
  if ((before & kLive) != 0 && generation_of(before) == generation) return &s->region;
  drop_pin(s);
  return nullptr;
}

const Region* RegionTable::pinned(std::uint32_t slot, std::uint32_t generation) const noexcept {
  const Slot* s = find(slot);
  if (s == nullptr) return nullptr;
  const std::uint64_t state = s->state.load(std::memory_order_relaxed);
  return (state & kPinMask) != 0 && generation_of(state) == generation ? &s->region : nullptr;
}

bool RegionTable::unpin(std::uint32_t slot, std::uint32_t generation) noexcept {
  Slot* s = find(slot);
  if (s == nullptr) return false;
  const std::uint64_t state = s->state.load(std::memory_order_relaxed);
  // A pinned slot keeps its generation until it is recycled, after its last pin.
  if ((state & kPinMask) == 0 || generation_of(state) != generation) return false;
  drop_pin(s);
  return true;
}

void RegionTable::drop_pin(Slot* s) noexcept {
  const std::uint64_t before = s->state.fetch_sub(1, std::memory_order_release);
  if ((before & kDraining) != 0 && (before & kPinMask) == 1) wake_drainers();
}

void RegionTable::wake_drainers() noexcept {
  MutexLock lock(&drain_mu_);
  drained_.notify_all();
}

}  // namespace oskit::dma
