/*
 * oskit_blkio: block I/O at absolute offsets in units of a power-of-two block
 * size (OSKit manual section 7.3). Offsets, amounts and *out_actual are multiples of
 * getblocksize(); absio is the same table with a block size of one.
 */
#ifndef OSKIT_IO_BLKIO_H
#define OSKIT_IO_BLKIO_H

#include "oskit/com.h"

/* IID 4aa7df81-7c74-11cf-b500-08000953adc2. */
#define OSKIT_BLKIO_IID OSKIT_GUID(0x4aa7df81, 0x7c74, 0x11cf, 0xb5, 0x00, 0x08, 0x00, 0x09, 0x53, 0xad, 0xc2)

#ifdef __cplusplus
struct oskit_blkio : oskit_iunknown {
  /* Returns the block size, a power of two (7.3.1). */
  virtual OSKIT_COMDECL_U getblocksize() noexcept = 0;
  /* Reads at most amount bytes at offset; *out_actual gets the count (7.3.2). */
  virtual OSKIT_COMDECL read(void *buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t *out_actual) noexcept = 0;
  /* Writes at most amount bytes at offset; *out_actual gets the count (7.3.3). */
  virtual OSKIT_COMDECL write(const void *buf, oskit_off_t offset, oskit_size_t amount,
                              oskit_size_t *out_actual) noexcept = 0;
  /* *out_size gets the size in bytes (7.3.4). */
  virtual OSKIT_COMDECL getsize(oskit_off_t *out_size) noexcept = 0;
  /* Sets the size; OSKIT_E_NOTIMPL on fixed-size objects (7.3.5). */
  virtual OSKIT_COMDECL setsize(oskit_off_t new_size) noexcept = 0;

 protected:
  ~oskit_blkio() = default;
};
#else
struct oskit_blkio {
  const struct oskit_blkio_ops *ops;
};
struct oskit_blkio_ops {
  OSKIT_COMDECL (*query)(struct oskit_blkio *io, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_blkio *io);
  OSKIT_COMDECL_U (*release)(struct oskit_blkio *io);
  OSKIT_COMDECL_U (*getblocksize)(struct oskit_blkio *io);
  OSKIT_COMDECL (*read)
  (struct oskit_blkio *io, void *buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t *out_actual);
  OSKIT_COMDECL (*write)
  (struct oskit_blkio *io, const void *buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t *out_actual);
  OSKIT_COMDECL (*getsize)(struct oskit_blkio *io, oskit_off_t *out_size);
  OSKIT_COMDECL (*setsize)(struct oskit_blkio *io, oskit_off_t new_size);
};
#endif
typedef struct oskit_blkio oskit_blkio_t;
OSKIT_DECLARE_IID(oskit_blkio, OSKIT_BLKIO_IID)

#define oskit_blkio_query(io, iid, out) OSKIT_CALL(oskit_blkio_t, io, query, iid, out)
#define oskit_blkio_addref(io) OSKIT_CALL0(oskit_blkio_t, io, addref)
#define oskit_blkio_release(io) OSKIT_CALL0(oskit_blkio_t, io, release)
#define oskit_blkio_getblocksize(io) OSKIT_CALL0(oskit_blkio_t, io, getblocksize)
#define oskit_blkio_read(io, buf, offset, amount, out_actual) \
  OSKIT_CALL(oskit_blkio_t, io, read, buf, offset, amount, out_actual)
#define oskit_blkio_write(io, buf, offset, amount, out_actual) \
  OSKIT_CALL(oskit_blkio_t, io, write, buf, offset, amount, out_actual)
#define oskit_blkio_getsize(io, out_size) OSKIT_CALL(oskit_blkio_t, io, getsize, out_size)
#define oskit_blkio_setsize(io, new_size) OSKIT_CALL(oskit_blkio_t, io, setsize, new_size)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_blkio_iid;
OSKIT_END_DECLS

#endif /* OSKIT_IO_BLKIO_H */
