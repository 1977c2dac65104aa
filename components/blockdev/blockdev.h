// The file / block device component: a blkio over a regular file or a block
// device descriptor (DESIGN.md section 6). It also answers posixio, asyncio
// and, when its block size is 1, absio with the blkio pointer (seed 004
// section 7.1). For a larger block size, wrap it in the absio adapter
// (components/blkio_adapters).
//
// Size policy: a regular file grows when written past its end and is resized
// by setsize (ftruncate); its size is the file's size rounded down to the
// block size. A block device has a fixed size (BLKGETSIZE64): writes are
// clamped at its end and setsize gives OSKIT_E_NOTIMPL.
// A read-only opening refuses write, setsize and setstat(OSKIT_STAT_SIZE)
// with OSKIT_EBADF and changes nothing.
#ifndef COMPONENTS_BLOCKDEV_BLOCKDEV_H
#define COMPONENTS_BLOCKDEV_BLOCKDEV_H

#include <oskit/io/blkio.h>

/* Open modes for oskit_blockdev_open. */
#define OSKIT_BLOCKDEV_READ 0x1   /* reads allowed */
#define OSKIT_BLOCKDEV_WRITE 0x2  /* writes allowed */
#define OSKIT_BLOCKDEV_RDWR (OSKIT_BLOCKDEV_READ | OSKIT_BLOCKDEV_WRITE)
#define OSKIT_BLOCKDEV_CREATE 0x4 /* create a missing regular file (mode 0666 & ~umask); needs WRITE */
#define OSKIT_BLOCKDEV_TRUNC 0x8  /* truncate a regular file to 0; needs WRITE */

/* The largest block size the component accepts. */
#define OSKIT_BLOCKDEV_MAX_BLOCK_SIZE (1u << 20)

OSKIT_BEGIN_DECLS

/*
 * Opens path (a regular file or a block device) with the OSKIT_BLOCKDEV_*
 * mode. block_size 0 picks the device's logical block size (BLKSSZGET), or 1
 * for a regular file; otherwise it must be a power of two no larger than
 * OSKIT_BLOCKDEV_MAX_BLOCK_SIZE and, on a device, a multiple of the logical
 * block size. Returns 0 and an owned reference in *out_io; or OSKIT_E_POINTER,
 * OSKIT_EINVAL (mode, block size), OSKIT_ENODEV (neither a file nor a block
 * device), or open(2)'s error mapped, with *out_io set to NULL.
 */
oskit_error_t oskit_blockdev_open(const char *path, oskit_u32_t mode, oskit_u32_t block_size,
                                  oskit_blkio_t **out_io);

/*
 * As oskit_blockdev_open over an open descriptor; the access mode is the
 * descriptor's (fcntl F_GETFL). On success the object owns fd and closes it at
 * its last release; on failure the caller still owns it. OSKIT_EBADF for a
 * descriptor that is not open.
 */
oskit_error_t oskit_blockdev_adopt(int fd, oskit_u32_t block_size, oskit_blkio_t **out_io);

OSKIT_END_DECLS

#ifdef __cplusplus

#include <atomic>

#include "glue/posix/fd_asyncio.h"
#include "oskit/com/implements.h"
#include "oskit/io/absio.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/posixio.h"

namespace oskit {

// pread/pwrite go straight to the descriptor: reads and writes from any
// number of threads need no lock. Block devices keep their size from the open.
class BlockDevice : public Implements<BlockDevice, oskit_blkio, oskit_absio, oskit_posixio, oskit_asyncio> {
 public:
  // blkio / absio (seed 004 sections 7.1, 7.3).
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

  // absio is answered only when the block size is 1.
  bool exports(const oskit_guid& iid) const noexcept;

 protected:
  BlockDevice(int fd, oskit_u32_t block_size, bool can_read, bool can_write, bool fixed_size,
              oskit_off_t device_size) noexcept;
  ~BlockDevice() override;

 private:
  oskit_error_t check_transfer(const void* buf, oskit_off_t offset, oskit_size_t amount,
                               oskit_size_t* out_actual) const noexcept;
  oskit_off_t round_down(oskit_off_t v) const noexcept { return v & ~static_cast<oskit_off_t>(block_size_ - 1); }

  const int fd_;
  const oskit_u32_t block_size_;
  const bool can_read_;
  const bool can_write_;
  const bool fixed_size_;
  const oskit_off_t device_size_;  // fixed_size_ only, a multiple of block_size_
  posix::FdAsyncio async_;
};

}  // namespace oskit

#endif  // __cplusplus

#endif  // COMPONENTS_BLOCKDEV_BLOCKDEV_H
