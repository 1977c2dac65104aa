#include "components/blockdev/blockdev.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/io/absio.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/posixio.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/asyncio_conformance.h"
#include "oskit/testing/blkio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/posixio_conformance.h"
#include "oskit/testing/temp_dir.h"

namespace oskit {
namespace {

using testing::temp_dir;

// A new file of size bytes (a pattern) that is unlinked once opened.
int temp_file(oskit_off_t size) {
  int fd = testing::unlinked_temp_file("blockdev");
  if (fd < 0) return -1;
  std::vector<char> data = testing::pattern(static_cast<size_t>(size), 0, 42);
  if (size > 0 && pwrite(fd, data.data(), data.size(), 0) != size) {
    close(fd);
    return -1;
  }
  return fd;
}

ComPtr<oskit_blkio> adopt_temp(oskit_off_t size, oskit_u32_t block_size) {
  int fd = temp_file(size);
  if (fd < 0) return nullptr;
  ComPtr<oskit_blkio> io;
  if (oskit_blockdev_adopt(fd, block_size, io.put()) != 0) close(fd);
  return io;
}

struct FileBytes {
  static constexpr bool kFixedSize = false;
  static constexpr bool kWritesExtend = true;
  static constexpr bool kSizeSettable = true;
  static constexpr bool kAlwaysReady = true;
  static ComPtr<oskit_absio> make(oskit_off_t size) { return query<oskit_absio>(adopt_temp(size, 1)); }
  static ComPtr<oskit_iunknown> make() { return query<oskit_iunknown>(adopt_temp(4096, 1)); }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_blkio>::value, iid_of<oskit_absio>::value, iid_of<oskit_posixio>::value,
            iid_of<oskit_asyncio>::value};
  }
};

struct FileBlocks512 {
  static constexpr bool kFixedSize = false;
  static constexpr bool kSizeSettable = true;
  static constexpr bool kAlwaysReady = true;
  static ComPtr<oskit_blkio> make(oskit_off_t size) { return adopt_temp(size, 512); }
  static ComPtr<oskit_iunknown> make() { return query<oskit_iunknown>(adopt_temp(4096, 512)); }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_blkio>::value, iid_of<oskit_posixio>::value, iid_of<oskit_asyncio>::value};
  }
};

struct FilePosixio {
  static constexpr bool kSizeSettable = true;
  static ComPtr<oskit_posixio> make() { return query<oskit_posixio>(adopt_temp(4096, 512)); }
};

struct FileAsyncio {
  static constexpr bool kAlwaysReady = true;
  struct Instance {
    ComPtr<oskit_asyncio> io;
    std::function<void()> make_readable;
  };
  static Instance make() {
    return {query<oskit_asyncio>(adopt_temp(4096, 512)), [] {}};
  }
};

