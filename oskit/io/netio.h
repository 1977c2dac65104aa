/*
 * oskit_netio: a packet consumer (OSKit manual section 7.5). push hands it a packet
 * in a bufio; the consumer addrefs the bufio only if it keeps it. alloc_bufio
 * lets a producer ask the consumer for a buffer suited to it.
 */
#ifndef OSKIT_IO_NETIO_H
#define OSKIT_IO_NETIO_H

#include "oskit/com.h"
#include "oskit/io/bufio.h"

/* IID 4aa7df8b-7c74-11cf-b500-08000953adc2. */
#define OSKIT_NETIO_IID OSKIT_GUID(0x4aa7df8b, 0x7c74, 0x11cf, 0xb5, 0x00, 0x08, 0x00, 0x09, 0x53, 0xad, 0xc2)

#ifdef __cplusplus
struct oskit_netio : oskit_iunknown {
  /* Feeds a packet of size bytes held in buf (size <= buf's size) (7.5.1). */
  virtual OSKIT_COMDECL push(oskit_bufio *buf, oskit_size_t size) noexcept = 0;
  /* *out_buf gets a new bufio of at least size bytes for a packet to push here. */
  virtual OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio **out_buf) noexcept = 0;

 protected:
  ~oskit_netio() = default;
};
#else
struct oskit_netio {
  const struct oskit_netio_ops *ops;
};
struct oskit_netio_ops {
  OSKIT_COMDECL (*query)(struct oskit_netio *io, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_netio *io);
  OSKIT_COMDECL_U (*release)(struct oskit_netio *io);
  OSKIT_COMDECL (*push)(struct oskit_netio *io, struct oskit_bufio *buf, oskit_size_t size);
  OSKIT_COMDECL (*alloc_bufio)(struct oskit_netio *io, oskit_size_t size, struct oskit_bufio **out_buf);
};
#endif
typedef struct oskit_netio oskit_netio_t;
OSKIT_DECLARE_IID(oskit_netio, OSKIT_NETIO_IID)

#define oskit_netio_query(io, iid, out) OSKIT_CALL(oskit_netio_t, io, query, iid, out)
#define oskit_netio_addref(io) OSKIT_CALL0(oskit_netio_t, io, addref)
#define oskit_netio_release(io) OSKIT_CALL0(oskit_netio_t, io, release)
#define oskit_netio_push(io, buf, size) OSKIT_CALL(oskit_netio_t, io, push, buf, size)
#define oskit_netio_alloc_bufio(io, size, out_buf) OSKIT_CALL(oskit_netio_t, io, alloc_bufio, size, out_buf)

/* IID 4aa7dfa2-7c74-11cf-b500-08000953adc2. A fanout is a netio (same leading
 * slots) that pushes every packet to each of its listeners in turn. */
#define OSKIT_NETIO_FANOUT_IID OSKIT_GUID(0x4aa7dfa2, 0x7c74, 0x11cf, 0xb5, 0x00, 0x08, 0x00, 0x09, 0x53, 0xad, 0xc2)

#ifdef __cplusplus
struct oskit_netio_fanout : oskit_netio {
  /* Adds a consumer (the fanout keeps a reference); OSKIT_EEXIST if present. */
  virtual OSKIT_COMDECL add_listener(oskit_netio *consumer) noexcept = 0;
  /* Removes a consumer; OSKIT_E_INVALIDARG if it was not added. */
  virtual OSKIT_COMDECL remove_listener(oskit_netio *consumer) noexcept = 0;

 protected:
  ~oskit_netio_fanout() = default;
};
#else
struct oskit_netio_fanout {
  const struct oskit_netio_fanout_ops *ops;
};
struct oskit_netio_fanout_ops {
  OSKIT_COMDECL (*query)(struct oskit_netio_fanout *io, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_netio_fanout *io);
  OSKIT_COMDECL_U (*release)(struct oskit_netio_fanout *io);
  OSKIT_COMDECL (*push)(struct oskit_netio_fanout *io, struct oskit_bufio *buf, oskit_size_t size);
  OSKIT_COMDECL (*alloc_bufio)(struct oskit_netio_fanout *io, oskit_size_t size, struct oskit_bufio **out_buf);
  OSKIT_COMDECL (*add_listener)(struct oskit_netio_fanout *io, struct oskit_netio *consumer);
  OSKIT_COMDECL (*remove_listener)(struct oskit_netio_fanout *io, struct oskit_netio *consumer);
};
#endif
typedef struct oskit_netio_fanout oskit_netio_fanout_t;
OSKIT_DECLARE_IID(oskit_netio_fanout, OSKIT_NETIO_FANOUT_IID)

#define oskit_netio_fanout_query(io, iid, out) OSKIT_CALL(oskit_netio_fanout_t, io, query, iid, out)
#define oskit_netio_fanout_addref(io) OSKIT_CALL0(oskit_netio_fanout_t, io, addref)
#define oskit_netio_fanout_release(io) OSKIT_CALL0(oskit_netio_fanout_t, io, release)
#define oskit_netio_fanout_push(io, buf, size) OSKIT_CALL(oskit_netio_fanout_t, io, push, buf, size)
#define oskit_netio_fanout_alloc_bufio(io, size, out_buf) \
  OSKIT_CALL(oskit_netio_fanout_t, io, alloc_bufio, size, out_buf)
#define oskit_netio_fanout_add_listener(io, consumer) OSKIT_CALL(oskit_netio_fanout_t, io, add_listener, consumer)
#define oskit_netio_fanout_remove_listener(io, consumer) OSKIT_CALL(oskit_netio_fanout_t, io, remove_listener, consumer)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_netio_iid;
extern const struct oskit_guid oskit_netio_fanout_iid;
OSKIT_END_DECLS

#endif /* OSKIT_IO_NETIO_H */
