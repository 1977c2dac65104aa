#include "components/blockdev/blockdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <limits>

#include "absl/strings/str_format.h"
#include "glue/posix/fd_asyncio.h"
#include "glue/posix/fd_posixio.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/io/absio.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/posixio.h"
#include "oskit/io/range.h"

namespace oskit {
namespace {

class BlockDevice
    : public Implements<BlockDevice, oskit_blkio, oskit_absio, oskit_posixio, oskit_asyncio, oskit_describe> {
 public:
  // blkio / absio (OSKit manual 7.1, 7.3).
  OSKIT_COMDECL_U getblocksize() noexcept override { return block_size_; }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override;
  OSKIT_COMDECL setsize(oskit_off_t new_size) noexcept override;

  // posixio (7.6).
  OSKIT_COMDECL stat(oskit_stat_t* out_stats) noexcept override;
  OSKIT_COMDECL setstat(oskit_u32_t mask, const oskit_stat_t* stats) noexcept override;
  OSKIT_COMDECL pathconf(oskit_s32_t option, oskit_s32_t* out_val) noexcept override;

  // asyncio (7.2): always readable (and writable unless read-only); readable()
  // gives the size, at most INT32_MAX.
  OSKIT_COMDECL poll() noexcept override { return async_.poll(); }
  OSKIT_COMDECL add_listener(oskit_listener* l, oskit_s32_t mask) noexcept override {
    return async_.add_listener(l, mask);
  }
  OSKIT_COMDECL remove_listener(oskit_listener* l) noexcept override { return async_.remove_listener(l); }
  OSKIT_COMDECL readable() noexcept override;

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override;

  // absio is answered only when the block size is 1.
  bool exports(const oskit_guid& iid) const noexcept { return blkio_exports(iid, block_size_); }

 protected:
  BlockDevice(int fd, oskit_u32_t block_size, bool can_read, bool can_write, bool fixed_size,
              oskit_off_t device_size) noexcept;
  ~BlockDevice() override;

 private:
  const int fd_;
  const oskit_u32_t block_size_;
  const bool can_read_;
  const bool can_write_;
  const bool fixed_size_;
  const oskit_off_t device_size_;  // fixed_size_ only, a multiple of block_size_
  posix::FdAsyncio async_;
  std::atomic<oskit_u64_t> bytes_read_{0};
  std::atomic<oskit_u64_t> bytes_written_{0};
};

BlockDevice::BlockDevice(int fd, oskit_u32_t block_size, bool can_read, bool can_write, bool fixed_size,
                         oskit_off_t device_size) noexcept
    : fd_(fd),
      block_size_(block_size),
      can_read_(can_read),
      can_write_(can_write),
      fixed_size_(fixed_size),
      device_size_(device_size),
      async_(fd, identity(), can_write ? OSKIT_ASYNCIO_ALL : (OSKIT_ASYNCIO_READABLE | OSKIT_ASYNCIO_EXCEPTION)) {}

BlockDevice::~BlockDevice() {
  async_.close();
  ::close(fd_);
}

OSKIT_COMDECL BlockDevice::read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept {
  oskit_error_t rc = check_block_transfer_args(buf, offset, amount, out_actual, block_size_);
  if (rc != 0 || amount == 0) return rc;
  if (!can_read_) return OSKIT_EBADF;
  if (fixed_size_) {
    rc = clamp_transfer(offset, amount, device_size_, &amount);
    if (rc != 0) return rc;
  }
  // A regular file needs no size lookup: pread stops at its end.
  oskit_size_t done = 0;
  rc = posix::pread_all(fd_, buf, amount, offset, &done);
  done = round_down_to_block(done, block_size_);
  if (done == 0) return rc != 0 ? rc : OSKIT_EINVAL;  // at or past the end: nothing could be read
  bytes_read_.fetch_add(done, std::memory_order_relaxed);
  *out_actual = done;
  return 0;
}

OSKIT_COMDECL BlockDevice::write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                                 oskit_size_t* out_actual) noexcept {
  oskit_error_t rc = check_block_transfer_args(buf, offset, amount, out_actual, block_size_);
  if (rc != 0 || amount == 0) return rc;
  if (!can_write_) return OSKIT_EBADF;
  if (fixed_size_) {
    rc = clamp_transfer(offset, amount, device_size_, &amount);
    if (rc != 0) return rc;
  }
  oskit_size_t done = 0;
  rc = posix::pwrite_all(fd_, buf, amount, offset, &done);
  done = round_down_to_block(done, block_size_);
  if (done == 0 && rc != 0) return rc;
  bytes_written_.fetch_add(done, std::memory_order_relaxed);
  *out_actual = done;
  return 0;
}

OSKIT_COMDECL BlockDevice::describe(const oskit_description_sink* sink) noexcept {
  char detail[96];
  absl::SNPrintF(detail, sizeof detail, "fd %d, %u-byte blocks, %s%s", fd_, block_size_,
                 can_write_ ? (can_read_ ? "read-write" : "write-only") : "read-only",
                 fixed_size_ ? ", fixed size" : "");
  return describe_to(sink, [&](Description& d) {
    d.kind("blockdev", detail).counter("bytes_read", bytes_read_).counter("bytes_written", bytes_written_);
  });
}

OSKIT_COMDECL BlockDevice::getsize(oskit_off_t* out_size) noexcept {
  if (out_size == nullptr) return OSKIT_E_POINTER;
  if (fixed_size_) {
    *out_size = device_size_;
    return 0;
  }
  struct ::stat st;
  if (fstat(fd_, &st) != 0) return posix::last_error();
  *out_size = round_down_to_block(st.st_size, block_size_);
  return 0;
}

OSKIT_COMDECL BlockDevice::setsize(oskit_off_t new_size) noexcept {
  if (fixed_size_) return OSKIT_E_NOTIMPL;
  if (new_size < 0 || round_down_to_block(new_size, block_size_) != new_size) return OSKIT_EINVAL;
  if (!can_write_) return OSKIT_EBADF;
  if (ftruncate(fd_, new_size) != 0) return posix::last_error();
  return 0;
}

OSKIT_COMDECL BlockDevice::stat(oskit_stat_t* out_stats) noexcept {
  oskit_error_t rc = posix::fd_stat(fd_, out_stats);
  if (rc == 0 && fixed_size_) out_stats->size = device_size_;
  return rc;
}

OSKIT_COMDECL BlockDevice::setstat(oskit_u32_t mask, const oskit_stat_t* stats) noexcept {
  oskit_error_t rc = posix::check_setstat(mask, stats);
  if (rc != 0) return rc;
  if (mask & OSKIT_STAT_SIZE) {
    if (fixed_size_) return OSKIT_E_NOTIMPL;
    if (round_down_to_block(stats->size, block_size_) != stats->size) return OSKIT_EINVAL;
    if (!can_write_) return OSKIT_EBADF;
  }
  return posix::fd_setstat(fd_, mask, stats);
}

OSKIT_COMDECL BlockDevice::pathconf(oskit_s32_t option, oskit_s32_t* out_val) noexcept {
  return posix::fd_pathconf(fd_, option, out_val);
}

OSKIT_COMDECL BlockDevice::readable() noexcept {
  if (!can_read_) return 0;
  oskit_off_t size = 0;
  oskit_error_t rc = getsize(&size);
  if (rc != 0) return rc;
  return size > INT32_MAX ? INT32_MAX : static_cast<oskit_error_t>(size);
}

// Builds the object over fd; on failure fd is left open for the caller.
oskit_error_t create(int fd, oskit_u32_t block_size, oskit_blkio_t** out_io) {
  if (out_io == nullptr) return OSKIT_E_POINTER;
  *out_io = nullptr;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return posix::last_error();
  if (flags & O_APPEND) return OSKIT_EINVAL;
  struct ::stat st;
  if (fstat(fd, &st) != 0) return posix::last_error();
  if (S_ISDIR(st.st_mode)) return OSKIT_EISDIR;
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) return OSKIT_ENODEV;
  if (block_size != 0 && (!is_power_of_two(block_size) || block_size > OSKIT_BLOCKDEV_MAX_BLOCK_SIZE)) {
    return OSKIT_EINVAL;
  }
  const bool device = S_ISBLK(st.st_mode);
  oskit_off_t device_size = 0;
  if (device) {
    int logical = 0;
    if (ioctl(fd, BLKSSZGET, &logical) != 0) return posix::last_error();
    if (logical <= 0 || !is_power_of_two(static_cast<oskit_u32_t>(logical))) return OSKIT_EIO;
    if (block_size == 0) block_size = static_cast<oskit_u32_t>(logical);
    if (block_size % static_cast<oskit_u32_t>(logical) != 0) return OSKIT_EINVAL;
    std::uint64_t bytes = 0;
    if (ioctl(fd, BLKGETSIZE64, &bytes) != 0) return posix::last_error();
    if (bytes > static_cast<std::uint64_t>(std::numeric_limits<oskit_off_t>::max())) return OSKIT_EFBIG;
    device_size = round_down_to_block(static_cast<oskit_off_t>(bytes), block_size);
  } else if (block_size == 0) {
    block_size = 1;
  }
  const int access = flags & O_ACCMODE;
  const bool can_read = access == O_RDONLY || access == O_RDWR;
  const bool can_write = access == O_WRONLY || access == O_RDWR;
  ComPtr<oskit_blkio> dev = make<BlockDevice>(fd, block_size, can_read, can_write, device, device_size);
  if (!dev) return OSKIT_ENOMEM;
  *out_io = dev.detach();
  return 0;
}

