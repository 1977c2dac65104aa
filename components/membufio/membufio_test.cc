#include "components/membufio/membufio.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "glue/dma/dma.h"
#include "glue/env/counting_env.h"
#include "gtest/gtest.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/blkio_conformance.h"
#include "oskit/testing/bufio_conformance.h"
#include "oskit/testing/bufio_pool_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"

namespace oskit {
namespace {

// Memory bufios wire into the default space.
ComPtr<oskit_dma_space> default_space() {
  ComPtr<oskit_dma_space> space;
  EXPECT_EQ(oskit_dma_default_space(space.put()), 0);
  return space;
}

struct HeapBufio {
  static constexpr bool kFixedSize = false;
  static constexpr bool kWritesExtend = false;
  static constexpr bool kWire = true;
  static ComPtr<oskit_dma_space> wire_space() { return default_space(); }
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
  static constexpr bool kWire = true;
  static ComPtr<oskit_dma_space> wire_space() { return default_space(); }
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

struct HeapBufioDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(HeapBufio::make(oskit_size_t{64})); }
  static const char* kind() { return "membufio"; }
};
struct HeapPoolDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(HeapPool::make()); }
  static const char* kind() { return "heap_bufio_pool"; }
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
INSTANTIATE_TYPED_TEST_SUITE_P(MemoryBufio, DescribeConformance, ::testing::Types<HeapBufioDescribe>);
INSTANTIATE_TYPED_TEST_SUITE_P(MemoryBufioHeapPool, DescribeConformance, ::testing::Types<HeapPoolDescribe>);
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

// Copy-on-write (OSKit manual 7.4.5): a copy of heap memory costs an object,
// not a buffer, until one side writes.
class CopyOnWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scoped_ = std::make_unique<env::ScopedEnvironment>(&counting_);
    ASSERT_TRUE(scoped_->status().ok()) << scoped_->status();
  }
  void TearDown() override {
    scoped_.reset();
    EXPECT_EQ(counting_.live_allocations(), 0) << "memory left behind";
  }
  long allocations() const { return counting_.allocations(); }
  static std::string read_all(oskit_bufio* io, oskit_off_t offset, oskit_size_t amount) {
    std::string back(amount, '\0');
    oskit_size_t n = 0;
    EXPECT_EQ(io->read(&back[0], offset, amount, &n), 0);
    return back.substr(0, n);
  }
  static void write_text(oskit_bufio* io, oskit_off_t offset, const std::string& text) {
    oskit_size_t n = 0;
    ASSERT_EQ(io->write(text.data(), offset, text.size(), &n), 0);
    ASSERT_EQ(n, text.size());
  }

  env::CountingEnvironment counting_;
  std::unique_ptr<env::ScopedEnvironment> scoped_;
};

TEST_F(CopyOnWriteTest, ACopySharesTheBytesUntilOneSideWrites) {
  ComPtr<oskit_bufio> original = HeapBufio::make(1 << 20);
  write_text(original.get(), 1000, "shared bytes");
  const long before = allocations();
  ComPtr<oskit_bufio> copy;
  ASSERT_EQ(original->copy(1000, 12, copy.put()), 0);
  EXPECT_EQ(allocations(), before + 1) << "the copy took more than its object";
  EXPECT_EQ(read_all(copy.get(), 0, 12), "shared bytes");
  write_text(copy.get(), 0, "SHARED");
  EXPECT_EQ(allocations(), before + 2) << "the copy's first write takes bytes of its own";
  EXPECT_EQ(read_all(original.get(), 1000, 12), "shared bytes");
  EXPECT_EQ(read_all(copy.get(), 0, 12), "SHARED bytes");
  write_text(original.get(), 1000, "own");
  EXPECT_EQ(allocations(), before + 2) << "the original is alone with its bytes again";
  EXPECT_EQ(read_all(copy.get(), 0, 12), "SHARED bytes");
}

TEST_F(CopyOnWriteTest, AWriteToTheOriginalLeavesTheCopyAsItWas) {
  ComPtr<oskit_bufio> original = HeapBufio::make(4096);
  write_text(original.get(), 0, "before");
  ComPtr<oskit_bufio> copy;
  ASSERT_EQ(original->copy(0, 4096, copy.put()), 0);
  write_text(original.get(), 0, "after!");
  EXPECT_EQ(read_all(copy.get(), 0, 6), "before");
  EXPECT_EQ(read_all(original.get(), 0, 6), "after!");
}

