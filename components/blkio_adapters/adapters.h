/*
 * The absio/blkio adapters (OSKit manual 7.1, 7.3):
 *   - an absio over any blkio: byte-granular reads and writes, with
 *     read-modify-write of partially covered blocks;
 *   - a blkio of a chosen block size over any absio.
 *
 * absio over blkio: aligned requests pass straight through. A partially
 * covered block is read, patched and written back under a lock chosen by the
 * block's number (one of 64), so two writers of different bytes of one block
 * cannot undo each other's bytes; whole blocks are written without a lock.
 * Writers of the same bytes get no ordering guarantee. Two adapters over one
 * blkio do not share locks: concurrent writers must share one adapter.
 */
#ifndef COMPONENTS_BLKIO_ADAPTERS_ADAPTERS_H
#define COMPONENTS_BLKIO_ADAPTERS_ADAPTERS_H

#include "oskit/io/absio.h"
#include "oskit/io/blkio.h"

/* The largest block size the adapters accept. */
#define OSKIT_ADAPTER_MAX_BLOCK_SIZE (1u << 20)

OSKIT_BEGIN_DECLS

/*
 * Creates an absio (answering blkio with the same pointer, block size 1) over
 * io, which it holds a reference to. Reads and writes at any offset and length
 * follow oskit/io/range.h against io's size: a write is clamped at the end and
 * never grows io. setsize takes a multiple of io's block size (else
 * OSKIT_EINVAL, and io is not touched) and passes it down. Concurrent writers of disjoint byte ranges
 * are safe even when they share a block. Returns 0 and an owned reference, or
 * OSKIT_E_POINTER, OSKIT_EINVAL (io's block size is not a power of two up to
 * OSKIT_ADAPTER_MAX_BLOCK_SIZE) or OSKIT_ENOMEM with *out_io set to NULL.
 */
oskit_error_t oskit_absio_adapter_create(oskit_blkio_t *io, oskit_absio_t **out_io);

/*
 * Creates a blkio of block_size (a power of two up to
 * OSKIT_ADAPTER_MAX_BLOCK_SIZE) over the absio io. Its size is io's rounded
 * down to the block size; requests follow the blkio rules (OSKit manual
 * 7.3) and writes are clamped at the end. setsize takes a multiple of the block
 * size. With block_size 1 it also answers absio. Returns 0 and an owned
 * reference, or OSKIT_E_POINTER / OSKIT_EINVAL / OSKIT_ENOMEM with *out_io NULL.
 */
oskit_error_t oskit_blkio_adapter_create(oskit_absio_t *io, oskit_u32_t block_size, oskit_blkio_t **out_io);

OSKIT_END_DECLS

#endif /* COMPONENTS_BLKIO_ADAPTERS_ADAPTERS_H */
