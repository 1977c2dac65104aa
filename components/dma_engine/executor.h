// Executes one descriptor of the DMA engine against a device-address space:
// every range it names is translated (and held) before anything is written,
// so a translation fault writes nothing.
#ifndef COMPONENTS_DMA_ENGINE_EXECUTOR_H
#define COMPONENTS_DMA_ENGINE_EXECUTOR_H

#include "components/dma_engine/dma_engine.h"

namespace oskit::dma_engine {

// Whether desc is well formed (op, flags, lengths, table counts), as submit
// checks before queueing it.
bool valid_descriptor(const oskit_dma_desc& desc) noexcept;

// Runs a valid desc as device `device` of space; *out gets its cookie,
// status, bytes and fault address (not its index).
void execute(oskit_dma_space* space, oskit_u32_t device, const oskit_dma_desc& desc,
             oskit_dma_completion* out) noexcept;

}  // namespace oskit::dma_engine

#endif  // COMPONENTS_DMA_ENGINE_EXECUTOR_H
