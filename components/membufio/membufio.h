/*
 * The memory bufio component: a bufio (also answering absio and blkio with the
 * same pointer, OSKit manual 7.4) over heap memory it owns or over caller
 * memory, and pools handing such buffers out: one over the heap, one over a
 * fixed set of recycled buffers.
 *
 * Reads and writes are lock-free copies. setsize (heap memory only) moves the
 * data: callers must not run it concurrently with I/O on the same object, and
 * it fails with OSKIT_EBUSY while any region is mapped.
 */
#ifndef COMPONENTS_MEMBUFIO_MEMBUFIO_H
#define COMPONENTS_MEMBUFIO_MEMBUFIO_H

#include "oskit/io/bufio.h"
#include "oskit/io/bufio_pool.h"

OSKIT_BEGIN_DECLS

/* Creates a heap bufio of size bytes, zero-filled. map works; setsize works
 * (the memory is ours). Returns an owned reference, or NULL on exhaustion
 * (including a size the heap cannot represent). */
oskit_bufio_t *oskit_bufio_create(oskit_size_t size);

/* Creates a fixed-size bufio over caller memory [buf, buf+size); when the last
 * reference goes, free(cookie, buf) is called if free is not NULL. Returns an
 * owned reference, or NULL on exhaustion, for a NULL buf with a size, or for a
 * size beyond the largest offset. */
oskit_bufio_t *oskit_create_extern_bufio(void *buf, oskit_size_t size,
                                         void (*free)(void *cookie, void *buf), void *cookie);

/* Creates a pool whose alloc gives a new heap bufio of the size asked
 * (oskit_bufio_create). Returns 0 and an owned reference in *out_pool, or
 * OSKIT_E_POINTER, OSKIT_ENOMEM with *out_pool NULL. */
oskit_error_t oskit_bufio_heap_pool_create(oskit_bufio_pool_t **out_pool);

/* Creates a bounded pool of count buffers of size bytes each, allocated once.
 * alloc hands out a free buffer (of size bytes, whatever size is asked up to
 * it; OSKIT_EINVAL above it; OSKIT_EAGAIN when none is free) and the
 * buffer's last release puts it back on the free list, so a steady state
 * allocates nothing. Buffers are not cleared between uses. A buffer that is
 * out keeps the pool alive. Thread-safe. Returns 0 and an owned reference in
 * *out_pool, or OSKIT_E_POINTER, OSKIT_EINVAL (count or size 0),
 * OSKIT_ENOMEM, with *out_pool NULL. */
oskit_error_t oskit_bufio_recycled_pool_create(oskit_size_t count, oskit_size_t size, oskit_bufio_pool_t **out_pool);

OSKIT_END_DECLS

#endif /* COMPONENTS_MEMBUFIO_MEMBUFIO_H */