TEST_F(CopyOnWriteTest, MapGivesBytesOfItsOwn) {
  ComPtr<oskit_bufio> original = HeapBufio::make(64);
  ComPtr<oskit_bufio> copy;
  ASSERT_EQ(original->copy(0, 64, copy.put()), 0);
  void* addr = nullptr;
  ASSERT_EQ(copy->map(&addr, 0, 64), 0);
  std::memcpy(addr, "mapped", 6);
  EXPECT_EQ(read_all(original.get(), 0, 6), std::string(6, '\0')) << "a store through the copy's mapping";
  EXPECT_EQ(copy->unmap(addr, 0, 64), 0);
}

TEST_F(CopyOnWriteTest, AMappedBufioIsCopiedAtOnce) {
  ComPtr<oskit_bufio> original = HeapBufio::make(4096);
  void* addr = nullptr;
  ASSERT_EQ(original->map(&addr, 0, 4096), 0);
  const long before = allocations();
  ComPtr<oskit_bufio> copy;
  ASSERT_EQ(original->copy(0, 4096, copy.put()), 0);
  EXPECT_EQ(allocations(), before + 2) << "an object and its own bytes";
  std::memcpy(addr, "later", 5);
  EXPECT_EQ(read_all(copy.get(), 0, 5), std::string(5, '\0'));
  EXPECT_EQ(original->unmap(addr, 0, 4096), 0);
}

TEST_F(CopyOnWriteTest, SetsizeOfACopyLeavesTheOriginalAlone) {
  ComPtr<oskit_bufio> original = HeapBufio::make(100);
  write_text(original.get(), 0, "keep");
  ComPtr<oskit_bufio> copy;
  ASSERT_EQ(original->copy(0, 100, copy.put()), 0);
  ASSERT_EQ(copy->setsize(10), 0);
  write_text(copy.get(), 0, "mine");
  EXPECT_EQ(read_all(original.get(), 0, 4), "keep");
  oskit_off_t size = 0;
  ASSERT_EQ(original->getsize(&size), 0);
  EXPECT_EQ(size, 100);
}

TEST_F(CopyOnWriteTest, CopiesOfCopiesShareOneBlock) {
  ComPtr<oskit_bufio> original = HeapBufio::make(4096);
  write_text(original.get(), 100, "root");
  const long before = allocations();
  ComPtr<oskit_bufio> a, b;
  ASSERT_EQ(original->copy(0, 4096, a.put()), 0);
  ASSERT_EQ(a->copy(100, 10, b.put()), 0);
  EXPECT_EQ(allocations(), before + 2);
  original.reset();
  a.reset();
  EXPECT_EQ(read_all(b.get(), 0, 4), "root");
  write_text(b.get(), 0, "leaf");  // alone with the block now: no copy needed
  EXPECT_EQ(allocations(), before + 2);
  EXPECT_EQ(read_all(b.get(), 0, 4), "leaf");
}

TEST(MemoryBufioConcurrency, CopiesTakenWhileOthersWriteHoldWholeWrites) {
  constexpr int kWriters = 3;
  constexpr oskit_size_t kRegion = 256;
  ComPtr<oskit_bufio> io = HeapBufio::make(kWriters * kRegion);
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; t++) {
    writers.emplace_back([&, t] {
      const std::string even(kRegion, static_cast<char>('a' + t));
      const std::string odd(kRegion, static_cast<char>('A' + t));
      for (int i = 0; !stop.load(); i++) {
        const std::string& data = i % 2 ? odd : even;
        oskit_size_t n = 0;
        ASSERT_EQ(io->write(data.data(), t * kRegion, kRegion, &n), 0);
      }
    });
  }
  for (int round = 0; round < 300; round++) {
    ComPtr<oskit_bufio> copy;
    ASSERT_EQ(io->copy(0, kWriters * kRegion, copy.put()), 0);
    for (int t = 0; t < kWriters; t++) {
      std::string region(kRegion, '\0');
      oskit_size_t n = 0;
      ASSERT_EQ(copy->read(&region[0], t * kRegion, kRegion, &n), 0);
      const char first = region[0];
      ASSERT_TRUE(first == 'a' + t || first == 'A' + t || first == 0) << "round " << round;
      ASSERT_EQ(region, std::string(kRegion, first)) << "a copy caught half a write, round " << round;
    }
    oskit_size_t n = 0;
    ASSERT_EQ(copy->write("x", 0, 1, &n), 0);  // the copy's own bytes, while the original is written
  }
  stop = true;
  for (auto& w : writers) w.join();
}

