// glue/dma's own device-address space and the default-space bookkeeping it
// shares with default_space.cc. Internal to glue/dma.
#ifndef GLUE_DMA_SPACE_H
#define GLUE_DMA_SPACE_H

#include "glue/dma/dma.h"
#include "oskit/com/ptr.h"
#include "oskit/sync/mutex.h"

namespace oskit::dma {

// Creates a space as oskit_dma_space_create describes. made_on_use: the
// space is the default made on first use, which forgets itself (under
// default_space_mutex()) when its last reference goes.
oskit_error_t create_space(const oskit_dma_space_options& options, bool made_on_use,
                           ComPtr<oskit_dma_space>* out) noexcept;

// Orders the made-on-use default space's last release against a caller
// taking a new reference to it.
Mutex& default_space_mutex() noexcept;

// Called by the made-on-use default space as it goes.
void forget_default_space(oskit_dma_space* space) noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(default_space_mutex());

}  // namespace oskit::dma

#endif  // GLUE_DMA_SPACE_H
