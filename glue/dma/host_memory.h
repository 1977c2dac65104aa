// What the host kernel says about memory: the default huge page size and,
// through /proc/self/pagemap, the physical address behind a virtual one.
#ifndef GLUE_DMA_HOST_MEMORY_H
#define GLUE_DMA_HOST_MEMORY_H

#include <string>

#include "oskit/com.h"

namespace oskit::dma {

// The kernel's default huge page size ("Hugepagesize" in /proc/meminfo), or
// 0 when it has none.
oskit_size_t default_huge_page_size() noexcept;

// The physical addresses of the pages of [cpu, cpu + pages * page_size), one
// per page into out (page_size a multiple of 4096, cpu aligned to it). The
// pages must be present. Returns 0; OSKIT_EPERM when pagemap hides frame
// numbers (the caller lacks CAP_SYS_ADMIN); OSKIT_EIO when it cannot be read
// or a page is not present. *why gets a sentence on failure.
oskit_error_t physical_addresses(const void* cpu, std::size_t pages, oskit_size_t page_size, oskit_addr_t* out,
                                 std::string* why) noexcept;

}  // namespace oskit::dma

#endif  // GLUE_DMA_HOST_MEMORY_H
