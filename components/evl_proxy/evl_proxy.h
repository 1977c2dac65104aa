/*
 * The EVL proxy component (the EVL documentation's "File proxy" page): an EVL
 * proxy to any target file, exporting stream, asyncio and posixio.
 *
 * Stream write pushes bytes to the target through the proxy's output ring,
 * read pulls what its input ring relayed from the target; both go
 * out-of-band (oob_write/oob_read) when the caller is an EVL thread and
 * in-band (write(2)/read(2)) otherwise, like evl_send_proxy
 * (glue/oob_file/oob_file.h states the rule). A write is all or
 * nothing: OSKIT_EFBIG when it is larger than the ring, OSKIT_EINVAL when it is
 * not a multiple of the granularity, OSKIT_ENXIO on a direction the proxy does
 * not have, OSKIT_EAGAIN when non-blocking and the ring is full; a target
 * failure is reported by the next write. seek is OSKIT_ESPIPE; stat gives
 * type OSKIT_STGTY_STREAM and no size; the other stream methods are
 * OSKIT_E_NOTIMPL.
 *
 * asyncio maps the proxy's poll events ("Events pollable from a proxy file
 * descriptor" in the EVL documentation): READABLE when input is waiting, WRITABLE when the
 * output ring is empty (all output reached the target), EXCEPTION on POLLERR
 * (a relay error, or a proxy with neither direction). Listeners are called on
 * glue/posix's reactor thread. posixio applies to the proxy's descriptor.
 */
#ifndef COMPONENTS_EVL_PROXY_EVL_PROXY_H
#define COMPONENTS_EVL_PROXY_EVL_PROXY_H

#include "oskit/com/stream.h"

/* Directions of a proxy (EVL_CLONE_INPUT, EVL_CLONE_OUTPUT). */
#define OSKIT_EVL_PROXY_INPUT 0x1u  /* stream read returns what the target gives */
#define OSKIT_EVL_PROXY_OUTPUT 0x2u /* stream write sends to the target */

struct oskit_evl_proxy_options {
  oskit_size_t bufsz;       /* bytes in each direction's ring, at most 2^30; 0: a mapping-only proxy */
  oskit_size_t granularity; /* 0 or 1: any count; else the exact unit of each target transfer */
  oskit_u32_t directions;   /* OSKIT_EVL_PROXY_*; 0 with bufsz > 0 means OUTPUT */
  const char *name;         /* NULL: anonymous; a leading '/' makes the proxy public */
  int nonblock;             /* non-zero: transfers that would block fail with OSKIT_EAGAIN */
};

OSKIT_BEGIN_DECLS

/*
 * Creates a proxy to target_fd (evl_create_proxy; the caller keeps target_fd,
 * the proxy holds its own reference to the file). Returns 0 and an owned
 * reference in *out_stream (query it for oskit_asyncio, oskit_posixio); or
 * OSKIT_E_POINTER (opts or out_stream NULL), OSKIT_EINVAL (unknown direction
 * bits; bufsz above 2^30 or not a multiple of a granularity above 1; bufsz 0
 * with a direction; a badly formed name), OSKIT_EEXIST (name taken),
 * OSKIT_EBADF (target_fd not open), OSKIT_ENAMETOOLONG, OSKIT_ENXIO (EVL core
 * stopped), OSKIT_EMFILE, OSKIT_ENFILE or OSKIT_ENOMEM, with *out_stream
 * NULL. In-band.
 */
oskit_error_t oskit_evl_proxy_create(int target_fd, const struct oskit_evl_proxy_options *opts,
                                     oskit_stream_t **out_stream);

/*
 * Wraps an existing proxy descriptor; its directions are probed (a zero-byte
 * in-band read and write). On success the object owns proxy_fd and closes it at its last
 * release; on failure the caller still owns it. OSKIT_E_POINTER, OSKIT_EBADF
 * (proxy_fd is not an EVL file), OSKIT_ENXIO (EVL core stopped),
 * OSKIT_ENOMEM. In-band.
 */
oskit_error_t oskit_evl_proxy_adopt(int proxy_fd, oskit_stream_t **out_stream);

OSKIT_END_DECLS

#endif /* COMPONENTS_EVL_PROXY_EVL_PROXY_H */
