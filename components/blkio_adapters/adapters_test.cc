#include "components/blkio_adapters/adapters.h"

#include <cstdlib>
#include <thread>
#include <vector>

#include "components/membufio/membufio.h"
#include "gtest/gtest.h"
#include "oskit/com/implements.h"
#include "oskit/io/bufio.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/blkio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"

namespace oskit {
namespace {

ComPtr<oskit_blkio> blocks_over(ComPtr<oskit_absio> mem, oskit_u32_t bs) {
  ComPtr<oskit_blkio> b;
  if (!mem || oskit_blkio_adapter_create(mem.get(), bs, b.put()) != 0) return nullptr;
  return b;
}
ComPtr<oskit_absio> bytes_over(ComPtr<oskit_blkio> blocks) {
  ComPtr<oskit_absio> a;
  if (!blocks || oskit_absio_adapter_create(blocks.get(), a.put()) != 0) return nullptr;
  return a;
}
ComPtr<oskit_absio> heap(oskit_off_t size) {
  return ComPtr<oskit_absio>::adopt(oskit_bufio_create(static_cast<oskit_size_t>(size)));
}
void free_memory(void*, void* buf) { std::free(buf); }
ComPtr<oskit_absio> fixed_memory(oskit_off_t size) {
  return ComPtr<oskit_absio>::adopt(
      oskit_create_extern_bufio(std::calloc(1, static_cast<size_t>(size)), size, free_memory, nullptr));
}

// blkio of 512-byte blocks over a resizable memory bufio.
struct Blocks512 {
  static constexpr bool kFixedSize = false;
  static ComPtr<oskit_blkio> make(oskit_off_t size) { return blocks_over(heap(size), 512); }
  static ComPtr<oskit_iunknown> make() { return make(4096); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_blkio>::value}; }
};

// Bytes over 512-byte blocks over fixed memory: both adapters stacked.
struct BytesOverBlocks {
  static constexpr bool kFixedSize = true;
  static constexpr bool kWritesExtend = false;
  static constexpr oskit_off_t kSetsizeUnit = 512;
  static ComPtr<oskit_absio> make(oskit_off_t size) { return bytes_over(blocks_over(fixed_memory(size), 512)); }
  static ComPtr<oskit_iunknown> make() { return make(oskit_off_t{4096}); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_absio>::value, iid_of<oskit_blkio>::value}; }
};

// Bytes over 4096-byte blocks over fixed memory: setsize by whole blocks.
struct BytesOverBigBlocks {
  static constexpr bool kFixedSize = true;
  static constexpr bool kWritesExtend = false;
  static constexpr oskit_off_t kSetsizeUnit = 4096;
  static ComPtr<oskit_absio> make(oskit_off_t size) { return bytes_over(blocks_over(fixed_memory(size), 4096)); }
};

