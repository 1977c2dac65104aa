// Conformance suite for oskit_osenv_mem (oskit/osenv.h): alloc gives
// aligned, writable, distinct blocks for every power-of-two alignment, a
// unique pointer for size 0, NULL for an alignment that is not a power of
// two or a size no memory holds; flags and tags change nothing of that; free
// ignores NULL; threads may allocate and free at once.
//
// Factory (constructed for each test, destroyed after it):
//   oskit_osenv_mem* mem();  // borrowed, valid while the factory lives
// Instantiate, inside namespace oskit::testing:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, OsenvMemConformance, ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_OSENV_MEM_CONFORMANCE_H
#define OSKIT_TESTING_OSENV_MEM_CONFORMANCE_H

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/osenv.h"

namespace oskit::testing {

template <class Factory>
class OsenvMemConformance : public ::testing::Test {
 protected:
  oskit_osenv_mem* mem() { return factory_.mem(); }

 private:
  Factory factory_;
};

TYPED_TEST_SUITE_P(OsenvMemConformance);

TYPED_TEST_P(OsenvMemConformance, BlocksAreAlignedWritableAndDistinct) {
  oskit_osenv_mem* m = this->mem();
  for (oskit_size_t align = 1; align <= 4096; align *= 2) {
    for (oskit_size_t size : {oskit_size_t{1}, oskit_size_t{7}, align, 3 * align + 1}) {
      void* a = m->alloc(size, OSKIT_OSENV_MEM_MAYBLOCK, align, "conformance");
      void* b = oskit_osenv_mem_alloc(m, size, OSKIT_OSENV_MEM_MAYBLOCK, align, nullptr);
      ASSERT_NE(a, nullptr) << size << " bytes aligned to " << align;
      ASSERT_NE(b, nullptr);
      EXPECT_NE(a, b);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % align, 0u) << align;
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b) % align, 0u) << align;
      std::memset(a, 0xa5, size);
      std::memset(b, 0x5a, size);
      EXPECT_EQ(static_cast<unsigned char*>(a)[size - 1], 0xa5);
      m->free(a, size, align);
      oskit_osenv_mem_free(m, b, size, align);
    }
  }
}

TYPED_TEST_P(OsenvMemConformance, SizeZeroGivesAUniquePointer) {
  oskit_osenv_mem* m = this->mem();
  void* a = m->alloc(0, OSKIT_OSENV_MEM_MAYBLOCK, 8, nullptr);
  void* b = m->alloc(0, OSKIT_OSENV_MEM_MAYBLOCK, 8, nullptr);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  m->free(a, 0, 8);
  m->free(b, 0, 8);
}

TYPED_TEST_P(OsenvMemConformance, AlignmentsThatAreNotPowersOfTwoAreRefused) {
  oskit_osenv_mem* m = this->mem();
  for (oskit_size_t align : {oskit_size_t{0}, oskit_size_t{3}, oskit_size_t{24}, oskit_size_t{4097}}) {
    EXPECT_EQ(m->alloc(16, OSKIT_OSENV_MEM_MAYBLOCK, align, nullptr), nullptr) << align;
  }
}

TYPED_TEST_P(OsenvMemConformance, ASizeNoMemoryHoldsFails) {
  oskit_osenv_mem* m = this->mem();
  EXPECT_EQ(m->alloc(SIZE_MAX, OSKIT_OSENV_MEM_MAYBLOCK, 8, nullptr), nullptr);
  EXPECT_EQ(m->alloc(SIZE_MAX - 64, 0, 64, nullptr), nullptr);
}

TYPED_TEST_P(OsenvMemConformance, WithoutMayBlockMemoryIsStillGiven) {
  oskit_osenv_mem* m = this->mem();
  void* p = m->alloc(256, 0, 16, "interrupt context");
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, 256);
  m->free(p, 256, 16);
}

TYPED_TEST_P(OsenvMemConformance, FreeIgnoresNull) {
  this->mem()->free(nullptr, 0, 8);
  this->mem()->free(nullptr, 100, 64);
}

TYPED_TEST_P(OsenvMemConformance, ThreadsAllocateAndFreeAtOnce) {
  oskit_osenv_mem* m = this->mem();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([m, t] {
      for (int i = 0; i < 500; ++i) {
        const oskit_size_t size = 16 + static_cast<oskit_size_t>((i * 7 + t) % 300);
        auto* p = static_cast<unsigned char*>(m->alloc(size, OSKIT_OSENV_MEM_MAYBLOCK, 16, "stress"));
        if (p == nullptr) continue;
        p[0] = static_cast<unsigned char>(t);
        p[size - 1] = static_cast<unsigned char>(i);
        m->free(p, size, 16);
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

REGISTER_TYPED_TEST_SUITE_P(OsenvMemConformance, BlocksAreAlignedWritableAndDistinct, SizeZeroGivesAUniquePointer,
                            AlignmentsThatAreNotPowersOfTwoAreRefused, ASizeNoMemoryHoldsFails,
                            WithoutMayBlockMemoryIsStillGiven, FreeIgnoresNull, ThreadsAllocateAndFreeAtOnce);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_OSENV_MEM_CONFORMANCE_H
