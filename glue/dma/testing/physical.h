// Helpers for tests of physical-mode DMA spaces.
#ifndef GLUE_DMA_TESTING_PHYSICAL_H
#define GLUE_DMA_TESTING_PHYSICAL_H

#include <string>

#include "glue/dma/dma.h"
#include "oskit/com/ptr.h"

namespace oskit::dma::testing {

// A physical-mode space with pool_bytes of huge page memory. When too few huge
// pages are free and the process is root, first tries to reserve more through
// /proc/sys/vm/nr_hugepages. Empty, with *why saying what is missing, when
// this machine cannot give one.
ComPtr<oskit_dma_space> make_physical_space(oskit_size_t pool_bytes, std::string* why);

// The physical address /proc/self/pagemap gives for cpu (which must be
// present), or 0 when it cannot be read.
oskit_addr_t pagemap_address(const void* cpu);

// The kernel's default huge page size, or 0.
oskit_size_t huge_page_size();

}  // namespace oskit::dma::testing

#endif  // GLUE_DMA_TESTING_PHYSICAL_H
