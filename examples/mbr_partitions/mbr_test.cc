#include "examples/mbr_partitions/mbr.h"

#include <unistd.h>

#include <cstdlib>

#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/fault/fault.h"
#include "components/subset/subset.h"
#include "gtest/gtest.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/temp_dir.h"

namespace mbr_example {
namespace {

using MbrTest = oskit::testing::LeakCheckedTest;

std::string image_path(const char* name) { return oskit::testing::temp_path(name); }

oskit::ComPtr<oskit_absio> partition_bytes(oskit_blkio_t* disk, const Partition& p) {
  oskit::ComPtr<oskit_blkio> part;
  if (oskit_blkio_subset(disk, static_cast<oskit_off_t>(p.first_sector) * kSectorSize,
                         static_cast<oskit_off_t>(p.sectors) * kSectorSize, part.put()) != 0) {
    return nullptr;
  }
  oskit::ComPtr<oskit_absio> bytes;
  if (oskit_absio_adapter_create(part.get(), bytes.put()) != 0) return nullptr;
  return bytes;
}

TEST_F(MbrTest, PartitionsAndFilesReadBackThroughTheStack) {
  const std::string path = image_path("disk.img");
  const std::string big(3000, 'q');
  ASSERT_EQ(build_image(path, 1024,
                        {{0x83, 1, 300, {{"a", "first"}, {"big", big}}},
                         {0x07, 400, 100, {{"b", "second partition"}}},
                         {0x0c, 600, 10, {}}}),
            0);
  oskit::ComPtr<oskit_blkio> disk;
  ASSERT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_READ, kSectorSize, disk.put()), 0);
  std::vector<Partition> table;
  ASSERT_EQ(read_partition_table(disk.get(), &table), 0);
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table[1].type, 0x07);
  EXPECT_EQ(table[1].first_sector, 400u);
  EXPECT_EQ(table[1].sectors, 100u);
  std::vector<File> files;
  ASSERT_EQ(list_toyfs(partition_bytes(disk.get(), table[0]).get(), &files), 0);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].name, "a");
  EXPECT_EQ(files[0].contents, "first");
  EXPECT_EQ(files[1].contents, big);
  ASSERT_EQ(list_toyfs(partition_bytes(disk.get(), table[1]).get(), &files), 0);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].contents, "second partition");
  EXPECT_EQ(list_toyfs(partition_bytes(disk.get(), table[2]).get(), &files), OSKIT_EINVAL) << "no toyfs there";
  disk.reset();
  unlink(path.c_str());
}

TEST_F(MbrTest, BadTablesAreRefused) {
  const std::string path = image_path("bad.img");
  ASSERT_EQ(build_image(path, 64, {{0x83, 1, 10, {}}}), 0);
  {
    // Truncate the disk below its partition: the entry reaches past the end.
    oskit::ComPtr<oskit_blkio> disk;
    ASSERT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_RDWR, kSectorSize, disk.put()), 0);
    ASSERT_EQ(disk->setsize(8 * kSectorSize), 0);
    std::vector<Partition> table;
    EXPECT_EQ(read_partition_table(disk.get(), &table), OSKIT_ERANGE);
    // No signature.
    char zero[kSectorSize] = {};
    oskit_size_t actual = 0;
    ASSERT_EQ(disk->write(zero, 0, sizeof zero, &actual), 0);
    EXPECT_EQ(read_partition_table(disk.get(), &table), OSKIT_EINVAL);
  }
  unlink(path.c_str());
}

TEST_F(MbrTest, AFailingDiskIsReportedNotMisread) {
  const std::string path = image_path("flaky.img");
  ASSERT_EQ(build_image(path, 256, {{0x83, 1, 200, {{"f", std::string(4000, 'z')}}}}), 0);
  oskit::ComPtr<oskit_blkio> real;
  ASSERT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_READ, kSectorSize, real.put()), 0);
  // Every read fails after the first 2 KiB have been read.
  const oskit_fault_plan_t plan = {OSKIT_FAULT_READ, 0, 0, 0, 2048, 0, OSKIT_EIO};
  oskit::ComPtr<oskit_blkio> disk = oskit::fault_wrap<oskit_blkio>(real.get(), plan);
  std::vector<Partition> table;
  ASSERT_EQ(read_partition_table(disk.get(), &table), 0);
  std::vector<File> files;
  EXPECT_EQ(list_toyfs(partition_bytes(disk.get(), table[0]).get(), &files), OSKIT_EIO);
  disk.reset();
  real.reset();
  unlink(path.c_str());
}

}  // namespace
}  // namespace mbr_example
