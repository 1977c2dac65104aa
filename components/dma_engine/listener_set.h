// The asyncio listeners of the DMA engine (OSKit manual 7.2.2, 7.2.3): each
// with the conditions it asked for; registering again replaces them. The
// owner serialises calls.
#ifndef COMPONENTS_DMA_ENGINE_LISTENER_SET_H
#define COMPONENTS_DMA_ENGINE_LISTENER_SET_H

#include "absl/container/inlined_vector.h"
#include "oskit/com/ptr.h"
#include "oskit/io/asyncio.h"

namespace oskit::dma_engine {

class ListenerSet {
 public:
  using Snapshot = absl::InlinedVector<ComPtr<oskit_listener>, 8>;

  // Registers l (a reference is kept) for mask, a non-empty subset of
  // OSKIT_ASYNCIO_ALL. 0; OSKIT_E_POINTER; OSKIT_EINVAL; OSKIT_ENOMEM.
  oskit_error_t add(oskit_listener* l, oskit_s32_t mask) noexcept;
  // Unregisters l and releases it; OSKIT_EINVAL if it is not registered.
  oskit_error_t remove(oskit_listener* l) noexcept;
  // References to the listeners interested in any of conditions (those that
  // do not fit when memory is exhausted are logged and left out).
  void interested(oskit_u32_t conditions, Snapshot* out) const noexcept;
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    ComPtr<oskit_listener> listener;
    oskit_u32_t mask;
  };
  absl::InlinedVector<Entry, 4> entries_;
};

}  // namespace oskit::dma_engine

#endif  // COMPONENTS_DMA_ENGINE_LISTENER_SET_H
