// Executes the DMA engine's descriptors against a device-address space.
// Every range a descriptor names is translated before anything is written,
// so a translation fault writes nothing. Translations pin whole wired
// regions and are kept for the rest of a batch, so that later descriptors
// inside the same regions need no translation of their own; unwire waits for
// the batch (oskit_dma_space access_begin/region).
#ifndef COMPONENTS_DMA_ENGINE_EXECUTOR_H
#define COMPONENTS_DMA_ENGINE_EXECUTOR_H

#include <cstring>

#include "components/dma_engine/dma_engine.h"

namespace oskit::dma_engine {

// Whether desc is well formed (op, flags, lengths, table counts), as submit
// checks before queueing it.
bool valid_descriptor(const oskit_dma_desc& desc) noexcept;

// The regions one batch of descriptors holds.
class Translations {
 public:
  Translations(oskit_dma_space* space, oskit_u32_t device) noexcept : space_(space), device_(device) {}
  ~Translations() { release(); }
  Translations(const Translations&) = delete;
  Translations& operator=(const Translations&) = delete;

  // Where the CPU reaches [addr, addr + size) for access, or nullptr when the
  // access faults (*fault_addr then gets addr).
  char* take(oskit_u64_t addr, oskit_u64_t size, oskit_u32_t access, oskit_u64_t* fault_addr) noexcept {
    char* cpu = held(addr, size);
    return cpu != nullptr ? cpu : translate(addr, size, access, fault_addr);
  }
  // Where the CPU reaches [addr, addr + size) in a region already held, or nullptr.
  char* held(oskit_u64_t addr, oskit_u64_t size) const noexcept {
    for (int i = 0; i < count_; i++) {
      const Held& h = held_[i];
      if (addr >= h.addr && addr - h.addr <= h.size && size <= h.size - (addr - h.addr)) return h.cpu + (addr - h.addr);
    }
    return nullptr;
  }
  // Between descriptors: lets go of the regions when many are held.
  void trim() noexcept {
    if (count_ > kKeep) release();
  }
  // Lets go of every region (at the end of a batch).
  void release() noexcept;

 private:
  // Regions kept between descriptors, and the most one descriptor can add
  // to them (two tables and their segments).
  static constexpr int kKeep = 8;
  static constexpr int kMax = kKeep + 2 + 2 * OSKIT_DMA_SG_MAX;
  struct Held {
    oskit_dma_pin_t pin;
    oskit_u64_t addr;
    oskit_u64_t size;
    char* cpu;
  };
  // take() for a range outside the regions held: pins its region.
  char* translate(oskit_u64_t addr, oskit_u64_t size, oskit_u32_t access, oskit_u64_t* fault_addr) noexcept;

  oskit_dma_space* const space_;
  const oskit_u32_t device_;
  Held held_[kMax];
  int count_ = 0;
};

// execute() for any descriptor.
void execute_any(Translations* translations, const oskit_dma_desc& desc, oskit_dma_completion* out) noexcept;

// Runs a valid desc; *out gets its cookie, status, bytes and fault address
// (not its index). A copy inside regions already held, the common case of a
// busy ring, runs inline.
inline void execute(Translations* translations, const oskit_dma_desc& desc, oskit_dma_completion* out) noexcept {
  if (desc.op == OSKIT_DMA_OP_COPY) {
    char* src = translations->held(desc.src, desc.length);
    char* dst = src != nullptr ? translations->held(desc.dst, desc.length) : nullptr;
    if (dst != nullptr) {
      std::memmove(dst, src, desc.length);
      out->cookie = desc.cookie;
      out->bytes = desc.length;
      out->fault_addr = 0;
      out->status = 0;
      return;
    }
  }
  execute_any(translations, desc, out);
}

}  // namespace oskit::dma_engine

#endif  // COMPONENTS_DMA_ENGINE_EXECUTOR_H
