// The memory of a physical-mode space: huge pages mapped, populated and
// locked at creation, each page's physical address read once from
// /proc/self/pagemap (which shows frame numbers only to a privileged
// process), and a first-fit allocator that never hands out a range crossing
// from one huge page into one that is not physically adjacent.
//
// The pages come from the kernel's huge page pool, not from the embedding
// environment, which cannot supply physically contiguous memory; the
// bookkeeping comes from the environment.
#ifndef GLUE_DMA_HUGEPAGE_POOL_H
#define GLUE_DMA_HUGEPAGE_POOL_H

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "oskit/com.h"
#include "oskit/sync/mutex.h"

namespace oskit::dma {

class HugepagePool {
 public:
  HugepagePool() = default;
  ~HugepagePool();
  HugepagePool(const HugepagePool&) = delete;
  HugepagePool& operator=(const HugepagePool&) = delete;

  // Maps bytes (rounded up to whole huge pages; at least one) of locked huge
  // page memory. Returns 0; OSKIT_EPERM when the process may not see physical
  // addresses (not root, or pagemap hides them); OSKIT_ENOMEM when the kernel
  // has too few free huge pages or they cannot be locked; OSKIT_EIO when
  // pagemap cannot be read. *why gets a sentence on failure.
  oskit_error_t open(oskit_size_t bytes, std::string* why) noexcept;

  // Whether [cpu, cpu + size) lies in the pool on physically contiguous
  // pages: 0 and *phys = the physical address of cpu; OSKIT_ENOTSUP if not.
  oskit_error_t translate(const void* cpu, oskit_size_t size, oskit_addr_t* phys) const noexcept;

  // size bytes aligned to align (a power of two, at least kBlock) that
  // translate accepts whole. OSKIT_ENOMEM when no such range is free.
  oskit_error_t allocate(oskit_size_t size, oskit_size_t align, void** out) noexcept;
  // Frees what allocate gave, with the same size; OSKIT_EINVAL otherwise.
  oskit_error_t free(void* cpu, oskit_size_t size) noexcept;

  oskit_size_t huge_page_size() const noexcept { return huge_page_; }
  oskit_size_t bytes() const noexcept { return bytes_; }

  static constexpr oskit_size_t kBlock = 64;  // allocation granule

 private:
  bool contiguous(std::size_t first_page, std::size_t last_page) const noexcept;
  bool blocks_free(std::size_t first, std::size_t count, std::size_t* used) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void mark(std::size_t first, std::size_t count, bool used) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool test(const std::uint64_t* bits, std::size_t block) const noexcept;
  void set(std::uint64_t* bits, std::size_t block, bool value) noexcept;
  std::size_t bitmap_words() const noexcept { return (blocks_ + 63) / 64; }
  void release() noexcept;

  char* base_ = nullptr;
  oskit_size_t bytes_ = 0;
  oskit_size_t huge_page_ = 0;
  std::size_t pages_ = 0;
  oskit_addr_t* page_phys_ = nullptr;  // physical address of each huge page
  std::size_t blocks_ = 0;
  Mutex mu_;
  std::uint64_t* used_ ABSL_PT_GUARDED_BY(mu_) = nullptr;    // a bit per block in use
  std::uint64_t* starts_ ABSL_PT_GUARDED_BY(mu_) = nullptr;  // a bit per block that begins an allocation
};

}  // namespace oskit::dma

#endif  // GLUE_DMA_HUGEPAGE_POOL_H
