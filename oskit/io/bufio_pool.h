/*
 * oskit_bufio_pool: where a component gets the buffers it hands out (a
 * netio's alloc_bufio, a driver's receive buffers). Ours, not OSKit's: a pool
 * may be the heap, a fixed set of recycled buffers, or memory a device can
 * reach (docs/design.md, "The interfaces"). Components that need buffers hold
 * a pool instead of depending on the component that makes them.
 */
#ifndef OSKIT_IO_BUFIO_POOL_H
#define OSKIT_IO_BUFIO_POOL_H

#include "oskit/com.h"
#include "oskit/io/bufio.h"

/* IID 2c9e41b6-52d0-4f7a-8c3e-6a1d0b5e9f27 (ours, outside OSKit's range). */
#define OSKIT_BUFIO_POOL_IID OSKIT_GUID(0x2c9e41b6, 0x52d0, 0x4f7a, 0x8c, 0x3e, 0x6a, 0x1d, 0x0b, 0x5e, 0x9f, 0x27)

#ifdef __cplusplus
struct oskit_bufio_pool : oskit_iunknown {
  /* *out_buf gets a bufio of at least size bytes that the caller owns (its last
   * release gives the memory back to the pool). Returns 0; OSKIT_E_POINTER for
   * a NULL out_buf; OSKIT_EINVAL when size is larger than the pool's buffers;
   * OSKIT_EAGAIN when a bounded pool has no free buffer now; OSKIT_ENOMEM when
   * memory is exhausted. *out_buf is NULL on failure. */
  virtual OSKIT_COMDECL alloc(oskit_size_t size, oskit_bufio **out_buf) noexcept = 0;

 protected:
  ~oskit_bufio_pool() = default;
};
#else
struct oskit_bufio_pool {
  const struct oskit_bufio_pool_ops *ops;
};
struct oskit_bufio_pool_ops {
  OSKIT_COMDECL (*query)(struct oskit_bufio_pool *p, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_bufio_pool *p);
  OSKIT_COMDECL_U (*release)(struct oskit_bufio_pool *p);
  OSKIT_COMDECL (*alloc)(struct oskit_bufio_pool *p, oskit_size_t size, struct oskit_bufio **out_buf);
};
#endif
typedef struct oskit_bufio_pool oskit_bufio_pool_t;
OSKIT_DECLARE_IID(oskit_bufio_pool, OSKIT_BUFIO_POOL_IID)

#define oskit_bufio_pool_query(p, iid, out) OSKIT_CALL(oskit_bufio_pool_t, p, query, iid, out)
#define oskit_bufio_pool_addref(p) OSKIT_CALL0(oskit_bufio_pool_t, p, addref)
#define oskit_bufio_pool_release(p) OSKIT_CALL0(oskit_bufio_pool_t, p, release)
#define oskit_bufio_pool_alloc(p, size, out_buf) OSKIT_CALL(oskit_bufio_pool_t, p, alloc, size, out_buf)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_bufio_pool_iid;
OSKIT_END_DECLS

#endif /* OSKIT_IO_BUFIO_POOL_H */
