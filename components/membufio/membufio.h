/*
 * The memory bufio component: a bufio (also answering absio and blkio with the
 * same pointer, OSKit manual 7.4) over heap memory it owns, over caller
 * memory, or over a pool's buffer; and pools handing such buffers out: one
 * over the heap, one over a fixed set of recycled buffers, one over
 * device-reachable memory (a DMA pool).
 *
 * wire (7.4.3) gives a device address in a device-address space
 * (oskit/io/dma_space.h, glue/dma): a pool buffer's space, else the default
 * space (oskit_dma_default_space) the object first wired into. The address
 * stays valid until the matching unwire or the object's last release, which
 * unwires whatever is left; the wired bytes never move meanwhile (setsize is
 * OSKIT_EBUSY, and copies do not share them). A wiring that overlaps one in
 * effect on the same object is refused with OSKIT_EBUSY: one wiring at a time
 * per byte, as 7.4 allows. OSKIT_ENOTSUP means the space cannot make the range
 * contiguous for a device (heap or caller memory in a physical-mode space):
 * use read and write instead. unwire (7.4.4) takes exactly the arguments of a
 * wire (else OSKIT_EINVAL) and returns once the device's accesses in progress
 * have ended; afterwards the device's accesses fault.
 *
 * copy (7.4.5) of heap memory shares the bytes copy-on-write: the first write,
 * map, wire or setsize of either object gives it bytes of its own (and may fail
 * with OSKIT_ENOMEM then). A mapped or wired object, caller memory and pool
 * buffers are copied at once (a pool buffer into another of its pool's buffers
 * when one is free).
 *
 * Every method may run concurrently with any other on the same object, setsize
 * and copy included. As with any memory, the caller orders a read or copy of
 * bytes against another thread's write of the same bytes; a copy-on-write copy
 * holds each write either whole or not at all.
 */
#ifndef COMPONENTS_MEMBUFIO_MEMBUFIO_H
#define COMPONENTS_MEMBUFIO_MEMBUFIO_H

#include "oskit/io/bufio.h"
#include "oskit/io/bufio_pool.h"
#include "oskit/io/dma_space.h"

OSKIT_BEGIN_DECLS

/* Creates a heap bufio of size bytes, zero-filled. map, wire, copy and setsize
 * work. Returns an owned reference, or NULL on exhaustion (including a size
 * the heap cannot represent). */
oskit_bufio_t *oskit_bufio_create(oskit_size_t size);

/* Creates a fixed-size bufio over caller memory [buf, buf+size); when the last
 * reference goes, free(cookie, buf) is called if free is not NULL. setsize is
 * OSKIT_E_NOTIMPL. Returns an owned reference, or NULL on exhaustion, for a
 * NULL buf with a size, or for a size beyond the largest offset (free is not
 * called then). */
oskit_bufio_t *oskit_create_extern_bufio(void *buf, oskit_size_t size, void (*free)(void *cookie, void *buf),
                                         void *cookie);

/* Creates a pool whose alloc gives a new heap bufio of the size asked
 * (oskit_bufio_create). Returns 0 and an owned reference in *out_pool, or
 * OSKIT_E_POINTER, OSKIT_ENOMEM with *out_pool NULL. */
oskit_error_t oskit_bufio_heap_pool_create(oskit_bufio_pool_t **out_pool);

/* Creates a bounded pool of count buffers of size bytes each, allocated once.
 * alloc hands out a free buffer (of size bytes, whatever size is asked up to
 * it; OSKIT_EINVAL above it; OSKIT_EAGAIN when none is free) and the
 * buffer's last release puts it back on the free list, so a steady state
 * allocates nothing. Buffers start zero-filled and are not cleared between
 * uses; setsize is OSKIT_E_NOTIMPL; wire uses the default space, and what is
 * still wired or mapped when a buffer goes back is unwired and unmapped then.
 * A buffer that is out keeps the pool alive. Thread-safe. Returns 0 and an
 * owned reference in *out_pool, or OSKIT_E_POINTER, OSKIT_EINVAL (count or
 * size 0), OSKIT_ENOMEM, with *out_pool NULL. */
oskit_error_t oskit_bufio_recycled_pool_create(oskit_size_t count, oskit_size_t size, oskit_bufio_pool_t **out_pool);

/*
 * Creates a DMA pool: count buffers of buffer_size bytes from space's
 * alloc_mem (space NULL: the default space), each contiguous for the device,
 * so that wire of any range of a buffer succeeds in both of a space's modes.
 * alloc gives a zero-filled bufio of the size asked over a free buffer
 * (OSKIT_EINVAL above buffer_size; OSKIT_EAGAIN while every buffer is in use);
 * the buffer returns to the pool at the bufio's last release, and the memory
 * stays while any buffer is in use, after the pool itself has gone. setsize
 * works up to buffer_size (OSKIT_EINVAL beyond). Returns 0 and an owned
 * reference in *out_pool; OSKIT_E_POINTER; OSKIT_EINVAL for a buffer_size or
 * count of 0; OSKIT_ENOMEM when the space cannot supply the memory.
 */
oskit_error_t oskit_dma_bufio_pool_create(oskit_dma_space_t *space, oskit_size_t buffer_size, oskit_u32_t count,
                                          oskit_bufio_pool_t **out_pool);

OSKIT_END_DECLS

#endif /* COMPONENTS_MEMBUFIO_MEMBUFIO_H */