struct BlkioAdapterDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(Blocks512::make(4096)); }
  static const char* kind() { return "blkio_adapter"; }
};
struct AbsioAdapterDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(BytesOverBlocks::make(oskit_off_t{4096})); }
  static const char* kind() { return "absio_adapter"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using AdapterComFactories = ::testing::Types<Blocks512, BytesOverBlocks>;
using AdapterAbsioFactories = ::testing::Types<BytesOverBlocks, BytesOverBigBlocks>;
using AdapterBlkioFactories = ::testing::Types<Blocks512, BytesOverBlocks>;
INSTANTIATE_TYPED_TEST_SUITE_P(Adapters, ComConformance, AdapterComFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(Adapters, AbsioConformance, AdapterAbsioFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(Adapters, BlkioConformance, AdapterBlkioFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(BlkioAdapter, DescribeConformance, ::testing::Types<BlkioAdapterDescribe>);
INSTANTIATE_TYPED_TEST_SUITE_P(AbsioAdapter, DescribeConformance, ::testing::Types<AbsioAdapterDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

using AdapterTest = testing::LeakCheckedTest;

TEST_F(AdapterTest, CreationRefusesBadArguments) {
  ComPtr<oskit_absio> mem = heap(4096);
  ComPtr<oskit_blkio> b;
  EXPECT_EQ(oskit_blkio_adapter_create(mem.get(), 512, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_blkio_adapter_create(nullptr, 512, b.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_blkio_adapter_create(mem.get(), 0, b.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blkio_adapter_create(mem.get(), 768, b.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blkio_adapter_create(mem.get(), OSKIT_ADAPTER_MAX_BLOCK_SIZE * 2, b.put()), OSKIT_EINVAL);
  EXPECT_FALSE(b);
  ComPtr<oskit_absio> a;
  EXPECT_EQ(oskit_absio_adapter_create(nullptr, a.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_absio_adapter_create(mem.get(), nullptr), OSKIT_E_POINTER);
}

TEST_F(AdapterTest, BlkioOverAbsioHidesAPartialTailBlock) {
  ComPtr<oskit_blkio> b = blocks_over(heap(1000), 512);
  ASSERT_TRUE(b);
  oskit_off_t size = 0;
  ASSERT_EQ(b->getsize(&size), 0);
  EXPECT_EQ(size, 512);
  std::vector<char> buf(1024);
  oskit_size_t actual = 0;
  ASSERT_EQ(b->read(buf.data(), 0, buf.size(), &actual), 0);
  EXPECT_EQ(actual, 512u);
  EXPECT_EQ(b->read(buf.data(), 512, 512, &actual), OSKIT_EINVAL);
  ASSERT_EQ(b->write(buf.data(), 0, buf.size(), &actual), 0);
  EXPECT_EQ(actual, 512u) << "a write is clamped at the last whole block";
  EXPECT_EQ(query<oskit_absio>(b).get(), nullptr) << "block size 512 is not an absio";
  ComPtr<oskit_blkio> one = blocks_over(heap(10), 1);
  EXPECT_NE(query<oskit_absio>(one).get(), nullptr);
}

TEST_F(AdapterTest, UnalignedTransfersTouchOnlyTheirBytes) {
  ComPtr<oskit_absio> mem = fixed_memory(8 * 512);
  const std::vector<char> base = testing::pattern(8 * 512, 0, 2);
  oskit_size_t actual = 0;
  ASSERT_EQ(mem->write(base.data(), 0, base.size(), &actual), 0);
  ComPtr<oskit_absio> bytes = bytes_over(blocks_over(mem, 512));
  ASSERT_TRUE(bytes);
  // Head partial, two whole blocks, tail partial.
  const std::vector<char> data(3 + 1024 + 5, 'Q');
  ASSERT_EQ(bytes->write(data.data(), 509, data.size(), &actual), 0);
  EXPECT_EQ(actual, data.size());
  std::vector<char> now(8 * 512);
  ASSERT_EQ(mem->read(now.data(), 0, now.size(), &actual), 0);
  for (size_t i = 0; i < now.size(); i++) {
    const bool inside = i >= 509 && i < 509 + data.size();
    ASSERT_EQ(now[i], inside ? 'Q' : base[i]) << "byte " << i;
  }
  std::vector<char> back(data.size() + 2);
  ASSERT_EQ(bytes->read(back.data(), 508, back.size(), &actual), 0);
  EXPECT_EQ(back.front(), base[508]);
  EXPECT_EQ(back.back(), base[509 + data.size()]);
  EXPECT_EQ(std::vector<char>(back.begin() + 1, back.end() - 1), data);
  // Setsize takes whole blocks of the target only.
  EXPECT_EQ(bytes->setsize(100), OSKIT_EINVAL) << "not whole blocks";
  EXPECT_EQ(bytes->setsize(1024), OSKIT_E_NOTIMPL) << "fixed memory below";
  ComPtr<oskit_absio> growable = bytes_over(blocks_over(heap(4096), 512));
  EXPECT_EQ(growable->setsize(100), OSKIT_EINVAL);
  EXPECT_EQ(growable->setsize(1024), 0);
  oskit_off_t size = 0;
  ASSERT_EQ(growable->getsize(&size), 0);
  EXPECT_EQ(size, 1024);
}

TEST_F(AdapterTest, ARefusedSetsizeLeavesTheTargetAsItWas) {
  // A partial block at the end of the memory: the blkio over it hides it.
  ComPtr<oskit_absio> mem = heap(4100);
  ComPtr<oskit_absio> bytes = bytes_over(blocks_over(mem, 512));
  EXPECT_EQ(bytes->setsize(100), OSKIT_EINVAL);
  EXPECT_EQ(bytes->setsize(-512), OSKIT_EINVAL);
  oskit_off_t size = 0;
  ASSERT_EQ(mem->getsize(&size), 0);
  EXPECT_EQ(size, 4100) << "the refused call truncated the target";
}

// A blkio that fails every read or write after a number of calls, written
// here so the test needs nothing else.
class FailingBlkio : public Implements<FailingBlkio, oskit_blkio> {
 public:
  OSKIT_COMDECL_U getblocksize() noexcept override { return 512; }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out) noexcept override {
    if (calls_++ >= ok_calls_) return OSKIT_EIO;
    return inner_->read(buf, offset, amount, out);
  }
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out) noexcept override {
    if (calls_++ >= ok_calls_) return OSKIT_EIO;
    return inner_->write(buf, offset, amount, out);
  }
  OSKIT_COMDECL getsize(oskit_off_t* out) noexcept override { return inner_->getsize(out); }
  OSKIT_COMDECL setsize(oskit_off_t) noexcept override { return OSKIT_E_NOTIMPL; }

 protected:
  FailingBlkio(ComPtr<oskit_blkio> inner, int ok_calls) : inner_(std::move(inner)), ok_calls_(ok_calls) {}
  ~FailingBlkio() override = default;

 private:
  ComPtr<oskit_blkio> inner_;
  int ok_calls_;
  int calls_ = 0;
};

TEST_F(AdapterTest, ErrorsAreReportedAndDataBeforeThemCounted) {
  ComPtr<oskit_blkio> failing = make<FailingBlkio>(blocks_over(heap(4096), 512), 0);
  ComPtr<oskit_absio> bytes = bytes_over(failing);
  char buf[16];
  oskit_size_t actual = 99;
  EXPECT_EQ(bytes->read(buf, 3, sizeof buf, &actual), OSKIT_EIO);
  EXPECT_EQ(actual, 0u);
  EXPECT_EQ(bytes->write(buf, 3, sizeof buf, &actual), OSKIT_EIO);
  // One call succeeds (the head block's read), the next fails: a short read.
  ComPtr<oskit_absio> partly = bytes_over(make<FailingBlkio>(blocks_over(heap(4096), 512), 1));
  std::vector<char> big(2000);
  ASSERT_EQ(partly->read(big.data(), 100, big.size(), &actual), 0);
  EXPECT_EQ(actual, 412u);
}

// Writers of disjoint bytes that share blocks: each thread owns the bytes
// i with i % kThreads == t and writes them in short runs at unaligned places.
// Without per-block locking one writer's read-modify-write undoes another's.
TEST_F(AdapterTest, ConcurrentWritersOfOneBlockKeepEachOthersBytes) {
  constexpr int kThreads = 4;
  constexpr oskit_size_t kSize = 8 * 512;
  ComPtr<oskit_absio> bytes = bytes_over(blocks_over(fixed_memory(kSize), 512));
  ASSERT_TRUE(bytes);
  for (int round = 0; round < 20; round++) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
      threads.emplace_back([&bytes, t, round] {
        for (oskit_size_t i = t; i < kSize; i += kThreads) {
          const char v = static_cast<char>(t * 16 + round);
          oskit_size_t actual = 0;
          EXPECT_EQ(bytes->write(&v, static_cast<oskit_off_t>(i), 1, &actual), 0);
        }
      });
    }
    for (std::thread& th : threads) th.join();
    std::vector<char> now(kSize);
    oskit_size_t actual = 0;
    ASSERT_EQ(bytes->read(now.data(), 0, now.size(), &actual), 0);
    for (oskit_size_t i = 0; i < kSize; i++) {
      ASSERT_EQ(now[i], static_cast<char>((i % kThreads) * 16 + round)) << "round " << round << " byte " << i;
    }
  }
}

}  // namespace
}  // namespace oskit
