/*
 * The subset (partition) component: a fixed-size window of another blkio with
 * the same block size (OSKit's partition subset). Subsets nest: a subset of a
 * subset is a window of the window.
 *
 * Requests are checked against the window (alignment, overflow, bounds; a
 * transfer crossing the window's end is clamped to it) and passed down with
 * the window's base added. setsize is OSKIT_E_NOTIMPL. With block size 1 it
 * also answers absio with the same pointer. Thread-safe as its target is.
 */
#ifndef COMPONENTS_SUBSET_SUBSET_H
#define COMPONENTS_SUBSET_SUBSET_H

#include "oskit/io/blkio.h"

OSKIT_BEGIN_DECLS

/*
 * Creates the window [offset, offset+size) of io with io's block size; the
 * subset holds a reference to io. offset and size must be multiples of the
 * block size and lie within io. Returns 0 and an owned reference in *out_io;
 * or OSKIT_E_POINTER (io or out_io NULL), OSKIT_EINVAL (misaligned, negative
 * or outside io; io's block size not a power of two), io's getsize error, or
 * OSKIT_ENOMEM, with *out_io NULL.
 */
oskit_error_t oskit_blkio_subset(oskit_blkio_t *io, oskit_off_t offset, oskit_off_t size, oskit_blkio_t **out_io);

OSKIT_END_DECLS

#endif /* COMPONENTS_SUBSET_SUBSET_H */
