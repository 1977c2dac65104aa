#include "components/membufio/membufio.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/blkio_conformance.h"
#include "oskit/testing/bufio_conformance.h"
#include "oskit/testing/bufio_pool_conformance.h"
#include "oskit/testing/com_conformance.h"

namespace oskit {
namespace {

struct HeapBufio {
  static constexpr bool kFixedSize = false;
  static constexpr bool kWritesExtend = false;
  static constexpr bool kWire = false;
  static ComPtr<oskit_iunknown> make() { return ComPtr<oskit_iunknown>::adopt(oskit_bufio_create(64)); }
  static ComPtr<oskit_bufio> make(oskit_size_t size) { return ComPtr<oskit_bufio>::adopt(oskit_bufio_create(size)); }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_bufio>::value, iid_of<oskit_absio>::value, iid_of<oskit_blkio>::value};
  }
};

// Caller memory freed by the callback at the last release.
void free_with_cookie(void* cookie, void* buf) {
  ++*static_cast<int*>(cookie);
  std::free(buf);
}
int extern_frees = 0;

struct ExternBufio {
  static constexpr bool kFixedSize = true;
  static constexpr bool kWritesExtend = false;
  static constexpr bool kWire = false;
  static ComPtr<oskit_bufio> make(oskit_size_t size) {
    void* mem = std::calloc(1, size);
    return ComPtr<oskit_bufio>::adopt(oskit_create_extern_bufio(mem, size, free_with_cookie, &extern_frees));
  }
  static ComPtr<oskit_iunknown> make() { return make(oskit_size_t{64}); }
  static std::vector<oskit_guid> interfaces() { return HeapBufio::interfaces(); }
};

struct HeapPool {
  static constexpr oskit_size_t kBufferSize = 1514;
  static ComPtr<oskit_bufio_pool> make() {
    ComPtr<oskit_bufio_pool> pool;
    EXPECT_EQ(oskit_bufio_heap_pool_create(pool.put()), 0);
    return pool;
  }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_bufio_pool>::value}; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(MemoryBufioHeapPool, ComConformance, ::testing::Types<HeapPool>);