struct BlockDeviceDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(FileBlocks512::make(4096)); }
  static const char* kind() { return "blockdev"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using BlockDeviceFiles = ::testing::Types<FileBytes, FileBlocks512>;
INSTANTIATE_TYPED_TEST_SUITE_P(BlockDevice, ComConformance, BlockDeviceFiles);
INSTANTIATE_TYPED_TEST_SUITE_P(BlockDevice, AbsioConformance, ::testing::Types<FileBytes>);
INSTANTIATE_TYPED_TEST_SUITE_P(BlockDevice, BlkioConformance, BlockDeviceFiles);
INSTANTIATE_TYPED_TEST_SUITE_P(BlockDevice, PosixioConformance, ::testing::Types<FilePosixio>);
INSTANTIATE_TYPED_TEST_SUITE_P(BlockDevice, AsyncioConformance, ::testing::Types<FileAsyncio>);
INSTANTIATE_TYPED_TEST_SUITE_P(BlockDevice, DescribeConformance, ::testing::Types<BlockDeviceDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

using BlockDeviceTest = testing::LeakCheckedTest;

std::vector<char> file_contents(int fd) {
  struct stat st;
  fstat(fd, &st);
  std::vector<char> v(static_cast<size_t>(st.st_size));
  if (pread(fd, v.data(), v.size(), 0) != static_cast<ssize_t>(v.size())) v.clear();
  return v;
}

TEST_F(BlockDeviceTest, OpenRefusesBadArguments) {
  ComPtr<oskit_blkio> io;
  const std::string path = temp_dir() + "/open_args";
  EXPECT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_RDWR, 0, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_blockdev_open(nullptr, OSKIT_BLOCKDEV_RDWR, 0, io.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_blockdev_open(path.c_str(), 0, 0, io.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blockdev_open(path.c_str(), 0x100 | OSKIT_BLOCKDEV_READ, 0, io.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_READ | OSKIT_BLOCKDEV_CREATE, 0, io.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_READ | OSKIT_BLOCKDEV_TRUNC, 0, io.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_RDWR, 0, io.put()), OSKIT_ENOENT);
  EXPECT_FALSE(io);
  EXPECT_EQ(oskit_blockdev_open(temp_dir().c_str(), OSKIT_BLOCKDEV_READ, 0, io.put()), OSKIT_EISDIR);
  EXPECT_EQ(oskit_blockdev_open("/dev/null", OSKIT_BLOCKDEV_READ, 0, io.put()), OSKIT_ENODEV);
  EXPECT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_RDWR | OSKIT_BLOCKDEV_CREATE, 3, io.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_RDWR | OSKIT_BLOCKDEV_CREATE,
                                OSKIT_BLOCKDEV_MAX_BLOCK_SIZE * 2, io.put()),
            OSKIT_EINVAL);
  EXPECT_FALSE(io);
  unlink(path.c_str());
}

TEST_F(BlockDeviceTest, AdoptRefusesBadDescriptors) {
  ComPtr<oskit_blkio> io;
  EXPECT_EQ(oskit_blockdev_adopt(-1, 0, io.put()), OSKIT_EBADF);
  int pipes[2];
  ASSERT_EQ(pipe(pipes), 0);
  EXPECT_EQ(oskit_blockdev_adopt(pipes[0], 0, io.put()), OSKIT_ENODEV);
  EXPECT_FALSE(io);
  // On failure the caller still owns the descriptor.
  EXPECT_EQ(close(pipes[0]), 0);
  EXPECT_EQ(close(pipes[1]), 0);
}

TEST_F(BlockDeviceTest, OpenOfAFifoIsRefusedAtOnce) {
  const std::string path = temp_dir() + "/a_fifo";
  unlink(path.c_str());
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  ComPtr<oskit_blkio> io;
  // Without a writer, a blocking open(2) for reading would never return.
  EXPECT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_READ, 0, io.put()), OSKIT_ENODEV);
  EXPECT_FALSE(io);
  unlink(path.c_str());
}

TEST_F(BlockDeviceTest, AdoptRefusesAnAppendOnlyDescriptor) {
  int fd = testing::unlinked_temp_file("append");
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fcntl(fd, F_SETFL, O_APPEND), 0);
  ComPtr<oskit_blkio> io;
  EXPECT_EQ(oskit_blockdev_adopt(fd, 0, io.put()), OSKIT_EINVAL);
  EXPECT_FALSE(io);
  ASSERT_EQ(fcntl(fd, F_SETFL, 0), 0);
  ASSERT_EQ(oskit_blockdev_adopt(fd, 0, io.put()), 0);
  oskit_size_t n = 0;
  ASSERT_EQ(io->write("later", 10, 5, &n), 0);
  ASSERT_EQ(io->write("first", 0, 5, &n), 0);
  char back[15] = {};
  ASSERT_EQ(io->read(back, 0, sizeof back, &n), 0);
  EXPECT_EQ(std::string(back, 5), "first") << "writes land at their offsets";
  EXPECT_EQ(std::string(back + 10, 5), "later");
}

