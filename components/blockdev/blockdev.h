/*
 * The file / block device component: a blkio over a regular file or a block
 * device descriptor. It also answers posixio, asyncio and, when its block size
 * is 1, absio with the blkio pointer (OSKit manual 7.1). For a larger block
 * size, wrap it in the absio adapter (components/blkio_adapters).
 *
 * pread/pwrite go straight to the descriptor: reads and writes from any number
 * of threads need no lock. Size policy: a regular file grows when written past
 * its end and is resized by setsize (ftruncate) to whole blocks only; its size
 * is the file's size rounded down to the block size. A block device has a
 * fixed size (BLKGETSIZE64, read at the opening): writes are clamped at its
 * end and setsize gives OSKIT_E_NOTIMPL. A read-only opening refuses write,
 * setsize and setstat(OSKIT_STAT_SIZE) with OSKIT_EBADF and changes nothing.
 * asyncio: always readable (and writable unless read-only); readable() gives
 * the size, at most INT32_MAX.
 */
#ifndef COMPONENTS_BLOCKDEV_BLOCKDEV_H
#define COMPONENTS_BLOCKDEV_BLOCKDEV_H

#include "oskit/io/blkio.h"

/* Open modes for oskit_blockdev_open. */
#define OSKIT_BLOCKDEV_READ 0x1  /* reads allowed */
#define OSKIT_BLOCKDEV_WRITE 0x2 /* writes allowed */
#define OSKIT_BLOCKDEV_RDWR (OSKIT_BLOCKDEV_READ | OSKIT_BLOCKDEV_WRITE)
#define OSKIT_BLOCKDEV_CREATE 0x4 /* create a missing regular file (mode 0666 & ~umask); needs WRITE */
#define OSKIT_BLOCKDEV_TRUNC 0x8  /* truncate a regular file to 0; needs WRITE */

/* The largest block size the component accepts. */
#define OSKIT_BLOCKDEV_MAX_BLOCK_SIZE (1u << 20)

OSKIT_BEGIN_DECLS

/*
 * Opens path (a regular file or a block device) with the OSKIT_BLOCKDEV_*
 * mode, never blocking in open(2) (a FIFO or a device that would wait is
 * refused at once) and never acquiring a controlling terminal. block_size 0 picks the device's logical block size
 * (BLKSSZGET), or 1 for a regular file; otherwise it must be a power of two no larger than
 * OSKIT_BLOCKDEV_MAX_BLOCK_SIZE and, on a device, a multiple of the logical
 * block size. Returns 0 and an owned reference in *out_io; or OSKIT_E_POINTER,
 * OSKIT_EINVAL (mode, block size), OSKIT_EISDIR (a directory), OSKIT_ENODEV
 * (neither a file nor a block device: a FIFO, a socket, a character device),
 * or open(2)'s error mapped, with *out_io set to NULL.
 */
oskit_error_t oskit_blockdev_open(const char *path, oskit_u32_t mode, oskit_u32_t block_size, oskit_blkio_t **out_io);

/*
 * As oskit_blockdev_open over an open descriptor; the access mode is the
 * descriptor's (fcntl F_GETFL). On success the object owns fd and closes it at
 * its last release; on failure the caller still owns it. OSKIT_EBADF for a
 * descriptor that is not open; OSKIT_EINVAL for one opened with O_APPEND
 * (Linux would put every write at the end, whatever its offset).
 */
oskit_error_t oskit_blockdev_adopt(int fd, oskit_u32_t block_size, oskit_blkio_t **out_io);

OSKIT_END_DECLS

#endif /* COMPONENTS_BLOCKDEV_BLOCKDEV_H */
