/* The loopback sample driver: bytes written to the device (oob_write or
 * write(2)) come back from it (oob_read or read(2)), in order, through one
 * ring per device shared by every opener. Reads block while the ring is
 * empty and writes while it is full, unless the file is O_NONBLOCK (EAGAIN).
 * Writes are all-or-nothing; a write larger than the ring fails with EFBIG.
 * The ioctl numbers use Linux's _IOC encoding. Usable from C and C++. */
#ifndef GLUE_EVL_LOOPBACK_H
#define GLUE_EVL_LOOPBACK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define OSKIT_LOOPBACK_IOC_MAGIC 'L'

struct oskit_loopback_config {
  __u32 capacity; /* ring size in bytes */
  __u32 fill;     /* bytes waiting to be read */
};

struct oskit_loopback_stats {
  __u64 bytes_written;
  __u64 bytes_read;
  __u64 writes;
  __u64 reads;
};

struct oskit_loopback_xchg {
  __u64 in;  /* to the driver */
  __u64 out; /* from the driver: in + 1 */
};

/* From the driver: the ring's size and fill. */
#define OSKIT_LOOPBACK_GET_CONFIG _IOR(OSKIT_LOOPBACK_IOC_MAGIC, 1, struct oskit_loopback_config)
/* From the driver: traffic counters. */
#define OSKIT_LOOPBACK_GET_STATS _IOR(OSKIT_LOOPBACK_IOC_MAGIC, 2, struct oskit_loopback_stats)
/* To the driver: resize the ring (1 to 16 MiB); EBUSY unless empty. */
#define OSKIT_LOOPBACK_SET_CAPACITY _IOW(OSKIT_LOOPBACK_IOC_MAGIC, 3, __u32)
/* To the driver: wait until at least that many bytes are readable
 * (EAGAIN if O_NONBLOCK and not yet, EINVAL above the capacity). */
#define OSKIT_LOOPBACK_WAIT_FILL _IOW(OSKIT_LOOPBACK_IOC_MAGIC, 4, __u32)
/* Both ways: out = in + 1. */
#define OSKIT_LOOPBACK_XCHG _IOWR(OSKIT_LOOPBACK_IOC_MAGIC, 5, struct oskit_loopback_xchg)
/* No data: discard what the ring holds. */
#define OSKIT_LOOPBACK_RESET _IO(OSKIT_LOOPBACK_IOC_MAGIC, 6)

#ifdef __cplusplus
extern "C" {
#endif

/* Registers a loopback device with a ring of capacity bytes (0: 64 KiB).
 * Returns 0 or the errors of oskit_evl_register_device(). */
int oskit_loopback_register(const char *name, unsigned int capacity);

/* Unregisters it; -ENODEV if unknown, -EBUSY while open. */
int oskit_loopback_unregister(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GLUE_EVL_LOOPBACK_H */
