#include "components/dma_engine/listener_set.h"

#include <algorithm>
#include <new>

#include "glue/env/env.h"

namespace oskit::dma_engine {

oskit_error_t ListenerSet::add(oskit_listener* l, oskit_s32_t mask) noexcept {
  if (l == nullptr) return OSKIT_E_POINTER;
  if (mask <= 0 || (mask & ~OSKIT_ASYNCIO_ALL) != 0) return OSKIT_EINVAL;
  auto it = std::find_if(entries_.begin(), entries_.end(), [l](const Entry& e) { return e.listener.get() == l; });
  if (it != entries_.end()) {
    it->mask = static_cast<oskit_u32_t>(mask);
    return 0;
  }
  try {
    entries_.push_back({ComPtr<oskit_listener>::copy(l), static_cast<oskit_u32_t>(mask)});
  } catch (const std::bad_alloc&) {
    return OSKIT_ENOMEM;
  }
  return 0;
}

oskit_error_t ListenerSet::remove(oskit_listener* l) noexcept {
  if (l == nullptr) return OSKIT_E_POINTER;
  auto it = std::find_if(entries_.begin(), entries_.end(), [l](const Entry& e) { return e.listener.get() == l; });
  if (it == entries_.end()) return OSKIT_EINVAL;
  entries_.erase(it);
  return 0;
}

void ListenerSet::interested(oskit_u32_t conditions, Snapshot* out) const noexcept {
  for (const Entry& e : entries_) {
    if ((e.mask & conditions) == 0) continue;
    try {
      out->push_back(e.listener);
    } catch (const std::bad_alloc&) {
      env::logf(env::LogLevel::kError, "DMA engine: out of memory: %d listeners miss a notification",
                entries_.size() - out->size());
      return;
    }
  }
}

}  // namespace oskit::dma_engine
