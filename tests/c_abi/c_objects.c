/*
 * COM objects implemented in C with plain ops tables, handed to C++ code.
 * Compiled as C99 with -Wall -Werror.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oskit/com/heap.h"

#include "components/membufio/membufio.h"
#include "tests/c_abi/c_abi.h"

/* --- shared reference counting ------------------------------------------ */

static struct oskit_object_class c_object_class = {"c_object (written in C)", 0, NULL, 0};

struct c_object {
  const void *ops; /* the interface's ops table: first, as COM requires */
  unsigned refs;
  struct c_counters *counters;
};

static oskit_u32_t c_addref(struct c_object *o) { return ++o->refs; }

static oskit_u32_t c_release(struct c_object *o) {
  unsigned left = --o->refs;
  if (left == 0) {
    o->counters->destroyed++;
    oskit_object_died(&c_object_class);
    free(o);
  }
  return left;
}

static struct c_object *c_object_create(const void *ops, size_t size, struct c_counters *counters) {
  struct c_object *o = calloc(1, size);
  if (o == NULL) return NULL;
  o->ops = ops;
  o->refs = 1;
  o->counters = counters;
  oskit_object_born(&c_object_class);
  return o;
}

/* Answers iunknown and the two given IIDs with the object itself. */
static oskit_error_t c_query(struct c_object *o, const struct oskit_guid *iid, const struct oskit_guid *a,
                             const struct oskit_guid *b, void **out) {
  if (out == NULL) return OSKIT_E_POINTER;
  *out = NULL;
  if (oskit_guid_equal(iid, &oskit_iunknown_iid) || oskit_guid_equal(iid, a) || (b && oskit_guid_equal(iid, b))) {
    c_addref(o);
    *out = o;
    return 0;
  }
  return OSKIT_E_NOINTERFACE;
}

/* --- netio ------------------------------------------------------------------ */

static OSKIT_COMDECL netio_query(oskit_netio_t *io, const struct oskit_guid *iid, void **out) {
  return c_query((struct c_object *)io, iid, &oskit_netio_iid, NULL, out);
}
static OSKIT_COMDECL_U netio_addref(oskit_netio_t *io) { return c_addref((struct c_object *)io); }
static OSKIT_COMDECL_U netio_release(oskit_netio_t *io) { return c_release((struct c_object *)io); }

static OSKIT_COMDECL netio_push(oskit_netio_t *io, oskit_bufio_t *buf, oskit_size_t size) {
  struct c_object *o = (struct c_object *)io;
  oskit_off_t buf_size = 0;
  oskit_error_t rc;
  if (buf == NULL) return OSKIT_E_POINTER;
  rc = oskit_bufio_getsize(buf, &buf_size);
  if (rc != 0) return rc;
  if (size > (oskit_u64_t)buf_size) return OSKIT_EINVAL;
  o->counters->packets++;
  o->counters->bytes += size;
  return 0;
}

static OSKIT_COMDECL netio_alloc_bufio(oskit_netio_t *io, oskit_size_t size, oskit_bufio_t **out_buf) {
  (void)io;
  if (out_buf == NULL) return OSKIT_E_POINTER;
  *out_buf = oskit_bufio_create(size);
  return *out_buf ? 0 : OSKIT_ENOMEM;
}

static const struct oskit_netio_ops c_netio_ops = {netio_query, netio_addref, netio_release, netio_push,
                                                   netio_alloc_bufio};

oskit_netio_t *c_counting_netio_create(struct c_counters *counters) {
  return (oskit_netio_t *)c_object_create(&c_netio_ops, sizeof(struct c_object), counters);
}

/* --- listener --------------------------------------------------------------- */

static OSKIT_COMDECL listener_query(oskit_listener_t *l, const struct oskit_guid *iid, void **out) {
  return c_query((struct c_object *)l, iid, &oskit_listener_iid, NULL, out);
}
static OSKIT_COMDECL_U listener_addref(oskit_listener_t *l) { return c_addref((struct c_object *)l); }
static OSKIT_COMDECL_U listener_release(oskit_listener_t *l) { return c_release((struct c_object *)l); }
static OSKIT_COMDECL listener_notify(oskit_listener_t *l, oskit_iunknown_t *obj) {
  (void)obj;
  ((struct c_object *)l)->counters->notifications++;
  return 0;
}