TEST_F(BlockDeviceTest, CreateTruncateAndGrow) {
  const std::string path = temp_dir() + "/create_grow";
  unlink(path.c_str());
  ComPtr<oskit_blkio> io;
  ASSERT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_RDWR | OSKIT_BLOCKDEV_CREATE, 4096, io.put()), 0);
  EXPECT_EQ(io->getblocksize(), 4096u);
  oskit_off_t size = -1;
  ASSERT_EQ(io->getsize(&size), 0);
  EXPECT_EQ(size, 0);
  std::vector<char> block = testing::pattern(4096, 0, 3);
  oskit_size_t actual = 0;
  ASSERT_EQ(io->write(block.data(), 8192, block.size(), &actual), 0);  // a file grows
  EXPECT_EQ(actual, 4096u);
  ASSERT_EQ(io->getsize(&size), 0);
  EXPECT_EQ(size, 12288);
  io.reset();
  ASSERT_EQ(oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_RDWR | OSKIT_BLOCKDEV_TRUNC, 4096, io.put()), 0);
  ASSERT_EQ(io->getsize(&size), 0);
  EXPECT_EQ(size, 0);
  io.reset();
  unlink(path.c_str());
}

TEST_F(BlockDeviceTest, AbsioOnlyWithBlockSizeOne) {
  ComPtr<oskit_blkio> bytes = adopt_temp(4096, 0);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->getblocksize(), 1u);
  ComPtr<oskit_absio> absio = query<oskit_absio>(bytes);
  ASSERT_TRUE(absio);
  EXPECT_EQ(static_cast<oskit_blkio*>(absio.get()), bytes.get()) << "absio and blkio must share the pointer";
  ComPtr<oskit_blkio> blocks = adopt_temp(4096, 512);
  ASSERT_TRUE(blocks);
  ComPtr<oskit_absio> none;
  EXPECT_EQ(query<oskit_absio>(blocks.get(), &none), OSKIT_E_NOINTERFACE);
  EXPECT_FALSE(none);
}

TEST_F(BlockDeviceTest, PartialTailBlockIsNotPartOfTheObject) {
  ComPtr<oskit_blkio> io = adopt_temp(1000, 512);
  ASSERT_TRUE(io);
  oskit_off_t size = 0;
  ASSERT_EQ(io->getsize(&size), 0);
  EXPECT_EQ(size, 512);
  std::vector<char> buf(1024);
  oskit_size_t actual = 0;
  ASSERT_EQ(io->read(buf.data(), 0, buf.size(), &actual), 0);
  EXPECT_EQ(actual, 512u);
  buf.resize(512);
  EXPECT_EQ(buf, testing::pattern(512, 0, 42));
  buf.resize(1024);
  EXPECT_EQ(io->read(buf.data(), 512, 512, &actual), OSKIT_EINVAL);
  EXPECT_EQ(actual, 0u);
  EXPECT_EQ(io->setsize(700), OSKIT_EINVAL);
}

TEST_F(BlockDeviceTest, ReadOnlyOpeningRefusesWritesAndChangesNothing) {
  int fd = temp_file(8192);
  ASSERT_GE(fd, 0);
  const std::vector<char> before = file_contents(fd);
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  ComPtr<oskit_blkio> io;
  ASSERT_EQ(oskit_blockdev_open(proc, OSKIT_BLOCKDEV_READ, 512, io.put()), 0);
  std::vector<char> junk(1024, 'x');
  oskit_size_t actual = 99;
  EXPECT_EQ(io->write(junk.data(), 0, junk.size(), &actual), OSKIT_EBADF);
  EXPECT_EQ(actual, 0u);
  EXPECT_EQ(io->write(junk.data(), 8192, junk.size(), &actual), OSKIT_EBADF);
  EXPECT_EQ(io->setsize(512), OSKIT_EBADF);
  ComPtr<oskit_posixio> px = query<oskit_posixio>(io);
  ASSERT_TRUE(px);
  oskit_stat_t st{};
  st.size = 0;
  EXPECT_EQ(px->setstat(OSKIT_STAT_SIZE, &st), OSKIT_EBADF);
  ComPtr<oskit_asyncio> aio = query<oskit_asyncio>(io);
  ASSERT_TRUE(aio);
  EXPECT_EQ(aio->poll() & OSKIT_ASYNCIO_WRITABLE, 0) << "a read-only opening is never writable";
  EXPECT_EQ(file_contents(fd), before);
  std::vector<char> back(8192);
  ASSERT_EQ(io->read(back.data(), 0, back.size(), &actual), 0);
  EXPECT_EQ(back, before);
  io.reset();
  px.reset();
  aio.reset();
  close(fd);
}

