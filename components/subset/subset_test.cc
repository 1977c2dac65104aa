#include "components/subset/subset.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/membufio/membufio.h"
#include "gtest/gtest.h"
#include "oskit/io/bufio.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/blkio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/temp_dir.h"

namespace oskit {
namespace {

constexpr oskit_off_t kMargin = 4096;

// A 512-byte-block file of size + 2 margins; the subset is the middle.
ComPtr<oskit_blkio> file_blocks(oskit_off_t size) {
  int fd = testing::unlinked_temp_file("subset");
  if (fd < 0) return nullptr;
  if (ftruncate(fd, size) != 0) return nullptr;
  ComPtr<oskit_blkio> io;
  if (oskit_blockdev_adopt(fd, 512, io.put()) != 0) close(fd);
  return io;
}

ComPtr<oskit_blkio> subset_of(const ComPtr<oskit_blkio>& io, oskit_off_t offset, oskit_off_t size) {
  ComPtr<oskit_blkio> sub;
  if (!io || oskit_blkio_subset(io.get(), offset, size, sub.put()) != 0) return nullptr;
  return sub;
}

struct FileSubset {
  static constexpr bool kFixedSize = true;
  static ComPtr<oskit_blkio> make(oskit_off_t size) {
    return subset_of(file_blocks(size + 2 * kMargin), kMargin, size);
  }
  static ComPtr<oskit_iunknown> make() { return make(8192); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_blkio>::value}; }
};

// Byte-granular: a subset of a memory bufio answers absio too.
struct MemorySubset {
  static constexpr bool kFixedSize = true;
  static constexpr bool kWritesExtend = false;
  static ComPtr<oskit_absio> make(oskit_off_t size) {
    ComPtr<oskit_blkio> mem = ComPtr<oskit_blkio>::adopt(oskit_bufio_create(size + 2 * kMargin));
    return query<oskit_absio>(subset_of(mem, kMargin, size));
  }
  static ComPtr<oskit_iunknown> make() { return make(oskit_off_t{8192}); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_blkio>::value, iid_of<oskit_absio>::value}; }
};

// A subset of a subset of a subset.
struct NestedSubset {
  static constexpr bool kFixedSize = true;
  static ComPtr<oskit_blkio> make(oskit_off_t size) {
    ComPtr<oskit_blkio> outer = subset_of(file_blocks(size + 6 * kMargin), kMargin, size + 4 * kMargin);
    ComPtr<oskit_blkio> middle = subset_of(outer, kMargin, size + 2 * kMargin);
    return subset_of(middle, kMargin, size);
  }
};

