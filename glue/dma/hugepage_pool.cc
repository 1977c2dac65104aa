#include "glue/dma/hugepage_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"
#include "glue/dma/host_memory.h"
#include "glue/env/env.h"
#include "oskit/io/range.h"

namespace oskit::dma {
namespace {

template <class T>
T* allocate_zeroed(std::size_t count) {
  void* mem = env::current().allocate(count * sizeof(T), alignof(T));
  if (mem != nullptr) std::memset(mem, 0, count * sizeof(T));
  return static_cast<T*>(mem);
}

template <class T>
void deallocate(T* p, std::size_t count) {
  if (p != nullptr) env::current().deallocate(p, count * sizeof(T), alignof(T));
}

}  // namespace

HugepagePool::~HugepagePool() { release(); }

void HugepagePool::release() noexcept {
  if (base_ != nullptr) munmap(base_, bytes_);
  deallocate(page_phys_, pages_);
  MutexLock lock(&mu_);
  deallocate(used_, bitmap_words());
  deallocate(starts_, bitmap_words());
  base_ = nullptr;
  page_phys_ = nullptr;
  used_ = starts_ = nullptr;
}

oskit_error_t HugepagePool::open(oskit_size_t bytes, std::string* why) noexcept {
  if (geteuid() != 0) {
    *why = "physical addresses need root";
    return OSKIT_EPERM;
  }
  huge_page_ = default_huge_page_size();
  if (huge_page_ == 0) {
    *why = "the kernel has no huge pages";
    return OSKIT_ENOMEM;
  }
  pages_ = bytes == 0 ? 1 : (bytes + huge_page_ - 1) / huge_page_;
  bytes_ = pages_ * huge_page_;
  void* mem =
      mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
  if (mem == MAP_FAILED) {
    *why = absl::StrFormat("cannot map %d huge pages of %d KiB (see /proc/sys/vm/nr_hugepages): %s", pages_,
                           huge_page_ / 1024, std::strerror(errno));
    return OSKIT_ENOMEM;
  }
  base_ = static_cast<char*>(mem);
  if (mlock(base_, bytes_) != 0) {
    *why = absl::StrFormat("cannot lock the huge pages: %s", std::strerror(errno));
    release();
    return OSKIT_ENOMEM;
  }
  blocks_ = bytes_ / kBlock;
  page_phys_ = allocate_zeroed<oskit_addr_t>(pages_);
  std::uint64_t* used = allocate_zeroed<std::uint64_t>(bitmap_words());
  std::uint64_t* starts = allocate_zeroed<std::uint64_t>(bitmap_words());
  {
    MutexLock lock(&mu_);
    used_ = used;
    starts_ = starts;
  }
  if (page_phys_ == nullptr || used == nullptr || starts == nullptr) {
    *why = "out of memory for the pool's bookkeeping";
    release();
    return OSKIT_ENOMEM;
  }
  return physical_addresses(base_, pages_, huge_page_, page_phys_, why);
}

bool HugepagePool::contiguous(std::size_t first_page, std::size_t last_page) const noexcept {
  for (std::size_t p = first_page; p < last_page; p++) {
    if (page_phys_[p] + huge_page_ != page_phys_[p + 1]) return false;
  }
  return true;
}

oskit_error_t HugepagePool::translate(const void* cpu, oskit_size_t size, oskit_addr_t* phys) const noexcept {
  const auto begin = reinterpret_cast<std::uintptr_t>(cpu);
  const auto base = reinterpret_cast<std::uintptr_t>(base_);
  if (base_ == nullptr || size == 0 || begin < base || begin - base >= bytes_ || size > bytes_ - (begin - base)) {
    return OSKIT_ENOTSUP;
  }
  const std::size_t offset = begin - base;
  const std::size_t first = offset / huge_page_;
  if (!contiguous(first, (offset + size - 1) / huge_page_)) return OSKIT_ENOTSUP;
  *phys = page_phys_[first] + offset % huge_page_;
  return 0;
}

bool HugepagePool::test(const std::uint64_t* bits, std::size_t block) const noexcept {
  return (bits[block / 64] >> (block % 64)) & 1;
}

void HugepagePool::set(std::uint64_t* bits, std::size_t block, bool value) noexcept {
  const std::uint64_t bit = std::uint64_t{1} << (block % 64);
  bits[block / 64] = value ? bits[block / 64] | bit : bits[block / 64] & ~bit;
}

bool HugepagePool::blocks_free(std::size_t first, std::size_t count, std::size_t* used) const {
  for (std::size_t b = first; b < first + count; b++) {
    if (test(used_, b)) {
      *used = b;
      return false;
    }
  }
  return true;
}

void HugepagePool::mark(std::size_t first, std::size_t count, bool used) {
  for (std::size_t b = first; b < first + count; b++) set(used_, b, used);
  set(starts_, first, used);
}

oskit_error_t HugepagePool::allocate(oskit_size_t size, oskit_size_t align, void** out) noexcept {
  if (size == 0 || !is_power_of_two(align) || align > huge_page_) return OSKIT_EINVAL;
  if (size > bytes_) return OSKIT_ENOMEM;
  const std::size_t count = (size + kBlock - 1) / kBlock;
  const std::size_t step = align < kBlock ? 1 : align / kBlock;
  const std::size_t blocks_per_page = huge_page_ / kBlock;
  MutexLock lock(&mu_);
  std::size_t first = 0;
  while (first + count <= blocks_) {
    std::size_t used = 0;
    if (!blocks_free(first, count, &used)) {
      first = (used / step + 1) * step;
      continue;
    }
    const std::size_t first_page = first / blocks_per_page;
    if (!contiguous(first_page, (first + count - 1) / blocks_per_page)) {
      first = ((first_page + 1) * blocks_per_page + step - 1) / step * step;
      continue;
    }
    mark(first, count, true);
    *out = base_ + first * kBlock;
    return 0;
  }
  return OSKIT_ENOMEM;
}

oskit_error_t HugepagePool::free(void* cpu, oskit_size_t size) noexcept {
  const auto begin = reinterpret_cast<std::uintptr_t>(cpu);
  const auto base = reinterpret_cast<std::uintptr_t>(base_);
  if (size == 0 || begin < base || begin - base >= bytes_ || (begin - base) % kBlock != 0) return OSKIT_EINVAL;
  const std::size_t first = (begin - base) / kBlock;
  const std::size_t count = (size + kBlock - 1) / kBlock;
  MutexLock lock(&mu_);
  if (first + count > blocks_ || !test(starts_, first)) return OSKIT_EINVAL;
  for (std::size_t b = first; b < first + count; b++) {
    if (!test(used_, b) || (b != first && test(starts_, b))) return OSKIT_EINVAL;
  }
  const std::size_t after = first + count;
  if (after < blocks_ && test(used_, after) && !test(starts_, after)) return OSKIT_EINVAL;  // a larger allocation
  mark(first, count, false);
  return 0;
}

}  // namespace oskit::dma
