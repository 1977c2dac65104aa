/*
 * oskit_asyncio: readiness conditions and listeners (OSKit manual section 7.2).
 * poll and add_listener return a mask of the conditions below, or a negative
 * oskit_error_t.
 */
#ifndef OSKIT_IO_ASYNCIO_H
#define OSKIT_IO_ASYNCIO_H

#include "oskit/com.h"
#include "oskit/com/listener.h"

#define OSKIT_ASYNCIO_READABLE 1
#define OSKIT_ASYNCIO_WRITABLE 2
#define OSKIT_ASYNCIO_WRITEABLE OSKIT_ASYNCIO_WRITABLE /* OSKit's spelling */
#define OSKIT_ASYNCIO_EXCEPTION 4
#define OSKIT_ASYNCIO_ALL (OSKIT_ASYNCIO_READABLE | OSKIT_ASYNCIO_WRITABLE | OSKIT_ASYNCIO_EXCEPTION)

/* IID 4aa7dfa7-7c74-11cf-b500-08000953adc2. */
#define OSKIT_ASYNCIO_IID OSKIT_GUID(0x4aa7dfa7, 0x7c74, 0x11cf, 0xb5, 0x00, 0x08, 0x00, 0x09, 0x53, 0xad, 0xc2)

#ifdef __cplusplus
struct oskit_asyncio : oskit_iunknown {
  /* Returns the mask of conditions true now (7.2.1). */
  virtual OSKIT_COMDECL poll() noexcept = 0;
  /* Registers l for the conditions in mask; returns the mask of conditions
   * already true (7.2.2). Notifications may be spurious. */
  virtual OSKIT_COMDECL add_listener(oskit_listener *l, oskit_s32_t mask) noexcept = 0;
  /* Unregisters l; an error if l is not registered (7.2.3). */
  virtual OSKIT_COMDECL remove_listener(oskit_listener *l) noexcept = 0;
  /* Returns the number of bytes that can be read now (7.2.4). */
  virtual OSKIT_COMDECL readable() noexcept = 0;

 protected:
  ~oskit_asyncio() = default;
};
#else
struct oskit_asyncio {
  const struct oskit_asyncio_ops *ops;
};
struct oskit_asyncio_ops {
  OSKIT_COMDECL (*query)(struct oskit_asyncio *io, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_asyncio *io);
  OSKIT_COMDECL_U (*release)(struct oskit_asyncio *io);
  OSKIT_COMDECL (*poll)(struct oskit_asyncio *io);
  OSKIT_COMDECL (*add_listener)(struct oskit_asyncio *io, struct oskit_listener *l, oskit_s32_t mask);
  OSKIT_COMDECL (*remove_listener)(struct oskit_asyncio *io, struct oskit_listener *l);
  OSKIT_COMDECL (*readable)(struct oskit_asyncio *io);
};
#endif
typedef struct oskit_asyncio oskit_asyncio_t;
OSKIT_DECLARE_IID(oskit_asyncio, OSKIT_ASYNCIO_IID)

#define oskit_asyncio_query(io, iid, out) OSKIT_CALL(oskit_asyncio_t, io, query, iid, out)
#define oskit_asyncio_addref(io) OSKIT_CALL0(oskit_asyncio_t, io, addref)
#define oskit_asyncio_release(io) OSKIT_CALL0(oskit_asyncio_t, io, release)
#define oskit_asyncio_poll(io) OSKIT_CALL0(oskit_asyncio_t, io, poll)
#define oskit_asyncio_add_listener(io, l, mask) OSKIT_CALL(oskit_asyncio_t, io, add_listener, l, mask)
#define oskit_asyncio_remove_listener(io, l) OSKIT_CALL(oskit_asyncio_t, io, remove_listener, l)
#define oskit_asyncio_readable(io) OSKIT_CALL0(oskit_asyncio_t, io, readable)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_asyncio_iid;
OSKIT_END_DECLS

#endif /* OSKIT_IO_ASYNCIO_H */