struct SubsetDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(MemorySubset::make(oskit_off_t{8192})); }
  static const char* kind() { return "subset"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using SubsetComFactories = ::testing::Types<FileSubset, MemorySubset>;
using SubsetBlkioFactories = ::testing::Types<FileSubset, MemorySubset, NestedSubset>;
INSTANTIATE_TYPED_TEST_SUITE_P(Subset, ComConformance, SubsetComFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(Subset, BlkioConformance, SubsetBlkioFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(Subset, AbsioConformance, ::testing::Types<MemorySubset>);
INSTANTIATE_TYPED_TEST_SUITE_P(Subset, DescribeConformance, ::testing::Types<SubsetDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

using SubsetTest = testing::LeakCheckedTest;

TEST_F(SubsetTest, RefusesBadWindows) {
  ComPtr<oskit_blkio> disk = file_blocks(64 * 1024);
  ASSERT_TRUE(disk);
  ComPtr<oskit_blkio> sub;
  EXPECT_EQ(oskit_blkio_subset(disk.get(), 0, 512, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_blkio_subset(nullptr, 0, 512, sub.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_blkio_subset(disk.get(), 100, 512, sub.put()), OSKIT_EINVAL);  // misaligned offset
  EXPECT_EQ(oskit_blkio_subset(disk.get(), 512, 100, sub.put()), OSKIT_EINVAL);  // misaligned size
  EXPECT_EQ(oskit_blkio_subset(disk.get(), -512, 512, sub.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blkio_subset(disk.get(), 0, -512, sub.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blkio_subset(disk.get(), 63 * 1024, 2048, sub.put()), OSKIT_EINVAL);  // past the end
  EXPECT_EQ(oskit_blkio_subset(disk.get(), 65 * 1024, 0, sub.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blkio_subset(disk.get(), 0x7ffffffffffffe00, 0x200, sub.put()), OSKIT_EINVAL);
  EXPECT_FALSE(sub);
  ASSERT_EQ(oskit_blkio_subset(disk.get(), 64 * 1024, 0, sub.put()), 0);  // empty, at the end
  oskit_off_t size = -1;
  ASSERT_EQ(sub->getsize(&size), 0);
  EXPECT_EQ(size, 0);
  char buf[512];
  oskit_size_t actual = 0;
  EXPECT_EQ(sub->read(buf, 0, sizeof buf, &actual), OSKIT_EINVAL);
}

TEST_F(SubsetTest, WindowsMapOntoTheRightBytesAndNeverLeak) {
  ComPtr<oskit_blkio> disk = file_blocks(16 * 512);
  ASSERT_TRUE(disk);
  const std::vector<char> base = testing::pattern(16 * 512, 0, 1);
  oskit_size_t actual = 0;
  ASSERT_EQ(disk->write(base.data(), 0, base.size(), &actual), 0);
  ComPtr<oskit_blkio> part = subset_of(disk, 4 * 512, 8 * 512);   // blocks 4..11
  ComPtr<oskit_blkio> inner = subset_of(part, 2 * 512, 4 * 512);  // blocks 6..9
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->getblocksize(), 512u);
  std::vector<char> got(512);
  ASSERT_EQ(inner->read(got.data(), 0, 512, &actual), 0);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), base.begin() + 6 * 512));
  // A write crossing the inner window's end is clamped to it.
  const std::vector<char> fill(8 * 512, 'Z');
  ASSERT_EQ(inner->write(fill.data(), 2 * 512, fill.size(), &actual), 0);
  EXPECT_EQ(actual, 2u * 512);
  std::vector<char> now(16 * 512);
  ASSERT_EQ(disk->read(now.data(), 0, now.size(), &actual), 0);
  for (size_t i = 0; i < now.size(); i++) {
    const bool inside = i >= 8 * 512 && i < 10 * 512;
    ASSERT_EQ(now[i], inside ? 'Z' : base[i]) << "byte " << i;
  }
  EXPECT_EQ(part->setsize(512), OSKIT_E_NOTIMPL);
  EXPECT_EQ(inner->write(fill.data(), 4 * 512, 512, &actual), OSKIT_EINVAL);
}

TEST_F(SubsetTest, ErrorsOfTheTargetPassThrough) {
  // A target that shrinks under the subset: the subset's reads fail as the
  // target's do, rather than inventing data.
  ComPtr<oskit_blkio> disk = file_blocks(8 * 512);
  ComPtr<oskit_blkio> part = subset_of(disk, 4 * 512, 4 * 512);
  ASSERT_TRUE(part);
  ASSERT_EQ(disk->setsize(4 * 512), 0);
  char buf[512];
  oskit_size_t actual = 0;
  EXPECT_EQ(part->read(buf, 0, sizeof buf, &actual), OSKIT_EINVAL);
  EXPECT_EQ(actual, 0u);
}

TEST_F(SubsetTest, BlockSizeOneSubsetIsAnAbsioAndLargerIsNot) {
  ComPtr<oskit_blkio> disk = file_blocks(4096);
  ComPtr<oskit_blkio> part = subset_of(disk, 512, 1024);
  ComPtr<oskit_absio> no;
  EXPECT_EQ(query<oskit_absio>(part.get(), &no), OSKIT_E_NOINTERFACE);
  // Through the absio adapter it is byte-granular.
  ComPtr<oskit_absio> bytes;
  ASSERT_EQ(oskit_absio_adapter_create(part.get(), bytes.put()), 0);
  const std::vector<char> data = testing::pattern(10, 0, 4);
  oskit_size_t actual = 0;
  ASSERT_EQ(bytes->write(data.data(), 1020, data.size(), &actual), 0);
  EXPECT_EQ(actual, 4u);  // clamped at the window's end
}

}  // namespace
}  // namespace oskit
