#include "glue/evl/emul/ring_memory.h"

#include <string.h>
#include <sys/mman.h>

#include "glue/env/env.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace oskit::evl::emul {

bool RingMemory::allocate(std::size_t size) {
  release();
  if (size == 0) size = 64;
  oskit::env::Environment& env = oskit::env::current();
  if (oskit::env::installed() == &oskit::env::host()) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    base_ = static_cast<char*>(p);
    env_ = nullptr;
  } else {
    base_ = static_cast<char*>(env.allocate(size, 64));
    if (base_ == nullptr) return false;
    memset(base_, 0, size);
    env_ = &env;
  }
  size_ = size;
  return true;
}

void RingMemory::populate(std::size_t offset, std::size_t len) {
  if (env_ != nullptr || len == 0 || offset >= size_) return;
  if (len > size_ - offset) len = size_ - offset;
  const std::size_t page = 4096;
  std::size_t start = offset & ~(page - 1);
  std::size_t end = (offset + len + page - 1) & ~(page - 1);
  if (end > size_) end = size_;
  if (madvise(base_ + start, end - start, MADV_POPULATE_WRITE) == 0) return;
  // Older kernels: touch each page (the memory is fresh, zeros stay zeros).
  for (std::size_t at = start; at < end; at += page) {
    __atomic_store_n(base_ + at, 0, __ATOMIC_RELAXED);
  }
}

void RingMemory::release() {
  if (base_ == nullptr) return;
  if (env_ == nullptr) {
    munmap(base_, size_);
  } else {
    env_->deallocate(base_, size_, 64);
  }
  base_ = nullptr;
  size_ = 0;
}

}  // namespace oskit::evl::emul