TEST(MemoryBufioConcurrency, SetsizeWhileOthersReadAndWrite) {
  ComPtr<oskit_bufio> io = HeapBufio::make(4096);
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    char buf[8];  // bytes nobody writes
    while (!stop.load()) {
      oskit_size_t n = 0;
      oskit_error_t rc = io->read(buf, 0, sizeof buf, &n);
      ASSERT_TRUE(rc == 0 || rc == OSKIT_EINVAL);
    }
  });
  std::thread writer([&] {
    while (!stop.load()) {
      oskit_size_t n = 0;
      oskit_error_t rc = io->write("data", 10, 4, &n);
      ASSERT_TRUE(rc == 0 || rc == OSKIT_EINVAL);
    }
  });
  for (int i = 0; i < 500; i++) ASSERT_EQ(io->setsize(i % 2 ? 4096 : 12), 0);
  stop = true;
  reader.join();
  writer.join();
  oskit_off_t size = 0;
  ASSERT_EQ(io->getsize(&size), 0);
  EXPECT_EQ(size, 4096);
  char back[2];
  oskit_size_t n = 0;
  ASSERT_EQ(io->read(back, 10, 2, &n), 0);
  EXPECT_TRUE(std::string(back, 2) == "da" || std::string(back, 2) == std::string(2, '\0'))
      << "bytes kept across setsize";
}

class MemoryBufioWireTest : public testing::LeakCheckedTest {};

TEST_F(MemoryBufioWireTest, CallerMemoryIsNotWrittenAfterTheLastRelease) {
  ComPtr<oskit_dma_space> space = default_space();
  char memory[128] = {};
  ComPtr<oskit_bufio> io =
      ComPtr<oskit_bufio>::adopt(oskit_create_extern_bufio(memory, sizeof memory, nullptr, nullptr));
  oskit_addr_t addr = 0;
  ASSERT_EQ(io->wire(&addr, 0, sizeof memory), 0);
  ASSERT_EQ(oskit_dma_device_write(space.get(), 1, addr, "wired", 5), 0);
  EXPECT_EQ(std::string(memory, 5), "wired");
  io.reset();
  EXPECT_EQ(oskit_dma_device_write(space.get(), 1, addr + 8, "released", 8), OSKIT_EFAULT);
  EXPECT_EQ(std::string(memory + 8, 8), std::string(8, '\0'));
}

TEST_F(MemoryBufioWireTest, WiringsShowInTheDefaultSpacesCounters) {
  ComPtr<oskit_dma_space> space = default_space();
  ComPtr<oskit_bufio> io = HeapBufio::make(4096);
  oskit_addr_t a = 0, b = 0;
  ASSERT_EQ(io->wire(&a, 0, 100), 0);
  ASSERT_EQ(io->wire(&b, 100, 200), 0);
  oskit_dma_stats_t stats;
  ASSERT_EQ(space->getstats(&stats), 0);
  EXPECT_EQ(stats.regions_wired, 2u);
  EXPECT_EQ(stats.bytes_wired, 300u);
  ASSERT_EQ(io->unwire(a, 0, 100), 0);
  io.reset();  // unwires b
  ASSERT_EQ(space->getstats(&stats), 0);
  EXPECT_EQ(stats.regions_wired, 0u);
  EXPECT_EQ(stats.unwires, 2u);
}

TEST_F(MemoryBufioWireTest, ABufioKeepsTheDefaultItFirstWiredInto) {
  ComPtr<oskit_bufio> io = HeapBufio::make(64);
  ComPtr<oskit_dma_space> first = default_space();
  oskit_addr_t addr = 0;
  ASSERT_EQ(io->wire(&addr, 0, 8), 0);
  ASSERT_EQ(io->unwire(addr, 0, 8), 0);
  first.reset();  // the bufio still holds it
  oskit_dma_set_default_space(nullptr);
  ComPtr<oskit_dma_space> other;
  oskit_dma_space_options_t options = {};
  ASSERT_EQ(oskit_dma_space_create(&options, other.put()), 0);
  oskit_dma_set_default_space(other.get());
  ASSERT_EQ(io->wire(&addr, 0, 8), 0);
  oskit_dma_stats_t stats;
  ASSERT_EQ(other->getstats(&stats), 0);
  EXPECT_EQ(stats.wires, 0u) << "a later default took over a bufio's wiring";
  ASSERT_EQ(io->unwire(addr, 0, 8), 0);
  oskit_dma_set_default_space(nullptr);
}

}  // namespace
}  // namespace oskit
