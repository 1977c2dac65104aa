/* Cross-buffers (libevl <evl/xbuf.h>; the EVL documentation's
 * "Cross-buffer" page): two byte rings between the stages. What in-band
 * write(2) sends, oob_read() receives; what oob_write() sends, in-band read(2)
 * receives. A write is all or nothing; a read returns what is there, blocking
 * while the ring is empty unless the descriptor is O_NONBLOCK. */
#ifndef _EVL_XBUF_H
#define _EVL_XBUF_H

#include <evl/syscall.h>
#include <linux/types.h>
#include <sys/types.h>
#include <uapi/evl/factory.h>
#include <uapi/evl/xbuf.h>

/* A private cross-buffer with bufsz bytes each way. */
#define evl_new_xbuf(__bufsz, ...) evl_create_xbuf(__bufsz, __bufsz, EVL_CLONE_PRIVATE, __VA_ARGS__)

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a cross-buffer: i_bufsz bytes for in-band to out-of-band traffic,
 * o_bufsz for the other way (either may be 0, not both; at most 2^30).
 * Returns its descriptor, -EEXIST, -EINVAL, -ENAMETOOLONG, -ENXIO (core
 * stopped), -EMFILE, -ENFILE, -ENOMEM. */
int evl_create_xbuf(size_t i_bufsz, size_t o_bufsz, int flags, const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_XBUF_H */