static const struct oskit_listener_ops c_listener_ops = {listener_query, listener_addref, listener_release,
                                                         listener_notify};

oskit_listener_t *c_counting_listener_create(struct c_counters *counters) {
  return (oskit_listener_t *)c_object_create(&c_listener_ops, sizeof(struct c_object), counters);
}

/* --- absio over caller memory (answers blkio too: same table) --------------- */

struct c_memory {
  struct c_object base;
  char *mem;
  oskit_size_t size;
};

static OSKIT_COMDECL absio_query(oskit_absio_t *io, const struct oskit_guid *iid, void **out) {
  return c_query((struct c_object *)io, iid, &oskit_absio_iid, &oskit_blkio_iid, out);
}
static OSKIT_COMDECL_U absio_addref(oskit_absio_t *io) { return c_addref((struct c_object *)io); }
static OSKIT_COMDECL_U absio_release(oskit_absio_t *io) { return c_release((struct c_object *)io); }
static OSKIT_COMDECL_U absio_getblocksize(oskit_absio_t *io) {
  (void)io;
  return 1;
}

/* The toolkit's transfer rules (oskit/io/range.h), in C. */
static oskit_error_t clamp(const struct c_memory *m, oskit_off_t offset, oskit_size_t amount, oskit_size_t *n) {
  *n = 0;
  if (offset < 0 || amount > (uint64_t)INT64_MAX || (uint64_t)offset > (uint64_t)INT64_MAX - amount)
    return OSKIT_EINVAL;
  if (amount == 0) return 0;
  if ((uint64_t)offset >= m->size) return OSKIT_EINVAL;
  *n = m->size - (oskit_size_t)offset < amount ? m->size - (oskit_size_t)offset : amount;
  return 0;
}

/* Copies between the object and buf, in the direction to_object says. */
static oskit_error_t transfer(struct c_memory *m, char *buf, oskit_off_t offset, oskit_size_t amount,
                              oskit_size_t *out_actual, int to_object) {
  oskit_size_t n;
  oskit_error_t rc;
  if (out_actual == NULL || (buf == NULL && amount != 0)) return OSKIT_E_POINTER;
  rc = clamp(m, offset, amount, &n);
  *out_actual = 0;
  if (rc != 0) return rc;
  if (n && to_object) memmove(m->mem + offset, buf, n);
  if (n && !to_object) memmove(buf, m->mem + offset, n);
  *out_actual = n;
  return 0;
}

static OSKIT_COMDECL absio_read(oskit_absio_t *io, void *buf, oskit_off_t offset, oskit_size_t amount,
                                oskit_size_t *out_actual) {
  return transfer((struct c_memory *)io, buf, offset, amount, out_actual, 0);
}

static OSKIT_COMDECL absio_write(oskit_absio_t *io, const void *buf, oskit_off_t offset, oskit_size_t amount,
                                 oskit_size_t *out_actual) {
  return transfer((struct c_memory *)io, (char *)(uintptr_t)buf, offset, amount, out_actual, 1);
}

static OSKIT_COMDECL absio_getsize(oskit_absio_t *io, oskit_off_t *out_size) {
  if (out_size == NULL) return OSKIT_E_POINTER;
  *out_size = (oskit_off_t)((struct c_memory *)io)->size;
  return 0;
}

static OSKIT_COMDECL absio_setsize(oskit_absio_t *io, oskit_off_t new_size) {
  (void)io;
  (void)new_size;
  return OSKIT_E_NOTIMPL;
}

static const struct oskit_absio_ops c_absio_ops = {absio_query, absio_addref, absio_release, absio_getblocksize,
                                                   absio_read,  absio_write,  absio_getsize, absio_setsize};

oskit_absio_t *c_memory_absio_create(char *mem, oskit_size_t size, struct c_counters *counters) {
  struct c_memory *m = (struct c_memory *)c_object_create(&c_absio_ops, sizeof(struct c_memory), counters);
  if (m == NULL) return NULL;
  m->mem = mem;
  m->size = size;
  return (oskit_absio_t *)m;
}
