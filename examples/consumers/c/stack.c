/* A program using the installed toolkit from C, built by a plain Makefile
 * through pkg-config: a disk image as a blockdev, a partition of it as a
 * subset, and every line of output sent through an EVL proxy to standard
 * output. It checks what it reads and exits non-zero on any failure. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <evl/evl.h>

#include "components/blockdev/blockdev.h"
#include "components/evl_proxy/evl_proxy.h"
#include "components/subset/subset.h"
#include "oskit/error.h"

enum { BLOCK = 512, DISK_BLOCKS = 16, PART_FIRST = 4, PART_BLOCKS = 8 };

static oskit_stream_t *log_stream;

/* Formats a line and writes it through the proxy: write(2) on the proxy's
 * descriptor, served by the emulation. */
static int say(const char *fmt, ...) {
  char line[256];
  oskit_u32_t sent = 0;
  va_list ap;
  int len;

  va_start(ap, fmt);
  len = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (len < 0 || (size_t)len >= sizeof line) return 0;
  return oskit_stream_write(log_stream, line, (oskit_u32_t)len, &sent) == 0 && sent == (oskit_u32_t)len;
}

static int fail(const char *what, oskit_error_t rc) {
  fprintf(stderr, "%s: %s\n", what, oskit_error_string(rc));
  return 0;
}

/* Fills each partition block with its own text and finds it in the disk at
 * the partition's offset. */
static int check_partition(oskit_blkio_t *disk, oskit_blkio_t *part) {
  char block[BLOCK], back[BLOCK];
  oskit_size_t n = 0;
  oskit_error_t rc;
  int i;

  for (i = 0; i < PART_BLOCKS; i++) {
    memset(block, 0, sizeof block);
    snprintf(block, sizeof block, "partition block %d", i);
    rc = oskit_blkio_write(part, block, (oskit_off_t)i * BLOCK, BLOCK, &n);
    if (rc != 0 || n != BLOCK) return fail("write to the partition", rc);
    rc = oskit_blkio_read(disk, back, (oskit_off_t)(PART_FIRST + i) * BLOCK, BLOCK, &n);
    if (rc != 0 || n != BLOCK) return fail("read from the disk", rc);
    if (memcmp(block, back, BLOCK) != 0 || !say("partition block %d is disk block %d\n", i, PART_FIRST + i)) return 0;
  }
  rc = oskit_blkio_write(part, block, (oskit_off_t)PART_BLOCKS * BLOCK, BLOCK, &n);
  return rc == OSKIT_EINVAL && say("past the partition's end: %s\n", oskit_error_string(rc));
}

static int run(const char *image) {
  struct oskit_evl_proxy_options opts = {4096, 0, OSKIT_EVL_PROXY_OUTPUT, NULL, 0};
  oskit_blkio_t *disk = NULL, *part = NULL;
  oskit_off_t size = 0;
  oskit_error_t rc;
  int ok;

  if (evl_init() != 0) return fail("evl_init", OSKIT_E_FAIL);
  rc = oskit_evl_proxy_create(STDOUT_FILENO, &opts, &log_stream);
  if (rc != 0) return fail("oskit_evl_proxy_create", rc);
  rc = oskit_blockdev_open(image, OSKIT_BLOCKDEV_RDWR | OSKIT_BLOCKDEV_CREATE | OSKIT_BLOCKDEV_TRUNC, BLOCK, &disk);
  if (rc == 0) rc = oskit_blkio_setsize(disk, DISK_BLOCKS * BLOCK);
  if (rc == 0) rc = oskit_blkio_subset(disk, PART_FIRST * BLOCK, PART_BLOCKS * BLOCK, &part);
  if (rc == 0) rc = oskit_blkio_getsize(part, &size);
  ok = rc == 0 ? 1 : fail("the disk and its partition", rc);
  ok = ok && say("disk: %d blocks of %d bytes; partition: %lld blocks from block %d\n", DISK_BLOCKS, BLOCK,
                 (long long)(size / BLOCK), PART_FIRST);
  ok = ok && check_partition(disk, part);
  if (part) oskit_blkio_release(part);
  if (disk) oskit_blkio_release(disk);
  ok = ok && say("released the partition and the disk\n");
  oskit_stream_release(log_stream); /* closing the proxy writes out what it holds */
  return ok;
}

int main(void) {
  const char *dir = getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char image[4096];
  int fd, ok;

  snprintf(image, sizeof image, "%s/disk-XXXXXX", dir);
  fd = mkstemp(image);
  if (fd < 0) {
    perror("mkstemp");
    return 1;
  }
  close(fd);
  ok = run(image);
  unlink(image);
  printf("%s\n", ok ? "done" : "FAILED");
  return ok ? 0 : 1;
}
