/*
 * Device-address spaces for wire() (docs/design.md, "Exporting bufio to DMA
 * code"): factories for oskit_dma_space objects (oskit/io/dma_space.h), the
 * process's default space, and device-side copies through a space. C99.
 *
 * IOVA mode (the default) is a simulated IOMMU: a wired region gets an I/O
 * virtual address made of a generation, a slot number and the region's
 * offset in a 4 GiB window, so that an address kept after its unwire faults
 * instead of reaching whatever is wired next. Any memory can be wired; a
 * region keeps its offset within a 4 KiB page, as an IOMMU's mapping does.
 *
 * Physical mode maps locked huge pages at creation (root; huge pages must be
 * reserved in /proc/sys/vm/nr_hugepages) and hands out the physical
 * addresses /proc/self/pagemap gives for them. Only memory from the space's
 * alloc_mem can be wired, and only ranges on physically contiguous pages;
 * other memory is OSKIT_ENOTSUP.
 *
 * Spaces take their bookkeeping memory from the embedding environment
 * (glue/env) and report faults to its log: the 1st, 2nd, 4th, 8th... of each
 * space. They keep no global state but the default space below.
 */
#ifndef GLUE_DMA_DMA_H
#define GLUE_DMA_DMA_H

#include "oskit/io/dma_space.h"

/* Wired regions a space holds at once unless told otherwise, and at most. */
#define OSKIT_DMA_DEFAULT_REGIONS 65536u
#define OSKIT_DMA_MAX_REGIONS 1048576u
/* The largest region an IOVA-mode space wires (less the region's offset in its first 4 KiB page). */
#define OSKIT_DMA_IOVA_WINDOW 0x100000000ull
/* Locked huge page memory a physical-mode space maps unless told otherwise. */
#define OSKIT_DMA_DEFAULT_POOL_BYTES (4u << 20)

struct oskit_dma_space_options {
  oskit_u32_t mode;        /* OSKIT_DMA_MODE_IOVA or OSKIT_DMA_MODE_PHYS; 0 means IOVA */
  oskit_u32_t max_regions; /* 0: OSKIT_DMA_DEFAULT_REGIONS; at most OSKIT_DMA_MAX_REGIONS */
  oskit_size_t pool_bytes; /* physical mode: huge page memory for alloc_mem, rounded up to
                              whole huge pages; 0: OSKIT_DMA_DEFAULT_POOL_BYTES */
};
typedef struct oskit_dma_space_options oskit_dma_space_options_t;

OSKIT_BEGIN_DECLS

/*
 * Creates a space (options NULL: IOVA mode, defaults). Returns 0 and an owned
 * reference in *out_space; OSKIT_E_POINTER; OSKIT_EINVAL for an unknown mode
 * or too many regions; in physical mode OSKIT_EPERM when the process may not
 * see physical addresses (not root), OSKIT_ENOMEM when too few huge pages are
 * free, OSKIT_EIO when /proc/self/pagemap cannot be read (the reason goes to
 * the environment's log). *out_space is NULL on failure.
 */
oskit_error_t oskit_dma_space_create(const oskit_dma_space_options_t *options, oskit_dma_space_t **out_space);

/*
 * The default space, into which memory bufios wire (OSKit manual 7.4.3).
 * Returns 0 and a reference in *out_space, or OSKIT_E_POINTER/OSKIT_ENOMEM.
 * Unless a harness installed one, it is an IOVA-mode space made on first use
 * and gone with its last reference: a later call makes a fresh one, so no
 * state outlives its users.
 */
oskit_error_t oskit_dma_default_space(oskit_dma_space_t **out_space);

/* Installs space (any implementation; a reference is kept) as the default
 * for later calls; NULL goes back to the made-on-use space. Objects that
 * took the previous default keep it. */
void oskit_dma_set_default_space(oskit_dma_space_t *space);

/* A device's read of size bytes at addr into buf, through space: the access
 * is checked whole first, so a fault copies nothing. Returns 0, or
 * access_begin's error (OSKIT_EFAULT for a fault). */
oskit_error_t oskit_dma_device_read(oskit_dma_space_t *space, oskit_u32_t device, oskit_addr_t addr, void *buf,
                                    oskit_size_t size);

/* A device's write of size bytes from buf to addr; as oskit_dma_device_read. */
oskit_error_t oskit_dma_device_write(oskit_dma_space_t *space, oskit_u32_t device, oskit_addr_t addr, const void *buf,
                                     oskit_size_t size);

OSKIT_END_DECLS

#endif /* GLUE_DMA_DMA_H */