INSTANTIATE_TYPED_TEST_SUITE_P(MemoryBufioHeapPool, BufioPoolConformance, ::testing::Types<HeapPool>);
using MemoryBufioFactories = ::testing::Types<HeapBufio, ExternBufio>;
INSTANTIATE_TYPED_TEST_SUITE_P(MemoryBufio, ComConformance, MemoryBufioFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(MemoryBufio, AbsioConformance, MemoryBufioFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(MemoryBufio, BlkioConformance, MemoryBufioFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(MemoryBufio, BufioConformance, MemoryBufioFactories);
}  // namespace oskit::testing

namespace oskit {
namespace {

TEST(MemoryBufio, AbsioAndBlkioAreTheSamePointer) {
  ComPtr<oskit_bufio> io = HeapBufio::make(16);
  ComPtr<oskit_absio> absio = query<oskit_absio>(io);
  ComPtr<oskit_blkio> blkio = query<oskit_blkio>(io);
  ASSERT_TRUE(absio && blkio);
  EXPECT_EQ(static_cast<void*>(absio.get()), static_cast<void*>(io.get()));
  EXPECT_EQ(static_cast<void*>(blkio.get()), static_cast<void*>(io.get()));
  EXPECT_EQ(blkio->getblocksize(), 1u);
}

TEST(MemoryBufio, HeapBufferStartsZeroed) {
  ComPtr<oskit_bufio> io = HeapBufio::make(100);
  std::vector<char> back(100, 'x');
  oskit_size_t actual = 0;
  ASSERT_EQ(io->read(back.data(), 0, back.size(), &actual), 0);
  EXPECT_EQ(back, std::vector<char>(100, 0));
}

TEST(MemoryBufio, ExternFreeRunsOnceAtTheLastRelease) {
  const int before = extern_frees;
  ComPtr<oskit_bufio> io = ExternBufio::make(oskit_size_t{32});
  ComPtr<oskit_bufio> second = io;
  io.reset();
  EXPECT_EQ(extern_frees, before);
  second.reset();
  EXPECT_EQ(extern_frees, before + 1);
}

TEST(MemoryBufio, ExternMapGivesTheCallersMemory) {
  char mem[64] = "caller memory";
  ComPtr<oskit_bufio> io = ComPtr<oskit_bufio>::adopt(oskit_create_extern_bufio(mem, sizeof mem, nullptr, nullptr));
  ASSERT_TRUE(io);
  void* addr = nullptr;
  ASSERT_EQ(io->map(&addr, 7, 6), 0);
  EXPECT_EQ(addr, mem + 7);
  EXPECT_EQ(io->unmap(addr, 7, 6), 0);
}

TEST(MemoryBufio, SetsizeKeepsDataAndRefusesWhileMapped) {
  ComPtr<oskit_bufio> io = HeapBufio::make(8);
  oskit_size_t actual = 0;
  ASSERT_EQ(io->write("abcdefgh", 0, 8, &actual), 0);
  void* addr = nullptr;
  ASSERT_EQ(io->map(&addr, 0, 8), 0);
  EXPECT_EQ(io->setsize(100), OSKIT_EBUSY);
  ASSERT_EQ(io->unmap(addr, 0, 8), 0);
  ASSERT_EQ(io->setsize(100), 0);
  char back[100];
  ASSERT_EQ(io->read(back, 0, 100, &actual), 0);
  EXPECT_EQ(std::memcmp(back, "abcdefgh", 8), 0);
  EXPECT_EQ(back[99], 0);
}

TEST(MemoryBufio, TwoMappingsOfTheSameRegionUnmapOneAtATime) {
  ComPtr<oskit_bufio> io = HeapBufio::make(64);
  void* a = nullptr;
  void* b = nullptr;
  ASSERT_EQ(io->map(&a, 0, 16), 0);
  ASSERT_EQ(io->map(&b, 0, 16), 0);
  EXPECT_EQ(io->unmap(a, 0, 16), 0);
  EXPECT_EQ(io->unmap(b, 0, 16), 0);
  EXPECT_EQ(io->unmap(a, 0, 16), OSKIT_EINVAL);
}

TEST(MemoryBufio, ConcurrentWritersOfDisjointRegions) {
  ComPtr<oskit_bufio> io = HeapBufio::make(4 * 4096);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; t++) {
    writers.emplace_back([&io, t] {
      const std::vector<char> data = testing::pattern(4096, t * 4096, t);
      for (int i = 0; i < 200; i++) {
        oskit_size_t actual = 0;
        EXPECT_EQ(io->write(data.data(), t * 4096, data.size(), &actual), 0);
      }
    });
  }
  for (auto& w : writers) w.join();
  for (int t = 0; t < 4; t++) {
    std::vector<char> back(4096);
    oskit_size_t actual = 0;
    ASSERT_EQ(io->read(back.data(), t * 4096, back.size(), &actual), 0);
    EXPECT_EQ(back, testing::pattern(4096, t * 4096, t));
  }
}

TEST(MemoryBufio, ConcurrentMapAndUnmapKeepTheTableConsistent) {
  ComPtr<oskit_bufio> io = HeapBufio::make(1024);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&io, t] {
      for (int i = 0; i < 2000; i++) {
        void* addr = nullptr;
        ASSERT_EQ(io->map(&addr, t * 100, 50), 0);
        ASSERT_EQ(io->unmap(addr, t * 100, 50), 0);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(io->setsize(10), 0) << "no mapping may be left behind";
}

TEST(MemoryBufio, ExternOfNullWithASizeIsRefused) {
  EXPECT_EQ(oskit_create_extern_bufio(nullptr, 10, nullptr, nullptr), nullptr);
}

TEST(MemoryBufio, SizesTheHeapCannotHoldAreRefused) {
  EXPECT_EQ(oskit_bufio_create(SIZE_MAX), nullptr);
  EXPECT_EQ(oskit_bufio_create(SIZE_MAX - 8), nullptr);
  EXPECT_EQ(oskit_bufio_create(static_cast<oskit_size_t>(INT64_MAX) + 1), nullptr);
}

TEST(MemoryBufio, ExternSizesPastTheOffsetRangeAreRefused) {
  char byte = 0;
  EXPECT_EQ(oskit_create_extern_bufio(&byte, oskit_size_t{1} << 63, nullptr, nullptr), nullptr);
  EXPECT_EQ(oskit_create_extern_bufio(&byte, SIZE_MAX, nullptr, nullptr), nullptr);
  EXPECT_EQ(oskit_create_extern_bufio(nullptr, 1, nullptr, nullptr), nullptr);
}

TEST(MemoryBufio, HeapPoolRefusesANullOutParameter) {
  EXPECT_EQ(oskit_bufio_heap_pool_create(nullptr), OSKIT_E_POINTER);
}

TEST(MemoryBufio, HeapPoolGivesZeroFilledBuffersOfTheSizeAsked) {
  ComPtr<oskit_bufio_pool> pool;
  ASSERT_EQ(oskit_bufio_heap_pool_create(pool.put()), 0);
  ComPtr<oskit_bufio> buf;
  ASSERT_EQ(pool->alloc(100, buf.put()), 0);
  oskit_off_t size = 0;
  ASSERT_EQ(buf->getsize(&size), 0);
  EXPECT_EQ(size, 100);
  char bytes[100];
  oskit_size_t n = 0;
  ASSERT_EQ(buf->read(bytes, 0, sizeof bytes, &n), 0);
  EXPECT_EQ(std::string(bytes, n), std::string(100, '\0'));
  EXPECT_EQ(pool->alloc(SIZE_MAX, buf.put()), OSKIT_ENOMEM);
  EXPECT_FALSE(buf);
}

}  // namespace
}  // namespace oskit
