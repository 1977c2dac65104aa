/*
 * oskit_absio: byte-granular I/O at absolute offsets (OSKit manual section 7.1).
 * Its table is blkio's (slot 3 is getblocksize, always 1), so a byte-granular
 * object answers both queries with the same pointer.
 */
#ifndef OSKIT_IO_ABSIO_H
#define OSKIT_IO_ABSIO_H

#include "oskit/io/blkio.h"

/* IID 4aa7df9d-7c74-11cf-b500-08000953adc2. */
#define OSKIT_ABSIO_IID OSKIT_GUID(0x4aa7df9d, 0x7c74, 0x11cf, 0xb5, 0x00, 0x08, 0x00, 0x09, 0x53, 0xad, 0xc2)

#ifdef __cplusplus
/* Every absio is a blkio whose block size is one (7.1, 7.3). */
struct oskit_absio : oskit_blkio {
 protected:
  ~oskit_absio() = default;
};
#else
struct oskit_absio {
  const struct oskit_absio_ops *ops;
};
struct oskit_absio_ops {
  OSKIT_COMDECL (*query)(struct oskit_absio *io, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_absio *io);
  OSKIT_COMDECL_U (*release)(struct oskit_absio *io);
  /* blkio's getblocksize: 1 for every absio. */
  OSKIT_COMDECL_U (*getblocksize)(struct oskit_absio *io);
  OSKIT_COMDECL (*read)
  (struct oskit_absio *io, void *buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t *out_actual);
  OSKIT_COMDECL (*write)
  (struct oskit_absio *io, const void *buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t *out_actual);
  OSKIT_COMDECL (*getsize)(struct oskit_absio *io, oskit_off_t *out_size);
  OSKIT_COMDECL (*setsize)(struct oskit_absio *io, oskit_off_t new_size);
};
#endif
typedef struct oskit_absio oskit_absio_t;
OSKIT_DECLARE_IID(oskit_absio, OSKIT_ABSIO_IID)

#define oskit_absio_query(io, iid, out) OSKIT_CALL(oskit_absio_t, io, query, iid, out)
#define oskit_absio_addref(io) OSKIT_CALL0(oskit_absio_t, io, addref)
#define oskit_absio_release(io) OSKIT_CALL0(oskit_absio_t, io, release)
#define oskit_absio_read(io, buf, offset, amount, out_actual) \
  OSKIT_CALL(oskit_absio_t, io, read, buf, offset, amount, out_actual)
#define oskit_absio_write(io, buf, offset, amount, out_actual) \
  OSKIT_CALL(oskit_absio_t, io, write, buf, offset, amount, out_actual)
#define oskit_absio_getsize(io, out_size) OSKIT_CALL(oskit_absio_t, io, getsize, out_size)
#define oskit_absio_setsize(io, new_size) OSKIT_CALL(oskit_absio_t, io, setsize, new_size)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_absio_iid;
OSKIT_END_DECLS

#endif /* OSKIT_IO_ABSIO_H */