TEST_F(BlockDeviceTest, WriteOnlyOpeningRefusesReads) {
  int fd = temp_file(4096);
  ASSERT_GE(fd, 0);
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  ComPtr<oskit_blkio> io;
  ASSERT_EQ(oskit_blockdev_open(proc, OSKIT_BLOCKDEV_WRITE, 512, io.put()), 0);
  std::vector<char> buf(512);
  oskit_size_t actual = 0;
  EXPECT_EQ(io->read(buf.data(), 0, buf.size(), &actual), OSKIT_EBADF);
  EXPECT_EQ(io->write(buf.data(), 0, buf.size(), &actual), 0);
  EXPECT_EQ(actual, 512u);
  io.reset();
  close(fd);
}

TEST_F(BlockDeviceTest, SetstatMapsToTheFile) {
  int fd = temp_file(4096);
  ASSERT_GE(fd, 0);
  int mine = dup(fd);
  ComPtr<oskit_blkio> io;
  ASSERT_EQ(oskit_blockdev_adopt(fd, 512, io.put()), 0);
  ComPtr<oskit_posixio> px = query<oskit_posixio>(io);
  ASSERT_TRUE(px);
  oskit_stat_t st{};
  st.mode = 0612;
  st.size = 1024;
  st.mtime = {123456, 789};
  ASSERT_EQ(px->setstat(OSKIT_STAT_MODE | OSKIT_STAT_SIZE | OSKIT_STAT_MTIME, &st), 0);
  struct stat host;
  ASSERT_EQ(fstat(mine, &host), 0);
  EXPECT_EQ(host.st_mode & 07777, 0612u);
  EXPECT_EQ(host.st_size, 1024);
  EXPECT_EQ(host.st_mtim.tv_sec, 123456);
  EXPECT_EQ(host.st_mtim.tv_nsec, 789);
  st.size = 1000;  // not a whole number of blocks
  EXPECT_EQ(px->setstat(OSKIT_STAT_SIZE, &st), OSKIT_EINVAL);
  oskit_stat_t got{};
  ASSERT_EQ(px->stat(&got), 0);
  EXPECT_EQ(got.size, 1024);
  EXPECT_EQ(got.ino, host.st_ino);
  oskit_s32_t name_max = 0;
  ASSERT_EQ(px->pathconf(OSKIT_PC_NAME_MAX, &name_max), 0);
  EXPECT_EQ(name_max, fpathconf(mine, _PC_NAME_MAX));
  px.reset();
  io.reset();
  close(mine);
}

