/*
 * oskit_dma_space: a device-address space (ours, not OSKit's; docs/design.md,
 * "Exporting bufio to DMA code"). Memory wired into a space gets a device
 * address at which DMA hardware reaches it until it is unwired; a device
 * reaches memory only through access_begin/access_end, so an access outside
 * every wired region, or to a region after its unwire, is refused and
 * reported as a fault, never made. A bufio's wire (OSKit manual 7.4.3) hands
 * out addresses of a space; a DMA engine translates through one.
 *
 * Two kinds of address, as in DPDK's IOVA modes: OSKIT_DMA_MODE_IOVA, an I/O
 * virtual address from the translation table of a simulated IOMMU (any
 * memory can be wired; the region is contiguous in IOVA space), and
 * OSKIT_DMA_MODE_PHYS, the physical address of locked hugepage memory (only
 * memory from alloc_mem can be wired, and only where it is physically
 * contiguous).
 *
 * Every method may be called from any thread.
 */
#ifndef OSKIT_IO_DMA_SPACE_H
#define OSKIT_IO_DMA_SPACE_H

#include "oskit/com.h"

/* Address modes. */
#define OSKIT_DMA_MODE_IOVA 1u
#define OSKIT_DMA_MODE_PHYS 2u

/* The direction of a device access. */
#define OSKIT_DMA_READ 1u  /* the device reads memory */
#define OSKIT_DMA_WRITE 2u /* the device writes memory */

/* What a space has done. */
struct oskit_dma_stats {
  oskit_u32_t mode;          /* OSKIT_DMA_MODE_* */
  oskit_u32_t max_regions;   /* regions that can be wired at once */
  oskit_u64_t regions_wired; /* regions wired now */
  oskit_u64_t bytes_wired;   /* bytes in those regions */
  oskit_u64_t wires;         /* successful wire calls since creation */
  oskit_u64_t unwires;       /* successful unwire calls since creation */
  oskit_u64_t accesses;      /* device accesses allowed */
  oskit_u64_t faults;        /* device accesses refused */
};
typedef struct oskit_dma_stats oskit_dma_stats_t;

/* A refused device access. */
struct oskit_dma_fault {
  oskit_u32_t device; /* the device that made it */
  oskit_u32_t access; /* OSKIT_DMA_READ or OSKIT_DMA_WRITE */
  oskit_addr_t addr;  /* its first device address */
  oskit_size_t size;  /* its length in bytes */
};
typedef struct oskit_dma_fault oskit_dma_fault_t;

/* A device access in progress (access_begin to access_end). */
typedef oskit_u64_t oskit_dma_pin_t;

/* IID 06748868-80d5-4dcc-83d2-ed488b132ef3 (ours, outside OSKit's range). */
#define OSKIT_DMA_SPACE_IID OSKIT_GUID(0x06748868, 0x80d5, 0x4dcc, 0x83, 0xd2, 0xed, 0x48, 0x8b, 0x13, 0x2e, 0xf3)

#ifdef __cplusplus
struct oskit_dma_space : oskit_iunknown {
  /* *out_stats gets the counters. Returns 0 or OSKIT_E_POINTER. */
  virtual OSKIT_COMDECL getstats(oskit_dma_stats_t *out_stats) noexcept = 0;
  /* Wires [cpu_addr, cpu_addr + size): *out_addr gets the device address of
   * its first byte, valid until the matching unwire. Returns 0; OSKIT_EINVAL
   * for size 0 or a range that wraps; OSKIT_ENOTSUP when this space cannot
   * make the range contiguous for a device (the caller falls back to copying);
   * OSKIT_EBUSY when the range overlaps a region wired already and the mode
   * cannot give it an address of its own (physical mode); OSKIT_ENOSPC when
   * max_regions are wired; OSKIT_ENOMEM. *out_addr is 0 on failure. */
  virtual OSKIT_COMDECL wire(void *cpu_addr, oskit_size_t size, oskit_addr_t *out_addr) noexcept = 0;
  /* Unwires the region wire returned addr for; size must be the wired size.
   * Waits for device accesses to it in progress to end; afterwards every
   * access to it faults. Returns 0, or OSKIT_EINVAL when no region was wired
   * at addr with that size. */
  virtual OSKIT_COMDECL unwire(oskit_addr_t addr, oskit_size_t size) noexcept = 0;
  /* A device's access to [addr, addr + size): on success *out_cpu gets where
   * the CPU reaches that range and *out_pin a token for access_end; the region
   * cannot be unwired until then (unwire waits). Returns 0; OSKIT_EFAULT
   * (counted, remembered as the last fault and logged) when the range is not
   * inside one wired region; OSKIT_EINVAL for size 0 or an unknown access;
   * OSKIT_E_POINTER. */
  virtual OSKIT_COMDECL access_begin(oskit_u32_t device, oskit_addr_t addr, oskit_size_t size, oskit_u32_t access,
                                     void **out_cpu, oskit_dma_pin_t *out_pin) noexcept = 0;
  /* Ends an access begun by access_begin. Returns 0, or OSKIT_EINVAL for a
   * token that names no access in progress. */
  virtual OSKIT_COMDECL access_end(oskit_dma_pin_t pin) noexcept = 0;
  /* The wired region an access in progress lies in: *out_addr and *out_size
   * get its device range, *out_cpu where the CPU reaches its first byte, all
   * valid until access_end, so that a device may reach other bytes of the
   * region meanwhile without an access of their own. Returns 0, or
   * OSKIT_EINVAL for a token that names no access in progress. */
  virtual OSKIT_COMDECL region(oskit_dma_pin_t pin, oskit_addr_t *out_addr, oskit_size_t *out_size,
                               void **out_cpu) noexcept = 0;
  /* *out_fault gets the last fault. Returns 0, or OSKIT_ENOENT when no access
   * has faulted. */
  virtual OSKIT_COMDECL lastfault(oskit_dma_fault_t *out_fault) noexcept = 0;
  /* *out_cpu gets size bytes of memory that can be wired whole (physically
   * contiguous in physical mode), aligned to align (a power of two; 0 means
   * 64). Returns 0; OSKIT_EINVAL; OSKIT_ENOMEM. */
  virtual OSKIT_COMDECL alloc_mem(oskit_size_t size, oskit_size_t align, void **out_cpu) noexcept = 0;
  /* Gives back memory from alloc_mem (same size). Returns 0, or OSKIT_EINVAL
   * for memory that did not come from alloc_mem. */
  virtual OSKIT_COMDECL free_mem(void *cpu, oskit_size_t size) noexcept = 0;