// Opened with O_NONBLOCK (see oskit_blockdev_open): a regular file or a block
// device is then used in blocking mode; anything else is refused.
oskit_error_t clear_nonblock(int fd) {
  struct ::stat st;
  if (fstat(fd, &st) != 0) return posix::last_error();
  if (S_ISDIR(st.st_mode)) return OSKIT_EISDIR;
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) return OSKIT_ENODEV;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) return posix::last_error();
  return 0;
}

}  // namespace
}  // namespace oskit

extern "C" oskit_error_t oskit_blockdev_adopt(int fd, oskit_u32_t block_size, oskit_blkio_t** out_io) {
  return oskit::create(fd, block_size, out_io);
}

extern "C" oskit_error_t oskit_blockdev_open(const char* path, oskit_u32_t mode, oskit_u32_t block_size,
                                             oskit_blkio_t** out_io) {
  if (out_io == nullptr) return OSKIT_E_POINTER;
  *out_io = nullptr;
  if (path == nullptr) return OSKIT_E_POINTER;
  constexpr oskit_u32_t kKnown = OSKIT_BLOCKDEV_RDWR | OSKIT_BLOCKDEV_CREATE | OSKIT_BLOCKDEV_TRUNC;
  if ((mode & ~kKnown) != 0 || (mode & OSKIT_BLOCKDEV_RDWR) == 0) return OSKIT_EINVAL;
  if ((mode & (OSKIT_BLOCKDEV_CREATE | OSKIT_BLOCKDEV_TRUNC)) && !(mode & OSKIT_BLOCKDEV_WRITE)) return OSKIT_EINVAL;
  // Non-blocking while it opens, so that a FIFO or a device that waits for a
  // peer cannot hold the caller; the type is checked before the flag goes.
  int flags = O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  if ((mode & OSKIT_BLOCKDEV_RDWR) == OSKIT_BLOCKDEV_RDWR) {
    flags |= O_RDWR;
  } else if (mode & OSKIT_BLOCKDEV_WRITE) {
    flags |= O_WRONLY;
  } else {
    flags |= O_RDONLY;
  }
  if (mode & OSKIT_BLOCKDEV_CREATE) flags |= O_CREAT;
  int fd;
  do {
    fd = ::open(path, flags, 0666);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return oskit::posix::last_error();
  oskit_error_t rc = oskit::clear_nonblock(fd);
  if (rc == 0) rc = oskit::create(fd, block_size, out_io);
  if (rc != 0) {
    ::close(fd);
    return rc;
  }
  if (mode & OSKIT_BLOCKDEV_TRUNC) {
    struct ::stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) {
      rc = oskit::posix::last_error();
      oskit_blkio_release(*out_io);
      *out_io = nullptr;
      return rc;
    }
  }
  return 0;
}