TEST_F(BlockDeviceTest, ConcurrentReadersAndWritersOnDisjointBlocks) {
  ComPtr<oskit_blkio> io = adopt_temp(64 * 4096, 4096);
  ASSERT_TRUE(io);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&io, t] {
      for (int round = 0; round < 50; round++) {
        for (int b = t; b < 64; b += 4) {
          std::vector<char> data = testing::pattern(4096, b * 4096, round);
          oskit_size_t actual = 0;
          EXPECT_EQ(io->write(data.data(), b * 4096, data.size(), &actual), 0);
          std::vector<char> back(4096);
          EXPECT_EQ(io->read(back.data(), b * 4096, back.size(), &actual), 0);
          EXPECT_EQ(back, data);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

// losetup lives in sbin, which a test's PATH may lack.
std::string losetup() {
  for (const char* p : {"/usr/sbin/losetup", "/sbin/losetup", "/usr/bin/losetup"})
    if (access(p, X_OK) == 0) return p;
  return "losetup";
}

// A loop device gives a real block device: logical block size, fixed size.
class LoopDevice {
 public:
  explicit LoopDevice(oskit_off_t size) {
    backing_ = temp_dir() + "/loop_backing";
    int fd = open(backing_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return;
    if (ftruncate(fd, size) != 0) size = -1;
    close(fd);
    if (size < 0) return;
    std::string cmd = losetup() + " -f --show " + backing_ + " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return;
    char line[256] = {};
    if (fgets(line, sizeof line, p) != nullptr) device_ = line;
    if (pclose(p) != 0) device_.clear();
    while (!device_.empty() && (device_.back() == '\n')) device_.pop_back();
  }
  ~LoopDevice() {
    if (!device_.empty()) {
      std::string cmd = losetup() + " -d " + device_;
      if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cannot detach %s\n", device_.c_str());
    }
    unlink(backing_.c_str());
  }
  const std::string& device() const { return device_; }

 private:
  std::string backing_;
  std::string device_;
};

TEST_F(BlockDeviceTest, RealBlockDeviceThroughALoopDevice) {
  if (geteuid() != 0) GTEST_SKIP() << "attaching a loop device needs root";
  LoopDevice loop(1 << 20);
  if (loop.device().empty()) GTEST_SKIP() << "losetup could not attach a loop device here";
  ComPtr<oskit_blkio> io;
  ASSERT_EQ(oskit_blockdev_open(loop.device().c_str(), OSKIT_BLOCKDEV_RDWR, 0, io.put()), 0);
  const oskit_u32_t bs = io->getblocksize();
  EXPECT_EQ(bs, 512u) << "a loop device's default logical block size";
  oskit_off_t size = 0;
  ASSERT_EQ(io->getsize(&size), 0);
  EXPECT_EQ(size, 1 << 20);
  EXPECT_EQ(io->setsize(4096), OSKIT_E_NOTIMPL);
  // A write crossing the end is clamped; one at the end is refused.
  std::vector<char> data = testing::pattern(2048, 0, 8);
  oskit_size_t actual = 0;
  ASSERT_EQ(io->write(data.data(), size - 1024, data.size(), &actual), 0);
  EXPECT_EQ(actual, 1024u);
  EXPECT_EQ(io->write(data.data(), size, data.size(), &actual), OSKIT_EINVAL);
  std::vector<char> back(2048);
  ASSERT_EQ(io->read(back.data(), size - 1024, back.size(), &actual), 0);
  EXPECT_EQ(actual, 1024u);
  EXPECT_TRUE(std::equal(data.begin(), data.begin() + 1024, back.begin()));
  ComPtr<oskit_posixio> px = query<oskit_posixio>(io);
  oskit_stat_t st{};
  ASSERT_EQ(px->stat(&st), 0);
  EXPECT_TRUE(OSKIT_S_ISBLK(st.mode));
  EXPECT_EQ(st.size, 1 << 20);
  st.size = 0;
  EXPECT_EQ(px->setstat(OSKIT_STAT_SIZE, &st), OSKIT_E_NOTIMPL);
  px.reset();
  io.reset();
  // A chosen block size must be a multiple of the logical one.
  EXPECT_EQ(oskit_blockdev_open(loop.device().c_str(), OSKIT_BLOCKDEV_READ, 256, io.put()), OSKIT_EINVAL);
  ASSERT_EQ(oskit_blockdev_open(loop.device().c_str(), OSKIT_BLOCKDEV_READ, 4096, io.put()), 0);
  EXPECT_EQ(io->getblocksize(), 4096u);
  io.reset();
}

}  // namespace
}  // namespace oskit