 protected:
  ~oskit_dma_space() = default;
};
#else
struct oskit_dma_space {
  const struct oskit_dma_space_ops *ops;
};
struct oskit_dma_space_ops {
  OSKIT_COMDECL (*query)(struct oskit_dma_space *s, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_dma_space *s);
  OSKIT_COMDECL_U (*release)(struct oskit_dma_space *s);
  OSKIT_COMDECL (*getstats)(struct oskit_dma_space *s, oskit_dma_stats_t *out_stats);
  OSKIT_COMDECL (*wire)(struct oskit_dma_space *s, void *cpu_addr, oskit_size_t size, oskit_addr_t *out_addr);
  OSKIT_COMDECL (*unwire)(struct oskit_dma_space *s, oskit_addr_t addr, oskit_size_t size);
  OSKIT_COMDECL (*access_begin)
  (struct oskit_dma_space *s, oskit_u32_t device, oskit_addr_t addr, oskit_size_t size, oskit_u32_t access,
   void **out_cpu, oskit_dma_pin_t *out_pin);
  OSKIT_COMDECL (*access_end)(struct oskit_dma_space *s, oskit_dma_pin_t pin);
  OSKIT_COMDECL (*region)
  (struct oskit_dma_space *s, oskit_dma_pin_t pin, oskit_addr_t *out_addr, oskit_size_t *out_size, void **out_cpu);
  OSKIT_COMDECL (*lastfault)(struct oskit_dma_space *s, oskit_dma_fault_t *out_fault);
  OSKIT_COMDECL (*alloc_mem)(struct oskit_dma_space *s, oskit_size_t size, oskit_size_t align, void **out_cpu);
  OSKIT_COMDECL (*free_mem)(struct oskit_dma_space *s, void *cpu, oskit_size_t size);
};
#endif
typedef struct oskit_dma_space oskit_dma_space_t;
OSKIT_DECLARE_IID(oskit_dma_space, OSKIT_DMA_SPACE_IID)

#define oskit_dma_space_query(s, iid, out) OSKIT_CALL(oskit_dma_space_t, s, query, iid, out)
#define oskit_dma_space_addref(s) OSKIT_CALL0(oskit_dma_space_t, s, addref)
#define oskit_dma_space_release(s) OSKIT_CALL0(oskit_dma_space_t, s, release)
#define oskit_dma_space_getstats(s, out) OSKIT_CALL(oskit_dma_space_t, s, getstats, out)
#define oskit_dma_space_wire(s, cpu, size, out_addr) OSKIT_CALL(oskit_dma_space_t, s, wire, cpu, size, out_addr)
#define oskit_dma_space_unwire(s, addr, size) OSKIT_CALL(oskit_dma_space_t, s, unwire, addr, size)
#define oskit_dma_space_access_begin(s, device, addr, size, access, out_cpu, out_pin) \
  OSKIT_CALL(oskit_dma_space_t, s, access_begin, device, addr, size, access, out_cpu, out_pin)
#define oskit_dma_space_access_end(s, pin) OSKIT_CALL(oskit_dma_space_t, s, access_end, pin)
#define oskit_dma_space_region(s, pin, out_addr, out_size, out_cpu) \
  OSKIT_CALL(oskit_dma_space_t, s, region, pin, out_addr, out_size, out_cpu)
#define oskit_dma_space_lastfault(s, out) OSKIT_CALL(oskit_dma_space_t, s, lastfault, out)
#define oskit_dma_space_alloc_mem(s, size, align, out_cpu) \
  OSKIT_CALL(oskit_dma_space_t, s, alloc_mem, size, align, out_cpu)
#define oskit_dma_space_free_mem(s, cpu, size) OSKIT_CALL(oskit_dma_space_t, s, free_mem, cpu, size)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_dma_space_iid;
OSKIT_END_DECLS

#endif /* OSKIT_IO_DMA_SPACE_H */
