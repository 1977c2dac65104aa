// The regions of a physical-mode space by physical address: disjoint ranges,
// sorted, each naming its slot in the region table.
#ifndef GLUE_DMA_PHYS_INDEX_H
#define GLUE_DMA_PHYS_INDEX_H

#include <algorithm>
#include <cstdint>
#include <vector>

#include "glue/dma/env_allocator.h"
#include "oskit/com.h"

namespace oskit::dma {

class PhysIndex {
 public:
  struct Entry {
    oskit_addr_t begin;
    oskit_size_t size;
    std::uint32_t slot;
  };

  // Whether [begin, begin + size) overlaps an entry.
  bool overlaps(oskit_addr_t begin, oskit_size_t size) const noexcept {
    auto it = after(begin);
    if (it != entries_.end() && it->begin < begin + size) return true;
    return it != entries_.begin() && std::prev(it)->begin + std::prev(it)->size > begin;
  }

  // Adds an entry that overlaps none. OSKIT_ENOMEM on exhaustion.
  oskit_error_t insert(const Entry& entry) noexcept {
    try {
      entries_.insert(after(entry.begin), entry);
      return 0;
    } catch (const std::bad_alloc&) {
      return OSKIT_ENOMEM;
    }
  }

  // The entry whose range holds addr, or nullptr.
  const Entry* containing(oskit_addr_t addr) const noexcept {
    auto it = after(addr);
    if (it == entries_.begin()) return nullptr;
    --it;
    return addr - it->begin < it->size ? &*it : nullptr;
  }

  // Removes the entry beginning at begin of exactly size bytes; false if none.
  bool erase(oskit_addr_t begin, oskit_size_t size, std::uint32_t* slot) noexcept {
    auto it = after(begin);
    if (it == entries_.begin() || std::prev(it)->begin != begin || std::prev(it)->size != size) return false;
    *slot = std::prev(it)->slot;
    entries_.erase(std::prev(it));
    return true;
  }

 private:
  using Entries = std::vector<Entry, EnvAllocator<Entry>>;

  // The first entry beginning after addr.
  Entries::const_iterator after(oskit_addr_t addr) const noexcept {
    return std::upper_bound(entries_.begin(), entries_.end(), addr,
                            [](oskit_addr_t a, const Entry& e) { return a < e.begin; });
  }

  Entries entries_;
};

}  // namespace oskit::dma

#endif  // GLUE_DMA_PHYS_INDEX_H
