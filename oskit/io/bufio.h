/*
 * oskit_bufio: an absio whose data may be reached directly by the CPU (map) or
 * by DMA hardware (wire) (OSKit manual 7.4). Only read and write are
 * mandatory; the others may return OSKIT_E_NOTIMPL.
 */
#ifndef OSKIT_IO_BUFIO_H
#define OSKIT_IO_BUFIO_H

#include "oskit/io/absio.h"

/* IID 4aa7df8d-7c74-11cf-b500-08000953adc2. */
#define OSKIT_BUFIO_IID OSKIT_GUID(0x4aa7df8d, 0x7c74, 0x11cf, 0xb5, 0x00, 0x08, 0x00, 0x09, 0x53, 0xad, 0xc2)

#ifdef __cplusplus
struct oskit_bufio : oskit_absio {
  /* *out_addr gets a CPU address for [offset, offset+amount) (7.4.1). */
  virtual OSKIT_COMDECL map(void **out_addr, oskit_off_t offset, oskit_size_t amount) noexcept = 0;
  /* Ends a mapping; arguments must be exactly those of map (7.4.2). */
  virtual OSKIT_COMDECL unmap(void *addr, oskit_off_t offset, oskit_size_t amount) noexcept = 0;
  /* *out_phys_addr gets a device address for [offset, offset+amount), stable
   * until the matching unwire or the last release (7.4.3; docs/design.md,
   * "Exporting bufio to DMA code"). OSKIT_E_NOTIMPL when the object never
   * wires; OSKIT_ENOTSUP when this range cannot be made contiguous for a
   * device, OSKIT_EBUSY when these bytes are wired already: the caller falls
   * back to read and write. *out_phys_addr is 0 on failure. */
  virtual OSKIT_COMDECL wire(oskit_addr_t *out_phys_addr, oskit_off_t offset, oskit_size_t amount) noexcept = 0;
  /* Ends a wiring; arguments must be exactly those of wire, else OSKIT_EINVAL
   * (7.4.4). */
  virtual OSKIT_COMDECL unwire(oskit_addr_t phys_addr, oskit_off_t offset, oskit_size_t amount) noexcept = 0;
  /* *out_io gets an independent logical copy of [offset, offset+amount) (7.4.5). */
  virtual OSKIT_COMDECL copy(oskit_off_t offset, oskit_size_t amount, oskit_bufio **out_io) noexcept = 0;

 protected:
  ~oskit_bufio() = default;
};
#else
struct oskit_bufio {
  const struct oskit_bufio_ops *ops;
};
struct oskit_bufio_ops {
  OSKIT_COMDECL (*query)(struct oskit_bufio *io, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_bufio *io);
  OSKIT_COMDECL_U (*release)(struct oskit_bufio *io);
  OSKIT_COMDECL_U (*getblocksize)(struct oskit_bufio *io);
  OSKIT_COMDECL (*read)
  (struct oskit_bufio *io, void *buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t *out_actual);
  OSKIT_COMDECL (*write)
  (struct oskit_bufio *io, const void *buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t *out_actual);
  OSKIT_COMDECL (*getsize)(struct oskit_bufio *io, oskit_off_t *out_size);
  OSKIT_COMDECL (*setsize)(struct oskit_bufio *io, oskit_off_t new_size);
  OSKIT_COMDECL (*map)(struct oskit_bufio *io, void **out_addr, oskit_off_t offset, oskit_size_t amount);
  OSKIT_COMDECL (*unmap)(struct oskit_bufio *io, void *addr, oskit_off_t offset, oskit_size_t amount);
  OSKIT_COMDECL (*wire)(struct oskit_bufio *io, oskit_addr_t *out_phys_addr, oskit_off_t offset, oskit_size_t amount);
  OSKIT_COMDECL (*unwire)(struct oskit_bufio *io, oskit_addr_t phys_addr, oskit_off_t offset, oskit_size_t amount);
  OSKIT_COMDECL (*copy)(struct oskit_bufio *io, oskit_off_t offset, oskit_size_t amount, struct oskit_bufio **out_io);
};
#endif
typedef struct oskit_bufio oskit_bufio_t;
OSKIT_DECLARE_IID(oskit_bufio, OSKIT_BUFIO_IID)

#define oskit_bufio_query(io, iid, out) OSKIT_CALL(oskit_bufio_t, io, query, iid, out)
#define oskit_bufio_addref(io) OSKIT_CALL0(oskit_bufio_t, io, addref)
#define oskit_bufio_release(io) OSKIT_CALL0(oskit_bufio_t, io, release)
#define oskit_bufio_read(io, buf, offset, amount, out_actual) \
  OSKIT_CALL(oskit_bufio_t, io, read, buf, offset, amount, out_actual)
#define oskit_bufio_write(io, buf, offset, amount, out_actual) \
  OSKIT_CALL(oskit_bufio_t, io, write, buf, offset, amount, out_actual)
#define oskit_bufio_getsize(io, out_size) OSKIT_CALL(oskit_bufio_t, io, getsize, out_size)
#define oskit_bufio_setsize(io, new_size) OSKIT_CALL(oskit_bufio_t, io, setsize, new_size)
#define oskit_bufio_map(io, out_addr, offset, amount) OSKIT_CALL(oskit_bufio_t, io, map, out_addr, offset, amount)
#define oskit_bufio_unmap(io, addr, offset, amount) OSKIT_CALL(oskit_bufio_t, io, unmap, addr, offset, amount)
#define oskit_bufio_wire(io, out_phys_addr, offset, amount) \
  OSKIT_CALL(oskit_bufio_t, io, wire, out_phys_addr, offset, amount)
#define oskit_bufio_unwire(io, phys_addr, offset, amount) \
  OSKIT_CALL(oskit_bufio_t, io, unwire, phys_addr, offset, amount)
#define oskit_bufio_copy(io, offset, amount, out_io) OSKIT_CALL(oskit_bufio_t, io, copy, offset, amount, out_io)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_bufio_iid;
OSKIT_END_DECLS

#endif /* OSKIT_IO_BUFIO_H */
