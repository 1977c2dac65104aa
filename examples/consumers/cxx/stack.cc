// A program using the installed toolkit from C++, built by CMake through
// find_package(oskit_io): a disk image as a blockdev, a partition of it as a
// subset, and a printf-style logger writing through an EVL proxy to standard
// output, in-band from main() and out-of-band from an EVL thread. It checks
// what it reads and exits non-zero on any failure.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include <evl/evl.h>

#include "components/blockdev/blockdev.h"
#include "components/evl_proxy/logger.h"
#include "components/subset/subset.h"
#include "glue/evl/evl_thread.h"
#include "glue/evl/stage.h"
#include "oskit/com/ptr.h"
#include "oskit/com/status.h"

namespace {

using oskit::ComPtr;

constexpr int kBlock = 512;
constexpr int kDiskBlocks = 16;
constexpr int kPartFirst = 4;
constexpr int kPartBlocks = 8;

bool fail(const char* what, oskit_error_t rc) {
  fprintf(stderr, "%s\n", oskit::to_status(rc, what).ToString().c_str());
  return false;
}

// Fills each partition block with its own text and finds it in the disk at
// the partition's offset.
bool check_partition(oskit_blkio* disk, oskit_blkio* part, oskit::evl::Logger& log) {
  char block[kBlock], back[kBlock];
  oskit_size_t n = 0;
  for (int i = 0; i < kPartBlocks; ++i) {
    std::memset(block, 0, sizeof block);
    snprintf(block, sizeof block, "partition block %d", i);
    oskit_error_t rc = part->write(block, oskit_off_t{i} * kBlock, kBlock, &n);
    if (rc != 0 || n != kBlock) return fail("write to the partition", rc);
    rc = disk->read(back, oskit_off_t{kPartFirst + i} * kBlock, kBlock, &n);
    if (rc != 0 || n != kBlock) return fail("read from the disk", rc);
    if (std::memcmp(block, back, kBlock) != 0) return false;
    log.printf("partition block %d is disk block %d\n", i, kPartFirst + i);
  }
  absl::Status past =
      oskit::to_status(part->write(block, oskit_off_t{kPartBlocks} * kBlock, kBlock, &n), "past the partition's end");
  log.printf("%s\n", std::string(past.message()).c_str());
  return oskit::to_error(past) == OSKIT_EINVAL;
}

bool run(const std::string& image) {
  std::unique_ptr<oskit::evl::Logger> log;
  if (evl_init() != 0) return fail("evl_init", OSKIT_E_FAIL);
  oskit_error_t rc = oskit::evl::Logger::open(STDOUT_FILENO, 1 << 16, nullptr, &log);
  if (rc != 0) return fail("the logger", rc);

  ComPtr<oskit_blkio> disk, part;
  rc = oskit_blockdev_open(image.c_str(), OSKIT_BLOCKDEV_RDWR | OSKIT_BLOCKDEV_CREATE | OSKIT_BLOCKDEV_TRUNC, kBlock,
                           disk.put());
  if (rc == 0) rc = disk->setsize(kDiskBlocks * kBlock);
  if (rc == 0) rc = oskit_blkio_subset(disk.get(), kPartFirst * kBlock, kPartBlocks * kBlock, part.put());
  oskit_off_t size = 0;
  if (rc == 0) rc = part->getsize(&size);
  if (rc != 0) return fail("the disk and its partition", rc);
  log->printf("disk: %d blocks of %d bytes; partition: %lld blocks from block %d\n", kDiskBlocks, kBlock,
              static_cast<long long>(size / kBlock), kPartFirst);
  if (!check_partition(disk.get(), part.get(), *log)) return false;
  part.reset();
  disk.reset();
  log->printf("released the partition and the disk\n");

  // Out-of-band: the record goes out with oob_write, no in-band system call.
  unsigned long violations = 1;
  auto thread = oskit::evl::start_evl_thread("consumer-oob", [&] {
    oskit_evl_stage_reset();
    log->printf("a record from an out-of-band thread\n");
    violations = oskit_evl_stage_thread_violations();
  });
  if (!thread.ok()) return fail("start_evl_thread", oskit::to_error(thread.status()));
  (*thread)->join();
  log->printf("stage violations out-of-band: %lu\n", violations);
  return log->flush() == 0 && violations == 0;
}

}  // namespace

int main() {
  const char* dir = getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  std::string image = std::string(dir) + "/disk-XXXXXX";
  int fd = mkstemp(image.data());
  if (fd < 0) {
    perror("mkstemp");
    return 1;
  }
  close(fd);
  bool ok = run(image);
  unlink(image.c_str());
  printf("%s\n", ok ? "done" : "FAILED");
  return ok ? 0 : 1;
}
